//! Typed task arguments: how each Rust argument maps onto a TORC call-way, and how the task
//! function receives it.
//!
//! | wrapper | call-way | the task receives |
//! | --- | --- | --- |
//! | [`In`] | `CALL_BY_COP` (copied at creation) | `&T` / `&[T]` |
//! | [`InOut`] | `CALL_BY_REF` (written back) | `&mut T` / `&mut [T]` |
//! | [`Out`] | `CALL_BY_RES` (zeroed remotely, written back) | `&mut T` / `&mut [T]` |
//! | [`Borrow`] | `CALL_BY_PTR` (read, not written back) | `&T` / `&[T]` |

use super::data::Payload;
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

/// One typed argument of a task created from Rust, valid in a scope `'scope`: borrowed kinds
/// must outlive the scope; copied ones ([`In`]) only the creating call.
pub trait Arg<'scope> {
    /// How the task receives it.
    type K: Kind;
    /// The C description (bytes as `MPI_BYTE` elements), or the size in bytes when it is too
    /// large to move in one piece.
    fn describe(&self) -> Result<CArg, usize>;
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
