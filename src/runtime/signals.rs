//! Signals and early exits (see README, "When things go wrong").
//!
//! * A crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints one line naming the node, the
//!   worker and the task it ran (function, module and offset, level), then chains to the
//!   handler the application had installed before `torc_init`, and finally dies of the signal
//!   with the default action, which makes the launcher stop the whole job.
//! * `SIGUSR1` asks the diagnosis thread (`diag.rs`) to print this node's state: the handler
//!   only writes one byte to a pipe.
//! * A process that exits before `torc_finalize` (a task calling `exit`) prints a line and
//!   stops the job with `MPI_Abort`, so the others do not wait for it forever.
//!
//! Everything the handlers do is async-signal-safe but the symbol lookup (`dladdr`, and the
//! module's symbol table read with open/mmap), which a crashing process accepts. The line is
//! formatted into a stack buffer; nothing allocates. `TORC_SIGNALS=0` installs none of it.

use crate::sched::worker::{current_task, current_worker};
use std::ffi::{c_int, c_void};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

/// The signals that end a task with a crash line.
const CRASHES: [c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// Size of each thread's alternate signal stack (a stack overflow is reported from there).
const ALT_STACK: usize = 64 << 10;

/// This process's node, for the lines.
static NODE: AtomicUsize = AtomicUsize::new(0);
/// Set by the first crash: a second one (another thread, or the handler itself) goes straight
/// to the default action.
static CRASHING: AtomicBool = AtomicBool::new(false);
/// Set once the handlers are installed.
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The write end of the `SIGUSR1` pipe (-1: none).
static USR1_PIPE: AtomicI32 = AtomicI32::new(-1);
/// Set while the runtime ends normally (no "exits before torc_finalize" from then on).
static ENDING: AtomicBool = AtomicBool::new(false);

/// The actions installed before ours, by signal number (read only by the handlers, written
/// once before they are installed).
struct Previous(std::cell::UnsafeCell<[libc::sigaction; 32]>);
// SAFETY: written once by `install` before any of our handlers can run, then only read.
unsafe impl Sync for Previous {}
// SAFETY: `sigaction` is plain data; all-zero is "SIG_DFL, no flags".
static PREVIOUS: Previous = Previous(std::cell::UnsafeCell::new(unsafe { std::mem::zeroed() }));

/// A line being formatted without allocating.
struct Line {
    buf: [u8; 1024],
    len: usize,
}

impl Line {
    fn new() -> Line {
        Line {
            buf: [0; 1024],
            len: 0,
        }
    }
    fn push_bytes(&mut self, b: &[u8]) {
        let k = b.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + k].copy_from_slice(&b[..k]);
        self.len += k;
    }
    /// Writes the line to stderr.
    fn emit(&self) {
        // SAFETY: write(2) of our own buffer; async-signal-safe.
        unsafe {
            libc::write(
                libc::STDERR_FILENO,
                self.buf.as_ptr() as *const c_void,
                self.len,
            )
        };
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_bytes(s.as_bytes());
        Ok(())
    }
}

/// Installs the crash and `SIGUSR1` handlers for node `node`, and the exit hook; returns the
/// read end of the `SIGUSR1` pipe. Called once, by `torc_init`, before other threads start.
pub(crate) fn install(node: usize) -> Option<c_int> {
    NODE.store(node, Ordering::Relaxed);
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return None;
    }
    thread_start();
    // SAFETY: no handler of ours is installed yet, so nobody reads PREVIOUS meanwhile.
    let prev = unsafe { &mut *PREVIOUS.0.get() };
    for sig in CRASHES {
        // SAFETY: installs `on_crash` for `sig`, saving the previous action in `prev`.
        unsafe { set_handler(sig, on_crash as *const () as usize, &mut prev[sig as usize]) };
    }
    let mut fds = [-1 as c_int; 2];
    // SAFETY: pipe2 fills `fds` with two new descriptors.
    let read_end =
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } == 0 {
            USR1_PIPE.store(fds[1], Ordering::Release);
            // SAFETY: installs `on_usr1`, saving the previous action.
            unsafe {
                set_handler(
                    libc::SIGUSR1,
                    on_usr1 as *const () as usize,
                    &mut prev[libc::SIGUSR1 as usize],
                )
            };
            Some(fds[0])
        } else {
            None
        };
    install_exit_hook();
    read_end
}

/// Installs `handler` (a `sa_sigaction` function) for `sig` and saves the old action.
///
/// # Safety
/// `handler` must be an `extern "C" fn(c_int, *mut siginfo_t, *mut c_void)`.
unsafe fn set_handler(sig: c_int, handler: usize, old: &mut libc::sigaction) {
    // SAFETY: plain data, filled below.
    let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
    sa.sa_sigaction = handler;
    sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
    // SAFETY: `sa.sa_mask` is ours to initialise.
    unsafe { libc::sigemptyset(&mut sa.sa_mask) };
    // SAFETY: valid pointers to a new action and the place for the old one.
    unsafe { libc::sigaction(sig, &sa, old) };
}

