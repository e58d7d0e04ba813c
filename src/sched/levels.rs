//! A worker's tasks, one FIFO queue per nesting level (TORC's multi-level queues, section 3.1
//! of SPEC and the torcpy paper): the owner takes the oldest task of the deepest level that
//! has one; thieves take the oldest task of the lowest (coarsest) level.
//!
//! So a master-worker loop runs its tasks in creation order, while a task that waits for its
//! children runs them (and their children, deepest first) before shallower work. The queues of
//! the levels are `Queue`s, created as tasks of a new level appear and kept for the life of
//! the worker. Thieves find them in a table that only grows: chunks of `CHUNK` slots, each set
//! once, and `len`, published after the slot it counts (`Release`/`Acquire`). Tasks nested
//! deeper than `MAX_LEVELS - 1` share the deepest queue (FIFO among themselves); waiting still
//! checks each task's own level, so the stack rule holds there too.

use crate::sync::queue::{Queue, Stealer};
use crate::task::TaskRef;
use crossbeam_deque::Steal;
use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Slots per chunk of the thieves' table.
const CHUNK: usize = 64;
/// Chunks of the thieves' table.
const CHUNKS: usize = 64;
/// Levels with a queue of their own.
pub(crate) const MAX_LEVELS: usize = CHUNK * CHUNKS;

type Chunk = [OnceLock<Stealer<TaskRef>>; CHUNK];

/// What thieves see: the stealer of each level's queue.
struct Table {
    chunks: [OnceLock<Box<Chunk>>; CHUNKS],
    /// Levels whose stealer is set (all of `0..len`).
    len: AtomicUsize,
}

impl Table {
    /// The stealer of level `l` (< `len`).
    fn get(&self, l: usize) -> Option<&Stealer<TaskRef>> {
        self.chunks[l / CHUNK].get()?[l % CHUNK].get()
    }

    fn set(&self, l: usize, s: Stealer<TaskRef>) {
        let chunk = self.chunks[l / CHUNK]
            .get_or_init(|| Box::new(std::array::from_fn(|_| OnceLock::new())));
        let _ = chunk[l % CHUNK].set(s);
    }
}

/// The owner's side.
pub(crate) struct Levels {
    /// The queue of each level so far (owner only; it only grows).
    own: UnsafeCell<Vec<Queue<TaskRef>>>,
    /// No level deeper than this holds a task (owner only).
    deepest: Cell<usize>,
    table: Arc<Table>,
    /// No thieves (one worker on a one-node job).
    private: bool,
}

// SAFETY: a `Levels` moves to its worker's thread once, before use; it is not Sync, so only
// that thread touches `own` and `deepest`.
unsafe impl Send for Levels {}

/// A thief's side.
#[derive(Clone)]
pub(crate) struct LevelStealer {
    table: Arc<Table>,
}

impl Levels {
    /// Queues that other workers (and nodes) may steal from.
    pub(crate) fn new() -> Levels {
        Levels::with(false)
    }

    /// Queues nobody steals from: the [`LevelStealer`] may only look.
    pub(crate) fn private() -> Levels {
        Levels::with(true)
    }

    fn with(private: bool) -> Levels {
        Levels {
            own: UnsafeCell::new(Vec::new()),
            deepest: Cell::new(0),
            table: Arc::new(Table {
                chunks: std::array::from_fn(|_| OnceLock::new()),
                len: AtomicUsize::new(0),
            }),
            private,
        }
    }

    /// The thieves' handle.
    pub(crate) fn stealer(&self) -> LevelStealer {
        LevelStealer {
            table: self.table.clone(),
        }
    }

    #[inline]
    fn own(&self) -> &[Queue<TaskRef>] {
        // SAFETY: only the owner thread reads or writes `own` (Levels is not Sync), and the
        // only writer, `add_levels`, runs while no slice from here is alive (every caller
        // drops it before calling anything that may add a level).
        unsafe { &*self.own.get() }
    }

    /// Queues `t` at the back of its level.
    #[inline]
    pub(crate) fn push(&self, t: TaskRef) {
        let l = (t.level as usize).min(MAX_LEVELS - 1);
        if l >= self.own().len() {
            self.add_levels(l);
        }
        self.own()[l].push(t);
        if l > self.deepest.get() {
            self.deepest.set(l);
        }
    }

