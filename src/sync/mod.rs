//! The bottom layer's synchronisation primitives, which know nothing of tasks or MPI: a cheap
//! full fence, the spin-yield-park back-off, the children latch, cache prefetch hints, the
//! single-producer queue of one nesting level, and the parking of idle workers. Under
//! `--cfg loom` (`scripts/loom.sh`) their unit tests model-check the queue, the latch and the
//! parking with loom (see `shim`).

pub(crate) mod backoff;
pub(crate) mod event;
pub(crate) mod fence;
pub(crate) mod latch;
pub(crate) mod prefetch;
pub(crate) mod queue;
pub(crate) mod shim;
pub(crate) mod sleep;
