//! Typed task arguments: how each Rust argument maps onto a TORC call-way, and how the task
//! function receives it.
//!
//! | wrapper | call-way | the task receives |
//! | --- | --- | --- |
//! | [`In`] | `CALL_BY_COP` (copied at creation) | `&T` / `&[T]` |
//! | [`InOut`] | `CALL_BY_REF` (written back) | `&mut T` / `&mut [T]` |
//! | [`Out`] | `CALL_BY_RES` (zeroed remotely, written back) | `&mut T` / `&mut [T]` |
//! | [`Borrow`] | `CALL_BY_PTR` (read, not written back) | `&T` / `&[T]` |
//! | [`Moved`] | an opaque payload (torc extension): moved into the task, encoded only if it leaves the node | `T` |

use super::codec::{self, Codec};
use super::data::Payload;
use crate::sched::worker::current_task;
use crate::task::value::Value;
use crate::task::CArg;
use std::marker::PhantomData;

/// Input, copied when the task is created: the caller may change its value right after.
pub struct In<'a, P: ?Sized + Payload>(pub &'a P);
/// Input and output: the task may change the value; it is written back before the wait ends.
pub struct InOut<'a, P: ?Sized + Payload>(pub &'a mut P);
/// Output: the task writes it (it starts zeroed on another node); written back.
pub struct Out<'a, P: ?Sized + Payload>(pub &'a mut P);
/// Borrowed input: read by the task, never written back; kept borrowed until the wait.
pub struct Borrow<'a, P: ?Sized + Payload>(pub &'a P);
/// An owned input of any size and any [`Codec`] type, moved into the task: on this node the
/// task receives the very value (no copy, no encoding); on another node a decoded copy. At
/// most one per task.
pub struct Moved<T: Codec>(pub T);

/// How one argument kind turns a task's word back into a reference. A `'static` marker per
/// kind, so that task trampolines do not depend on the caller's lifetimes.
///
/// # Safety
/// `param` must only build the reference its kind promises from a word the runtime prepared.
pub unsafe trait Kind: 'static {
    /// What the task function receives.
    type Param<'b>;
    /// Builds the parameter from the argument's word and byte size.
    ///
    /// # Safety
    /// `word` must be the runtime's word for an argument of this kind with `bytes` bytes.
    unsafe fn param<'b>(word: usize, bytes: usize) -> Self::Param<'b>;
}

/// Kind marker of [`In`] and [`Borrow`]: a shared reference.
pub struct Shared<P: ?Sized>(PhantomData<fn() -> Box<P>>);
/// Kind marker of [`InOut`] and [`Out`]: an exclusive reference.
pub struct Exclusive<P: ?Sized>(PhantomData<fn() -> Box<P>>);

// SAFETY: builds a shared reference over the bytes the runtime prepared for this argument.
unsafe impl<P: ?Sized + Payload> Kind for Shared<P> {
    type Param<'b> = &'b P;
    unsafe fn param<'b>(word: usize, bytes: usize) -> &'b P {
        // SAFETY: the word points to `bytes` bytes of a `P` for the task's duration.
        unsafe { P::from_raw(word as *const u8, bytes) }
    }
}

// SAFETY: builds an exclusive reference; the runtime gives each such argument to one task.
unsafe impl<P: ?Sized + Payload> Kind for Exclusive<P> {
    type Param<'b> = &'b mut P;
    unsafe fn param<'b>(word: usize, bytes: usize) -> &'b mut P {
        // SAFETY: as for `Shared`, and the caller's borrow keeps everyone else away.
        unsafe { P::from_raw_mut(word as *mut u8, bytes) }
    }
}

/// The input payload of a task's arguments (opaque: see
/// [`Args::payload`](super::Args::payload)).
pub struct PayloadOf(pub(crate) Value);

/// One typed argument of a task created from Rust, valid in a scope `'scope`: borrowed kinds
/// must outlive the scope; copied ones ([`In`]) only the creating call.
pub trait Arg<'scope> {
    /// How the task receives it.
    type K: Kind;
    /// The C description (bytes as `MPI_BYTE` elements), or the size in bytes when it is too
    /// large to move in one piece.
    fn describe(&self) -> Result<CArg, usize>;
    /// The owned payload, for a [`Moved`] argument.
    #[doc(hidden)]
    fn into_payload(self) -> Option<PayloadOf>
    where
        Self: Sized,
    {
        None
    }
}

/// Kind marker of [`Moved`]: the task takes the value.
pub struct Taken<T>(PhantomData<fn() -> T>);

// SAFETY: builds the value from the running task's own payload, taken once.
unsafe impl<T: Codec> Kind for Taken<T> {
    type Param<'b> = T;
    unsafe fn param<'b>(_word: usize, _bytes: usize) -> Self::Param<'b> {
        // SAFETY: a trampoline runs inside its task, which is the current one and alive.
        let t = unsafe { current_task().as_mut() }.expect("a Moved argument outside its task");
        let v = std::mem::take(&mut t.input);
        codec::from_value(v).unwrap_or_else(|e| panic!("the Moved argument cannot be read: {e}"))
    }
}

impl<'scope, T: Codec> Arg<'scope> for Moved<T> {
    type K = Taken<T>;
    fn describe(&self) -> Result<CArg, usize> {
        // A placeholder word: the task finds the value in its payload.
        let byte = crate::mpi::datatype::byte_type();
        Ok(CArg::new(0, byte, 6, std::ptr::null_mut()))
    }
    fn into_payload(self) -> Option<PayloadOf> {
        Some(PayloadOf(codec::to_value(self.0)))
    }
}

fn carg(bytes: usize, callway: i32, addr: *const u8) -> Result<CArg, usize> {
    let count = i32::try_from(bytes).map_err(|_| bytes)?;
    let byte = crate::mpi::datatype::byte_type();
    Ok(CArg::new(count, byte, callway, addr as *mut libc::c_void))
}

impl<'scope, P: ?Sized + Payload> Arg<'scope> for In<'_, P> {
    type K = Shared<P>;
    fn describe(&self) -> Result<CArg, usize> {
        carg(self.0.bytes(), 1, self.0 as *const P as *const u8)
    }
}
impl<'scope, 'a: 'scope, P: ?Sized + Payload> Arg<'scope> for Borrow<'a, P> {
    type K = Shared<P>;
    fn describe(&self) -> Result<CArg, usize> {
        carg(self.0.bytes(), 4, self.0 as *const P as *const u8)
    }
}
impl<'scope, 'a: 'scope, P: ?Sized + Payload> Arg<'scope> for InOut<'a, P> {
    type K = Exclusive<P>;
    fn describe(&self) -> Result<CArg, usize> {
        carg(self.0.bytes(), 2, &*self.0 as *const P as *const u8)
    }
}
impl<'scope, 'a: 'scope, P: ?Sized + Payload> Arg<'scope> for Out<'a, P> {
    type K = Exclusive<P>;
    fn describe(&self) -> Result<CArg, usize> {
        carg(self.0.bytes(), 3, &*self.0 as *const P as *const u8)
    }
}
