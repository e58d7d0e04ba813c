//! Argument records: what the creator described (count, datatype, call-way, address) and how
//! the task receives it. COP data is copied here, at creation.

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

/// Argument data of at least this many bytes is not copied into a task's message: it travels
/// in its own DATA messages, sent from and received into place (`comm/wire`); a task whose
/// creator does not wait for it copies such REF/PTR data at creation instead (`sched/spawn.rs`).
/// cbindgen:ignore
pub(crate) const OUT_OF_LINE: usize = 64 << 10;

/// One argument of a task, as the runtime keeps it: 32 bytes (two records to a cache line).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arg {
    /// The creator's address (for VAD: the word).
    pub(crate) addr: usize,
    /// Where the data lies in the task's buffer, when `in_buffer`.
    pub(crate) offset: usize,
    /// Elements (0: no data).
    pub(crate) count: usize,
    /// Bytes per element (0 for VAD; MPI sizes are C ints).
    pub(crate) elem_size: u32,
    /// How it is passed.
    pub(crate) way: CallWay,
    /// Whether the task sees the copy in its buffer rather than the creator's memory.
    pub(crate) in_buffer: bool,
}

const _: () = assert!(std::mem::size_of::<Arg>() == 32);

impl Arg {
    /// Bytes of data: `count * elem_size`.
    #[inline]
    pub(crate) fn bytes(&self) -> usize {
        self.count * self.elem_size as usize
    }

    /// The word the task function receives, given `base`, the address of the task's buffer
    /// ([`ArgBuffer::addr`]`(0)`, taken once the buffer no longer grows): its copy in the
    /// buffer, the VAD word, NULL for no data, or else the creator's address.
    #[inline]
    pub(crate) fn word(&self, base: *mut u8) -> usize {
        if self.in_buffer {
            base as usize + self.offset
        } else if self.count == 0 && self.way != CallWay::Vad {
            0
        } else {
            self.addr
        }
    }
}

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

/// Checks `cargs` and appends their records to `args`, copying COP data into `buf`.
/// On error nothing the caller owns was touched.
///
/// # Safety
/// A non-NULL `addr` of an argument with data must point to `count` readable elements of its
/// datatype (COP data is read here; the rest is used by the task later, see `sched/spawn.rs`).
#[inline]
pub(crate) unsafe fn capture(
    cargs: &[CArg],
    args: &mut super::arglist::ArgList,
    buf: &mut ArgBuffer,
) -> Result<(), ArgError> {
    for (index, c) in cargs.iter().enumerate() {
        // SAFETY (both): as our caller guarantees.
        let arg = match unsafe { record_common(c, buf) } {
            Some(a) => a,
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
/// As for [`capture`].
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
        // SAFETY: the caller promised `count` readable elements at `addr` (non-NULL, checked
        // above); we copy them before returning, as COP requires.
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
/// As for [`capture`].
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
        // SAFETY: the datatype is the caller's, and torc.h's contract (as for `addr`, which
        // this function trusts too) is that it is a datatype handle.
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
            // SAFETY: as in `record_common`.
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
    use crate::task::arglist::ArgList;

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
        unsafe { capture(&cargs, &mut args, &mut buf) }.unwrap();
        src[0] = 99; // the caller may change its data right after creation
        assert_eq!(src[0], 99);
        let base = buf.addr(0);
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
        unsafe { capture(&cargs, &mut args, &mut buf) }.unwrap();
        let base = buf.addr(0);
        assert_ne!(args[0].word(base), 0);
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
            let e = unsafe { capture(&[c], &mut args, &mut buf) }.unwrap_err();
            assert_eq!(e.to_string(), msg);
        }
    }
}
