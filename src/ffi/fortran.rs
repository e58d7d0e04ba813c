//! The Fortran interface, with the names and conventions of TORC Lite's Fortran layer: every
//! argument by reference, a trailing underscore (gfortran's and most compilers' default name
//! mangling), datatypes as Fortran MPI handles (`MPI_Fint`, converted with `MPI_Type_f2c`).
//! Fortran programs declare these names with `include 'torcf.h'`; they are not in `torc.h`.
//!
//! | Fortran call | C equivalent |
//! | --- | --- |
//! | `torc_register_task(f)` | `torc_register_task(f)` |
//! | `torc_initf()` | `torc_init(0, NULL, MODE_MW)` |
//! | `torc_createf(qid, f, narg, cnt, type, way, ..., a1, ...)` | `torc_task(qid, f, narg, ...)` |
//! | `torc_taskf(f, invisible, narg, cnt, type, way, ..., a1, ...)` | `torc_task_ex(own worker, invisible, f, narg, ...)` |
//! | `torc_waitall()`, `torc_waitall2()`, `torc_waitall3()`, `torc_taskinit()` | the same |
//! | `torc_finalize()` | `torc_finalize()` |
//! | `torc_broadcastf(var, count, type)` | `torc_broadcast(&var, count, MPI_Type_f2c(type))` |
//! | `torc_enable_stealing()`, `torc_disable_stealing()` (and `torc_i_*`) | the same |
//! | `torc_sleep(ms)` | `thread_sleep(ms)` |
//! | `torc_worker_id()`, `torc_num_workers()`, `torc_i_worker_id()`, `torc_i_num_workers()`, `torc_node_id()`, `torc_num_nodes()`, `torc_getlevel()` | the same (INTEGER functions) |
//! | `torc_sched_nextcpu(cpu, stride)` | the same (INTEGER function) |
//! | `torc_gettime()` | the same (DOUBLE PRECISION function) |
//!
//! The names of TORC Lite's older Fortran layer are accepted too: `torc_init` (a mode argument,
//! ignored), `torc_create` (= `torc_createf`), `torc_task` (= `torc_taskf`), `torc_broadcast`
//! (= `torc_broadcastf`).
//!
//! A task function receives every argument by reference, which is what torc passes (a pointer
//! per argument), so a Fortran subroutine is a task function as it is.

use super::exports;
use crate::error::fatal;
use crate::runtime;
use crate::task::CArg;
use mpi_sys::MPI_Datatype;
use std::os::raw::{c_int, c_long, c_void};

/// A Fortran MPI handle (`MPI_Fint`: a default Fortran INTEGER).
#[allow(non_camel_case_types)]
type MPI_Fint = c_int;

extern "C" {
    /// `MPI_Type_f2c(*fdt)`, or `MPI_DATATYPE_NULL` outside MPI's lifetime (`fortran.c`).
    fn torc_fortran_type(fdt: *const MPI_Fint) -> MPI_Datatype;
}

const API_NAMES: [&str; 2] = ["torc_createf", "torc_taskf"];

/// `*p`, or a fatal error naming `api` and `what` when the reference is NULL.
///
/// # Safety
/// `p` is NULL or a reference to a live `T` (a Fortran argument).
unsafe fn read<T: Copy>(api: &str, what: &str, p: *const T) -> T {
    if p.is_null() {
        fatal(api, format_args!("{what} is a NULL reference"));
    }
    // SAFETY: a Fortran reference to a live variable of type T, checked non-NULL.
    unsafe { *p }
}

