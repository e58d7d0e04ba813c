//! What a creator describes of each argument (count, datatype, call-way, address), the promise
//! that makes those descriptions safe to use ([`TrustedArgs`]), and their capture into a task's
//! records. COP data is copied here, at creation.

use super::arglist::{Arg, ArgList};
use super::buffer::ArgBuffer;
use super::callway::CallWay;
use crate::mpi::datatype;
use mpi_sys::MPI_Datatype;
use std::fmt;

/// One argument as C describes it (`torc_arg_t` in `torc.h`): `count` elements of `datatype`
/// passed by `callway`, found at `addr` (for `CALL_BY_VAD`, `addr` is the word itself).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CArg {
    /// Number of elements (0 means no data).
    pub count: std::os::raw::c_int,
    /// The MPI datatype of one element.
    pub datatype: MPI_Datatype,
    /// One of the `CALL_BY_*` constants.
    pub callway: std::os::raw::c_int,
    /// The caller's data.
    pub addr: *mut libc::c_void,
}

impl CArg {
    /// `count` elements of `datatype` passed by `callway` (a `CALL_BY_*` value), at `addr`.
    pub(crate) fn new(
        count: std::os::raw::c_int,
        datatype: MPI_Datatype,
        callway: std::os::raw::c_int,
        addr: *mut libc::c_void,
    ) -> CArg {
        CArg {
            count,
            datatype,
            callway,
            addr,
        }
    }
}

/// The argument descriptions of one task creation, with the promise that makes them safe to
/// use: for every argument with data (`count > 0` and a call-way other than `CALL_BY_VAD`),
/// `datatype` is an MPI datatype handle and `addr` points to `count` elements of it, readable
/// (COP, REF, PTR) and writable (REF, RES), and they stay so until the task completes (COP
/// data only until the creation returns: it is copied then). Whoever creates a task waits for
/// it before that memory goes (a task nobody waits for has its large REF/PTR blocks copied at
/// creation, `sched/spawn.rs`). A `CALL_BY_VAD` word is passed on untouched and promises
/// nothing.
///
/// Only [`TrustedArgs::new`] makes one with arguments, at the two boundaries where the promise
/// is made: the C exports (`ffi/exports.rs`, from a C caller's array) and the Rust API
/// (`api/arity.rs`, from typed arguments whose borrows the scope keeps). Everything below them
/// (the runtime, the scheduler, [`capture`]) takes this type and is safe code.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrustedArgs<'a>(&'a [CArg]);

impl<'a> TrustedArgs<'a> {
    /// No arguments: nothing to promise.
    pub(crate) const NONE: TrustedArgs<'static> = TrustedArgs(&[]);

    /// Wraps `cargs`, of at most [`MAX_ARGS`](super::call::MAX_ARGS) descriptions.
    ///
    /// # Safety
    /// Every description of `cargs` keeps the promise of [`TrustedArgs`].
    #[inline(always)]
    pub(crate) unsafe fn new(cargs: &'a [CArg]) -> TrustedArgs<'a> {
        debug_assert!(cargs.len() <= super::call::MAX_ARGS);
        TrustedArgs(cargs)
    }

    /// The descriptions.
    #[inline(always)]
    pub(crate) fn as_slice(&self) -> &'a [CArg] {
        self.0
    }

    /// Number of arguments.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Argument data of at least this many bytes is not copied into a task's message: it travels
/// in its own DATA messages, sent from and received into place (`comm/wire`); a task whose
/// creator does not wait for it copies such REF/PTR data at creation instead (`sched/spawn.rs`).
/// cbindgen:ignore
pub(crate) const OUT_OF_LINE: usize = 64 << 10;

/// Why an argument description was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ArgError {
    /// Index of the argument (0-based).
    pub(crate) index: usize,
    /// What is wrong.
    pub(crate) what: String,
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "argument {}: {}", self.index + 1, self.what)
    }
}

