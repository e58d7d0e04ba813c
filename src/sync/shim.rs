//! What the protocols of this folder ([`super::queue`], [`super::latch`], [`super::sleep`],
//! [`super::fence`]) are built from: atomics, `Arc`, the idle list's mutex, thread handles and
//! parking, a once-set cell.
//!
//! In every normal build these are plain re-exports of what the code used before (std's
//! atomics, `Arc` and parking, parking_lot's `Mutex`, once_cell's `OnceCell`): the same types,
//! so the same machine code. Only the unit tests built with `--cfg loom` (`scripts/loom.sh`)
//! get loom's models of them instead, so that each `loom_tests` module can run its protocol
//! under every interleaving loom explores. There a park has no timeout (a lost wake-up becomes
//! a deadlock that loom reports), and `Latch`'s constructors are not `const` (loom's atomics
//! have no `const` constructor).

#[cfg(not(all(loom, test)))]
pub(crate) use {
    once_cell::sync::OnceCell,
    parking_lot::Mutex,
    std::sync::atomic::{AtomicIsize, AtomicPtr, AtomicUsize},
    std::sync::Arc,
    std::thread::{current, park_timeout, Thread},
};

#[cfg(all(loom, test))]
pub(crate) use {
    loom::sync::atomic::{AtomicIsize, AtomicPtr, AtomicUsize},
    loom::sync::Arc,
    loom::thread::{current, Thread},
    model::{model, park_timeout, Mutex, OnceCell},
};

/// `const fn` in the normal build, a plain `fn` under loom (whose atomics have no `const`
/// constructor).
macro_rules! const_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(all(loom, test)))]
        $(#[$attr])*
        $vis const fn $($rest)*
        #[cfg(all(loom, test))]
        $(#[$attr])*
        $vis fn $($rest)*
    };
}
pub(crate) use const_unless_loom;

/// loom's stand-ins for what loom itself does not model in the form this code uses.
#[cfg(all(loom, test))]
mod model {
    use loom::sync::atomic::AtomicUsize;
    use std::sync::atomic::Ordering;

    /// Runs `f` under every interleaving within the preemption bound: `LOOM_MAX_PREEMPTIONS`
    /// when set, else 3 (the models here then take seconds: see scripts/loom.sh).
    /// Prints how many executions it explored (seen with `--nocapture`).
    pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut b = loom::model::Builder::new();
        if b.preemption_bound.is_none() {
            b.preemption_bound = Some(3);
        }
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = runs.clone();
        b.check(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            f();
        });
        let name = std::thread::current().name().unwrap_or("?").to_owned();
        eprintln!(
            "loom: {name}: {} executions, at most {:?} preemptions each",
            runs.load(Ordering::Relaxed),
            b.preemption_bound.unwrap_or(usize::MAX)
        );
    }

    /// A park without timeout: a wake-up that never comes is a deadlock loom reports.
    pub(crate) fn park_timeout(_: std::time::Duration) {
        loom::thread::park();
    }

    /// parking_lot's interface (`lock` returns the guard) over loom's mutex.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(t: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(t))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().expect("a thread panicked holding the lock")
        }
    }

    /// The part of once_cell's `OnceCell` that `Sleep` uses, from loom's atomics and cell (so
    /// loom checks that a handle is published before it is read).
    pub(crate) struct OnceCell<T> {
        /// 0: empty, 1: being set, 2: set.
        state: AtomicUsize,
        value: loom::cell::UnsafeCell<Option<T>>,
    }

    // SAFETY: the value is written once, by the thread that moved `state` from 0 to 1, and
    // read only after `state` is 2 (Release/Acquire), as in once_cell's own OnceCell.
    unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}

    impl<T> OnceCell<T> {
        pub(crate) fn new() -> OnceCell<T> {
            OnceCell {
                state: AtomicUsize::new(0),
                value: loom::cell::UnsafeCell::new(None),
            }
        }

        pub(crate) fn set(&self, v: T) -> Result<(), T> {
            if self
                .state
                .compare_exchange(0, 1, Ordering::Acquire, Ordering::Acquire)
                .is_err()
            {
                return Err(v);
            }
            // SAFETY: winning the CAS made this thread the only writer, and readers wait for
            // state 2.
            self.value.with_mut(|p| unsafe { *p = Some(v) });
            self.state.store(2, Ordering::Release);
            Ok(())
        }

        pub(crate) fn get(&self) -> Option<&T> {
            if self.state.load(Ordering::Acquire) != 2 {
                return None;
            }
            // SAFETY: state 2: the value was written before (Acquire above) and never again.
            self.value.with(|p| unsafe { (*p).as_ref() })
        }
    }
}
