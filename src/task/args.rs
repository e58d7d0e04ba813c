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

/// One argument of a task, as the runtime keeps it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arg {
    /// How it is passed.
    pub(crate) way: CallWay,
    /// Elements (0: no data).
    pub(crate) count: usize,
    /// Bytes per element (0 for VAD).
    pub(crate) elem_size: usize,
    /// The creator's address (for VAD: the word).
    pub(crate) addr: usize,
    /// Where the data lies in the task's buffer, when `in_buffer`.
    pub(crate) offset: usize,
    /// Whether the task sees the copy in its buffer rather than the creator's memory.
    pub(crate) in_buffer: bool,
    /// The word the task function receives; set by [`resolve_values`].
    pub(crate) value: usize,
}

impl Arg {
    /// Bytes of data: `count * elem_size`.
    pub(crate) fn bytes(&self) -> usize {
        self.count * self.elem_size
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
pub(crate) unsafe fn capture(
    cargs: &[CArg],
    args: &mut super::arglist::ArgList,
    buf: &mut ArgBuffer,
) -> Result<(), ArgError> {
    for (index, c) in cargs.iter().enumerate() {
        let err = |what: String| ArgError { index, what };
        let way = CallWay::from_c(c.callway)
            .ok_or_else(|| err(format!("unknown call-way {}", c.callway)))?;
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
            value: 0,
        };
        if way.moves_data() && count > 0 {
            // SAFETY: the datatype is the caller's, and torc.h's contract (as for `addr`,
            // which this function trusts too) is that it is a datatype handle.
            arg.elem_size = unsafe { datatype::element_size(c.datatype) }.map_err(err)?;
            if c.addr.is_null() {
                return Err(err(format!("NULL data with count {count}")));
            }
            let bytes = count
                .checked_mul(arg.elem_size)
                .filter(|&b| b <= isize::MAX as usize)
                .ok_or_else(|| err(format!("count {count} is too large")))?;
            if way == CallWay::Cop {
                // SAFETY: the caller promised `count` readable elements at `addr` (non-NULL,
                // checked above); we copy them before returning, as COP requires.
                let src = unsafe { std::slice::from_raw_parts(c.addr as *const u8, bytes) };
                arg.offset = buf.push_bytes(src);
                arg.in_buffer = true;
            }
        } else if way == CallWay::Cop {
            // No data: the task still gets a pointer, to a zeroed word of its own.
            arg.offset = buf.alloc_zeroed(8);
            arg.in_buffer = true;
        }
        args.push(arg);
    }
    Ok(())
}

/// Computes the word each argument passes to the task function, once `buf` no longer grows.
pub(crate) fn resolve_values(args: &mut [Arg], buf: &mut ArgBuffer) {
    for a in args.iter_mut() {
        a.value = if a.in_buffer {
            buf.addr(a.offset) as usize
        } else if a.way == CallWay::Vad {
            a.addr
        } else if a.count == 0 {
            0
        } else {
            a.addr
        };
    }
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
        resolve_values(&mut args, &mut buf);
        let copy = unsafe { std::slice::from_raw_parts(args[0].value as *const u8, 4) };
        assert_eq!(copy, &[1, 2, 3, 4]);
        assert_eq!(args[1].value, q as usize);
        assert_eq!(args[2].value, q as usize);
        assert_eq!(args[3].value, p as usize);
        assert_eq!(args[4].value, 77);
    }

    #[test]
    fn zero_count_gives_null_or_a_zeroed_word() {
        let cargs = [
            carg(0, 1, std::ptr::null_mut()),
            carg(0, 2, std::ptr::null_mut()),
        ];
        let (mut args, mut buf) = (ArgList::default(), ArgBuffer::default());
        unsafe { capture(&cargs, &mut args, &mut buf) }.unwrap();
        resolve_values(&mut args, &mut buf);
        assert_ne!(args[0].value, 0);
        assert_eq!(unsafe { *(args[0].value as *const u64) }, 0);
        assert_eq!(args[1].value, 0);
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
