//! The C functions of `torc.h` (all but the variadic `torc_task*`, see `varargs.c`).
#![allow(non_camel_case_types)]

use crate::error::fatal;
use crate::runtime;
use crate::sched::placement;
use crate::sched::run::run;
use crate::sched::wait::{wait_for, WaitMode};
use crate::sched::worker::{current_task, current_worker};
use crate::sched::WorkerCtx;
use crate::task::{CArg, CallWay, Task, TrustedArgs, MAX_ARGS};
use mpi_sys::MPI_Datatype;
use std::os::raw::{c_char, c_int, c_long, c_void};

/// A task function: `void (*)()` in C, called with one pointer-sized word per argument.
pub type torc_func_t = Option<unsafe extern "C" fn()>;

const API_NAMES: [&str; 5] = [
    "torc_task",
    "torc_task_ex",
    "torc_task_detached",
    "torc_task_direct",
    "torc_task_argv",
];

/// The `narg` argument descriptions a C caller passed at `args`, checked (a clear stop, naming
/// the entry point `name`, for a bad count or a NULL array) and trusted: the one place where a
/// C caller's promise about its arguments becomes a [`TrustedArgs`]. Every entry point that
/// creates a task with C arguments comes through here (the variadic shims, `torc_task_argv`,
/// the Fortran layer, the torc extensions, the x86-64 trampolines' word arrays).
///
/// # Safety
/// `args` is NULL or points to `narg` descriptions, and every description keeps the promise
/// of [`TrustedArgs`], torc.h's contract for task arguments: its datatype is a handle and its
/// data stays valid as its call-way requires until the task completes.
#[inline(always)]
pub(super) unsafe fn trusted<'a>(name: &str, narg: c_int, args: *const CArg) -> TrustedArgs<'a> {
    if narg as u32 > MAX_ARGS as u32 || (narg > 0 && args.is_null()) {
        bad_narg(name, narg);
    }
    if narg == 0 {
        return TrustedArgs::NONE;
    }
    // SAFETY: `args` points to `narg` descriptions (this function's contract), checked
    // non-NULL above; they are not written while the slice lives.
    let cargs = unsafe { std::slice::from_raw_parts(args, narg as usize) };
    // SAFETY: each keeps the promise of `TrustedArgs` (this function's contract).
    unsafe { TrustedArgs::new(cargs) }
}

/// Creates the task of an entry point `name` once its arguments are trusted: the C function
/// `f`, the flags `bits`. Shared by the C variadic shims, `torc_task_argv` and the Fortran
/// layer.
#[inline(always)]
pub(super) fn create(name: &str, qid: c_int, bits: u8, f: torc_func_t, cargs: TrustedArgs<'_>) {
    runtime::create_task(name, qid, bits, f.map_or(0, |f| f as usize), cargs);
}

#[cold]
#[inline(never)]
fn bad_narg(name: &str, narg: c_int) -> ! {
    // Not running is reported first, as for any other call.
    runtime::running_node(name);
    if narg < 0 || narg as usize > MAX_ARGS {
        fatal(
            name,
            format_args!("narg = {narg} is out of range [0, {MAX_ARGS}]"),
        );
    }
    fatal(name, format_args!("args is NULL with narg = {narg}"));
}

/// Called by the variadic shims of `varargs.c`; not part of the public header.
///
/// # Safety
/// As for [`torc_task_argv`].
#[no_mangle]
pub unsafe extern "C" fn torc_internal_create(
    api: c_int,
    qid: c_int,
    flag_bits: c_int,
    f: torc_func_t,
    narg: c_int,
    args: *const CArg,
) {
    let name = API_NAMES[api.clamp(0, 3) as usize];
    // SAFETY: the shim's array of `narg` descriptions of its caller's variadic arguments,
    // which torc.h's contract makes trustworthy.
    let cargs = unsafe { trusted(name, narg, args) };
    create(name, qid, (flag_bits & 7) as u8, f, cargs);
}

/// `torc_task(qid, f, 0)`, reached from the `torc_task` trampoline without the C shim.
extern "C" fn task_no_args(qid: c_int, f: torc_func_t) {
    create(API_NAMES[0], qid, 0, f, TrustedArgs::NONE);
}

