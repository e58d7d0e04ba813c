//! The task descriptor: function, argument records and copies, parent link, children latch.

use super::arglist::{Arg, ArgList};
use super::buffer::ArgBuffer;
use super::call::FuncAddr;
use super::failure::Failure;
use super::future::FutureCell;
use super::value::Value;
use crate::sync::latch::Latch;
use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;

/// Flags of a task.
/// cbindgen:ignore
pub(crate) mod flags {
    /// Left out of the statistics (`torc_task_ex` with `invisible != 0`).
    pub(crate) const INVISIBLE: u8 = 1;
    /// Nobody waits for it (`torc_task_detached`); its parent latch is the node's.
    pub(crate) const DETACHED: u8 = 2;
    /// Runs outside the worker queues (`torc_task_direct`).
    pub(crate) const DIRECT: u8 = 4;
    /// Never moves to another node by stealing: a Rust closure (it must run on the node that
    /// created it), or a task placed on a named worker (`qid >= 0`), which runs on that
    /// worker's node (other workers of that node may take it).
    pub(crate) const LOCAL: u8 = 8;
    /// One instance of an `spmd` call: its function may call MPI on `MPI_COMM_WORLD`, so it
    /// runs while torc keeps its own MPI calls out of the way when the thread level needs it.
    pub(crate) const SPMD: u8 = 16;
    /// A torc extension field (input payload, result, failures, future) was set since the
    /// descriptor was last reset: only such descriptors pay for looking at them. Never sent.
    pub(crate) const EXTENDED: u8 = 32;
    /// The descriptor holds argument records or buffer bytes (set by whoever adds them:
    /// `Task::mark_args`). Without it a task runs without looking at its records and its
    /// reset leaves them alone: an argument-less task touches only line 0. Never sent.
    pub(crate) const ARGS: u8 = 64;
}

/// A unit of work: created by a task (or a thread, for detached work), queued, run once.
///
/// Descriptors are reused: [`super::pool`] keeps finished ones with their allocations.
///
/// The fields are laid out (`repr(C)`) so that a task touches as few cache lines as it can:
/// with many tasks queued, descriptors are cold when they are filled and when they run, and a
/// line is a miss each. Line 0 holds what every task uses (function, parent, pool link, latch,
/// level, home, flags); line 1 the argument buffer's inline chunks and length; line 2 the
/// handle, the records' length and the first record. So an empty task touches line 0 only
/// (its `flags` say it has no records, see [`flags::ARGS`]), and a task with one small COP
/// argument three lines; the torc extensions come last.
#[repr(C, align(64))]
pub(crate) struct Task {
    /// The function to call.
    pub(crate) func: FuncAddr,
    /// The latch of the task (or node) waiting for this one; signalled when it completes.
    pub(crate) parent: *const Latch,
    /// Link of a pool's free list (meaningful only while the descriptor is free).
    pub(crate) next_free: *mut Task,
    /// Counts this task's own children.
    pub(crate) latch: Latch,
    /// Nesting level: the primary task is 0, its children 1, ...
    pub(crate) level: u32,
    /// Node that created the task (where REF/RES data goes back).
    pub(crate) home: u32,
    /// Next global worker for this task's `qid == -1` children (-1: not started).
    pub(crate) rr_next: Cell<i32>,
    /// [`flags`] bits.
    pub(crate) flags: u8,
    /// Copies of argument data.
    pub(crate) buf: ArgBuffer,
    /// For a task away from its home node: its handle there (see `comm/outstanding.rs`).
    pub(crate) handle: u64,
    /// Argument records, in order.
    pub(crate) args: ArgList,
    /// The opaque input payload (see `value.rs`), if any.
    pub(crate) input: Value,
    /// The result the task produced, if any.
    pub(crate) output: Value,
    /// Its failure and those of descendants nobody looked at (empty: it succeeded).
    pub(crate) failures: Vec<Failure>,
    /// On its home node: the cell its handle reads (tasks created with a future).
    pub(crate) future: Option<Arc<FutureCell>>,
}

impl Task {
    /// An empty descriptor.
    pub(crate) fn new() -> Task {
        Task {
            func: 0,
            args: ArgList::default(),
            buf: ArgBuffer::default(),
            parent: std::ptr::null(),
            latch: Latch::new(),
            handle: 0,
            level: 0,
            home: 0,
            flags: 0,
            rr_next: Cell::new(-1),
            next_free: std::ptr::null_mut(),
            input: Value::Empty,
            output: Value::Empty,
            failures: Vec::new(),
            future: None,
        }
    }

    /// Clears the descriptor for reuse, keeping its allocations.
    #[inline]
    pub(crate) fn reset(&mut self) {
        if self.flags & flags::EXTENDED != 0 {
            self.reset_extensions();
        }
        debug_assert!(
            self.input.is_empty()
                && self.output.is_empty()
                && self.failures.is_empty()
                && self.future.is_none(),
            "a torc extension field was set without flags::EXTENDED"
        );
        debug_assert!(
            self.flags & flags::ARGS != 0 || (self.args.is_empty() && self.buf.len() == 0),
            "argument records or buffer bytes were added without flags::ARGS"
        );
        if self.flags & flags::ARGS != 0 {
            self.args.clear();
            self.buf.clear();
        }
        self.func = 0;
        self.parent = std::ptr::null();
        self.latch.reset();
        self.handle = 0;
        self.level = 0;
        self.home = 0;
        self.flags = 0;
        self.rr_next.set(-1);
    }

