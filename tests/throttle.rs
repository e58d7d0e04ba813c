//! Throttling (`TORC_THROTTLING_FACTOR`, `src/sched/spawn.rs`): with more than one worker, a
//! task created while the creator's queue holds factor x workers tasks of its level runs at
//! once in its creator; with one worker, or with the factor 0, every task is queued.
//! tests/c/throttle.c keeps the second worker busy while the primary task creates its loop,
//! so that only a throttled task can run on worker 0 before the loop ends.

mod common;

use common::{run_plain, test_program};
use std::time::Duration;

/// Runs throttle.c with `env`; returns how many tasks ran on worker 0 during the loop.
fn ran_during_loop(env: &[(&str, &str)], n: usize) -> usize {
    let exe = test_program("throttle");
    let n = n.to_string();
    let r = run_plain(exe, &[&n], env, Duration::from_secs(120));
    r.assert_ok(&format!("throttle {env:?}"));
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("throttle:"))
        .unwrap_or_else(|| panic!("no result line: {}", r.stdout));
    assert!(line.ends_with(" ok"), "{line}");
    let k = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ran_during_loop="))
        .expect("a count");
    k.parse().expect("a number")
}

#[test]
fn with_two_workers_the_creator_runs_new_tasks_once_its_queue_is_deep() {
    // Default factor 64: 128 tasks stay queued, the others run in the creator. The blocker
    // holds worker 1 until the loop is over, so no queued task leaves; it counts in the
    // depth while it is still queued (worker 1 takes it when it gets to it), hence one more
    // task may be run by the creator.
    let k = ran_during_loop(&[("TORC_WORKERS", "2")], 2000);
    assert!(
        k == 2000 - 128 || k == 2000 - 127,
        "tasks run by the creator during the loop: {k}"
    );
    // A factor of 4: 8 stay queued.
    let k = ran_during_loop(
        &[("TORC_WORKERS", "2"), ("TORC_THROTTLING_FACTOR", "4")],
        2000,
    );
    assert!(k == 2000 - 8 || k == 2000 - 7, "factor 4: {k}");
}

#[test]
fn factor_zero_and_one_worker_queue_every_task() {
    let k = ran_during_loop(
        &[("TORC_WORKERS", "2"), ("TORC_THROTTLING_FACTOR", "0")],
        2000,
    );
    assert_eq!(k, 0, "factor 0: nothing runs before the loop ends");
    // With one worker the blocker would hold the only worker: it runs last (creation order)
    // and finds the loop over.
    let k = ran_during_loop(&[("TORC_WORKERS", "1")], 2000);
    assert_eq!(
        k, 0,
        "one worker: creation order, nothing runs during the loop"
    );
}
