//! The Rust examples (`examples/*.rs`) under `mpirun` at 1 and 3 ranks, with 1 and 2 workers
//! where cheap, each under a timeout: exit status and the results they print. Also how a task
//! panic is reported, the refusals of the Rust API around `api::run` (`run_twice`), and that
//! scopes wait for every task they create (`scopes`).
//!
//! `cargo test` builds the examples next to the test binaries (`target/<profile>/examples/`);
//! when they are missing or older than the library (e.g. `cargo test --test rust_examples`
//! builds only this test), they are built here once with `cargo build --examples`.

mod common;

use common::{mpirun, rust_example, Run};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

/// Runs example `name` on `np` ranks with `workers` workers and checks it exited 0.
fn run_ok(name: &str, np: usize, workers: usize, args: &[&str]) -> Run {
    let r = mpirun(&rust_example(name), np, workers, args, &[], T);
    r.assert_ok(&format!(
        "{name} {args:?} at {np} ranks x {workers} workers"
    ));
    r
}

fn assert_has(r: &Run, want: &str) {
    r.assert_stdout_has("the example", want);
}

/// The (ranks, workers per rank) combinations every example runs at.
const SHAPES: &[(usize, usize)] = &[(1, 1), (1, 2), (3, 1), (3, 2)];

#[test]
fn fib_computes_the_right_value() {
    for &(np, w) in SHAPES {
        let r = run_ok("fib", np, w, &["22", "12"]);
        assert_has(
            &r,
            &format!("fib(22) = 17711 on {np} nodes x {} workers", np * w),
        );
    }
}

#[test]
fn sweep_results_match_the_sequential_computation() {
    for &(np, w) in SHAPES {
        let r = run_ok("sweep", np, w, &["12", "6", "1500"]);
        assert_has(
            &r,
            &format!(
                "sweep: 72 points (12 x 6, 1500 steps) on {np} nodes x {} workers: mismatches=0",
                np * w
            ),
        );
    }
}

#[test]
fn uneven_tasks_created_by_node_0_are_all_correct() {
    for &(np, w) in SHAPES {
        let r = run_ok("uneven", np, w, &["48", "500"]);
        assert_has(&r, "uneven: 48 tasks (");
        assert_has(
            &r,
            &format!(" rounds) on {np} nodes x {} workers: bad=0", np * w),
        );
        // One count per node, adding up to all tasks (the balance itself is not checked).
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with("uneven: tasks per node: "))
            .unwrap_or_else(|| panic!("no per-node line in:\n{}", r.stdout));
        let counts: Vec<usize> = line
            .trim_start_matches("uneven: tasks per node: ")
            .split(", ")
            .map(|c| c.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(counts.len(), np, "{line}");
        assert_eq!(counts.iter().sum::<usize>(), 48, "{line}");
    }
}

#[test]
fn broadcast_reaches_every_node() {
    for &(np, w) in SHAPES {
        let r = run_ok("broadcast", np, w, &[]);
        let total = np * w;
        assert_has(
            &r,
            &format!("broadcast: round 0: {total} tasks on {np} nodes read checksum"),
        );
        assert_has(
            &r,
            &format!("broadcast: round 1: {total} tasks on {np} nodes read checksum"),
        );
        assert_has(
            &r,
            &format!("broadcast: {np} nodes x {total} workers: bad=0"),
        );
    }
}

#[test]
fn mixed_c_and_rust_tasks_in_one_job() {
    for &(np, w) in SHAPES {
        let r = run_ok("mixed", np, w, &["600"]);
        assert_has(
            &r,
            &format!(
                "1 byte-typed C task on {np} nodes x {} workers: dot=",
                np * w
            ),
        );
        assert_has(&r, "bad=0");
    }
}

#[test]
fn a_panicking_task_reaches_its_waiter_with_its_name_node_and_message() {
    // At 1 rank the other worker of node 0 may take the task; at 3 ranks x 1 worker only
    // worker 2 (node 2's) can run it.
    for (np, w, node, worker) in [(1, 2, 0, "0 or 1"), (3, 1, 2, "2")] {
        let r = mpirun(
            &rust_example("panic"),
            np,
            w,
            &[],
            &[],
            Duration::from_secs(60),
        );
        assert!(
            !r.timed_out && r.code.is_some() && r.code != Some(0),
            "panic at {np} ranks: expected the program's non-zero exit without timeout, got code {:?} \
             (timed out {}):\n--- stdout\n{}\n--- stderr\n{}",
            r.code,
            r.timed_out,
            r.stdout,
            r.stderr
        );
        let want = format!(
            "panic: task panic::explode panicked on node {node} worker {worker} (level 1): \
             deliberate failure in task 42"
        );
        let found = worker.split(" or ").any(|w| {
            r.stderr.contains(&format!(
                "panic: task panic::explode panicked on node {node} worker {w} (level 1): \
                 deliberate failure in task 42"
            ))
        });
        assert!(
            found,
            "expected `{want}` in stderr at {np} ranks:\n{}",
            r.stderr
        );
        assert!(
            !r.stdout.contains("was lost"),
            "the failure did not reach the scope:\n{}",
            r.stdout
        );
    }
}

#[test]
fn run_refuses_misuse_and_a_second_start() {
    for np in [1, 2] {
        let r = mpirun(&rust_example("run_twice"), np, 2, &[], &[], T);
        for check in [
            "scope before run: Err(NotRunning) ok",
            "set_stealing before run: Err(NotRunning) ok",
            "statistics before run: Err(NotRunning) ok",
            "spawn_detached before run: Err(NotRunning) ok",
            "workers(0): Err(Config(",
            "nested run: Err(AlreadyStarted) ok",
            "scope on a non-worker thread: Err(NotInTask) ok",
            "wait_all on a non-worker thread: Err(NotInTask) ok",
            "spawn_at(Worker(num_workers)): Err(NoSuchWorker",
            "first run: Ok(7) ok",
            "scope after run: Err(NotRunning) ok",
            "set_stealing after run: Err(NotRunning) ok",
            "reset_statistics after run: Err(NotRunning) ok",
            "statistics after run: Err(NotRunning) ok",
            "broadcast after run: Err(NotRunning) ok",
            "spawn_detached after run: Err(NotRunning) ok",
            "ids after run: node_id=None num_nodes=None worker_id=None num_workers=None \
             local_workers=None node_of_worker(0)=None level=None ok",
            "second run: Err(AlreadyStarted) ok",
            "done, wrong=0",
        ] {
            assert!(
                r.stdout.contains(&format!("run_twice: {check}")),
                "run_twice at {np} ranks: expected `{check}`; code {:?}:\n--- stdout\n{}\n\
                 --- stderr\n{}",
                r.code,
                r.stdout,
                r.stderr
            );
        }
        r.assert_ok(&format!("run_twice at {np} ranks"));
    }
}

#[test]
fn scopes_wait_for_every_task_they_create() {
    for &(np, w) in SHAPES {
        let r = run_ok("scopes", np, w, &[]);
        for check in [
            "spawn_direct to the last worker: 500500 (want 500500) ok",
            "scope inside spawn_local: 1240 (want 1240) ok",
            "scope inside tasks on every worker: ",
            "outer scope in a nested one: 104 (want 104) ok",
            "done, wrong=0",
        ] {
            assert_has(&r, &format!("scopes: {check}"));
        }
    }
}