    /// Cache lines of a descriptor that creating and running a task with `nargs` arguments
    /// (of small COP data, REF or RES) touch: line 0, then through its last inline record.
    #[inline]
    pub(crate) fn hot_lines(nargs: usize) -> usize {
        if nargs == 0 {
            return 1;
        }
        let records = std::mem::offset_of!(Task, args) + ArgList::RECORDS_AT;
        let end = records + nargs.min(super::arglist::INLINE) * std::mem::size_of::<Arg>();
        end.div_ceil(crate::sync::prefetch::LINE)
    }

    /// Marks that argument records or buffer bytes were added (see [`flags::ARGS`]).
    #[inline]
    pub(crate) fn mark_args(&mut self) {
        self.flags |= flags::ARGS;
    }

    /// Marks that a torc extension field is set (see [`flags::EXTENDED`]).
    #[inline]
    pub(crate) fn mark_extended(&mut self) {
        self.flags |= flags::EXTENDED;
    }

    /// Whether a torc extension field may be set.
    #[inline]
    pub(crate) fn extended(&self) -> bool {
        self.flags & flags::EXTENDED != 0
    }

    /// Clears the input, result, failures and future (see [`flags::EXTENDED`]).
    #[cold]
    #[inline(never)]
    fn reset_extensions(&mut self) {
        if !self.input.is_empty() {
            self.input = Value::Empty;
        }
        if !self.output.is_empty() {
            self.output = Value::Empty;
        }
        self.failures.clear();
        if self.future.is_some() {
            self.future = None;
        }
    }

    /// Whether the statistics count this task.
    pub(crate) fn visible(&self) -> bool {
        self.flags & flags::INVISIBLE == 0
    }
}

impl Default for Task {
    fn default() -> Self {
        Task::new()
    }
}

/// The owner of a task descriptor: exactly one holder at a time (a pool, queue, worker or
/// message being built). Descriptors live in pool slabs and are never freed, only reused.
#[derive(Debug)]
pub(crate) struct TaskRef(NonNull<Task>);

// SAFETY: a TaskRef is the single owner of its descriptor; moving it to another thread moves
// that ownership. The raw pointers inside point to latches that outlive the task (its parent
// waits for it) and are only touched atomically.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Takes ownership of a descriptor that nobody else references.
    ///
    /// # Safety
    /// `p` must point to a live descriptor that is never freed and has no other owner.
    pub(crate) unsafe fn from_raw(p: NonNull<Task>) -> TaskRef {
        TaskRef(p)
    }

    /// The raw descriptor pointer (stays valid while this TaskRef lives).
    pub(crate) fn as_ptr(&self) -> *mut Task {
        self.0.as_ptr()
    }
}

// SAFETY: `into_raw` and `from_raw` pass the same descriptor pointer through unchanged, and
// descriptors are never freed.
unsafe impl crate::sync::queue::Owned for TaskRef {
    type Target = Task;
    fn into_raw(self) -> NonNull<Task> {
        self.0
    }
    unsafe fn from_raw(p: NonNull<Task>) -> TaskRef {
        TaskRef(p)
    }
}

impl std::ops::Deref for TaskRef {
    type Target = Task;
    fn deref(&self) -> &Task {
        // SAFETY: the single owner may read its descriptor.
        unsafe { self.0.as_ref() }
    }
}

impl std::ops::DerefMut for TaskRef {
    fn deref_mut(&mut self) -> &mut Task {
        // SAFETY: the single owner may write its descriptor.
        unsafe { self.0.as_mut() }
    }
}

#[cfg(test)]
mod layout_tests {
    use super::Task;
    use std::mem::offset_of;

    #[test]
    fn the_fields_every_task_uses_share_three_cache_lines() {
        assert_eq!(std::mem::align_of::<Task>(), 64);
        assert!(offset_of!(Task, flags) < 64, "line 0: the common fields");
        assert_eq!(offset_of!(Task, buf), 64, "line 1: the inline chunks");
        let first_record = offset_of!(Task, args) + 8..offset_of!(Task, args) + 8 + 32;
        assert!(
            offset_of!(Task, handle) >= 128 && first_record.end <= 192,
            "line 2"
        );
    }

    #[test]
    fn hot_lines_cover_line_0_then_the_records_a_task_uses() {
        let records = offset_of!(Task, args) + super::ArgList::RECORDS_AT;
        assert_eq!(
            records,
            offset_of!(Task, args) + 8,
            "the length, then the records"
        );
        assert_eq!(Task::hot_lines(0), 1, "an argument-less task: line 0 only");
        assert_eq!(Task::hot_lines(1), 3, "through the first record, in line 2");
        for n in 1..=8 {
            let last = records + n.min(super::super::arglist::INLINE) * 32 - 1;
            assert_eq!(Task::hot_lines(n), last / 64 + 1, "{n} arguments");
        }
        assert_eq!(
            Task::hot_lines(4),
            Task::hot_lines(9),
            "spilled records live elsewhere"
        );
    }
}