/// `torc_task(qid, f, narg, ...)` with `1 <= narg <= TORC_MAX_ARGS`, reached from the
/// `torc_task` trampoline on x86-64 with the variadic words in one array (`words`: the narg
/// (count, datatype, call-way) triples, then the narg addresses, one 8-byte word each).
///
/// # Safety
/// `words` holds `4 * narg` words laid out as above (the System V variadic slots) of a
/// `torc_task` call, whose arguments torc.h's contract makes trustworthy.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
unsafe extern "C" fn task_words(qid: c_int, f: torc_func_t, narg: c_int, words: *const usize) {
    let mut store = [std::mem::MaybeUninit::<CArg>::uninit(); MAX_ARGS];
    // SAFETY: the trampoline checked `0 <= narg <= TORC_MAX_ARGS` and passes its `4 * narg`
    // variadic words.
    let cargs = unsafe { cargs_from_words(narg, words, &mut store) };
    // SAFETY: the descriptions of a `torc_task` call's variadic arguments (this function's
    // contract), just read into `store`.
    let cargs = unsafe { trusted(API_NAMES[0], narg, cargs.as_ptr()) };
    create(API_NAMES[0], qid, 0, f, cargs);
}

/// The `narg` argument descriptions held in the variadic `words` of a trampoline (see
/// `spill_call!` in `ffi/mod.rs`): the (count, datatype, call-way) triples, then the
/// addresses, one 8-byte word each; written into `store`.
///
/// # Safety
/// `0 <= narg <= TORC_MAX_ARGS` and `words` holds `4 * narg` words laid out as above.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(super) unsafe fn cargs_from_words(
    narg: c_int,
    words: *const usize,
    store: &mut [std::mem::MaybeUninit<CArg>; MAX_ARGS],
) -> &[CArg] {
    let n = narg as usize;
    debug_assert!(n <= MAX_ARGS, "the trampoline checks narg");
    for (i, c) in store.iter_mut().take(n).enumerate() {
        // SAFETY: there are `4 * n` words (this function's contract); an `int` or datatype
        // handle lies in the low bytes of its slot (little-endian), which is what reading its
        // type there gives.
        c.write(unsafe {
            let t = words.add(3 * i);
            CArg {
                count: (t as *const c_int).read(),
                datatype: (t.add(1) as *const MPI_Datatype).read(),
                callway: (t.add(2) as *const c_int).read(),
                addr: words.add(3 * n + i).read() as *mut c_void,
            }
        });
    }
    // SAFETY: the first `n` descriptors were written just above.
    unsafe { std::slice::from_raw_parts(store.as_ptr() as *const CArg, n) }
}

/// Creates a task from an array of `narg` argument descriptions (`torc_arg_t`), for languages
/// without varargs. `flags` combines `TORC_TASK_INVISIBLE`, `TORC_TASK_DETACHED`, `TORC_TASK_DIRECT`.
///
/// # Safety
/// `args` points to `narg` descriptors; each one's data stays valid as its call-way requires
/// until the task completes (the creator waits for it, or it is detached and copied).
#[no_mangle]
pub unsafe extern "C" fn torc_task_argv(
    qid: c_int,
    flags: c_int,
    f: torc_func_t,
    narg: c_int,
    args: *const CArg,
) {
    let name = API_NAMES[4];
    if flags & !7 != 0 {
        runtime::running_node(name);
        fatal(name, format_args!("flags = {flags} has unknown bits"));
    }
    // SAFETY: the caller's array of `narg` descriptions, trustworthy by this function's
    // contract (torc.h's).
    let cargs = unsafe { trusted(name, narg, args) };
    create(name, qid, flags as u8, f, cargs);
}

/// Starts the runtime (see SPEC 2.2). On node 0 it returns and the caller is the primary task.
/// A second call does nothing.
#[no_mangle]
pub extern "C" fn torc_init(argc: c_int, argv: *mut *mut c_char, mode: c_int) {
    let _ = mode;
    let mut argc = argc;
    let mut argv = argv;
    // SAFETY: pointers to our copies of the caller's argc/argv.
    unsafe { runtime::init(&mut argc, &mut argv) };
}

/// Waits for all work, stops every node and finalises MPI. Returns on node 0.
#[no_mangle]
pub extern "C" fn torc_finalize() {
    runtime::finalize();
}

/// Declares a task function (same order on every node, before `torc_init`).
#[no_mangle]
pub extern "C" fn torc_register_task(f: *mut c_void) {
    runtime::register(f as usize);
}

/// The calling worker and its current task, or a fatal error naming `api`.
fn task_context(api: &str) -> (&'static WorkerCtx, &'static Task) {
    runtime::running_node(api);
    let ctx = current_worker();
    // SAFETY: the current task is alive while it runs on this thread.
    let task = unsafe { current_task().as_ref() };
    match (ctx, task) {
        (Some(c), Some(t)) => (c, t),
        _ => fatal(
            api,
            format_args!("called outside a task (this thread is not a torc worker)"),
        ),
    }
}

/// The calling task's wait for its children, as `api` (`mode`: what the worker does meanwhile).
fn wait_children(api: &str, mode: WaitMode) {
    let (ctx, task) = task_context(api);
    wait_for(ctx, &task.latch, task.level, mode);
}