/// Checks the descriptions of `cargs` and appends their records to `args`, copying COP data
/// into `buf`. On error nothing the caller owns was touched.
#[inline]
pub(crate) fn capture(
    cargs: TrustedArgs<'_>,
    args: &mut ArgList,
    buf: &mut ArgBuffer,
) -> Result<(), ArgError> {
    for (index, c) in cargs.as_slice().iter().enumerate() {
        // SAFETY: `c` is a description of `cargs`, a `TrustedArgs`: its data is readable as
        // its datatype and count say, and its datatype is a handle.
        let arg = match unsafe { record_common(c, buf) } {
            Some(a) => a,
            // SAFETY: `c` is a description of `cargs`, a `TrustedArgs` (see above).
            None => unsafe { record_any(index, c, buf) }?,
        };
        args.push(arg);
    }
    Ok(())
}

/// The record of `c` in the common cases, without a call: a known call-way, a positive count,
/// and for data a non-NULL address and a predefined datatype whose size the cache knows (COP
/// data is copied into `buf`). `None` for anything else, with nothing written:
/// [`record_any`] takes it (and reports what is wrong).
///
/// # Safety
/// `c` is a description of a [`TrustedArgs`] (its data is readable, its datatype a handle).
#[inline(always)]
unsafe fn record_common(c: &CArg, buf: &mut ArgBuffer) -> Option<Arg> {
    let way = CallWay::from_c(c.callway)?;
    if c.count <= 0 {
        return None;
    }
    let mut arg = Arg {
        addr: c.addr as usize,
        offset: 0,
        count: c.count as usize,
        elem_size: 0,
        way,
        in_buffer: false,
    };
    if !way.moves_data() {
        return Some(arg);
    }
    if c.addr.is_null() {
        return None;
    }
    let size = datatype::cached_size(c.datatype)?;
    arg.elem_size = u32::try_from(size).ok()?;
    if way == CallWay::Cop {
        let bytes = arg
            .count
            .checked_mul(size)
            .filter(|&b| b <= isize::MAX as usize)?;
        // SAFETY: `c` keeps the promise of `TrustedArgs` (this function's contract): `count`
        // readable elements at `addr` (non-NULL, checked above), of `size` bytes each; they
        // are copied before the creation returns, as COP requires.
        let src = unsafe { std::slice::from_raw_parts(c.addr as *const u8, bytes) };
        arg.offset = buf.push_bytes(src);
        arg.in_buffer = true;
    }
    Some(arg)
}

