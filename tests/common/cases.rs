//! Runs of one program at several shapes (MPI ranks x workers per rank), checked together:
//! every run must exit 0 in time, print no `FAIL` line and pass the caller's check of its
//! output; all of them are checked before the first failure is reported, so that one message
//! lists every shape that failed. Used by the C examples' tests (`c_examples.rs`,
//! `c_extensions.rs`).

use super::{dump, fib, mpirun, panic_message, run_plain, Run};
use std::path::Path;
use std::time::Duration;

/// One finished run of a program and its shape.
pub struct Case {
    /// How it was started, for messages.
    pub what: String,
    /// MPI ranks.
    pub np: usize,
    /// Workers per rank.
    pub workers: usize,
    pub run: Run,
}

impl Case {
    /// Runs `exe args` under the launcher on `np` ranks of `workers` workers (and `env`).
    pub fn mpirun(
        (np, workers): (usize, usize),
        exe: &Path,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
        timeout: Duration,
    ) -> Case {
        Case {
            what: format!("mpirun -np {np} {name} {args:?} (TORC_WORKERS={workers}, env {env:?})"),
            np,
            workers,
            run: mpirun(exe, np, workers, args, env, timeout),
        }
    }

    /// Runs `exe args` without the launcher (MPI singleton) with `workers` workers.
    pub fn plain(exe: &Path, name: &str, workers: usize, args: &[&str], timeout: Duration) -> Case {
        let w = workers.to_string();
        Case {
            what: format!("{name} {args:?} without mpirun (TORC_WORKERS={w})"),
            np: 1,
            workers,
            run: run_plain(exe, args, &[("TORC_WORKERS", &w)], timeout),
        }
    }
}

/// Checks every case: it exited 0 in time, printed no `FAIL`, and passes
/// `check(run, ranks, workers_per_rank)`. Checks them all, then panics listing every failure.
pub fn verify(name: &str, cases: &[Case], check: &dyn Fn(&Run, usize, usize)) {
    let mut failures = Vec::new();
    for c in cases {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            c.run.assert_ok(&c.what);
            assert!(
                !c.run.stdout.contains("FAIL"),
                "{} printed a failure:\n{}",
                c.what,
                dump(&c.run)
            );
            check(&c.run, c.np, c.workers);
        }));
        if let Err(e) = outcome {
            failures.push(format!("* {}:\n{}", c.what, panic_message(&*e)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs of {name} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The most MPI ranks a run of [`run_shapes`] may use: `TORC_TEST_MAX_RANKS` (`scripts/test.sh
/// quick` sets 2), else no limit.
pub fn max_ranks() -> usize {
    std::env::var("TORC_TEST_MAX_RANKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX)
}

/// Runs `exe args` (and `env`) under the launcher for every (ranks, workers per rank) in
/// `shapes` of at most [`max_ranks`] ranks, each under `timeout`, and [`verify`]s them with
/// `check`.
pub fn run_shapes(
    name: &str,
    exe: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    shapes: &[(usize, usize)],
    timeout: Duration,
    check: &dyn Fn(&Run, usize, usize),
) {
    let cases: Vec<Case> = shapes
        .iter()
        .filter(|&&(np, _)| np <= max_ranks())
        .map(|&shape| Case::mpirun(shape, exe, name, args, env, timeout))
        .collect();
    verify(name, &cases, check);
}

/// Every (ranks, workers per rank) of the multi-node matrix: 1..=4 ranks x 1..=2 workers.
pub fn matrix() -> Vec<(usize, usize)> {
    (1..=4)
        .flat_map(|np| (1..=2).map(move |w| (np, w)))
        .collect()
}

/// The first stdout line starting with `prefix`, or a panic showing everything printed.
pub fn line<'a>(r: &'a Run, prefix: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}:\n{}", dump(r)))
}

/// Asserts that stdout has a line starting with `prefix` (a program's result line).
pub fn expect_line(r: &Run, prefix: &str) {
    line(r, prefix);
}

/// Asserts that stdout has exactly the line `want`.
pub fn expect_exact(r: &Run, want: &str) {
    assert!(
        r.stdout.lines().any(|l| l == want),
        "expected the line {want:?}:\n{}",
        dump(r)
    );
}

/// Checks the result line of a Fibonacci program (`PROG: fib(N) = F (cutoff C, NP nodes, W
/// workers, ...`) for `PROG n cutoff` on `np` ranks of `w` workers (up to the timing).
pub fn check_fib_line(r: &Run, prog: &str, n: u64, cutoff: u64, np: usize, w: usize) {
    let want = format!(
        "{prog}: fib({n}) = {} (cutoff {cutoff}, {np} nodes, {} workers, ",
        fib(n),
        np * w
    );
    let l = line(r, &format!("{prog}: fib({n}) = "));
    assert!(l.starts_with(&want), "{l}\nexpected {want}...");
}