/// A thread's alternate signal stack: withdrawn from the kernel and freed when the thread
/// ends (its thread-local is dropped then).
struct AltStack {
    /// The stack's memory (only the kernel uses it).
    _mem: Box<[u8]>,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let off = libc::stack_t {
            ss_sp: std::ptr::null_mut(),
            ss_flags: libc::SS_DISABLE,
            ss_size: 0,
        };
        // SAFETY: disables the calling thread's alternate stack (this one) before it is freed.
        unsafe { libc::sigaltstack(&off, std::ptr::null_mut()) };
    }
}

thread_local! {
    /// The alternate signal stack torc gave the calling thread, if any.
    static ALT: std::cell::RefCell<Option<AltStack>> = const { std::cell::RefCell::new(None) };
}

/// Gives the calling thread an alternate signal stack, unless it has one, so that a stack
/// overflow is reported too. Called on every thread the runtime starts.
pub(crate) fn thread_start() {
    if !INSTALLED.load(Ordering::Acquire) {
        return;
    }
    // SAFETY: plain data, filled by sigaltstack.
    let mut cur: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: queries the calling thread's alternate stack into `cur`.
    if unsafe { libc::sigaltstack(std::ptr::null(), &mut cur) } != 0
        || cur.ss_flags & libc::SS_DISABLE == 0
    {
        return;
    }
    let mut mem = vec![0u8; ALT_STACK].into_boxed_slice();
    let st = libc::stack_t {
        ss_sp: mem.as_mut_ptr() as *mut c_void,
        ss_flags: 0,
        ss_size: ALT_STACK,
    };
    // SAFETY: `st` describes memory kept by this thread's `ALT` until the thread ends, when
    // `AltStack::drop` withdraws it first.
    if unsafe { libc::sigaltstack(&st, std::ptr::null_mut()) } == 0 {
        ALT.with(|a| *a.borrow_mut() = Some(AltStack { _mem: mem }));
    }
}

/// From now on the runtime ends as it should: exits are no longer early.
pub(crate) fn ending() {
    ENDING.store(true, Ordering::Release);
}

/// The name of a signal.
fn signal_name(sig: c_int) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        _ => "signal",
    }
}

/// Appends `torc: node N[ worker W]: ` and, when the calling thread runs a task (not the
/// primary task, which is the program itself), `task NAME (MODULE+0xOFF, level L) ` to
/// `line`; returns whether it named a task.
fn describe_here(line: &mut Line) -> bool {
    let node = NODE.load(Ordering::Relaxed);
    let _ = write!(line, "torc: node {node}");
    if let Some(w) = current_worker() {
        let _ = write!(line, " worker {}", w.index);
    }
    line.push_bytes(b": ");
    let t = current_task();
    // SAFETY: the task the calling thread runs is alive while it runs, which is now (the
    // signal interrupted it, or it called exit).
    let Some(task) = (unsafe { t.as_ref() }) else {
        return false;
    };
    if task.func == 0 {
        // The primary task is the program itself: outside any task.
        return false;
    }
    line.push_bytes(b"task ");
    describe_function(line, task.func);
    let _ = write!(line, ", level {}) ", task.level);
    true
}

/// Appends `NAME (MODULE+0xOFF` for the code address `f` (without the closing parenthesis).
fn describe_function(line: &mut Line, f: usize) {
    let Some(c) = crate::symbol::code_name(f) else {
        let _ = write!(line, "{f:#x} (unknown module");
        return;
    };
    line.push_bytes(c.name().unwrap_or(b"?"));
    line.push_bytes(b" (");
    line.push_bytes(c.file());
    let _ = write!(line, "+{:#x}", c.offset);
}

/// The address a crash line names: the faulting address for memory faults, else the
/// instruction's.
///
/// # Safety
/// `info` and `uctx` are what the kernel passed to an `SA_SIGINFO` handler.
unsafe fn fault_address(sig: c_int, info: *const libc::siginfo_t, uctx: *const c_void) -> usize {
    if matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL
    ) && !info.is_null()
    {
        // SAFETY: the kernel's siginfo for a fault carries the address.
        return unsafe { (*info).si_addr() } as usize;
    }
    // SAFETY: `uctx` is what the kernel passed to the handler (this function's contract).
    unsafe { program_counter(uctx) }
}

/// The interrupted instruction's address.
///
/// # Safety
/// `uctx` is null or the `ucontext_t` the kernel passed to the handler.
#[allow(unused_variables)]
unsafe fn program_counter(uctx: *const c_void) -> usize {
    if uctx.is_null() {
        return 0;
    }
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        // SAFETY: the kernel's ucontext for this thread.
        let uc = unsafe { &*(uctx as *const libc::ucontext_t) };
        uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize
    }
    #[cfg(all(target_arch = "aarch64", target_os = "linux"))]
    {
        // SAFETY: the kernel's ucontext for this thread.
        let uc = unsafe { &*(uctx as *const libc::ucontext_t) };
        uc.uc_mcontext.pc as usize
    }
    #[cfg(not(any(
        all(target_arch = "x86_64", target_os = "linux"),
        all(target_arch = "aarch64", target_os = "linux")
    )))]
    0
}