/// The record of argument `index`, `c`, in any case (asking MPI for a datatype's size), or
/// why it is refused; on error `buf` is untouched.
///
/// # Safety
/// As for [`record_common`].
#[cold]
#[inline(never)]
unsafe fn record_any(index: usize, c: &CArg, buf: &mut ArgBuffer) -> Result<Arg, ArgError> {
    let err = |what: String| ArgError { index, what };
    let way =
        CallWay::from_c(c.callway).ok_or_else(|| err(format!("unknown call-way {}", c.callway)))?;
    if c.count < 0 {
        return Err(err(format!("negative count {}", c.count)));
    }
    let count = c.count as usize;
    let mut arg = Arg {
        way,
        count,
        elem_size: 0,
        addr: c.addr as usize,
        offset: 0,
        in_buffer: false,
    };
    if way.moves_data() && count > 0 {
        // SAFETY: the datatype of an argument with data is a handle (the promise of
        // `TrustedArgs`, this function's contract).
        let size = unsafe { datatype::element_size(c.datatype) }.map_err(err)?;
        arg.elem_size =
            u32::try_from(size).map_err(|_| err(format!("element size {size} is too large")))?;
        if c.addr.is_null() {
            return Err(err(format!("NULL data with count {count}")));
        }
        let bytes = count
            .checked_mul(size)
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or_else(|| err(format!("count {count} is too large")))?;
        if way == CallWay::Cop {
            // SAFETY: `count` readable elements of `size` bytes at `addr` (non-NULL, checked
            // above), the promise of `TrustedArgs`; copied before the creation returns.
            let src = unsafe { std::slice::from_raw_parts(c.addr as *const u8, bytes) };
            arg.offset = buf.push_bytes(src);
            arg.in_buffer = true;
        }
    } else if way == CallWay::Cop {
        // No data: the task still gets a pointer, to a zeroed word of its own.
        arg.offset = buf.alloc_zeroed(8);
        arg.in_buffer = true;
    }
    Ok(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carg(count: i32, callway: i32, addr: *mut libc::c_void) -> CArg {
        CArg::new(count, datatype::byte_type(), callway, addr)
    }

    #[test]
    fn cop_is_copied_at_capture_and_others_alias() {
        let mut src = [1u8, 2, 3, 4];
        let mut dst = [0u8; 4];
        let p = src.as_mut_ptr() as *mut libc::c_void;
        let q = dst.as_mut_ptr() as *mut libc::c_void;
        let cargs = [
            carg(4, 1, p),
            carg(4, 2, q),
            carg(4, 3, q),
            carg(4, 4, p),
            carg(0, 6, 77 as _),
        ];
        let (mut args, mut buf) = (ArgList::default(), ArgBuffer::default());
        // SAFETY: `src` and `dst` outlive the records (the test reads them before it returns);
        // the byte datatype is a handle.
        let trusted = unsafe { TrustedArgs::new(&cargs) };
        capture(trusted, &mut args, &mut buf).unwrap();
        src[0] = 99; // the caller may change its data right after creation
        assert_eq!(src[0], 99);
        let base = buf.addr(0);
        // SAFETY: the COP copy: 4 bytes in `buf`, which lives on.
        let copy = unsafe { std::slice::from_raw_parts(args[0].word(base) as *const u8, 4) };
        assert_eq!(copy, &[1, 2, 3, 4]);
        assert_eq!(args[1].word(base), q as usize);
        assert_eq!(args[2].word(base), q as usize);
        assert_eq!(args[3].word(base), p as usize);
        assert_eq!(args[4].word(base), 77);
    }

    #[test]
    fn zero_count_gives_null_or_a_zeroed_word() {
        let cargs = [
            carg(0, 1, std::ptr::null_mut()),
            carg(0, 2, std::ptr::null_mut()),
        ];
        let (mut args, mut buf) = (ArgList::default(), ArgBuffer::default());
        // SAFETY: no argument has data.
        capture(unsafe { TrustedArgs::new(&cargs) }, &mut args, &mut buf).unwrap();
        let base = buf.addr(0);
        assert_ne!(args[0].word(base), 0);
        // SAFETY: the zeroed word of the COP argument without data, in `buf`.
        assert_eq!(unsafe { *(args[0].word(base) as *const u64) }, 0);
        assert_eq!(args[1].word(base), 0);
    }

    #[test]
    fn bad_descriptions_are_refused_with_the_argument_number() {
        let mut x = 0u8;
        let p = &mut x as *mut u8 as *mut libc::c_void;
        let cases = [
            (carg(1, 9, p), "argument 1: unknown call-way 9"),
            (carg(-2, 1, p), "argument 1: negative count -2"),
            (
                carg(3, 2, std::ptr::null_mut()),
                "argument 1: NULL data with count 3",
            ),
        ];
        for (c, msg) in cases {
            let (mut args, mut buf) = (ArgList::default(), ArgBuffer::default());
            let cargs = [c];
            // SAFETY: `x` outlives the capture; the byte datatype is a handle.
            let trusted = unsafe { TrustedArgs::new(&cargs) };
            let e = capture(trusted, &mut args, &mut buf).unwrap_err();
            assert_eq!(e.to_string(), msg);
        }
    }
}