    /// Creates the queues of every level up to `l` and shows them to thieves.
    #[cold]
    #[inline(never)]
    fn add_levels(&self, l: usize) {
        // SAFETY: the owner thread, with no borrow of `own` alive (see `own`).
        let own = unsafe { &mut *self.own.get() };
        while own.len() <= l {
            let q = if self.private {
                Queue::private()
            } else {
                Queue::new()
            };
            self.table.set(own.len(), q.stealer());
            own.push(q);
        }
        // Publish the count after the stealers it covers.
        self.table.len.store(own.len(), Ordering::Release);
    }

    /// Takes the oldest task of the deepest level that has one.
    #[inline]
    pub(crate) fn pop(&self) -> Option<TaskRef> {
        self.pop_deeper_than(None)
    }

    /// As [`Levels::pop`], among tasks nested deeper than `level` only.
    #[inline]
    pub(crate) fn pop_deeper(&self, level: u32) -> Option<TaskRef> {
        self.pop_deeper_than(Some(level as usize))
    }

    // Always inlined: it is the whole of a worker's search of its own queues.
    #[inline(always)]
    fn pop_deeper_than(&self, level: Option<usize>) -> Option<TaskRef> {
        let own = self.own();
        let lowest = level.map_or(0, |l| l + 1);
        if lowest >= MAX_LEVELS {
            return self.pop_shared_deepest(level.unwrap_or(0));
        }
        let mut l = self.deepest.get();
        while l >= lowest && l < own.len() {
            if let Some(t) = own[l].pop() {
                // Every deeper level is empty: only this thread adds tasks.
                self.deepest.set(l);
                return Some(t);
            }
            if l == 0 {
                break;
            }
            l -= 1;
        }
        if lowest == 0 {
            self.deepest.set(0);
        }
        None
    }

    /// For a waiter nested at least `MAX_LEVELS - 1` deep: the front task of the shared
    /// deepest queue if it is nested deeper than `level`; a shallower one goes to the back
    /// (order among such deep tasks is not kept), so repeated calls reach every task.
    #[cold]
    fn pop_shared_deepest(&self, level: usize) -> Option<TaskRef> {
        let q = self.own().get(MAX_LEVELS - 1)?;
        let t = q.pop()?;
        if t.level as usize > level {
            return Some(t);
        }
        q.push(t);
        None
    }

    /// How many tasks of nesting level `level` this worker's own queue holds.
    #[inline]
    pub(crate) fn len_at(&self, level: u32) -> usize {
        let l = (level as usize).min(MAX_LEVELS - 1);
        self.own().get(l).map_or(0, |q| q.len())
    }

    /// Whether no level holds a task.
    pub(crate) fn is_empty(&self) -> bool {
        let own = self.own();
        own.iter()
            .take(self.deepest.get() + 1)
            .all(|q| q.is_empty())
    }
}

impl Default for Levels {
    fn default() -> Self {
        Levels::new()
    }
}

impl LevelStealer {
    /// Takes the oldest task of the lowest level that has one.
    pub(crate) fn steal(&self) -> Steal<TaskRef> {
        self.steal_from(0)
    }

    /// As [`LevelStealer::steal`], among tasks nested deeper than `level` only.
    pub(crate) fn steal_deeper(&self, level: u32) -> Steal<TaskRef> {
        self.steal_from(level as usize + 1)
    }

