//! Execution contexts switched on one thread: a worker's own stack and fibers, each on a stack
//! of its own. The scheduler (`sched::suspend`) uses them to set a waiting task aside and run
//! other tasks on the same thread meanwhile; this module only makes and switches contexts.
//! See `README.md` beside this file for how the runtime uses them.
//!
//! Supported on x86-64 Linux ([`SUPPORTED`]); elsewhere [`Context::fiber`] makes none, and
//! waits keep running only deeper tasks in place.

mod stack;
#[cfg(target_arch = "x86_64")]
mod switch;

use stack::Stack;
use std::cell::Cell;

/// Whether this build can switch contexts.
pub(crate) const SUPPORTED: bool = cfg!(all(target_arch = "x86_64", target_os = "linux"));

/// A context: where it stopped (while not running) and its own stack, if it has one.
pub(crate) struct Context {
    /// Its saved stack pointer while it does not run.
    sp: Cell<usize>,
    /// Its stack; `None` for the thread's own stack.
    stack: Option<Stack>,
}

impl Context {
    /// The context of the thread's own stack (running now; saved when it switches away).
    pub(crate) fn thread() -> Context {
        Context {
            sp: Cell::new(0),
            stack: None,
        }
    }

    /// A fiber with `size` bytes of stack that will start by calling `entry(arg)` when first
    /// switched to; `None` when unsupported or the stack cannot be mapped.
    pub(crate) fn fiber(
        size: usize,
        entry: extern "C" fn(usize) -> !,
        arg: usize,
    ) -> Option<Context> {
        if !SUPPORTED {
            return None;
        }
        let stack = Stack::new(size)?;
        #[cfg(target_arch = "x86_64")]
        {
            let top = stack.top() & !15;
            // SAFETY: the stack is fresh and writable below its top.
            let sp = unsafe { switch::prepare(top, entry, arg) };
            Some(Context {
                sp: Cell::new(sp),
                stack: Some(stack),
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (stack, entry, arg);
            None
        }
    }

    /// The lowest usable address of the fiber's stack (`None`: the thread's own stack).
    pub(crate) fn stack_bottom(&self) -> Option<usize> {
        self.stack.as_ref().map(Stack::bottom)
    }

    /// Whether this is the thread's own stack.
    pub(crate) fn is_thread(&self) -> bool {
        self.stack.is_none()
    }
}

/// Stops the running context `from` and continues `to`; returns when a later switch continues
/// `from`.
///
/// # Safety
/// `from` is the context running on the calling thread; `to` is a context of this thread that
/// is not running (stopped by `switch`, or a fiber not started yet), continued once for each
/// time it stopped. Nothing on `from`'s stack may be used by `to` in a way the stopped code
/// does not expect (the stopped code is simply paused in this call).
pub(crate) unsafe fn switch(from: &Context, to: &Context) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `to` is stopped (this function's contract), so `to.sp` was saved by a switch
    // or made by `prepare`; `from` runs on this thread, so `from.sp` is ours to write.
    unsafe {
        switch::switch(from.sp.as_ptr(), to.sp.get())
    };
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (from, to);
        unreachable!("no fibers on this architecture");
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    thread_local! {
        static LOG: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
        static CTX: Cell<(*const Context, *const Context)> =
            const { Cell::new((std::ptr::null(), std::ptr::null())) };
    }

    extern "C" fn ping(arg: usize) -> ! {
        let (main, me) = CTX.with(|c| c.get());
        let mut x = arg as u32;
        loop {
            // Floating point across the switch, with an aligned stack (SSE spills need it).
            let f = (x as f64).sqrt();
            LOG.with(|l| l.borrow_mut().push(x + (f * 0.0) as u32));
            x += 1;
            // SAFETY: `me` runs now; `main` stopped in its switch to us.
            unsafe { switch(&*me, &*main) };
        }
    }

    #[test]
    fn a_fiber_runs_and_comes_back_with_its_state() {
        let main = Context::thread();
        let fiber = Context::fiber(64 << 10, ping, 10).expect("a fiber");
        assert!(fiber.stack_bottom().is_some() && main.is_thread());
        CTX.with(|c| c.set((&main, &fiber)));
        let outer = 7.5f64;
        for _ in 0..3 {
            // SAFETY: `main` runs; `fiber` is fresh or stopped in its own switch.
            unsafe { switch(&main, &fiber) };
        }
        assert_eq!(outer * 2.0, 15.0);
        assert_eq!(LOG.with(|l| l.borrow().clone()), vec![10, 11, 12]);
    }
}
