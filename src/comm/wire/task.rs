//! Tasks and completions on the wire: how a task function is named across processes, the
//! TASK / STEAL_TASK body (built from and parsed into a descriptor) and the DONE body.

use super::bytes::{Encoded, Reader, Writer, OOL_BYTES, OOL_WAY, OUT_OF_LINE};
use crate::symbol;
use crate::task::arglist::Arg;
use crate::task::callway::CallWay;
use crate::task::descriptor::Task;
use crate::task::failure::Failure;
use crate::task::value::Value;
use std::os::raw::c_int;

/// In a task header's first word: the task carries an input payload (its length is the sixth
/// header word, with `OOL_BYTES` when it follows in DATA messages).
const HAS_INPUT: u64 = 1 << 16;

/// Marks a function key that is a registration index rather than a module key.
const REGISTERED: u64 = u64::MAX;

/// How a function travels: its registration index, or (module key, offset).
pub(crate) fn function_id(func: usize, registered: &[usize]) -> Option<(u64, u64)> {
    if let Some(i) = registered.iter().position(|&f| f == func) {
        return Some((REGISTERED, i as u64));
    }
    symbol::to_portable(func)
}

/// The local address of a function id.
pub(crate) fn function_addr(key: u64, off: u64, registered: &[usize]) -> Result<usize, String> {
    if key == REGISTERED {
        return registered.get(off as usize).copied().ok_or_else(|| {
            format!(
                "task function #{off} is not registered here ({} are)",
                registered.len()
            )
        });
    }
    symbol::from_portable(key, off).ok_or_else(|| {
        format!("task function at offset {off:#x} of module {key:#x} is not loaded here")
    })
}

/// Whether an argument's data goes out with the task.
fn carries_data(a: &Arg) -> bool {
    a.way.moves_data() && a.way != CallWay::Res && a.count > 0
}

/// Encodes `task` for another node. `target` is the named local worker there (-1: any).
/// Data not in the task's buffer (REF/PTR of a locally created task) is the creator's memory;
/// small data is copied into the message, large data is listed in `blocks` to be sent from
/// where it is (the creator's memory stays valid until the task's completion comes back).
/// `handle` names the task at its home node (see `outstanding.rs`): where its completion goes.
pub(crate) fn encode_task(task: &Task, func: (u64, u64), target: i32, handle: u64) -> Encoded {
    let inline = |a: &Arg| carries_data(a) && a.bytes() < OUT_OF_LINE;
    let data: usize = task
        .args
        .iter()
        .filter(|a| inline(a))
        .map(|a| a.bytes().next_multiple_of(16))
        .sum();
    let input = task.input.wire_bytes();
    let input_len = input.as_ref().map_or(0, |b| b.len());
    let input_inline = input_len < OUT_OF_LINE;
    let mut w = Writer::with_capacity(
        48 + 32 * task.args.len() + data + if input_inline { input_len + 16 } else { 0 },
    );
    use crate::task::descriptor::flags::{ARGS, EXTENDED};
    let bits = task.flags & !(EXTENDED | ARGS);
    let mut word0 = bits as u64 | (task.args.len() as u64) << 8 | (task.level as u64) << 32;
    if input.is_some() {
        word0 |= HAS_INPUT;
    }
    w.u64(word0);
    w.u64((target as u32 as u64) | (task.home as u64) << 32);
    w.u64(handle);
    w.u64(func.0).u64(func.1);
    w.u64(input_len as u64 | if input_inline { 0 } else { OOL_BYTES });
    let mut blocks = Vec::new();
    for a in &task.args {
        let ool = carries_data(a) && !inline(a);
        w.u64(a.way as u64 | if ool { OOL_WAY } else { 0 });
        w.u64(a.count as u64)
            .u64(a.elem_size as u64)
            .u64(a.addr as u64);
    }
    for a in task.args.iter().filter(|a| carries_data(a)) {
        let addr = if a.in_buffer {
            task.buf.as_bytes()[a.offset..].as_ptr() as usize
        } else {
            a.addr
        };
        if inline(a) {
            // SAFETY: `addr` holds the argument's `bytes()` bytes: in the task's buffer, or the
            // creator's memory, which it keeps alive until its wait ends (after this task).
            w.block(unsafe { std::slice::from_raw_parts(addr as *const u8, a.bytes()) });
        } else {
            blocks.push((addr, a.bytes()));
        }
    }
    if let Some(b) = input {
        if input_inline {
            w.block(&b);
        } else {
            // Sent from where it is: the task's input, kept with the descriptor (see
            // `Value::settle_for_wire`).
            blocks.push((b.as_ptr() as usize, b.len()));
        }
    }
    Encoded {
        body: w.buf,
        blocks,
    }
}