/// Called by `torc_createf_`/`torc_taskf_` (`fortran.c`) with the descriptors gathered into
/// an array; not part of any header.
///
/// # Safety
/// As for `torc_task_argv`.
#[no_mangle]
pub unsafe extern "C" fn torc_fortran_create(
    api: c_int,
    qid: c_int,
    qid_from_caller: c_int,
    flag_bits: c_int,
    f: exports::torc_func_t,
    narg: c_int,
    args: *const CArg,
) {
    let name = API_NAMES[api.clamp(0, 1) as usize];
    // torc_taskf: the calling worker's own queue (-1 off a worker: `create` reports the misuse).
    let qid = if qid_from_caller != 0 {
        exports::torc_worker_id()
    } else {
        qid
    };
    // SAFETY: `fortran.c`'s array of `narg` descriptions of its caller's arguments, which
    // torc.h's contract makes trustworthy.
    let cargs = unsafe { exports::trusted(name, narg, args) };
    exports::create(name, qid, (flag_bits & 1) as u8, f, cargs);
}

/// `CALL torc_initf()`: starts the runtime (`torc_init(0, NULL, MODE_MW)`); on node 0 it
/// returns, on the other nodes it serves tasks and never returns. An argument (TORC Lite's
/// mode) is accepted and ignored.
#[no_mangle]
pub extern "C" fn torc_initf_() {
    exports::torc_init(0, std::ptr::null_mut(), 0);
}

/// `CALL torc_init(mode)`: TORC Lite's older name of `torc_initf` (the mode is ignored).
#[no_mangle]
pub extern "C" fn torc_init_(mode: *const c_int) {
    let _ = mode;
    torc_initf_();
}

/// `CALL torc_finalize()`.
#[no_mangle]
pub extern "C" fn torc_finalize_() {
    exports::torc_finalize();
}

/// `CALL torc_register_task(f)`: `f` is the task subroutine (Fortran passes its address).
#[no_mangle]
pub extern "C" fn torc_register_task_(f: *mut c_void) {
    exports::torc_register_task(f);
}

/// `CALL torc_waitall()`.
#[no_mangle]
pub extern "C" fn torc_waitall_() {
    exports::torc_waitall();
}

/// `CALL torc_waitall2()`.
#[no_mangle]
pub extern "C" fn torc_waitall2_() {
    exports::torc_waitall2();
}

/// `CALL torc_waitall3()`.
#[no_mangle]
pub extern "C" fn torc_waitall3_() {
    exports::torc_waitall3();
}

/// `CALL torc_taskinit()`: does nothing (compatibility).
#[no_mangle]
pub extern "C" fn torc_taskinit_() {}

/// `CALL torc_broadcastf(var, count, datatype)`: copies `count` elements of Fortran datatype
/// `datatype` at `var` (a COMMON block, module or SAVEd variable) to every other node.
///
/// # Safety
/// Each pointer is NULL or a Fortran reference to a live variable of its type.
#[no_mangle]
pub unsafe extern "C" fn torc_broadcastf_(
    addr: *mut c_void,
    count: *const c_int,
    dtype: *const MPI_Fint,
) {
    const API: &str = "torc_broadcastf";
    runtime::running_node(API);
    // SAFETY: NULL or a Fortran reference to a live integer (this function's contract).
    let count = unsafe { read(API, "the count", count) };
    // SAFETY: NULL or a Fortran reference to a live integer (this function's contract).
    let fdt = unsafe { read(API, "the datatype", dtype) };
    // SAFETY: a reference to a live Fortran integer, checked non-NULL by `read`.
    let dt = unsafe { torc_fortran_type(&fdt) };
    exports::torc_broadcast(addr, count as c_long, dt);
}

/// `CALL torc_broadcast(var, count, datatype)`: TORC Lite's older name of `torc_broadcastf`.
///
/// # Safety
/// Each pointer is NULL or a Fortran reference to a live variable of its type.
#[no_mangle]
pub unsafe extern "C" fn torc_broadcast_(
    addr: *mut c_void,
    count: *const c_int,
    dtype: *const MPI_Fint,
) {
    // SAFETY: NULL or Fortran references to live variables of their types (this function's
    // contract, the same as `torc_broadcastf_`'s).
    unsafe { torc_broadcastf_(addr, count, dtype) };
}

/// `CALL torc_enable_stealing()`: inter-node stealing on, on every node.
#[no_mangle]
pub extern "C" fn torc_enable_stealing_() {
    exports::torc_enable_stealing();
}

