//! torc extensions of the C API (not in TORC Lite), declared in `torc.h`:
//!
//! * tasks whose result is a byte buffer of any length, returned to the creator:
//!   `torc_task_future` creates one and returns its handle; inside the task `torc_result`
//!   (copy) or `torc_result_alloc` (fill in place) sets the result; the creator then calls
//!   `torc_future_wait` / `_done`, `_size`, `_data`, `_copy`, `_error` and `torc_future_free`;
//! * `torc_spmd(f, narg, ...)`: `f` once on every node at the same time, for MPI collectives on
//!   `MPI_COMM_WORLD` (inputs only: COP/VAL, PTR, VAD).
#![allow(non_camel_case_types)]

use super::exports::{check_args, torc_func_t};
use crate::error::fatal;
use crate::runtime;
use crate::sched::spawn::Extra;
use crate::sched::wait::{wait_on, WaitMode};
use crate::sched::worker::{current_task, current_worker};
use crate::task::future::{FutureCell, Outcome};
use crate::task::value::Value;
use crate::task::CArg;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_long, c_void};
use std::sync::Arc;

/// The handle of a task with a byte result (`torc_future_t` in C; opaque).
pub struct torc_future_t {
    cell: Arc<FutureCell>,
    /// The result, once read out of the cell.
    result: Option<Vec<u8>>,
    /// The failure's text, once read out of the cell.
    error: Option<CString>,
    /// Whether the outcome was read out of the cell.
    read: bool,
}

/// torc extension (not in TORC Lite). Creates a child task of the calling task, like `torc_task_argv` without flags, whose
/// result (set by the task with `torc_result` or `torc_result_alloc`) comes back to the
/// creator; returns its handle, to be released with `torc_future_free`. (The variadic
/// `torc_task_future(qid, f, narg, ...)` gathers its arguments and calls this.)
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
    const API: &str = "torc_task_future";
    // SAFETY: as our caller guarantees.
    let cargs = unsafe { check_args(API, narg, args) };
    let cell = FutureCell::new(None, None);
    let extra = Extra {
        future: Some(cell.clone()),
        ..Default::default()
    };
    // SAFETY: as our caller guarantees.
    unsafe { runtime::create_with(API, qid, 0, f.map_or(0, |f| f as usize), cargs, extra) };
    Box::into_raw(Box::new(torc_future_t {
        cell,
        result: None,
        error: None,
        read: false,
    }))
}

/// The handle behind `h`, or a clear stop for NULL.
///
/// # Safety
/// `h` is NULL or a handle from `torc_task_future` not yet freed.
unsafe fn handle<'a>(api: &str, h: *mut torc_future_t) -> &'a mut torc_future_t {
    // SAFETY: as our caller guarantees.
    match unsafe { h.as_mut() } {
        Some(h) => h,
        None => fatal(api, format_args!("the handle is NULL")),
    }
}

/// Waits for `cell` on the calling thread (a worker runs other tasks meanwhile).
fn wait_cell(cell: &FutureCell) {
    if cell.is_done() {
        return;
    }
    match current_worker() {
        Some(ctx) => {
            // SAFETY: the current task is alive while it runs on this thread.
            let level = unsafe { current_task().as_ref() }.map_or(0, |t| t.level);
            wait_on(ctx, cell, level, WaitMode::Help);
        }
        None => crate::sync::backoff::wait_until(|| cell.is_done(), || false),
    }
}

impl torc_future_t {
    /// Waits, then moves the outcome out of the cell into the handle (once).
    fn settle(&mut self) {
        if self.read {
            return;
        }
        wait_cell(&self.cell);
        self.cell
            .observed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: the cell is done, and this handle is its single owner.
        match unsafe { self.cell.take_outcome() } {
            Outcome::Ready(v) => self.result = Some(v.into_bytes()),
            Outcome::Failed(f) => {
                let text = f
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                self.error = Some(CString::new(text.replace('\0', " ")).expect("no NUL"));
            }
            Outcome::Pending => self.result = Some(Vec::new()),
        }
        self.read = true;
    }
}

/// torc extension (not in TORC Lite). Whether the task of `h` completed (1) or not yet (0).
///
/// # Safety
/// `h` is a handle from `torc_task_future` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn torc_future_done(h: *mut torc_future_t) -> c_int {
    // SAFETY: as our caller guarantees.
    let h = unsafe { handle("torc_future_done", h) };
    (h.read || h.cell.is_done()) as c_int
}