/// What a task message says besides its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskHeader {
    /// Named local worker (-1: any).
    pub(crate) target: i32,
    /// Function id.
    pub(crate) func: (u64, u64),
    /// (offset in the task's buffer, length) of each large block to receive, in order, from
    /// the DATA messages that follow.
    pub(crate) ool: Vec<(usize, usize)>,
    /// Length of an input payload that follows in DATA messages, after the blocks of `ool`:
    /// to be received into `task.input`.
    pub(crate) input_ool: Option<usize>,
}

/// Turns a received task message, already stored as `task.buf`, into the task: header fields,
/// argument records pointing into the buffer, zeroed room for RES data. A task that comes back
/// to its home node (`me`) unrun, e.g. stolen back, uses its creator's memory directly for
/// REF/RES/PTR arguments, as if it had never left.
///
/// # Safety
/// Every block listed in the returned header's `ool` is reserved but not initialised: the
/// caller must write each one (from the DATA messages that follow) before the task runs or the
/// buffer is read.
pub(crate) unsafe fn decode_task(
    task: &mut Task,
    len: usize,
    me: u32,
) -> Result<TaskHeader, String> {
    let mut args = std::mem::take(&mut task.args);
    args.clear();
    let mut ool_args: Vec<usize> = Vec::new();
    let hdr = {
        let mut r = Reader::new(&task.buf.as_bytes()[..len]);
        let word0 = r.u64()?;
        let word1 = r.u64()?;
        task.handle = r.u64()?;
        task.parent = std::ptr::null();
        let func = (r.u64()?, r.u64()?);
        let input_word = r.u64()?;
        // The message itself is in the buffer, and the records follow (flags::ARGS).
        task.flags = word0 as u8 | crate::task::descriptor::flags::ARGS;
        let nargs = ((word0 >> 8) & 0xff) as usize;
        if nargs > crate::task::MAX_ARGS {
            return Err(format!(
                "task message with {nargs} arguments (at most {})",
                crate::task::MAX_ARGS
            ));
        }
        task.level = (word0 >> 32) as u32;
        task.home = (word1 >> 32) as u32;
        let target = word1 as u32 as i32;
        for _ in 0..nargs {
            let word = r.u64()?;
            let way =
                CallWay::from_c((word & 0xff) as c_int).ok_or("bad call-way in task message")?;
            if word & OOL_WAY != 0 {
                ool_args.push(args.len());
            }
            let (count, elem_size, addr) =
                (r.u64()? as usize, r.u64()? as usize, r.u64()? as usize);
            if count
                .checked_mul(elem_size)
                .is_none_or(|b| b > isize::MAX as usize)
                || elem_size > u32::MAX as usize
            {
                return Err(format!("argument of {count} x {elem_size} bytes"));
            }
            let elem_size = elem_size as u32;
            args.push(Arg {
                way,
                count,
                elem_size,
                addr,
                offset: 0,
                in_buffer: false,
            });
        }
        for (i, a) in args.iter_mut().enumerate().filter(|(_, a)| carries_data(a)) {
            if ool_args.contains(&i) {
                continue;
            }
            let (off, _) = r.block(a.bytes())?;
            a.offset = off;
            a.in_buffer = true;
        }
        let mut input_ool = None;
        task.input = Value::Empty;
        if word0 & HAS_INPUT != 0 {
            task.flags |= crate::task::descriptor::flags::EXTENDED;
            let n = (input_word & !OOL_BYTES) as usize;
            if input_word & OOL_BYTES != 0 {
                input_ool = Some(n);
            } else {
                task.input = Value::Bytes(r.block(n)?.1.to_vec());
            }
        }
        TaskHeader {
            target,
            func,
            ool: Vec::new(),
            input_ool,
        }
    };
    let mut hdr = hdr;
    let at_home = task.home == me;
    for (i, a) in args.iter_mut().enumerate() {
        if at_home && a.way != CallWay::Cop && a.way.moves_data() {
            a.in_buffer = false;
            if ool_args.contains(&i) {
                // The data comes anyway: receive it into a scratch block, then ignore it.
                // SAFETY: the caller receives the block into it before the buffer is read.
                hdr.ool
                    .push((unsafe { task.buf.alloc_uninit(a.bytes()) }, a.bytes()));
            }
        } else if ool_args.contains(&i) {
            // SAFETY: the caller receives the block into it before the task runs.
            a.offset = unsafe { task.buf.alloc_uninit(a.bytes()) };
            a.in_buffer = true;
            hdr.ool.push((a.offset, a.bytes()));
        } else if a.way == CallWay::Res && a.count > 0 {
            a.offset = task.buf.alloc_zeroed(a.bytes());
            a.in_buffer = true;
        } else if a.way == CallWay::Cop && a.count == 0 {
            a.offset = task.buf.alloc_zeroed(8);
            a.in_buffer = true;
        }
    }
    task.args = args;
    Ok(hdr)
}