/// `CALL torc_disable_stealing()`: inter-node stealing off, on every node.
#[no_mangle]
pub extern "C" fn torc_disable_stealing_() {
    exports::torc_disable_stealing();
}

/// `CALL torc_i_enable_stealing()`: inter-node stealing on, on this node.
#[no_mangle]
pub extern "C" fn torc_i_enable_stealing_() {
    exports::torc_i_enable_stealing();
}

/// `CALL torc_i_disable_stealing()`: inter-node stealing off, on this node.
#[no_mangle]
pub extern "C" fn torc_i_disable_stealing_() {
    exports::torc_i_disable_stealing();
}

/// `CALL torc_sleep(ms)`: sleeps `ms` milliseconds.
///
/// # Safety
/// Each pointer is NULL or a Fortran reference to a live variable of its type.
#[no_mangle]
pub unsafe extern "C" fn torc_sleep_(ms: *const c_int) {
    // SAFETY: NULL or a Fortran reference to a live integer (this function's contract).
    exports::thread_sleep(unsafe { read("torc_sleep", "the time", ms) });
}

/// `torc_worker_id()`: the calling worker's global id.
#[no_mangle]
pub extern "C" fn torc_worker_id_() -> c_int {
    exports::torc_worker_id()
}

/// `torc_num_workers()`: workers on all nodes.
#[no_mangle]
pub extern "C" fn torc_num_workers_() -> c_int {
    exports::torc_num_workers()
}

/// `torc_i_worker_id()`: the calling worker's index on its node.
#[no_mangle]
pub extern "C" fn torc_i_worker_id_() -> c_int {
    exports::torc_i_worker_id()
}

/// `torc_i_num_workers()`: workers on this node.
#[no_mangle]
pub extern "C" fn torc_i_num_workers_() -> c_int {
    exports::torc_i_num_workers()
}

/// `torc_node_id()`: this node's id (MPI rank).
#[no_mangle]
pub extern "C" fn torc_node_id_() -> c_int {
    exports::torc_node_id()
}

/// `torc_num_nodes()`: number of nodes (MPI processes).
#[no_mangle]
pub extern "C" fn torc_num_nodes_() -> c_int {
    exports::torc_num_nodes()
}

/// `torc_getlevel()`: nesting level of the calling task.
#[no_mangle]
pub extern "C" fn torc_getlevel_() -> c_int {
    exports::torc_getlevel()
}

/// `torc_sched_nextcpu(cpu, stride)`: the next target worker.
///
/// # Safety
/// Each pointer is NULL or a Fortran reference to a live variable of its type.
#[no_mangle]
pub unsafe extern "C" fn torc_sched_nextcpu_(cpu: *const c_int, stride: *const c_int) -> c_int {
    const API: &str = "torc_sched_nextcpu";
    // SAFETY: NULL or Fortran references to live integers (this function's contract).
    let (cpu, stride) = unsafe { (read(API, "cpu", cpu), read(API, "stride", stride)) };
    exports::torc_sched_nextcpu(cpu, stride)
}

/// `torc_gettime()`: wall-clock seconds (DOUBLE PRECISION).
#[no_mangle]
pub extern "C" fn torc_gettime_() -> f64 {
    exports::torc_gettime()
}

/// Variadic trampolines: `torc_createf_`/`torc_taskf_` are defined in C (`fortran.c`, as
/// `torc_fc_*`); these naked functions carry the exported names and jump there with registers
/// and stack untouched (see the same construction in `exports.rs`).
mod trampolines {
    extern "C" {
        fn torc_fc_createf();
        fn torc_fc_taskf();
    }
    super::super::trampoline!(torc_createf_ => torc_fc_createf);
    super::super::trampoline!(torc_taskf_ => torc_fc_taskf);
    // TORC Lite's older names of the same two.
    super::super::trampoline!(torc_create_ => torc_fc_createf);
    super::super::trampoline!(torc_task_ => torc_fc_taskf);
}
