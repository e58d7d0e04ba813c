//! The tasks this node sent to other nodes whose completion has not come back: nothing that
//! arrives from the wire is trusted as an address. A task leaves its home node with a
//! *handle* (a slot index and the slot's generation) instead of its parent latch's address;
//! the home keeps, in the slot, the latch and the (address, length) of every argument that the
//! task may read or write in the creator's memory (REF, RES and PTR data). A completion (DONE)
//! or a task coming back home unrun names its handle: the slot must be live and of that
//! generation, and each write-back must name exactly the stored argument, or the message is
//! refused as a protocol error. A slot is released when its task completes or comes home, and
//! its generation changes on every reuse, so a stale or duplicated message never matches.

use crate::sync::latch::Latch;
use crate::task::future::FutureCell;
use crate::task::{Arg, CallWay, Task};
use parking_lot::Mutex;
use std::sync::Arc;

/// An argument of the creator's memory that a task away from home may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Borrowed {
    /// How it is passed (REF, RES or PTR).
    pub(crate) way: CallWay,
    /// The creator's address.
    pub(crate) addr: usize,
    /// Its length in bytes.
    pub(crate) bytes: usize,
}

/// What the home node keeps of a task it sent away.
#[derive(Debug)]
pub(crate) struct Away {
    /// The latch to signal when it completes.
    pub(crate) latch: *const Latch,
    /// Its REF, RES and PTR arguments with data, in argument order.
    pub(crate) borrowed: Vec<Borrowed>,
    /// The cell its handle reads (tasks created with a future).
    pub(crate) future: Option<Arc<FutureCell>>,
    /// Its nesting level.
    pub(crate) level: u32,
    /// The node it was sent to (a thief may have sent it on).
    pub(crate) dest: u32,
}

// SAFETY: the latch pointer is only dereferenced by the thread that takes the entry out, to
// signal the completion once (a latch outlives its outstanding children).
unsafe impl Send for Away {}

struct Slot {
    generation: u32,
    away: Option<Away>,
}

/// The table of tasks away from home.
#[derive(Default)]
pub(crate) struct Outstanding {
    inner: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

/// The arguments of `args` that live in the creator's memory (see [`Borrowed`]).
pub(crate) fn borrowed_of(args: &[Arg]) -> Vec<Borrowed> {
    args.iter()
        .filter(|a| matches!(a.way, CallWay::Ref | CallWay::Res | CallWay::Ptr) && a.count > 0)
        .map(|a| Borrowed {
            way: a.way,
            addr: a.addr,
            bytes: a.bytes(),
        })
        .collect()
}

impl Outstanding {
    /// Records a task leaving home; returns its handle.
    pub(crate) fn register(&self, away: Away) -> u64 {
        let mut t = self.inner.lock();
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                t.slots.push(Slot {
                    generation: 0,
                    away: None,
                });
                (t.slots.len() - 1) as u32
            }
        };
        let slot = &mut t.slots[index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        slot.away = Some(away);
        index as u64 | (slot.generation as u64) << 32
    }

    /// Records `task`, created on this node and about to leave it: its parent latch, the
    /// creator's memory it uses and its future (taken out of the descriptor). Returns its
    /// handle.
    pub(crate) fn register_task(&self, task: &mut Task, dest: usize) -> u64 {
        self.register(Away {
            latch: task.parent,
            borrowed: borrowed_of(&task.args),
            future: task.future.take(),
            level: task.level,
            dest: dest as u32,
        })
    }

    /// Takes the entry of `handle` out (its task completed, or came home): an error when no
    /// task away from home has that handle.
    pub(crate) fn take(&self, handle: u64) -> Result<Away, String> {
        let (index, generation) = (handle as u32, (handle >> 32) as u32);
        let mut t = self.inner.lock();
        let slot = t
            .slots
            .get_mut(index as usize)
            .filter(|s| s.generation == generation && s.away.is_some())
            .ok_or_else(|| {
                format!("no task of this node is away with handle {index}/{generation}")
            })?;
        let away = slot.away.take().expect("checked live");
        t.free.push(index);
        Ok(away)
    }

    /// Tasks away from home.
    pub(crate) fn len(&self) -> usize {
        let t = self.inner.lock();
        t.slots.len() - t.free.len()
    }

    /// Tasks away from home (those counted in `latch`, when given) by the node they were sent
    /// to: (node, count), by node.
    pub(crate) fn by_destination(&self, latch: Option<*const Latch>) -> Vec<(usize, usize)> {
        let t = self.inner.lock();
        let mut per = std::collections::BTreeMap::new();
        for a in t.slots.iter().filter_map(|s| s.away.as_ref()) {
            if latch.is_none_or(|l| std::ptr::eq(l, a.latch)) {
                *per.entry(a.dest as usize).or_insert(0) += 1;
            }
        }
        per.into_iter().collect()
    }
}

impl Away {
    /// Checks that the write-backs `(addr, bytes)` of a completion, in order, are exactly this
    /// task's REF and RES arguments.
    pub(crate) fn check_write_backs(
        &self,
        wb: impl IntoIterator<Item = (usize, usize)> + Clone,
    ) -> Result<(), String> {
        let want = self
            .borrowed
            .iter()
            .filter(|b| b.way.writes_back())
            .map(|b| (b.addr, b.bytes));
        if want.clone().eq(wb.clone()) {
            return Ok(());
        }
        Err(format!(
            "its write-backs {:x?} do not match the task's REF/RES arguments {:x?}",
            wb.into_iter().collect::<Vec<_>>(),
            want.collect::<Vec<_>>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn away(borrowed: Vec<Borrowed>) -> Away {
        Away {
            latch: std::ptr::null(),
            borrowed,
            future: None,
            level: 1,
            dest: 1,
        }
    }

    #[test]
    fn handles_are_checked_and_never_match_twice() {
        let o = Outstanding::default();
        let h = o.register(away(Vec::new()));
        assert_eq!(o.len(), 1);
        assert!(o.take(h ^ 1).is_err(), "another index");
        assert!(o.take(h + (1 << 32)).is_err(), "another generation");
        assert!(o.take(h).is_ok());
        assert_eq!(o.len(), 0);
        let e = o.take(h).unwrap_err();
        assert!(e.contains("no task of this node is away"), "{e}");
        // The slot is reused with a new generation: the old handle stays dead.
        let h2 = o.register(away(Vec::new()));
        assert_eq!(h2 as u32, h as u32);
        assert_ne!(h2, h);
        assert!(o.take(h).is_err());
        assert!(o.take(h2).is_ok());
    }

    #[test]
    fn write_backs_must_be_the_ref_and_res_arguments() {
        let a = away(vec![
            Borrowed {
                way: CallWay::Ptr,
                addr: 0x100,
                bytes: 8,
            },
            Borrowed {
                way: CallWay::Res,
                addr: 0x200,
                bytes: 16,
            },
            Borrowed {
                way: CallWay::Ref,
                addr: 0x300,
                bytes: 4,
            },
        ]);
        assert_eq!(a.check_write_backs([(0x200, 16), (0x300, 4)]), Ok(()));
        assert!(a.check_write_backs([(0x200, 32), (0x300, 4)]).is_err());
        assert!(
            a.check_write_backs([(0x100, 8)]).is_err(),
            "PTR writes nothing back"
        );
        assert!(a.check_write_backs([(0x200, 16)]).is_err(), "one missing");
    }
}
