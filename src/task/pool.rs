//! Reuse of task descriptors: a small per-thread free list, so that creating a task costs no
//! allocation in steady state (the argument vectors keep their capacity too).

use super::descriptor::Task;
use std::cell::RefCell;

/// Descriptors kept per thread; more are freed.
const KEEP: usize = 1024;

thread_local! {
    static FREE: RefCell<Vec<Box<Task>>> = const { RefCell::new(Vec::new()) };
}

/// A clean descriptor: recycled when possible.
pub fn get() -> Box<Task> {
    FREE.try_with(|f| f.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| Box::new(Task::new()))
}

/// Returns a finished descriptor for reuse.
pub fn put(mut t: Box<Task>) {
    t.reset();
    let _ = FREE.try_with(|f| {
        let mut f = f.borrow_mut();
        if f.len() < KEEP {
            f.push(t);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycled_descriptors_come_back_clean() {
        let mut t = get();
        t.level = 7;
        t.flags = 3;
        t.buf.push_bytes(&[1, 2, 3]);
        let addr = &*t as *const Task;
        put(t);
        let t = get();
        assert_eq!(&*t as *const Task, addr);
        assert_eq!((t.level, t.flags, t.buf.len(), t.args.len()), (0, 0, 0, 0));
    }
}
