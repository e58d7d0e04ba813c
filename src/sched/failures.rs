//! Failures nobody has looked at yet, filed under the latch of the task (or node) that waits
//! for the failed task: a scope or a task's end takes those filed under its own latch.
//!
//! Failures are rare, so one mutex-guarded list per node serves; the hot path reads only the
//! `pending` counter (a plain load of a word written only when something failed).

use crate::sync::latch::Latch;
use crate::task::failure::Failure;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// This node's failures not yet taken, each with the address of the latch it is filed under.
#[derive(Default)]
pub(crate) struct Failures {
    pending: AtomicUsize,
    list: Mutex<Vec<(usize, Failure)>>,
}

impl Failures {
    /// Whether any failure waits to be taken (cheap: read on every task's completion).
    #[inline]
    pub(crate) fn pending(&self) -> bool {
        self.pending.load(Ordering::Acquire) != 0
    }

    /// Files `failures` under `latch` (before the failed child signals it: whoever sees the
    /// latch done then finds them).
    pub(crate) fn record(&self, latch: *const Latch, failures: Vec<Failure>) {
        if failures.is_empty() {
            return;
        }
        let mut l = self.list.lock();
        self.pending.fetch_add(failures.len(), Ordering::AcqRel);
        l.extend(failures.into_iter().map(|f| (latch as usize, f)));
    }

    /// Takes the failures filed under `latch`, in the order they were filed.
    pub(crate) fn take(&self, latch: *const Latch) -> Vec<Failure> {
        if !self.pending() {
            return Vec::new();
        }
        let mut l = self.list.lock();
        let mut out = Vec::new();
        l.retain(|(k, f)| {
            if *k == latch as usize {
                out.push(f.clone());
                false
            } else {
                true
            }
        });
        self.pending.fetch_sub(out.len(), Ordering::AcqRel);
        out
    }

    /// Takes every failure left (reported at the end of the run).
    pub(crate) fn take_all(&self) -> Vec<Failure> {
        let mut l = self.list.lock();
        self.pending.store(0, Ordering::Release);
        l.drain(..).map(|(_, f)| f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(m: &str) -> Failure {
        Failure {
            function: "f".into(),
            node: 0,
            worker: 0,
            level: 1,
            message: m.into(),
        }
    }

    #[test]
    fn failures_are_taken_per_latch_in_order() {
        let f = Failures::default();
        let (a, b) = (Latch::new(), Latch::new());
        assert!(!f.pending());
        f.record(&a, vec![failure("1")]);
        f.record(&b, vec![failure("2")]);
        f.record(&a, vec![failure("3")]);
        assert!(f.pending());
        let got: Vec<_> = f.take(&a).into_iter().map(|x| x.message).collect();
        assert_eq!(got, ["1", "3"]);
        assert!(f.take(&a).is_empty());
        assert_eq!(f.take_all().len(), 1);
        assert!(!f.pending());
    }
}
