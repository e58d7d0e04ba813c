//! Timeline recording for `TORC_TRACE` (see README.md here): a process-wide switch, the
//! clock, the 48-byte record, and one buffer per recording thread with a per-node cap.
//!
//! Each thread writes only its own buffer (no lock, no atomic read-modify-write on the path of
//! a task); the buffers are read at `torc_finalize`, after the threads that wrote them have
//! stopped (or by the thread itself), by [`take_all`]. Off, every recording point costs one
//! relaxed load of [`on`] and a branch.

pub(crate) mod chrome;

use parking_lot::Mutex;
use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

static ON: AtomicBool = AtomicBool::new(false);
/// Records each buffer may hold (the node's cap split between its recording threads).
static SHARE: AtomicUsize = AtomicUsize::new(0);
/// Every buffer made so far, in order of creation.
static BUFFERS: Mutex<Vec<&'static Buffer>> = Mutex::new(Vec::new());
/// Lanes of threads that are neither workers nor the communication lane, in order of use.
static OTHER_LANES: AtomicUsize = AtomicUsize::new(0);

/// Whether recording is on.
#[inline(always)]
pub(crate) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Switches recording on for this process: at most `cap` records in all, for about `lanes`
/// recording threads.
pub(crate) fn start(cap: usize, lanes: usize) {
    SHARE.store((cap / lanes.max(1)).max(1000), Ordering::Relaxed);
    ON.store(true, Ordering::Release);
}

/// Switches recording off (at the end, before the buffers are read).
pub(crate) fn stop() {
    ON.store(false, Ordering::Release);
}

/// This node's clock: `CLOCK_MONOTONIC` in nanoseconds.
#[inline]
pub(crate) fn now() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the current time into `ts`, valid for writing.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Where a record is drawn: a worker's lane, the node's communication lane, another thread's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Local worker `w`.
    Worker(usize),
    /// Message traffic of the node (whoever drives the engine).
    Comm,
    /// Another thread of the process, numbered in order of first use.
    Other(usize),
    /// Fiber `k` (1, 2, ...) of local worker `w`: tasks that ran while a task of the worker
    /// was suspended (src/fiber/README.md).
    Fiber(usize, usize),
}

impl Lane {
    /// The Chrome trace `tid` of the lane.
    pub(crate) fn tid(self) -> usize {
        match self {
            Lane::Worker(w) => w,
            Lane::Comm => 1000,
            Lane::Other(k) => 2000 + k,
            Lane::Fiber(w, k) => 100_000 + w * 10_000 + k,
        }
    }
}

/// What a record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    /// A task ran from `t0` to `t1`: `a` its level, `b` the creator's node, `func` its
    /// function, `bytes` its argument data, `id` its flow (0: none), `flag` visible.
    Task,
    /// The primary task, from start-up to the end.
    Primary,
    /// A worker parked from `t0` to `t1`.
    Idle,
    /// A message sent: `a` the destination, `b` its tag, `bytes` its length.
    Send,
    /// A message received and acted on: `a` the source, `b` its tag, `bytes` its length.
    Recv,
    /// A steal request sent to node `a`.
    StealRequest,
    /// A steal request of node `a` answered with a task (`id` its flow, `flag` whether the
    /// flow starts here) or, with `flag == 2`, refused.
    StealServed,
    /// The answer of victim `a` arrived: with a task (`flag` 1) or none.
    StealAnswer,
    /// A task left for another node: the start of flow `id`, at `t0`.
    FlowStart,
    /// Flow `id` ends at `t0` without a run (a task back home that leaves again, by a steal,
    /// under a new handle: a new flow).
    FlowEnd,
}

/// One record (48 bytes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    /// Start (ns, this node's clock).
    pub(crate) t0: u64,
    /// End (ns; `t0` for instants).
    pub(crate) t1: u64,
    /// The task function's address, when there is one.
    pub(crate) func: usize,
    /// Bytes of data.
    pub(crate) bytes: u64,
    /// A flow id (see README.md).
    pub(crate) id: u64,
    /// Kind-specific (see [`Kind`]).
    pub(crate) a: u32,
    /// Kind-specific.
    pub(crate) b: u16,
    /// Kind-specific.
    pub(crate) flag: u8,
    /// The kind.
    pub(crate) kind: Kind,
}

