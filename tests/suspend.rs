//! Waits that suspend the waiting task on its own stack (src/fiber/README.md): a worker runs
//! any task while one of its tasks waits, the task resumes where it waited on the same worker,
//! and nesting is bounded by memory, not by one thread's stack (tests/c/suspend.c checks the
//! values and prints what differed).

mod common;

use common::{mpirun, test_program, Run};
use std::time::Duration;

/// Runs `tests/c/suspend.c args` on `np` ranks of `workers` workers (and `env`) under a timeout
/// of `secs` seconds.
fn suspend(np: usize, workers: usize, args: &[&str], env: &[(&str, &str)], secs: u64) -> Run {
    let exe = test_program("suspend");
    mpirun(exe, np, workers, args, env, Duration::from_secs(secs))
}

#[test]
fn a_waiting_task_lets_its_only_worker_run_the_sibling_it_waits_for() {
    for np in [1, 2] {
        let r = suspend(np, 1, &["sibling"], &[], 60);
        r.assert_ok_with(
            &format!("sibling at {np} nodes"),
            "suspend: sibling ok value=42",
        );
    }
}

#[test]
fn a_hundred_thousand_nested_waits_at_one_and_two_nodes() {
    for (np, workers) in [(1, 1), (1, 2), (2, 1)] {
        let r = suspend(np, workers, &["deep", "100000"], &[], 240);
        r.assert_ok_with(
            &format!("100,000 levels at {np} x {workers}"),
            &format!("suspend: deep ok levels=100001 nodes={np}"),
        );
    }
}

#[test]
fn fibonacci_tasks_resume_on_their_worker_with_their_locals() {
    for (np, workers) in [(1, 2), (2, 1), (2, 2), (3, 2)] {
        let r = suspend(np, workers, &["fib", "25", "12"], &[], 120);
        r.assert_ok_with(
            &format!("fib at {np} x {workers}"),
            "suspend: fib ok fib(25)=75025",
        );
    }
}

#[test]
fn with_torc_suspend_0_too_deep_a_nest_stops_with_a_line_saying_so() {
    // The old rule (deeper tasks only, on the waiter's stack): nesting ends with the stack.
    let r = suspend(1, 1, &["deep", "100000"], &[("TORC_SUSPEND", "0")], 60);
    assert_ne!(r.code, Some(0), "{}", common::dump(&r));
    assert!(
        r.stderr
            .contains("torc: torc_waitall: tasks nest too deeply for this thread's stack (level "),
        "{}",
        common::dump(&r)
    );
}