/// In a completion's second word: it carries a result (third word: its length, with
/// `OOL_BYTES` when it follows in a DATA message after the write-backs' blocks).
const HAS_OUTPUT: u64 = 1 << 32;

/// Encodes the completion of a task that ran away from home: its handle there, the REF/RES
/// data to write back (large blocks listed to be sent from the task's buffer), its result
/// (large: sent from where it is, see `Value::settle_for_wire`) and its failures.
pub(crate) fn encode_done(task: &Task) -> Encoded {
    let wb: Vec<&Arg> = task
        .args
        .iter()
        .filter(|a| a.way.writes_back() && a.count > 0)
        .collect();
    let data: usize = wb
        .iter()
        .filter(|a| a.bytes() < OUT_OF_LINE)
        .map(|a| a.bytes().next_multiple_of(16))
        .sum();
    let output = task.output.wire_bytes();
    let out_len = output.as_ref().map_or(0, |b| b.len());
    let out_inline = out_len < OUT_OF_LINE;
    let mut w = Writer::with_capacity(
        24 + 16 * wb.len() + data + if out_inline { out_len + 16 } else { 0 },
    );
    let mut word1 = wb.len() as u64 | (task.failures.len() as u64) << 40;
    if output.is_some() {
        word1 |= HAS_OUTPUT;
    }
    w.u64(task.handle).u64(word1);
    w.u64(out_len as u64 | if out_inline { 0 } else { OOL_BYTES });
    let mut blocks = Vec::new();
    for a in wb {
        let bytes = &task.buf.as_bytes()[a.offset..a.offset + a.bytes()];
        if a.bytes() < OUT_OF_LINE {
            w.u64(a.addr as u64).u64(a.bytes() as u64);
            w.block(bytes);
        } else {
            w.u64(a.addr as u64).u64(a.bytes() as u64 | OOL_BYTES);
            blocks.push((bytes.as_ptr() as usize, a.bytes()));
        }
    }
    if let Some(b) = output {
        if out_inline {
            w.block(&b);
        } else {
            blocks.push((b.as_ptr() as usize, b.len()));
        }
    }
    for f in &task.failures {
        w.u64(f.node as u64 | (f.worker as u64) << 32)
            .u64(f.level as u64)
            .u64(f.function.len() as u64)
            .u64(f.message.len() as u64);
        w.block(f.function.as_bytes()).block(f.message.as_bytes());
    }
    Encoded {
        body: w.buf,
        blocks,
    }
}

/// One write-back of a completion: `bytes` bytes for the creator's address `addr`, carried in
/// the message (`data`) or in a DATA message that follows (`None`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct WriteBack<'a> {
    /// The creator's address, as the home node sent it (checked there before use).
    pub(crate) addr: usize,
    /// Its length.
    pub(crate) bytes: usize,
    /// The data, when it travels inside the message.
    pub(crate) data: Option<&'a [u8]>,
}

/// Where a completion's result is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Output<'a> {
    /// It has none.
    None,
    /// Inside the message.
    Inline(&'a [u8]),
    /// In a DATA message of this length, after the write-backs' blocks.
    Follows(usize),
}

