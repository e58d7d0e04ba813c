//! Stress on one node (`tests/c/stress.c`) with 1, 2 and 4 workers under `mpirun -np 1`:
//! a million tasks with every result checked, nesting 1,000 levels deep, and deep nesting
//! with waits at every level while several workers run (no deadlock, exact totals). The same
//! shapes also run once on two nodes.

mod common;

use common::{c_program, mpirun, run_plain, Run, STRICT};
use std::path::Path;
use std::time::Duration;

/// Generous: debug builds are slow and the machine has two cores shared by parallel tests.
const TIMEOUT: Duration = Duration::from_secs(120);

const WORKERS: [usize; 3] = [1, 2, 4];

/// The stress program, built once per test binary.
fn exe() -> &'static Path {
    c_program("tests/c/stress.c", STRICT)
}

/// Runs a scenario on one process with `workers` workers and checks it printed `expect`.
fn run(args: &[&str], workers: usize, expect: &str) -> Run {
    let what = format!("stress {} with {workers} workers", args.join(" "));
    let r = mpirun(exe(), 1, workers, args, &[], TIMEOUT);
    r.assert_ok(&what);
    assert!(
        r.stdout.lines().any(|l| l == expect),
        "{what}: expected the line `{expect}`\n--- stdout\n{}\n--- stderr\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stdout.contains("stress: ok"),
        "{what}: no final ok\n{}",
        r.stdout
    );
    assert!(
        r.stderr.contains(&format!(" on {workers} workers")),
        "{what}: TORC_WORKERS was not applied\n{}",
        r.stderr
    );
    r
}

/// Runs a scenario with 1, 2 and 4 workers (see [`run`]).
fn run_all(args: &[&str], expect: &str) {
    for w in WORKERS {
        run(args, w, expect);
    }
}

#[test]
fn a_million_tasks_with_checked_results() {
    // 1000 tasks each creating 1000 leaves: leaf (i, j) returns i * 1000 + j + 1 through RES,
    // so the total is 1 + 2 + ... + 1e6.
    run_all(
        &["tree", "1000", "1000"],
        "tree: tasks=1001000 total=500000500000",
    );
}

#[test]
fn nesting_one_thousand_levels_deep() {
    // Each level checks torc_getlevel() and returns its level plus its child's result.
    run_all(
        &["chain", "1000", "0"],
        "chain: depth=1000 hop=0 total=500500",
    );
}

#[test]
fn nesting_one_thousand_levels_with_every_child_on_the_next_worker() {
    // Every level waits for a child placed (qid) on another worker: the waiting workers must
    // run the deeper levels that arrive in their own queues meanwhile.
    run_all(
        &["chain", "1000", "1"],
        "chain: depth=1000 hop=1 total=500500",
    );
}

#[test]
fn deep_chain_with_waiting_subtrees_at_every_level() {
    // A chain 500 deep; each level also creates 3 siblings computing fib(10) with a task per
    // call and a wait at every level (500 * (1 + 3 * 177) = 266,000 tasks). The total is
    // sum(levels) + 500 * 3 * fib(10) = 125,250 + 82,500.
    run_all(
        &["comb", "500", "3", "10"],
        "comb: depth=500 tasks=266000 total=207750",
    );
}

#[test]
fn many_deep_chains_at_once() {
    // 16 chains of 1000 levels created at once with qid -1 (spread over the workers), each
    // waiting at every level.
    run_all(
        &["chains", "16", "1000"],
        "chains: n=16 depth=1000 total=8008000",
    );
}

#[test]
fn the_same_shapes_on_two_nodes() {
    // Two processes with two workers each: 100,100 tasks spread with qid -1, a chain whose
    // every level waits for a child on the next global worker (crossing nodes), and the
    // waiting subtrees, with results coming back through RES across nodes.
    for (args, expect) in [
        (
            &["tree", "100", "1000"][..],
            "tree: tasks=100100 total=5000050000",
        ),
        (
            &["chain", "1000", "1"][..],
            "chain: depth=1000 hop=1 total=500500",
        ),
        (
            &["comb", "200", "3", "8"][..],
            "comb: depth=200 tasks=40400 total=32700",
        ),
        (
            &["chains", "8", "300"][..],
            "chains: n=8 depth=300 total=361200",
        ),
    ] {
        let what = format!("stress {} on 2 nodes x 2 workers", args.join(" "));
        let r = mpirun(exe(), 2, 2, args, &[], TIMEOUT);
        r.assert_ok(&what);
        assert!(
            r.stdout.lines().any(|l| l == expect),
            "{what}: expected `{expect}`\n{}",
            r.stdout
        );
        assert!(r.stderr.contains(" on 4 workers"), "{what}\n{}", r.stderr);
    }
}

#[test]
fn stress_runs_as_a_singleton_too() {
    // Without mpirun (MPI singleton), with more workers than cores.
    let r = run_plain(
        exe(),
        &["comb", "200", "2", "8"],
        &[("TORC_WORKERS", "3")],
        TIMEOUT,
    );
    r.assert_ok_with(
        "stress comb as a singleton",
        "comb: depth=200 tasks=27000 total=28500",
    );
}

#[test]
fn nesting_far_beyond_a_stack_works_and_without_suspension_stops_clearly() {
    // 200,000 levels, far more than the primary's 8 MB stack holds: waits suspend onto fibers.
    let r = run_plain(
        exe(),
        &["chain", "200000", "0"],
        &[("TORC_WORKERS", "1")],
        TIMEOUT,
    );
    r.assert_ok_with(
        "chain 200000",
        "chain: depth=200000 hop=0 total=20000100000",
    );
    // With TORC_SUSPEND=0, 3000 levels on the primary's stack must work...
    let r = run_plain(
        exe(),
        &["chain", "3000", "0"],
        &[("TORC_WORKERS", "1"), ("TORC_SUSPEND", "0")],
        TIMEOUT,
    );
    r.assert_ok_with("chain 3000", "chain: depth=3000 hop=0 total=4501500");
    // ...and far beyond the stack the job stops with one clear line, not a crash.
    let r = run_plain(
        exe(),
        &["chain", "200000", "0"],
        &[("TORC_WORKERS", "1"), ("TORC_SUSPEND", "0")],
        TIMEOUT,
    );
    r.assert_failed("chain 200000 with TORC_SUSPEND=0");
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("torc: torc_waitall: tasks nest too deeply")),
        "{}",
        r.stderr
    );
}
