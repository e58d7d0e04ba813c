//! torc extensions of the C API (not in TORC Lite), declared in `torc.h`:
//!
//! * tasks whose result is a byte buffer of any length, returned to the creator:
//!   `torc_task_future` creates one and returns its handle; inside the task `torc_result`
//!   (copy) or `torc_result_alloc` (fill in place) sets the result; the creator then calls
//!   `torc_future_wait` / `_done`, `_size`, `_data`, `_copy`, `_error` and `torc_future_free`;
//! * `torc_spmd(f, narg, ...)`: `f` once on every node at the same time, for MPI collectives on
//!   `MPI_COMM_WORLD` (inputs only: COP/VAL, PTR, VAD).
#![allow(non_camel_case_types)]

use super::exports::{cargs_from_words, torc_func_t, trusted};
use crate::error::fatal;
use crate::runtime;
use crate::sched::spawn::{self, Extra};
use crate::sched::wait::wait_here;
use crate::sched::worker::{current_task, current_worker};
use crate::task::future::{FutureCell, Outcome};
use crate::task::value::{Value, INLINE};
use crate::task::{CArg, TrustedArgs, MAX_ARGS};
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_long, c_void};
use std::sync::Arc;

/// The handle of a task with a byte result (`torc_future_t` in C; opaque). A handle is the
/// future's cell itself (one reference of it), so creating and freeing one allocates nothing
/// more than the cell; a result of at most 16 bytes lives inside it.
pub struct torc_future_t {
    _opaque: [u8; 0],
}

/// torc extension (not in TORC Lite). Creates a child task of the calling task, like
/// `torc_task_argv` without flags, whose result (set by the task with `torc_result` or
/// `torc_result_alloc`) comes back to the creator; returns its handle, to be released with
/// `torc_future_free`. (The variadic `torc_task_future(qid, f, narg, ...)` gathers its
/// arguments and calls this.)
///
/// # Safety
/// As for `torc_task_argv`.
#[no_mangle]
pub unsafe extern "C" fn torc_task_future_argv(
    qid: c_int,
    f: torc_func_t,
    narg: c_int,
    args: *const CArg,
) -> *mut torc_future_t {
    // SAFETY: the caller's array of `narg` descriptions, trustworthy by this function's
    // contract (torc.h's).
    let cargs = unsafe { trusted(API_TASK_FUTURE, narg, args) };
    task_future(qid, f, cargs)
}

const API_TASK_FUTURE: &str = "torc_task_future";

/// The body of [`torc_task_future_argv`] once the descriptors are trusted (inlined into both
/// entries: one call less on the variadic path).
#[inline(always)]
fn task_future(qid: c_int, f: torc_func_t, cargs: TrustedArgs<'_>) -> *mut torc_future_t {
    let cell = FutureCell::new_in(current_worker().map(|c| &c.cells), None, None);
    let func = f.map_or(0, |f| f as usize);
    if !spawn::create_child_future(API_TASK_FUTURE, qid, 0, func, cargs, &cell) {
        let extra = Extra::new(Value::Empty, Some(cell.clone()));
        runtime::create_with(API_TASK_FUTURE, qid, 0, func, cargs, extra);
    }
    Arc::into_raw(cell) as *mut torc_future_t
}

/// `torc_task_future(qid, f, narg, ...)` with `0 <= narg <= TORC_MAX_ARGS`, reached from its
/// trampoline on x86-64 with the variadic words in one array (see `exports::task_words`).
///
/// # Safety
/// `words` holds `4 * narg` words laid out as `exports::cargs_from_words` reads them, of a
/// `torc_task_future` call, whose arguments torc.h's contract makes trustworthy.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
unsafe extern "C" fn task_future_words(
    qid: c_int,
    f: torc_func_t,
    narg: c_int,
    words: *const usize,
) -> *mut torc_future_t {
    let mut store = [std::mem::MaybeUninit::<CArg>::uninit(); MAX_ARGS];
    // SAFETY: the trampoline checked `0 <= narg <= TORC_MAX_ARGS` and passes its `4 * narg`
    // variadic words.
    let cargs = unsafe { cargs_from_words(narg, words, &mut store) };
    // SAFETY: the descriptions of a `torc_task_future` call's variadic arguments (this
    // function's contract), just read into `store`.
    let cargs = unsafe { trusted(API_TASK_FUTURE, narg, cargs.as_ptr()) };
    task_future(qid, f, cargs)
}

