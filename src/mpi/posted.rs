//! Receives posted in advance on the control communicator: a ring of buffers, each with an
//! `MPI_Irecv` from any source with any tag, tested oldest first.
//!
//! A message for which a receive is already posted is matched and copied into place by MPI's
//! progress as it arrives, and one `MPI_Test` both makes that progress and reports it. A probe
//! (`MPI_Improbe`) looks before it makes progress, so an arriving message needs a second probe,
//! and the receive that follows copies it again out of MPI's unexpected-message queue: on this
//! machine a ping-pong with posted receives took 0.6-0.7 us per round trip against 1.2-1.8 us
//! with probes. Every control message fits a buffer ([`POSTED_MAX`] bytes): a longer body is
//! announced by a small `BIG` message and sent on the bulk communicator (see `engine.rs`).
//!
//! MPI matches messages from any source to posted receives in the order they were posted, so
//! the oldest slot completes first; after its message is handled it is posted again and
//! becomes the newest.

use crate::mpi::{self, World, POSTED_MAX};
use mpi_sys as ffi;
use std::os::raw::c_int;

/// Receives kept posted (messages that arrive while all are full wait in MPI's queue).
const SLOTS: usize = 4;

struct Slot {
    buf: Box<[u8]>,
    req: ffi::MPI_Request,
}

/// A received control message, still in its slot (see [`Posted::body`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arrived {
    /// Sender rank.
    pub(crate) source: usize,
    /// Tag.
    pub(crate) tag: c_int,
    /// Body length in bytes.
    pub(crate) len: usize,
}

/// The ring of posted receives of one node.
///
/// Dropping it closes it first ([`Posted::close`]: cancel, then wait, which cannot hang for a
/// receive), so MPI never writes into a freed buffer; after `MPI_Finalize` MPI writes nothing
/// any more and the buffers are simply freed.
pub(crate) struct Posted {
    slots: Vec<Slot>,
    /// The oldest posted slot: the next to complete.
    head: usize,
    /// Whether the receives are posted (false after [`Posted::close`]).
    open: bool,
}

// SAFETY: the request handles and buffers move together; MPI writes a buffer only while its
// request is active, and every call on them is made by the engine's holder under `with_mpi`.
unsafe impl Send for Posted {}

impl Posted {
    /// Posts a few (`SLOTS`) receives on `world`'s control communicator.
    pub(crate) fn new(world: &World) -> Posted {
        let slots = (0..SLOTS)
            .map(|_| Slot {
                buf: vec![0u8; POSTED_MAX].into_boxed_slice(),
                // SAFETY: reading an extern constant of the MPI library.
                req: unsafe { ffi::RSMPI_REQUEST_NULL },
            })
            .collect();
        let mut p = Posted {
            slots,
            head: 0,
            open: true,
        };
        for i in 0..SLOTS {
            p.post(world, i);
        }
        p
    }

    fn post(&mut self, world: &World, i: usize) {
        let s = &mut self.slots[i];
        // SAFETY: the buffer is owned by the slot and stays put (a boxed slice) until the
        // request completes or is cancelled; `s.req` receives the handle.
        mpi::with_mpi(|| unsafe {
            ffi::MPI_Irecv(
                s.buf.as_mut_ptr() as *mut std::os::raw::c_void,
                POSTED_MAX as c_int,
                ffi::RSMPI_UINT8_T,
                ffi::RSMPI_ANY_SOURCE,
                ffi::RSMPI_ANY_TAG,
                world.comm,
                &mut s.req,
            )
        });
    }

    /// The oldest posted receive, if its message has arrived (making MPI progress).
    pub(crate) fn test(&mut self) -> Option<Arrived> {
        if !self.open {
            return None;
        }
        let s = &mut self.slots[self.head];
        let mut flag: c_int = 0;
        // SAFETY: MPI_Status is plain data, filled on completion.
        let mut status: ffi::MPI_Status = unsafe { std::mem::zeroed() };
        let mut count: c_int = 0;
        // SAFETY: `req` is the slot's active receive; valid out-pointers.
        mpi::with_mpi(|| unsafe {
            ffi::MPI_Test(&mut s.req, &mut flag, &mut status);
            if flag != 0 {
                ffi::MPI_Get_count(&status, ffi::RSMPI_UINT8_T, &mut count);
            }
        });
        (flag != 0).then_some(Arrived {
            source: status.MPI_SOURCE as usize,
            tag: status.MPI_TAG,
            len: count as usize,
        })
    }

    /// The body of the message [`Posted::test`] just reported.
    pub(crate) fn body(&self, a: &Arrived) -> &[u8] {
        &self.slots[self.head].buf[..a.len]
    }

    /// Done with the oldest slot's message: post its receive again (it becomes the newest).
    pub(crate) fn repost(&mut self, world: &World) {
        let i = self.head;
        self.post(world, i);
        self.head = (i + 1) % SLOTS;
    }

    /// Cancels the posted receives (at shutdown, before the communicator is freed). A message
    /// that already arrived in a slot is dropped: the termination protocol guarantees that no
    /// message that matters is still on its way.
    pub(crate) fn close(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        // SAFETY: reading an extern constant of the MPI library.
        let null = unsafe { ffi::RSMPI_REQUEST_NULL };
        // A slot whose message `test` reported and that was not posted again has no request.
        for s in self.slots.iter_mut().filter(|s| s.req != null) {
            // SAFETY: an active receive request of ours; cancel, then wait for it to finish
            // (cancelled or completed), which frees the request.
            mpi::with_mpi(|| unsafe {
                ffi::MPI_Cancel(&mut s.req);
                ffi::MPI_Wait(&mut s.req, ffi::RSMPI_STATUS_IGNORE);
            });
        }
    }
}

impl Drop for Posted {
    fn drop(&mut self) {
        if !mpi::is_finalized() {
            self.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpi::recv_raw;
    use crate::mpi::tests::self_world;

    #[test]
    fn dropping_posted_receives_withdraws_them() {
        let w = self_world();
        drop(Posted::new(&w));
        // A message sent now must stay for a new receive, not land in a dropped buffer.
        let sent = [1u8, 2, 3, 4, 5];
        let mut got = [0u8; 5];
        // SAFETY: reading an extern constant of the MPI library.
        let mut req = unsafe { ffi::RSMPI_REQUEST_NULL };
        // SAFETY: `sent` stays valid and unchanged until the MPI_Wait below; `req` receives
        // the handle.
        unsafe {
            ffi::MPI_Isend(
                sent.as_ptr() as *const std::os::raw::c_void,
                5,
                ffi::RSMPI_UINT8_T,
                0,
                9,
                w.comm,
                &mut req,
            );
        }
        let mut flag: c_int = 0;
        let mut probes = 0;
        while flag == 0 && probes < 100_000 {
            // SAFETY: valid out-pointers; a probe on our own communicator.
            unsafe {
                ffi::MPI_Iprobe(0, 9, w.comm, &mut flag, ffi::RSMPI_STATUS_IGNORE);
            }
            probes += 1;
        }
        assert!(flag != 0, "a dropped posted receive took the message");
        // SAFETY: room for the 5 bytes.
        unsafe { recv_raw(&w, 0, 9, got.as_mut_ptr(), 5) };
        // SAFETY: the send's request; its buffer `sent` is still alive.
        unsafe { ffi::MPI_Wait(&mut req, ffi::RSMPI_STATUS_IGNORE) };
        assert_eq!(got, sent);
        let mut c = w.comm;
        // SAFETY: our duplicate, freed once.
        unsafe { ffi::MPI_Comm_free(&mut c) };
    }
}
