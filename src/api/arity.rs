//! The arity machinery of the Rust API: argument tuples ([`Args`], up to 8 typed arguments)
//! turned into C descriptions ([`ArgList`]), and task functions ([`TaskFn`]) turned into
//! C-callable trampolines that rebuild each typed parameter from its word, run the function
//! (a panic becomes the task's failure) and store its result.

use super::args::{Arg, In, Kind, PayloadOf};
use super::codec::{self, Codec};
use super::data::Payload;
use super::error::Error;
use crate::sched::worker::{current_task, current_worker};
use crate::task::failure::Failure;
use crate::task::value::Value;
use crate::task::{CArg, TrustedArgs, MAX_ARGS};

/// A tuple of typed arguments (up to 8), e.g. `(In(&x), Out(&mut y))`, valid in `'scope`.
pub trait Args<'scope> {
    /// The argument kinds, as a tuple of [`Kind`] markers.
    type Kinds;
    /// Appends the C descriptions; `Err` names an argument too large to move.
    fn describe(&self, out: &mut ArgList) -> Result<(), Error>;
    /// The owned input payload ([`Moved`](super::Moved)), if one argument is one.
    #[doc(hidden)]
    fn payload(self) -> PayloadOf;
}

/// Argument tuples made only of [`In`] (copied) arguments: fit for tasks nobody waits for.
pub trait CopiedArgs: Args<'static> {}

/// A function that can run as a task with arguments of kinds `K`, returning `R`, on any node:
/// a plain `fn` item or a closure that captures nothing (both are zero-sized, so the function
/// is identified by its code alone, which is the same in every process of the job).
pub trait TaskFn<K, R = ()>: Copy + Send + 'static {
    /// The address of the C-callable trampoline that runs this function.
    fn trampoline() -> usize;
}

/// A failure of `function` with `message`, on this thread (its node, worker, task level).
pub(super) fn failure_here(function: String, message: String) -> Failure {
    let node = crate::runtime::node_built().map_or(0, |n| n.layout.node) as u32;
    let worker = current_worker().map_or(u32::MAX, |c| c.node.layout.global(c.index) as u32);
    // SAFETY: the current task is alive while it runs on this thread.
    let level = unsafe { current_task().as_ref() }.map_or(0, |t| t.level);
    Failure {
        function,
        node,
        worker,
        level,
        message,
    }
}

/// Runs `f` as the body of the running task; a panic becomes the task's failure (the one who
/// waits for it gets it: its future, scope or `map`), named after `F`.
pub(super) fn guarded<F>(f: impl FnOnce()) {
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        let msg = crate::error::panic_message(&*p);
        let fail = failure_here(std::any::type_name::<F>().to_string(), msg);
        // SAFETY: a trampoline runs inside its task, which is the current one and alive.
        match unsafe { current_task().as_mut() } {
            Some(t) => {
                t.failures.push(fail);
                t.mark_extended();
            }
            None => crate::error::fatal(
                &format!("task {}", fail.function),
                format_args!("panicked on node {}: {}", fail.node, fail.message),
            ),
        }
    }
}

/// Stores `r` as the running task's result: as it is when the task runs on its home node,
/// as bytes when it runs elsewhere.
fn store_result<R: Codec>(r: R) {
    if R::NOTHING {
        return;
    }
    // SAFETY: a trampoline runs inside its task, which is the current one and alive.
    if let Some(t) = unsafe { current_task().as_mut() } {
        let here = crate::runtime::node_built().map_or(0, |n| n.layout.node) as u32;
        t.output = if t.home == here {
            codec::to_value(r)
        } else {
            codec::to_bytes(r)
        };
        t.mark_extended();
    }
}

/// A value of the zero-sized function type `F`.
pub(super) fn conjure<F: Copy>() -> F {
    const {
        assert!(
            std::mem::size_of::<F>() == 0,
            "task functions must capture nothing"
        )
    };
    // SAFETY: `F` is zero-sized (checked above), so reading it from a dangling, aligned pointer
    // reads no memory; it is a function item or a non-capturing closure, which hold no data
    // and no invariant, and a value of it was witnessed when the task was spawned.
    unsafe { std::ptr::NonNull::<F>::dangling().as_ptr().read() }
}

/// The byte size of the running task's argument `i`.
fn arg_bytes(i: usize) -> usize {
    // SAFETY: a trampoline runs inside its task, which is the current one and alive.
    unsafe { current_task().as_ref() }.map_or(0, |t| t.args[i].bytes())
}

macro_rules! word {
    ($w:ident) => {
        usize
    };
}