/// The cell behind handle `h`, or a clear stop for NULL.
///
/// # Safety
/// `h` is NULL or a handle from `torc_task_future` not yet freed.
unsafe fn handle<'a>(api: &str, h: *mut torc_future_t) -> &'a FutureCell {
    // SAFETY: a handle is a reference of the cell, turned into a raw pointer by
    // `torc_task_future_argv` and alive until `torc_future_free`, which has not been called
    // for `h` (this function's contract).
    match unsafe { (h as *const FutureCell).as_ref() } {
        Some(c) => c,
        None => fatal(api, format_args!("the handle is NULL")),
    }
}

/// Waits, then gives the result's bytes, or `None` if the task failed.
#[inline(always)]
fn result_bytes(cell: &FutureCell) -> Option<&[u8]> {
    wait_here(cell);
    cell.observed
        .store(true, std::sync::atomic::Ordering::Relaxed);
    // SAFETY: the cell is done and read by the handle's owner only (see below).
    if let Outcome::Ready(Value::Inline { len, bytes }) = unsafe { cell.outcome() } {
        return Some(&bytes.0[..*len as usize]);
    }
    result_bytes_slow(cell)
}

/// [`result_bytes`] for results that are not inline.
fn result_bytes_slow(cell: &FutureCell) -> Option<&[u8]> {
    // SAFETY: the cell is done; the handle's owner (the caller of the C function) is the only
    // one to read it, and the outcome is replaced (below) only by that owner.
    if let Outcome::Ready(Value::Object(_)) = unsafe { cell.outcome() } {
        // A Rust object (a Rust task created through the C entry): its bytes, once.
        // SAFETY: the cell is done and the handle's owner is its only reader; no reference
        // into the old outcome is alive.
        let v = unsafe { cell.take_outcome() };
        if let Outcome::Ready(v) = v {
            // SAFETY: the cell is done and the outcome was just taken by its only reader,
            // the handle's owner, which puts its bytes back (nobody else writes it).
            unsafe { cell.put(Outcome::Ready(Value::Bytes(v.into_bytes()))) };
        }
    }
    // SAFETY: the cell is done; the handle's owner is its only reader, and it does not take
    // or replace the outcome while the bytes returned are in use (until the handle is freed).
    match unsafe { cell.outcome() } {
        Outcome::Ready(Value::Inline { len, bytes }) => Some(&bytes.0[..*len as usize]),
        Outcome::Ready(Value::Bytes(b)) => Some(b),
        Outcome::Ready(_) | Outcome::Pending => Some(&[]),
        Outcome::Failed(_) => None,
    }
}

/// torc extension (not in TORC Lite). Whether the task of `h` completed (1) or not yet (0).
///
/// # Safety
/// `h` is a handle from `torc_task_future` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn torc_future_done(h: *mut torc_future_t) -> c_int {
    // SAFETY: `h` is a live handle (this function's contract).
    unsafe { handle("torc_future_done", h) }.is_done() as c_int
}

/// torc extension (not in TORC Lite). Waits until the task of `h` completed; a worker runs
/// other tasks meanwhile.
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_wait(h: *mut torc_future_t) {
    // SAFETY: `h` is a live handle (this function's contract).
    wait_here(unsafe { handle("torc_future_wait", h) });
}

/// torc extension (not in TORC Lite). Waits, then gives the result's length in bytes (-1 if
/// the task failed).
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_size(h: *mut torc_future_t) -> c_long {
    // SAFETY: `h` is a live handle (this function's contract).
    let cell = unsafe { handle("torc_future_size", h) };
    result_bytes(cell).map_or(-1, |r| r.len() as c_long)
}