/// torc extension (not in TORC Lite). Waits until the task of `h` completed; a worker runs other tasks meanwhile.
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_wait(h: *mut torc_future_t) {
    // SAFETY: as our caller guarantees.
    unsafe { handle("torc_future_wait", h) }.settle();
}

/// torc extension (not in TORC Lite). Waits, then gives the result's length in bytes (-1 if the task failed).
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_size(h: *mut torc_future_t) -> c_long {
    // SAFETY: as our caller guarantees.
    let h = unsafe { handle("torc_future_size", h) };
    h.settle();
    h.result.as_ref().map_or(-1, |r| r.len() as c_long)
}

/// torc extension (not in TORC Lite). Waits, then gives the result's bytes (valid until `torc_future_free`; NULL if the task
/// failed; for an empty result a valid pointer to no bytes).
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_data(h: *mut torc_future_t) -> *const c_void {
    // SAFETY: as our caller guarantees.
    let h = unsafe { handle("torc_future_data", h) };
    h.settle();
    h.result
        .as_ref()
        .map_or(std::ptr::null(), |r| r.as_ptr() as *const c_void)
}

/// torc extension (not in TORC Lite). Waits, then copies at most `cap` bytes of the result to `dst`; returns the result's full
/// length (-1 if the task failed).
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
    // SAFETY: as our caller guarantees.
    let h = unsafe { handle(API, h) };
    if cap < 0 {
        fatal(API, format_args!("cap = {cap} is negative"));
    }
    h.settle();
    let Some(r) = h.result.as_ref() else {
        return -1;
    };
    let n = r.len().min(cap as usize);
    if n > 0 {
        if dst.is_null() {
            fatal(API, format_args!("dst is NULL with cap = {cap}"));
        }
        // SAFETY: `dst` has room for `cap >= n` bytes (our caller's promise); `r` holds `n`.
        unsafe { std::ptr::copy_nonoverlapping(r.as_ptr(), dst as *mut u8, n) };
    }
    r.len() as c_long
}

/// torc extension (not in TORC Lite). Waits, then gives the failure of the task (which function, node, worker, message) as text
/// valid until `torc_future_free`, or NULL when it succeeded.
///
/// # Safety
/// As for `torc_future_done`.
#[no_mangle]
pub unsafe extern "C" fn torc_future_error(h: *mut torc_future_t) -> *const c_char {
    // SAFETY: as our caller guarantees.
    let h = unsafe { handle("torc_future_error", h) };
    h.settle();
    h.error.as_ref().map_or(std::ptr::null(), |e| e.as_ptr())
}

/// torc extension (not in TORC Lite). Releases the handle (and its result). The task, if it still runs, completes normally; its
/// parent's `torc_waitall` still waits for it.
///
/// # Safety
/// `h` is NULL or a handle from `torc_task_future` not yet freed; it is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn torc_future_free(h: *mut torc_future_t) {
    if !h.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed once (our caller's promise).
        drop(unsafe { Box::from_raw(h) });
    }
}

/// The running task, for `api`, or a clear stop outside any task.
fn running_task(api: &str) -> &'static mut crate::task::Task {
    runtime::running_node(api);
    // SAFETY: the current task is alive while it runs on this thread.
    match unsafe { current_task().as_mut() } {
        Some(t) if current_worker().is_some() || t.level > 0 => t,
        _ => fatal(api, format_args!("called outside a task")),
    }
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
    if len < 0 {
        fatal(API, format_args!("len = {len} is negative"));
    }
    if len > 0 && data.is_null() {
        fatal(API, format_args!("data is NULL with len = {len}"));
    }
    let bytes = if len == 0 {
        Vec::new()
    } else {
        // SAFETY: `data` points to `len` readable bytes, as our caller guarantees.
        unsafe { std::slice::from_raw_parts(data as *const u8, len as usize) }.to_vec()
    };
    t.output = Value::Bytes(bytes);
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
    // SAFETY: as our caller guarantees.
    let cargs = unsafe { check_args(API, narg, args) };
    if f.is_none() {
        runtime::running_node(API);
        fatal(API, format_args!("the task function is NULL"));
    }
    // SAFETY: as our caller guarantees.
    let failures = unsafe { runtime::spmd(API, f.map_or(0, |f| f as usize), cargs) };
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
    super::super::trampoline!(torc_task_future => torc_va_task_future);
    super::super::trampoline!(torc_spmd => torc_va_spmd);
}