macro_rules! arity {
    ($tramp:ident; $($A:ident $K:ident $w:ident $i:tt),*) => {
        impl<'scope, $($A: Arg<'scope>),*> Args<'scope> for ($($A,)*) {
            type Kinds = ($($A::K,)*);
            #[allow(unused_variables)]
            fn describe(&self, out: &mut ArgList) -> Result<(), Error> {
                $( out.push(self.$i.describe().map_err(|bytes| Error::TooLarge { index: $i, bytes })?); )*
                Ok(())
            }
            #[allow(unused_mut)]
            fn payload(self) -> PayloadOf {
                let mut v = Value::Empty;
                $(
                    if let Some(p) = self.$i.into_payload() {
                        assert!(v.is_empty(), "a task takes at most one Moved argument");
                        v = p.0;
                    }
                )*
                PayloadOf(v)
            }
        }

        impl<'a, $($A: ?Sized + Payload),*> CopiedArgs for ($(In<'a, $A>,)*) {}

        #[allow(unused_variables)]
        extern "C" fn $tramp<F, R: Codec, $($K: Kind),*>($($w: usize),*)
        where
            F: for<'b> Fn($($K::Param<'b>),*) -> R + Copy,
        {
            guarded::<F>(|| {
                let f: F = conjure();
                // SAFETY: the runtime passes each argument's prepared word; the kinds are the
                // ones this trampoline was instantiated for at creation.
                #[allow(unused_unsafe)]
                let r = unsafe { f($($K::param($w, arg_bytes($i))),*) };
                store_result(r);
            });
        }

        impl<F, R: Codec, $($K: Kind),*> TaskFn<($($K,)*), R> for F
        where
            F: for<'b> Fn($($K::Param<'b>),*) -> R + Copy + Send + 'static,
        {
            fn trampoline() -> usize {
                let p: extern "C" fn($(word!($w)),*) = $tramp::<F, R, $($K),*>;
                p as usize
            }
        }
    };
}

arity!(tramp0;);
arity!(tramp1; A0 K0 w0 0);
arity!(tramp2; A0 K0 w0 0, A1 K1 w1 1);
arity!(tramp3; A0 K0 w0 0, A1 K1 w1 1, A2 K2 w2 2);
arity!(tramp4; A0 K0 w0 0, A1 K1 w1 1, A2 K2 w2 2, A3 K3 w3 3);
arity!(tramp5; A0 K0 w0 0, A1 K1 w1 1, A2 K2 w2 2, A3 K3 w3 3, A4 K4 w4 4);
arity!(tramp6; A0 K0 w0 0, A1 K1 w1 1, A2 K2 w2 2, A3 K3 w3 3, A4 K4 w4 4, A5 K5 w5 5);
arity!(tramp7; A0 K0 w0 0, A1 K1 w1 1, A2 K2 w2 2, A3 K3 w3 3, A4 K4 w4 4, A5 K5 w5 5, A6 K6 w6 6);
arity!(tramp8; A0 K0 w0 0, A1 K1 w1 1, A2 K2 w2 2, A3 K3 w3 3, A4 K4 w4 4, A5 K5 w5 5, A6 K6 w6 6, A7 K7 w7 7);

/// Arguments a task of the Rust API takes at most (the largest tuple with an `Args` impl).
const TUPLE_MAX: usize = 8;
const _: () = assert!(TUPLE_MAX <= MAX_ARGS);

/// The C descriptions of one task's arguments, on the stack (creating a task allocates
/// nothing, and touches only as much stack as a tuple's arguments need).
pub struct ArgList {
    items: std::mem::MaybeUninit<[CArg; TUPLE_MAX]>,
    len: usize,
}

impl ArgList {
    pub(super) fn new() -> ArgList {
        // Only `len` is written: built as one literal, the optimiser may fill the unwritten
        // items with zeros too (a 264-byte memset per task, measured).
        let mut list = std::mem::MaybeUninit::<ArgList>::uninit();
        // SAFETY: writing a field of the not yet initialised list through a raw pointer.
        unsafe { std::ptr::addr_of_mut!((*list.as_mut_ptr()).len).write(0) };
        // SAFETY: `len` is initialised; `items` is MaybeUninit and needs no initialisation.
        unsafe { list.assume_init() }
    }

    /// Appends one description (at most 8 come from a tuple, below `MAX_ARGS`).
    pub fn push(&mut self, a: CArg) {
        assert!(self.len < TUPLE_MAX, "at most {TUPLE_MAX} arguments");
        // SAFETY: `len < TUPLE_MAX`, so the slot is inside the array; writing through a raw
        // pointer needs no initialised value there.
        unsafe {
            (self.items.as_mut_ptr() as *mut CArg)
                .add(self.len)
                .write(a)
        };
        self.len += 1;
    }

    /// The descriptions, trusted: the one place where the Rust API vouches for the
    /// arguments it hands to the runtime.
    ///
    /// # Safety
    /// Every description keeps the promise of [`TrustedArgs`]: its data (of the byte
    /// datatype) stays valid as its call-way requires until the task completes.
    #[inline(always)]
    pub(super) unsafe fn trusted(&self) -> TrustedArgs<'_> {
        // SAFETY: the promise is this function's contract.
        unsafe { TrustedArgs::new(self.as_slice()) }
    }

    pub(super) fn as_slice(&self) -> &[CArg] {
        // SAFETY: the first `len` items were written by `push`; CArg is plain data.
        unsafe { std::slice::from_raw_parts(self.items.as_ptr() as *const CArg, self.len) }
    }
}
