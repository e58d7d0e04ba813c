//! The bottom layer's synchronisation primitives, which know nothing of tasks or MPI: a cheap
//! full fence, the spin-yield-park back-off, the children latch, the single-producer queue of
//! one nesting level, and the parking of idle workers.

pub(crate) mod backoff;
pub(crate) mod fence;
pub(crate) mod latch;
pub(crate) mod queue;
pub(crate) mod sleep;