/// A parsed completion.
#[derive(Debug)]
pub(crate) struct Done<'a> {
    /// The task's handle at home.
    pub(crate) handle: u64,
    /// Its write-backs, in order.
    pub(crate) write_backs: Vec<WriteBack<'a>>,
    /// Its result.
    pub(crate) output: Output<'a>,
    /// Its failures.
    pub(crate) failures: Vec<Failure>,
}

/// Parses a completion.
pub(crate) fn decode_done(msg: &[u8]) -> Result<Done<'_>, String> {
    let mut r = Reader::new(msg);
    let handle = r.u64()?;
    let word1 = r.u64()?;
    let out_word = r.u64()?;
    let n = (word1 & 0xffff_ffff) as usize;
    let nfail = (word1 >> 40) as usize;
    if n > crate::task::MAX_ARGS {
        return Err(format!("completion with {n} write-backs"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let addr = r.u64()? as usize;
        let size = r.u64()?;
        let bytes = (size & !OOL_BYTES) as usize;
        let data = if size & OOL_BYTES != 0 {
            None
        } else {
            Some(r.block(bytes)?.1)
        };
        out.push(WriteBack { addr, bytes, data });
    }
    let output = if word1 & HAS_OUTPUT == 0 {
        Output::None
    } else if out_word & OOL_BYTES != 0 {
        Output::Follows((out_word & !OOL_BYTES) as usize)
    } else {
        Output::Inline(r.block(out_word as usize)?.1)
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut failures = Vec::new();
    for _ in 0..nfail {
        let (w, level) = (r.u64()?, r.u64()? as u32);
        let (fl, ml) = (r.u64()? as usize, r.u64()? as usize);
        let function = text(r.block(fl)?.1);
        let message = text(r.block(ml)?.1);
        failures.push(Failure {
            function,
            node: w as u32,
            worker: (w >> 32) as u32,
            level,
            message,
        });
    }
    Ok(Done {
        handle,
        write_backs: out,
        output,
        failures,
    })
}

/// Writes a completion's data back (`receive(addr, bytes)` gets each large block straight
/// into place from its DATA message).
///
/// # Safety
/// Every `addr` must be checked to be a live REF/RES argument of `bytes` bytes of a task of
/// this node still waiting for it (see `outstanding.rs`).
pub(crate) unsafe fn apply_write_backs(
    wb: &[WriteBack<'_>],
    mut receive: impl FnMut(usize, usize),
) {
    for w in wb {
        match w.data {
            // SAFETY: `addr` was checked to be a live REF/RES argument of `bytes` writable
            // bytes (this function's contract); the data is in the message, elsewhere.
            Some(d) => unsafe {
                std::ptr::copy_nonoverlapping(d.as_ptr(), w.addr as *mut u8, w.bytes)
            },
            None => receive(w.addr, w.bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bytes::{pieces, DATA_PIECE};
    use super::*;
    use crate::task::buffer::ArgBuffer;

    /// A task buffer holding `msg`, as the receiver has it.
    fn buffer_from(msg: &[u8]) -> ArgBuffer {
        let mut b = ArgBuffer::default();
        b.push_bytes(msg);
        b
    }
    use crate::mpi::datatype;
    use crate::task::args::{capture, CArg, TrustedArgs};

    #[test]
    fn a_task_round_trips_with_every_call_way() {
        let cop = [1.5f64, 2.5];
        let mut refd = [7i32, 8, 9];
        let mut res = [0u64; 2];
        let ptr = [3u8; 5];
        // SAFETY: reading an extern constant of the MPI library.
        let dt8 = unsafe { mpi_sys::RSMPI_DOUBLE };
        // SAFETY: reading an extern constant of the MPI library.
        let dt4 = unsafe { mpi_sys::RSMPI_INT32_T };
        let _ = datatype::byte_type();
        let cargs = [
            CArg::new(2, dt8, 1, cop.as_ptr() as *mut _),
            CArg::new(3, dt4, 2, refd.as_mut_ptr() as *mut _),
            CArg::new(2, dt8, 3, res.as_mut_ptr() as *mut _),
            CArg::new(5, datatype::byte_type(), 4, ptr.as_ptr() as *mut _),
            CArg::new(0, dt8, 6, 0xabcd as *mut _),
            CArg::new(0, dt8, 1, std::ptr::null_mut()),
            CArg::new(0, dt8, 2, std::ptr::null_mut()),
        ];
        let mut t = Task::new();
        t.level = 3;
        t.home = 1;
        t.flags = 2;
        t.parent = 0x1234usize as *const _;
        // SAFETY: the test's data outlives the task; the datatypes are handles.
        let trusted = unsafe { TrustedArgs::new(&cargs) };
        capture(trusted, &mut t.args, &mut t.buf).unwrap();
        let enc = encode_task(&t, (9, 77), 2, 0x1234);
        assert!(
            enc.blocks.is_empty(),
            "small data travels inside the message"
        );
        let msg = enc.body;

        let mut r = Task::new();
        r.buf = buffer_from(&msg);
        // SAFETY: the blocks it reserves are none here: every argument is inline in the message.
        let h = unsafe { decode_task(&mut r, msg.len(), 0) }.unwrap();
        let want = TaskHeader {
            target: 2,
            func: (9, 77),
            ool: Vec::new(),
            input_ool: None,
        };
        assert_eq!(h, want);
        use crate::task::descriptor::flags::ARGS;
        assert_eq!(
            (
                r.level,
                r.home,
                r.flags & !ARGS,
                r.handle,
                r.parent as usize
            ),
            (3, 1, 2, 0x1234, 0)
        );
        assert!(
            r.flags & ARGS != 0,
            "a decoded task holds its message and records"
        );
        let v = |i: usize| r.args[i].word(r.buf.base_ptr());
        // SAFETY: the words point into `r`'s buffer (COP, REF, RES and PTR copies of the sizes
        // read) or are the VAD word and NULL, not read.
        unsafe {
            assert_eq!(std::slice::from_raw_parts(v(0) as *const f64, 2), &cop);
            assert_eq!(std::slice::from_raw_parts(v(1) as *const i32, 3), &refd);
            assert_eq!(std::slice::from_raw_parts(v(2) as *const u64, 2), &[0, 0]);
            assert_eq!(std::slice::from_raw_parts(v(3) as *const u8, 5), &ptr);
            assert_eq!(*(v(5) as *const u64), 0);
        }
        assert_eq!(v(4), 0xabcd);
        assert_eq!(v(6), 0);
        assert!(r
            .args
            .iter()
            .all(|a| !a.in_buffer || a.word(r.buf.base_ptr()) % 16 == 0));

        // The task runs remotely and writes its outputs; the completion carries them home.
        // SAFETY: the REF and RES copies in `r`'s buffer hold 3 i32 and 2 u64.
        unsafe {
            *(v(1) as *mut i32) = 70;
            *(v(2) as *mut u64).add(1) = 99;
        }
        let done = encode_done(&r);
        assert!(done.blocks.is_empty());
        let d = decode_done(&done.body).unwrap();
        let (handle, wb) = (d.handle, d.write_backs);
        assert_eq!(handle, 0x1234);
        assert_eq!(d.output, Output::None);
        assert!(d.failures.is_empty());
        let pairs: Vec<_> = wb.iter().map(|w| (w.addr, w.bytes)).collect();
        assert_eq!(
            pairs,
            vec![(refd.as_ptr() as usize, 12), (res.as_ptr() as usize, 16)],
            "REF and RES, in order"
        );
        // SAFETY: each write-back names a REF or RES argument of this test, alive and of its size.
        unsafe { apply_write_backs(&wb, |_, _| panic!("no large blocks")) };
        assert_eq!(refd, [70, 8, 9]);
        assert_eq!(res, [0, 99]);
    }

    #[test]
    fn large_blocks_travel_out_of_line_and_land_in_place() {
        let big: Vec<u8> = (0..OUT_OF_LINE + 100).map(|i| i as u8).collect();
        let mut out = vec![0u8; OUT_OF_LINE];
        let small = [7u8; 10];
        let _ = datatype::byte_type();
        let b = datatype::byte_type();
        let cargs = [
            CArg::new(big.len() as i32, b, 4, big.as_ptr() as *mut _),
            CArg::new(10, b, 1, small.as_ptr() as *mut _),
            CArg::new(out.len() as i32, b, 3, out.as_mut_ptr() as *mut _),
        ];
        let mut t = Task::new();
        t.home = 0;
        t.parent = 0x99usize as *const _;
        // SAFETY: the test's data outlives the task; the datatypes are handles.
        let trusted = unsafe { TrustedArgs::new(&cargs) };
        capture(trusted, &mut t.args, &mut t.buf).unwrap();
        let enc = encode_task(&t, (1, 2), -1, 0x99);
        assert_eq!(
            enc.blocks,
            vec![(big.as_ptr() as usize, big.len())],
            "the PTR block is sent in place"
        );
        assert!(
            enc.body.len() < 1024,
            "the message holds only the small data"
        );

        // The receiver reserves room for the block and takes the DATA message into it.
        let mut r = Task::new();
        r.buf = buffer_from(&enc.body);
        // SAFETY: the one reserved block is written below, before the buffer is read.
        let h = unsafe { decode_task(&mut r, enc.body.len(), 1) }.unwrap();
        assert_eq!(h.ool.len(), 1);
        let (off, len) = h.ool[0];
        assert_eq!(len, big.len());
        // SAFETY: the reserved block holds `len` bytes.
        unsafe { std::ptr::copy_nonoverlapping(big.as_ptr(), r.buf.addr(off), len) };
        // SAFETY: the words point into `r`'s buffer: the large block just written, the small COP
        // copy, the RES room of `OUT_OF_LINE` bytes.
        unsafe {
            assert_eq!(
                std::slice::from_raw_parts(r.args[0].word(r.buf.base_ptr()) as *const u8, len),
                &big[..]
            );
            assert_eq!(
                std::slice::from_raw_parts(r.args[1].word(r.buf.base_ptr()) as *const u8, 10),
                &small
            );
            std::ptr::write_bytes(r.args[2].word(r.buf.base_ptr()) as *mut u8, 5, OUT_OF_LINE);
        }

        // The large RES write-back goes out of line too, and lands in the creator's memory.
        let done = encode_done(&r);
        assert_eq!(done.blocks.len(), 1);
        let (src, n) = done.blocks[0];
        let d = decode_done(&done.body).unwrap();
        let (handle, wb) = (d.handle, d.write_backs);
        assert_eq!(handle, 0x99);
        // SAFETY: the write-back names `out`, alive and of `n` bytes; the block comes from `r`'s
        // buffer.
        unsafe {
            apply_write_backs(&wb, |addr, bytes| {
                assert_eq!((addr, bytes), (out.as_ptr() as usize, n));
                std::ptr::copy_nonoverlapping(src as *const u8, addr as *mut u8, bytes);
            })
        };
        assert!(out.iter().all(|&x| x == 5));
    }

    #[test]
    fn a_task_message_with_too_many_arguments_is_refused() {
        let mut w = Writer::default();
        let nargs = crate::task::MAX_ARGS as u64 + 1;
        // (header: word0, word1, handle, key, offset, input length)
        w.u64(nargs << 8).u64(0).u64(0).u64(0).u64(0);
        w.pad16();
        for _ in 0..nargs {
            w.u64(6).u64(0).u64(0).u64(0); // CALL_BY_VAD records
        }
        let mut r = Task::new();
        r.buf = buffer_from(&w.buf);
        // SAFETY: the message is refused before any block is reserved.
        let e = unsafe { decode_task(&mut r, w.buf.len(), 0) }.unwrap_err();
        assert!(e.contains("arguments (at most"), "{e}");
        let mut d = Writer::default();
        d.u64(1).u64(1000).u64(0);
        assert!(decode_done(&d.buf).is_err());
        assert!(decode_done(&d.buf[..12]).is_err());
    }

    #[test]
    fn large_blocks_are_cut_into_int_sized_pieces() {
        assert_eq!(pieces(10).collect::<Vec<_>>(), vec![(0, 10)]);
        let n = 2 * DATA_PIECE + 5;
        assert_eq!(
            pieces(n).collect::<Vec<_>>(),
            vec![
                (0, DATA_PIECE),
                (DATA_PIECE, DATA_PIECE),
                (2 * DATA_PIECE, 5)
            ]
        );
        assert!(pieces(n).all(|(_, len)| len <= i32::MAX as usize));
    }

    #[test]
    fn a_task_back_home_uses_the_creators_memory() {
        let cop = [4i32];
        let mut res = [0i32; 3];
        // SAFETY: reading an extern constant of the MPI library.
        let dt4 = unsafe { mpi_sys::RSMPI_INT32_T };
        let _ = datatype::byte_type();
        let cargs = [
            CArg::new(1, dt4, 1, cop.as_ptr() as *mut _),
            CArg::new(3, dt4, 3, res.as_mut_ptr() as *mut _),
        ];
        let mut t = Task::new();
        t.home = 1;
        // SAFETY: the test's data outlives the task; the datatypes are handles.
        let trusted = unsafe { TrustedArgs::new(&cargs) };
        capture(trusted, &mut t.args, &mut t.buf).unwrap();
        let msg = encode_task(&t, (0, 0), -1, 0).body;
        let mut r = Task::new();
        r.buf = buffer_from(&msg);
        // SAFETY: a task back home reserves no block.
        unsafe { decode_task(&mut r, msg.len(), 1) }.unwrap();
        assert_eq!(r.args[1].word(r.buf.base_ptr()), res.as_ptr() as usize);
        assert_ne!(
            r.args[0].word(r.buf.base_ptr()),
            cop.as_ptr() as usize,
            "COP stays a private copy"
        );
        assert_eq!(
            // SAFETY: the COP word points to the copy in `r`'s buffer, one i32.
            unsafe { *(r.args[0].word(r.buf.base_ptr()) as *const i32) },
            4
        );
    }

    #[test]
    fn payloads_results_and_failures_travel() {
        // A small input inline, a large one out of line (sent from the task's own bytes).
        for n in [5usize, OUT_OF_LINE + 3] {
            let payload: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let mut t = Task::new();
            t.home = 0;
            t.input = Value::Bytes(payload.clone());
            let enc = encode_task(&t, (1, 2), -1, 7);
            let mut r = Task::new();
            r.buf = buffer_from(&enc.body);
            // SAFETY: the test reads only the header; the reserved block (if any) is not read.
            let h = unsafe { decode_task(&mut r, enc.body.len(), 1) }.unwrap();
            if n < OUT_OF_LINE {
                assert!(enc.blocks.is_empty());
                assert_eq!(h.input_ool, None);
                assert!(matches!(&r.input, Value::Bytes(b) if *b == payload));
            } else {
                assert_eq!(
                    enc.blocks,
                    vec![(t.input.wire_bytes().unwrap().as_ptr() as usize, n)]
                );
                assert_eq!(h.input_ool, Some(n));
            }
        }
        // No payload: nothing announced.
        let t = Task::new();
        let enc = encode_task(&t, (1, 2), -1, 7);
        let mut r = Task::new();
        r.input = Value::Bytes(vec![1]);
        r.buf = buffer_from(&enc.body);
        // SAFETY: the test reads only the header; the reserved block (if any) is not read.
        let h = unsafe { decode_task(&mut r, enc.body.len(), 1) }.unwrap();
        assert_eq!(h.input_ool, None);
        assert!(
            r.input.is_empty(),
            "a reused descriptor forgets an old payload"
        );

        // A completion with a result and two failures; a large result out of line.
        for n in [0usize, 9, OUT_OF_LINE] {
            let mut t = Task::new();
            t.handle = 0x55;
            t.output = Value::Bytes(vec![3; n]);
            t.failures = vec![
                Failure {
                    function: "m::f".into(),
                    node: 2,
                    worker: 5,
                    level: 3,
                    message: "boom".into(),
                },
                Failure {
                    function: "m::g".into(),
                    node: 1,
                    worker: u32::MAX,
                    level: 4,
                    message: String::new(),
                },
            ];
            let enc = encode_done(&t);
            let d = decode_done(&enc.body).unwrap();
            assert_eq!(d.handle, 0x55);
            assert_eq!(d.failures, t.failures);
            if n < OUT_OF_LINE {
                assert_eq!(d.output, Output::Inline(&vec![3u8; n][..]));
                assert!(enc.blocks.is_empty());
            } else {
                assert_eq!(d.output, Output::Follows(n));
                assert_eq!(enc.blocks.len(), 1);
            }
        }
        let plain = encode_done(&Task::new());
        let d = decode_done(&plain.body).unwrap();
        assert_eq!(d.output, Output::None);
        assert!(d.failures.is_empty());
    }
}