/// torc extension (not in TORC Lite). Waits, then gives the result's bytes (valid until
/// `torc_future_free`; NULL if the task failed; for an empty result a valid pointer to no
/// bytes).
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_data(h: *mut torc_future_t) -> *const c_void {
    // SAFETY: `h` is a live handle (this function's contract).
    let cell = unsafe { handle("torc_future_data", h) };
    result_bytes(cell).map_or(std::ptr::null(), |r| r.as_ptr() as *const c_void)
}

/// torc extension (not in TORC Lite). Waits, then copies at most `cap` bytes of the result to
/// `dst`; returns the result's full length (-1 if the task failed).
///
/// # Safety
/// As for `torc_future_done`; `dst` has room for `cap` bytes.
#[no_mangle]
pub unsafe extern "C" fn torc_future_copy(
    h: *mut torc_future_t,
    dst: *mut c_void,
    cap: c_long,
) -> c_long {
    const API: &str = "torc_future_copy";
    // SAFETY: `h` is a live handle (this function's contract).
    let cell = unsafe { handle(API, h) };
    if cap < 0 {
        fatal(API, format_args!("cap = {cap} is negative"));
    }
    let Some(r) = result_bytes(cell) else {
        return -1;
    };
    let n = r.len().min(cap as usize);
    if n > 0 {
        if dst.is_null() {
            fatal(API, format_args!("dst is NULL with cap = {cap}"));
        }
        // SAFETY: `dst` has room for `cap >= n` bytes (this function's contract) and does not
        // overlap the result, which the cell owns.
        let out = unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, n) };
        crate::task::value::copy_small(&r[..n], out);
    }
    r.len() as c_long
}

/// torc extension (not in TORC Lite). Waits, then gives the failure of the task (which
/// function, node, worker, message) as text valid until `torc_future_free`, or NULL when it
/// succeeded.
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_error(h: *mut torc_future_t) -> *const c_char {
    // SAFETY: `h` is a live handle (this function's contract).
    let cell = unsafe { handle("torc_future_error", h) };
    if result_bytes(cell).is_some() {
        return std::ptr::null();
    }
    // SAFETY: done (result_bytes waited) and read by the handle's owner only.
    let Outcome::Failed(f) = (unsafe { cell.outcome() }) else {
        return std::ptr::null();
    };
    cell.error_text
        .get_or_init(|| {
            let text = f
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            CString::new(text.replace('\0', " ")).expect("no NUL")
        })
        .as_ptr()
}

/// torc extension (not in TORC Lite). Releases the handle (and its result). The task, if it
/// still runs, completes normally; its parent's `torc_waitall` still waits for it.
///
/// # Safety
/// `h` is NULL or a handle from `torc_task_future` not yet freed; it is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn torc_future_free(h: *mut torc_future_t) {
    if !h.is_null() {
        // SAFETY: the reference `torc_task_future_argv` turned into this raw pointer, given
        // back once: it is not used after this call (this function's contract).
        let cell = unsafe { Arc::from_raw(h as *const FutureCell) };
        FutureCell::recycle(cell, current_worker().map(|c| &c.cells));
    }
}

/// The running task, for `api`, or a clear stop outside any task.
#[inline]
fn running_task(api: &str) -> &'static mut crate::task::Task {
    // SAFETY: the current task is alive while it runs on this thread.
    match unsafe { current_task().as_mut() } {
        // A running task implies a running runtime.
        Some(t) if t.level > 0 || current_worker().is_some() => t,
        _ => outside_a_task(api),
    }
}

#[cold]
fn outside_a_task(api: &str) -> ! {
    // Not running is reported first, as for any other call.
    runtime::running_node(api);
    fatal(api, format_args!("called outside a task"))
}