impl Record {
    /// A record of `kind` from `t0` to `t1`, other fields zero.
    pub(crate) fn span(kind: Kind, t0: u64, t1: u64) -> Record {
        Record {
            t0,
            t1,
            func: 0,
            bytes: 0,
            id: 0,
            a: 0,
            b: 0,
            flag: 0,
            kind,
        }
    }
}

/// The records of one lane. Only its thread pushes (through [`push`] on that thread, or a
/// holder of the engine's lock for the communication lane); they are read once that thread
/// no longer records.
pub(crate) struct Buffer {
    lane: Lane,
    records: UnsafeCell<Vec<Record>>,
    dropped: AtomicU64,
}

// SAFETY: `records` is written only by the buffer's one writer at a time (its thread, or the
// holder of the engine lock) and read by `take_all` after writing stopped (see the module's
// doc); `dropped` is atomic.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// A new buffer for `lane`, listed for [`take_all`]; it lives for the rest of the process.
    pub(crate) fn new(lane: Lane) -> &'static Buffer {
        let b: &'static Buffer = Box::leak(Box::new(Buffer {
            lane,
            records: UnsafeCell::new(Vec::new()),
            dropped: AtomicU64::new(0),
        }));
        BUFFERS.lock().push(b);
        b
    }

    /// Appends `r` unless the buffer's share is used up.
    ///
    /// # Safety
    /// The caller is the buffer's one writer now (see [`Buffer`]).
    #[inline]
    pub(crate) unsafe fn push(&self, r: Record) {
        // SAFETY: the caller is the buffer's one writer now (this function's contract), so
        // nobody else touches the vector.
        let v = unsafe { &mut *self.records.get() };
        if v.len() < SHARE.load(Ordering::Relaxed) {
            v.push(r);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// The calling thread's buffer, once it recorded.
    static MINE: Cell<Option<&'static Buffer>> = const { Cell::new(None) };
}

/// Makes the calling thread record on `lane` (workers, when they start).
pub(crate) fn enter(lane: Lane) {
    if on() {
        MINE.with(|m| m.set(Some(Buffer::new(lane))));
    }
}

/// Makes the calling thread record into `b` from now on (a worker switching to another of its
/// contexts); returns the buffer it recorded into so far.
pub(crate) fn swap_lane(b: Option<&'static Buffer>) -> Option<&'static Buffer> {
    MINE.with(|m| m.replace(b))
}

/// Appends `r` to the calling thread's lane (a thread that never entered one gets an
/// `Other` lane).
#[inline]
pub(crate) fn push(r: Record) {
    MINE.with(|m| {
        let b = match m.get() {
            Some(b) => b,
            None => {
                let k = OTHER_LANES.fetch_add(1, Ordering::Relaxed);
                let b = Buffer::new(Lane::Other(k));
                m.set(Some(b));
                b
            }
        };
        // SAFETY: the thread-local buffer is written only by this thread.
        unsafe { b.push(r) };
    })
}

/// Records that a task leaves for another node as flow `id`, on the calling thread's lane.
pub(crate) fn flow_start(id: u64) {
    if on() {
        let t = now();
        push(Record {
            id,
            ..Record::span(Kind::FlowStart, t, t)
        });
    }
}

/// The flow id of the task with `handle` at its home node `home` (see README.md).
pub(crate) fn flow_id(home: u32, handle: u64) -> u64 {
    ((home as u64) << 48) ^ handle
}

/// Every lane's records and how many it dropped, taking them out of the buffers. Call once
/// recording stopped and the threads that recorded no longer do.
pub(crate) fn take_all() -> Vec<(Lane, Vec<Record>, u64)> {
    let list = BUFFERS.lock();
    list.iter()
        .map(|b| {
            // SAFETY: recording has stopped (see above): nobody writes the vector now.
            let v = std::mem::take(unsafe { &mut *b.records.get() });
            (b.lane, v, b.dropped.swap(0, Ordering::Relaxed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_48_bytes_and_lanes_have_their_tids() {
        assert_eq!(std::mem::size_of::<Record>(), 48);
        assert_eq!(Lane::Worker(3).tid(), 3);
        assert_eq!(Lane::Comm.tid(), 1000);
        assert_eq!(Lane::Other(1).tid(), 2001);
        assert_eq!(Lane::Fiber(2, 5).tid(), 120_005);
        let a = now();
        let b = now();
        assert!(b >= a);
        assert_ne!(flow_id(1, 5), flow_id(0, 5));
    }
}