    fn steal_from(&self, lowest: usize) -> Steal<TaskRef> {
        let n = self.table.len.load(Ordering::Acquire);
        let mut retry = false;
        for l in lowest..n {
            let Some(s) = self.table.get(l) else { break };
            match s.steal() {
                Steal::Success(t) => return Steal::Success(t),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
        }
        if retry {
            Steal::Retry
        } else {
            Steal::Empty
        }
    }

    /// How many tasks each level looks to hold (a hint, for reports), level 0 first.
    pub(crate) fn lens(&self) -> Vec<usize> {
        let n = self.table.len.load(Ordering::Acquire);
        (0..n)
            .map(|l| self.table.get(l).map_or(0, |s| s.len()))
            .collect()
    }

    /// Whether every level looks empty (a hint: it may change at once).
    pub(crate) fn is_empty(&self) -> bool {
        let n = self.table.len.load(Ordering::Acquire);
        (0..n).all(|l| self.table.get(l).is_none_or(|s| s.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::pool::Pool;

    /// A task of `level`, and its address to recognise it.
    fn task(pool: &Pool, level: u32) -> (TaskRef, usize) {
        let mut t = pool.get();
        t.level = level;
        let p = t.as_ptr() as usize;
        (t, p)
    }

    /// Pushes a task at each of `levels`, in order; their addresses.
    fn push_tasks<const N: usize>(pool: &Pool, q: &Levels, levels: [u32; N]) -> [usize; N] {
        levels.map(|level| {
            let (t, p) = task(pool, level);
            q.push(t);
            p
        })
    }

    #[test]
    fn owner_takes_deepest_level_first_oldest_first_within_it() {
        for private in [false, true] {
            let pool = Pool::default();
            let q = if private {
                Levels::private()
            } else {
                Levels::new()
            };
            let mut by_level: Vec<Vec<usize>> = vec![Vec::new(); 4];
            // Interleave levels 1..=3 so that creation order and level order differ.
            for i in 0..30u32 {
                let level = 1 + (i * 7 % 3);
                let (t, p) = task(&pool, level);
                by_level[level as usize].push(p);
                q.push(t);
            }
            let expect: Vec<usize> = by_level.iter().rev().flatten().copied().collect();
            let got: Vec<usize> =
                std::iter::from_fn(|| q.pop().map(|t| t.as_ptr() as usize)).collect();
            assert_eq!(got, expect, "private = {private}");
            assert!(q.is_empty());
        }
    }

    #[test]
    fn deeper_only_leaves_shallower_tasks_queued() {
        let pool = Pool::default();
        let q = Levels::new();
        let [pa, pb, pc] = push_tasks(&pool, &q, [1, 2, 2]);
        assert_eq!(q.pop_deeper(1).map(|t| t.as_ptr() as usize), Some(pb));
        assert_eq!(q.pop_deeper(1).map(|t| t.as_ptr() as usize), Some(pc));
        assert!(q.pop_deeper(1).is_none(), "level 1 is not deeper than 1");
        assert!(!q.is_empty());
        assert_eq!(q.pop().map(|t| t.as_ptr() as usize), Some(pa));
    }

    #[test]
    fn thieves_take_the_lowest_level_oldest_first() {
        let pool = Pool::default();
        let q = Levels::new();
        let s = q.stealer();
        assert!(s.is_empty());
        let [pd, pa, pb] = push_tasks(&pool, &q, [3, 1, 1]);
        let take = |r: Steal<TaskRef>| match r {
            Steal::Success(t) => Some(t.as_ptr() as usize),
            _ => None,
        };
        assert_eq!(take(s.steal_deeper(1)), Some(pd), "only deeper than 1");
        assert_eq!(take(s.steal()), Some(pa));
        assert_eq!(take(s.steal()), Some(pb));
        assert!(s.is_empty() && q.is_empty());
    }

    #[test]
    fn very_deep_tasks_share_the_last_queue() {
        let pool = Pool::default();
        let q = Levels::new();
        let [pa, pb] = push_tasks(&pool, &q, [MAX_LEVELS as u32 + 5, MAX_LEVELS as u32 + 1]);
        assert_eq!(q.pop().map(|t| t.as_ptr() as usize), Some(pa));
        assert_eq!(q.pop().map(|t| t.as_ptr() as usize), Some(pb));
        assert!(q.pop().is_none());
        // A waiter that deep finds the deeper ones there, whatever their order.
        let (a, _) = task(&pool, MAX_LEVELS as u32 + 5);
        let (b, pb) = task(&pool, MAX_LEVELS as u32 + 9);
        q.push(a);
        q.push(b);
        let w = MAX_LEVELS as u32 + 6;
        let got = q.pop_deeper(w).or_else(|| q.pop_deeper(w));
        assert_eq!(got.map(|t| t.as_ptr() as usize), Some(pb));
        assert!(q.pop_deeper(w).is_none() && q.pop_deeper(w).is_none());
    }
}