/// The crash handler.
extern "C" fn on_crash(sig: c_int, info: *mut libc::siginfo_t, uctx: *mut c_void) {
    if !CRASHING.swap(true, Ordering::AcqRel) {
        let mut line = Line::new();
        let _ = describe_here(&mut line);
        // SAFETY: the kernel's arguments to this SA_SIGINFO handler.
        let at = unsafe { fault_address(sig, info, uctx) };
        let _ = writeln!(line, "crashed: {} at {at:#x}", signal_name(sig));
        line.emit();
        crate::mpi::mark_ended();
        // A launcher that stops the job at once may drop what is still in the pipe.
        crate::error::wait_until_read(libc::STDERR_FILENO);
    }
    // SAFETY: PREVIOUS was written before this handler was installed.
    let prev = unsafe { &(*PREVIOUS.0.get())[sig as usize] };
    // SAFETY: calls the application's handler as the kernel would have.
    unsafe { chain(sig, prev, info, uctx) };
    // Die of the signal, with the default action: the launcher sees it and ends the job.
    // SAFETY: plain data; SIG_DFL for `sig`, then the signal again (delivered once this
    // handler returns, as it is blocked meanwhile).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &sa, std::ptr::null_mut());
        libc::raise(sig);
    }
}

/// Calls the handler of `prev`, if it is one (not the default action or "ignore").
///
/// # Safety
/// `info`/`uctx` as the kernel passed them; `prev` an action saved by `sigaction`.
unsafe fn chain(sig: c_int, prev: &libc::sigaction, info: *mut libc::siginfo_t, uctx: *mut c_void) {
    let h = prev.sa_sigaction;
    if h == libc::SIG_DFL || h == libc::SIG_IGN {
        return;
    }
    if prev.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the application installed this function as an SA_SIGINFO handler.
        let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
            unsafe { std::mem::transmute(h) };
        f(sig, info, uctx);
    } else {
        // SAFETY: the application installed this function as a plain handler.
        let f: extern "C" fn(c_int) = unsafe { std::mem::transmute(h) };
        f(sig);
    }
}

/// The `SIGUSR1` handler: wakes the diagnosis thread, then chains.
extern "C" fn on_usr1(sig: c_int, info: *mut libc::siginfo_t, uctx: *mut c_void) {
    let fd = USR1_PIPE.load(Ordering::Acquire);
    if fd >= 0 {
        let b = 1u8;
        // SAFETY: write(2) of one byte to our pipe; async-signal-safe (non-blocking).
        unsafe { libc::write(fd, &b as *const u8 as *const c_void, 1) };
    }
    // SAFETY: PREVIOUS was written before this handler was installed.
    let prev = unsafe { &(*PREVIOUS.0.get())[sig as usize] };
    // SAFETY: as in `on_crash`.
    unsafe { chain(sig, prev, info, uctx) };
}

#[cfg(target_env = "gnu")]
extern "C" {
    fn on_exit(f: extern "C" fn(c_int, *mut c_void), arg: *mut c_void) -> c_int;
}

/// Registers [`exited`] to run when the process exits.
fn install_exit_hook() {
    #[cfg(target_env = "gnu")]
    // SAFETY: registers a function with the signature on_exit expects.
    unsafe {
        on_exit(exited, std::ptr::null_mut());
    }
}

/// Runs when the process exits: an exit before `torc_finalize` (or before a node's end) stops
/// the job, naming the task that called it.
extern "C" fn exited(status: c_int, _: *mut c_void) {
    if ENDING.load(Ordering::Acquire) || crate::mpi::aborting() || !super::state::is_running() {
        return;
    }
    let mut line = Line::new();
    if describe_here(&mut line) {
        let _ = writeln!(
            line,
            "called exit({status}) before torc_finalize: the job stops"
        );
    } else {
        let _ = writeln!(
            line,
            "the process exits (status {status}) before torc_finalize: the job stops"
        );
    }
    line.emit();
    // MPICH's hydra kills every process at MPI_Abort: let the launcher read the line first.
    crate::error::wait_until_read(libc::STDERR_FILENO);
    crate::mpi::abort_from_handler(if status == 0 { 1 } else { status })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_the_function_and_its_module() {
        let mut line = Line::new();
        describe_function(
            &mut line,
            a_line_names_the_function_and_its_module as fn() as usize,
        );
        let s = std::str::from_utf8(&line.buf[..line.len]).unwrap();
        assert!(
            s.contains("a_line_names_the_function_and_its_module ("),
            "{s}"
        );
        assert!(s.contains("+0x"), "{s}");
        assert_eq!(signal_name(libc::SIGFPE), "SIGFPE");
    }
}