/// Waits for all children of the calling task; the worker runs other tasks meanwhile.
#[no_mangle]
pub extern "C" fn torc_waitall() {
    wait_children("torc_waitall", WaitMode::Help);
}

/// As `torc_waitall`, and also returns once this node has no queued work left.
#[no_mangle]
pub extern "C" fn torc_waitall2() {
    wait_children("torc_waitall2", WaitMode::HelpUntilIdle);
}

/// Waits for the children of the calling task without running other tasks.
#[no_mangle]
pub extern "C" fn torc_waitall3() {
    wait_children("torc_waitall3", WaitMode::NoHelp);
}

/// Same as `torc_waitall` (compatibility).
#[no_mangle]
pub extern "C" fn torc_tasksync() {
    wait_children("torc_tasksync", WaitMode::Help);
}

/// Does nothing (compatibility).
#[no_mangle]
pub extern "C" fn torc_taskinit() {}

/// Runs queued tasks on the calling worker: with `once`, at most one (returns 1 if one ran);
/// otherwise until none is found (returns 1 if any ran).
#[no_mangle]
pub extern "C" fn torc_scheduler_loop(once: c_int) -> c_int {
    let (ctx, _) = task_context("torc_scheduler_loop");
    let mut ran = 0;
    while let Some(t) = ctx.find_work() {
        run(ctx, t);
        ran = 1;
        if once != 0 {
            break;
        }
    }
    ran
}

/// TORC Lite's internal name of [`torc_scheduler_loop`], which some programs declare
/// (`extern void _torc_scheduler_loop(int);`) and call themselves; not in `torc.h`, so that
/// their own declaration does not conflict with it.
#[no_mangle]
pub extern "C" fn _torc_scheduler_loop(once: c_int) -> c_int {
    torc_scheduler_loop(once)
}

/// Moves one task (local or stolen) to the front of the calling worker's queue; 1 if found.
#[no_mangle]
pub extern "C" fn torc_fetch_work() -> c_int {
    let (ctx, _) = task_context("torc_fetch_work");
    runtime::fetch_work(ctx) as c_int
}

/// Copies `count` elements of `datatype` at `addr` (a global or static variable) to the same
/// variable on every other node; complete on return.
#[no_mangle]
pub extern "C" fn torc_broadcast(addr: *mut c_void, count: c_long, datatype: MPI_Datatype) {
    // SAFETY: torc.h asks for an MPI datatype handle; the address is checked, not trusted.
    unsafe { runtime::broadcast("torc_broadcast", addr as usize, count, datatype) };
}

/// Turns inter-node stealing on, on every node.
#[no_mangle]
pub extern "C" fn torc_enable_stealing() {
    runtime::set_stealing("torc_enable_stealing", true, true);
}

/// Turns inter-node stealing off, on every node.
#[no_mangle]
pub extern "C" fn torc_disable_stealing() {
    runtime::set_stealing("torc_disable_stealing", false, true);
}

/// Turns inter-node stealing on, on this node only.
#[no_mangle]
pub extern "C" fn torc_i_enable_stealing() {
    runtime::set_stealing("torc_i_enable_stealing", true, false);
}

/// Turns inter-node stealing off, on this node only.
#[no_mangle]
pub extern "C" fn torc_i_disable_stealing() {
    runtime::set_stealing("torc_i_disable_stealing", false, false);
}

/// Zeroes the statistics counters.
#[no_mangle]
pub extern "C" fn torc_reset_statistics() {
    runtime::reset_statistics("torc_reset_statistics");
}

/// This node's id (MPI rank); -1 before `torc_init`.
#[no_mangle]
pub extern "C" fn torc_node_id() -> c_int {
    runtime::node_built().map_or(-1, |n| n.layout.node as c_int)
}

/// Number of nodes (MPI processes); 0 before `torc_init`.
#[no_mangle]
pub extern "C" fn torc_num_nodes() -> c_int {
    runtime::node_built().map_or(0, |n| n.layout.nodes() as c_int)
}

/// The calling worker's index on its node; -1 on a thread that is not a worker.
#[no_mangle]
pub extern "C" fn torc_i_worker_id() -> c_int {
    current_worker().map_or(-1, |c| c.index as c_int)
}

/// Workers on this node; 0 before `torc_init`.
#[no_mangle]
pub extern "C" fn torc_i_num_workers() -> c_int {
    runtime::node_built().map_or(0, |n| n.num_workers() as c_int)
}

/// The calling worker's global id (rank-major); -1 on a thread that is not a worker.
#[no_mangle]
pub extern "C" fn torc_worker_id() -> c_int {
    current_worker().map_or(-1, |c| c.node.layout.global(c.index) as c_int)
}