/// torc extension (not in TORC Lite). Inside a task: sets its result to a copy of the `len` bytes at `data` (replacing any
/// earlier one). Only a task created with `torc_task_future` hands it to anyone.
///
/// # Safety
/// `data` points to `len` readable bytes (it may be NULL when `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn torc_result(data: *const c_void, len: c_long) {
    const API: &str = "torc_result";
    let t = running_task(API);
    if (1..=INLINE as c_long).contains(&len) && !data.is_null() && t.output.is_empty() {
        // The usual case (a first, small result): stored inline, with nothing to drop.
        // SAFETY: `data` points to `len` readable bytes (this function's contract), checked
        // non-NULL.
        let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, len as usize) };
        // SAFETY: `t.output` is valid for writing and holds `Value::Empty`, which owns nothing.
        unsafe { std::ptr::write(&mut t.output, Value::inline(bytes)) };
        t.mark_extended();
        return;
    }
    // SAFETY: `data` is NULL or points to `len` readable bytes (this function's contract).
    unsafe { set_result(API, t, data, len) }
}

/// [`torc_result`] for any length, replacing an earlier result.
///
/// # Safety
/// As for [`torc_result`].
#[inline(never)]
unsafe fn set_result(api: &str, t: &mut crate::task::Task, data: *const c_void, len: c_long) {
    if len < 0 {
        fatal(api, format_args!("len = {len} is negative"));
    }
    if len > 0 && data.is_null() {
        fatal(api, format_args!("data is NULL with len = {len}"));
    }
    let bytes: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: `data` points to `len` readable bytes (this function's contract), checked
        // non-NULL above.
        unsafe { std::slice::from_raw_parts(data as *const u8, len as usize) }
    };
    // A small result stays inline: no allocation, here or at the handle.
    t.output = if bytes.len() <= INLINE {
        Value::inline(bytes)
    } else {
        Value::Bytes(bytes.to_vec())
    };
    t.mark_extended();
}

/// torc extension (not in TORC Lite). Inside a task: sets its result to `len` zeroed bytes and returns where they are, for the
/// task to fill in place (valid until the task returns or calls this again).
#[no_mangle]
pub extern "C" fn torc_result_alloc(len: c_long) -> *mut c_void {
    const API: &str = "torc_result_alloc";
    let t = running_task(API);
    if len < 0 {
        fatal(API, format_args!("len = {len} is negative"));
    }
    let mut b = vec![0u8; len as usize];
    let p = b.as_mut_ptr() as *mut c_void;
    t.output = Value::Bytes(b);
    t.mark_extended();
    p
}

/// torc extension (not in TORC Lite). Runs `f(args...)` once on every node at the same time (node 0: the caller, which must be
/// the primary task) and returns when every node's instance has returned. Each instance may
/// call MPI on `MPI_COMM_WORLD`, collectives included. Arguments are inputs only (CALL_BY_COP,
/// CALL_BY_VAL, CALL_BY_PTR, CALL_BY_VAD). (The variadic `torc_spmd(f, narg, ...)` gathers
/// its arguments and calls this.)
///
/// # Safety
/// `args` points to `narg` descriptors whose data stays valid until the call returns.
#[no_mangle]
pub unsafe extern "C" fn torc_spmd_argv(f: torc_func_t, narg: c_int, args: *const CArg) {
    const API: &str = "torc_spmd";
    // SAFETY: the caller's array of `narg` descriptions, trustworthy by this function's
    // contract (valid until the call returns, which is when every instance has run).
    let cargs = unsafe { trusted(API, narg, args) };
    if f.is_none() {
        runtime::running_node(API);
        fatal(API, format_args!("the task function is NULL"));
    }
    let failures = runtime::spmd(API, f.map_or(0, |f| f as usize), cargs);
    for x in failures {
        eprintln!("torc: torc_spmd: {x}");
    }
}

/// The variadic `torc_task_future` and `torc_spmd` are defined in C (`varargs.c`).
mod trampolines {
    extern "C" {
        fn torc_va_task_future();
        fn torc_va_spmd();
    }
    super::super::trampoline!(torc_task_future => torc_va_task_future, words => super::task_future_words);
    super::super::trampoline!(torc_spmd => torc_va_spmd);
}
