//! The examples of torcpy's model in the Rust API (`futures`, `map`, `spmd`, `fib_futures`,
//! `failures`, `embedded`, `threads_and_deadlines`) under `mpirun` at 1, 2, 3 and 4 ranks with 1 and 2 workers, each under a
//! timeout: exit status 0 and the `ok` line they print once their own checks passed; for
//! `failures`, also the end-of-run report of the failed detached task on stderr.
//!
//! `cargo test` builds the examples next to the test binaries (`target/<profile>/examples/`);
//! when they are missing or older than the library (e.g. `cargo test --test futures` builds
//! only this test), they are built here once with `cargo build --examples`.

mod common;

use common::{mpirun, rust_example, Run};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

/// The (ranks, workers per rank) combinations every example runs at.
const SHAPES: &[(usize, usize)] = &[
    (1, 1),
    (1, 2),
    (2, 1),
    (2, 2),
    (3, 1),
    (3, 2),
    (4, 1),
    (4, 2),
];

/// Runs example `name` on `np` ranks with `workers` workers; checks it exited 0 and printed
/// `NAME: ok`.
fn run_ok(name: &str, np: usize, workers: usize, args: &[&str]) -> Run {
    let r = mpirun(&rust_example(name), np, workers, args, &[], T);
    let what = format!("{name} {args:?} at {np} ranks x {workers} workers");
    r.assert_ok_with(&what, &format!("{name}: ok"));
    r
}

fn assert_has(r: &Run, what: &str, want: &str) {
    r.assert_stdout_has(what, want);
}

/// Runs example `name` at every shape of [`SHAPES`] (see [`run_ok`]); checks that each run
/// printed every line of `wants(ranks, workers_per_rank)`.
fn at_every_shape(name: &str, wants: impl Fn(usize, usize) -> Vec<String>) {
    for &(np, w) in SHAPES {
        let r = run_ok(name, np, w, &[]);
        for want in wants(np, w) {
            assert_has(&r, &format!("{name} at {np} ranks x {w} workers"), &want);
        }
    }
}

#[test]
fn futures_results_of_any_size_callbacks_and_as_completed() {
    at_every_shape("futures", |_, _| vec![]);
}

#[test]
fn threads_that_run_no_task_submit_and_waits_end_at_their_deadline() {
    at_every_shape("threads_and_deadlines", |_, _| vec![]);
}

#[test]
fn an_embedding_program_starts_serves_and_ends_on_every_node_and_goes_on() {
    at_every_shape("embedded", |np, _| {
        (0..np)
            .map(|k| format!("embedded: node {k} goes on after the end"))
            .collect()
    });
}

#[test]
fn map_keeps_input_order_and_reaches_every_node() {
    at_every_shape("map", |np, w| {
        let nodes: Vec<String> = (0..np).map(|k| k.to_string()).collect();
        vec![format!(
            "map: {} items in chunks of 3 ran on nodes {{{}}} of {np} ({} workers)",
            3 * np * w,
            nodes.join(", "),
            np * w
        )]
    });
}

#[test]
fn map_with_progress_prints_well_formed_lines_ending_at_all_items() {
    for &(np, w) in &[(1, 1), (2, 1)] {
        let r = run_ok("map", np, w, &["progress"]);
        let done: Vec<usize> = r
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("torc::api::map: "))
            .map(|l| {
                let (d, rest) = l.split_once('/').expect("D/N");
                assert!(rest.starts_with("200 items done ("), "{l}");
                assert!(rest.ends_with(" items/s"), "{l}");
                let d: usize = d.parse().expect("a count");
                let pct = rest.split('(').nth(1).unwrap().split('%').next().unwrap();
                assert_eq!(pct.parse::<usize>().unwrap(), d * 100 / 200, "{l}");
                d
            })
            .collect();
        assert_eq!(
            done.last(),
            Some(&200),
            "the last line says all items:\n{}",
            r.stderr
        );
        assert!(
            done.windows(2).all(|p| p[0] < p[1]),
            "counts only grow: {done:?}"
        );
        assert!(
            done.iter().all(|d| d % 10 == 0),
            "whole chunks of 10: {done:?}"
        );
        assert_eq!(
            done.iter().filter(|&&d| d == 200).count(),
            1,
            "one final line"
        );
    }
}

#[test]
fn spmd_broadcasts_and_reduces_on_every_node() {
    at_every_shape("spmd", |np, _| {
        vec![format!("spmd: A[999] = 99907 on all {np} nodes")]
    });
}

#[test]
fn fib_with_futures_and_join_matches_the_sequential_value() {
    at_every_shape("fib_futures", |np, w| {
        vec![format!(
            "fib_futures: fib(25) = 75025 (cut-off 15) on {np} nodes x {} workers",
            np * w
        )]
    });
    // Tasks at every level (cut-off 2) and none at all (cut-off above n).
    for args in [["16", "2"], ["16", "17"]] {
        run_ok("fib_futures", 3, 2, &args);
    }
}

/// The parts of `torc: node N: nobody waited for a failed task: task F failed on node M
/// worker W (level L): MESSAGE`: (N, F, M, W, L, MESSAGE).
fn parse_unwaited(line: &str) -> Option<(usize, String, usize, usize, u32, String)> {
    let rest = line.strip_prefix("torc: node ")?;
    let (n, rest) = rest.split_once(": nobody waited for a failed task: task ")?;
    let (f, rest) = rest.split_once(" failed on node ")?;
    let (m, rest) = rest.split_once(" worker ")?;
    let (w, rest) = rest.split_once(" (level ")?;
    let (l, msg) = rest.split_once("): ")?;
    Some((
        n.parse().ok()?,
        f.to_string(),
        m.parse().ok()?,
        w.parse().ok()?,
        l.parse().ok()?,
        msg.to_string(),
    ))
}

#[test]
fn failures_reach_the_waiter_and_detached_ones_the_end_of_the_run() {
    for &(np, w) in SHAPES {
        let r = run_ok("failures", np, w, &[]);
        let what = format!("failures at {np} ranks x {w} workers");
        for part in ["(a)", "(b)", "(c)", "(d)", "(e)"] {
            assert_has(&r, &what, &format!("failures: {part} task "));
        }
        let reports: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains("nobody waited for a failed task"))
            .collect();
        assert_eq!(
            reports.len(),
            1,
            "{what}: expected one report of the detached task's failure on stderr:\n{}",
            r.stderr
        );
        let (n, f, m, worker, level, msg) = parse_unwaited(reports[0])
            .unwrap_or_else(|| panic!("{what}: unexpected report line: {}", reports[0]));
        assert!(
            n < np && m < np && worker < np * w,
            "{what}: {}",
            reports[0]
        );
        assert_eq!(f, "failures::detached_boom", "{what}");
        assert_eq!(level, 1, "{what}");
        assert_eq!(msg, "deliberate failure of the detached task 99", "{what}");
        // Every other failure was taken by its waiter: none is reported as unread.
        assert!(
            !r.stderr.contains("dropped unread"),
            "{what}: a failure was left unread:\n{}",
            r.stderr
        );
    }
}