/// Workers on all nodes; 0 before `torc_init`.
#[no_mangle]
pub extern "C" fn torc_num_workers() -> c_int {
    runtime::node_built().map_or(0, |n| n.layout.total as c_int)
}

/// Nesting level of the calling task (the primary task is 0).
#[no_mangle]
pub extern "C" fn torc_getlevel() -> c_int {
    // SAFETY: the current task is alive while it runs on this thread.
    unsafe { current_task().as_ref() }.map_or(0, |t| t.level as c_int)
}

/// Wall-clock seconds.
#[no_mangle]
pub extern "C" fn torc_gettime() -> crate::ffi::constants::torc_time_t {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_secs_f64()
}

/// Next target worker: the caller's own global id for `cpu == -1`, else
/// `(cpu + stride) % torc_num_workers()`.
#[no_mangle]
pub extern "C" fn torc_sched_nextcpu(cpu: c_int, stride: c_int) -> c_int {
    let node = runtime::running_node("torc_sched_nextcpu");
    let own = current_worker().map_or(0, |c| node.layout.global(c.index));
    placement::next_cpu(cpu, stride, own, node.layout.total)
}

/// Sleeps for `ms` milliseconds.
#[no_mangle]
pub extern "C" fn thread_sleep(ms: c_int) {
    std::thread::sleep(std::time::Duration::from_millis(ms.max(0) as u64));
}

/// Exported for TORC Lite compatibility; the runtime manages its own threads (no-op).
#[no_mangle]
pub extern "C" fn start_server_thread() {}

/// Exported for TORC Lite compatibility; the runtime manages its own threads (no-op).
#[no_mangle]
pub extern "C" fn shutdown_server_thread() {}

/// The calling task's argument `i`, or a fatal error naming `api`.
fn arg_of(api: &str, i: c_int) -> (crate::task::Arg, usize) {
    runtime::running_node(api);
    // SAFETY: the current task is alive while it runs on this thread.
    let task = unsafe { current_task().as_ref() }
        .unwrap_or_else(|| fatal(api, format_args!("called outside a task")));
    let n = task.args.len();
    if i < 0 || i as usize >= n {
        fatal(
            api,
            format_args!("argument index {i} is out of range [0, {}]", n as i64 - 1),
        );
    }
    (task.args[i as usize], n)
}

/// The address the calling task received for argument `i` (0-based).
#[no_mangle]
pub extern "C" fn torc_getarg_addr(i: c_int) -> *mut c_void {
    let a = arg_of("torc_getarg_addr", i).0;
    // SAFETY: `arg_of` found the current task, alive while it runs on this thread.
    let base = unsafe { &*current_task() }.buf.base_ptr();
    a.word(base) as *mut c_void
}

/// The element count of argument `i`.
#[no_mangle]
pub extern "C" fn torc_getarg_count(i: c_int) -> c_int {
    arg_of("torc_getarg_count", i).0.count as c_int
}

/// The call-way of argument `i` (`CALL_BY_COP2` for a COP of several elements, as TORC Lite).
#[no_mangle]
pub extern "C" fn torc_getarg_callway(i: c_int) -> c_int {
    let a = arg_of("torc_getarg_callway", i).0;
    match a.way {
        CallWay::Cop if a.count > 1 => 5,
        w => w as c_int,
    }
}

/// The element size in bytes of argument `i` (0 for `CALL_BY_VAD`).
#[no_mangle]
pub extern "C" fn torc_getarg_size(i: c_int) -> c_int {
    arg_of("torc_getarg_size", i).0.elem_size as c_int
}

/// The number of arguments of the calling task (`i` is ignored, as in TORC Lite).
#[no_mangle]
pub extern "C" fn torc_get_num_args(i: c_int) -> c_int {
    let _ = i;
    runtime::running_node("torc_get_num_args");
    // SAFETY: the current task is alive while it runs on this thread.
    unsafe { current_task().as_ref() }.map_or(0, |t| t.args.len() as c_int)
}

/// Variadic trampolines: `torc_task*` are defined in C (`varargs.c`, as `torc_va_task*`); a
/// cdylib exports only Rust-defined symbols, so these naked functions carry the names and jump
/// to the C code with registers and stack untouched (a plain tail jump keeps the variadic ABI).
mod trampolines {
    extern "C" {
        fn torc_va_task();
        fn torc_va_task_ex();
        fn torc_va_task_detached();
        fn torc_va_task_direct();
    }
    super::super::trampoline!(
        torc_task => torc_va_task,
        no arguments => super::task_no_args,
        words => super::task_words
    );
    super::super::trampoline!(torc_task_ex => torc_va_task_ex);
    super::super::trampoline!(torc_task_detached => torc_va_task_detached);
    super::super::trampoline!(torc_task_direct => torc_va_task_direct);
}
