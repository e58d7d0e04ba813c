//! The C examples (`c_examples/*.c`): built once with CMake against the library cargo just
//! built (`-DTORC_LIB_DIR`, so CMake never runs cargo itself) and the MPI of `common` (OpenMPI
//! unless `TORC_TEST_MPICC`/`TORC_TEST_MPIRUN` say otherwise), then each run
//!  - on one node with 1, 2 and 4 workers under `mpirun`, and once without `mpirun` (MPI
//!    singleton): the test named after the example;
//!  - on 1, 2, 3 and 4 MPI ranks (oversubscribed) with 1 and 2 workers each:
//!    `<example>_on_1_to_4_ranks`;
//!  - plus edge inputs on several ranks, fine-grained Fibonacci (tens of thousands of tiny
//!    tasks crossing ranks), nested Fibonacci with inter-node stealing, and broadcast at 4 ranks.
//!
//! Every run has a timeout, must exit 0, print no `FAIL` line, and print the exact result line
//! the example is known to produce for its node and worker counts.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);
/// Timeout of each run on several ranks (oversubscribed: up to 4 ranks x 2 workers plus their
/// communication threads share 2 cores, and other tests may run at the same time).
const RANKS_TIMEOUT: Duration = Duration::from_secs(120);
const WORKERS: [usize; 3] = [1, 2, 4];
/// MPI ranks and workers per rank of the multi-node matrix.
const RANKS: std::ops::RangeInclusive<usize> = 1..=4;
const RANK_WORKERS: std::ops::RangeInclusive<usize> = 1..=2;

/// The CMake build directory with every example built; configured and built once per test
/// binary.
fn build_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| common::cmake_examples("c_examples", &[]))
}

/// The built example `name`.
fn example(name: &str) -> PathBuf {
    let exe = build_dir().join(name);
    assert!(exe.exists(), "{} was not built", exe.display());
    exe
}

/// The first stdout line starting with `prefix`, or a panic showing everything printed.
fn line<'a>(r: &'a common::Run, prefix: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| {
            panic!(
                "no line starting with {prefix:?}:\n--- stdout\n{}\n--- stderr\n{}",
                r.stdout, r.stderr
            )
        })
}

/// Asserts that stdout has a line starting with `prefix` (the example's result line).
fn expect_line(r: &common::Run, prefix: &str) {
    line(r, prefix);
}

/// The value of `key=` in `line`, up to the next space.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let pat = format!("{key}=");
    let start = line
        .find(&pat)
        .unwrap_or_else(|| panic!("no {pat} in {line:?}"))
        + pat.len();
    line[start..].split(' ').next().unwrap_or("")
}

/// One finished run of an example and its shape.
struct Case {
    /// How it was started, for messages.
    what: String,
    /// MPI ranks.
    np: usize,
    /// Workers per rank.
    workers: usize,
    run: common::Run,
}

/// Checks every case: it exited 0 in time, printed no `FAIL`, and passes
/// `check(run, ranks, workers_per_rank)`. Checks them all, then panics listing every failure.
fn verify(name: &str, cases: &[Case], check: &dyn Fn(&common::Run, usize, usize)) {
    let mut failures = Vec::new();
    for c in cases {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            c.run.assert_ok(&c.what);
            assert!(
                !c.run.stdout.contains("FAIL"),
                "{} printed a failure:\n--- stdout\n{}\n--- stderr\n{}",
                c.what,
                c.run.stdout,
                c.run.stderr
            );
            check(&c.run, c.np, c.workers);
        }));
        if let Err(e) = outcome {
            failures.push(format!("* {}:\n{}", c.what, common::panic_message(&*e)));
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

/// Runs example `name` with `args` at 1 node and 1, 2 and 4 workers under `mpirun`, then once
/// without `mpirun` at 2 workers; each run must succeed and pass `check(run, 1, workers)`.
fn run_example(name: &str, args: &[&str], check: impl Fn(&common::Run, usize, usize)) {
    let exe = example(name);
    let mut cases = Vec::new();
    for w in WORKERS {
        cases.push(Case {
            what: format!("mpirun -np 1 {name} {args:?} (TORC_WORKERS={w})"),
            np: 1,
            workers: w,
            run: common::mpirun(&exe, 1, w, args, &[], TIMEOUT),
        });
    }
    cases.push(Case {
        what: format!("{name} {args:?} without mpirun (TORC_WORKERS=2)"),
        np: 1,
        workers: 2,
        run: common::run_plain(&exe, args, &[("TORC_WORKERS", "2")], TIMEOUT),
    });
    verify(name, &cases, &check);
}

/// Runs example `name` with `args` (and `env`) under `mpirun --oversubscribe` for every
/// (ranks, workers per rank) in `shapes`, each under [`RANKS_TIMEOUT`]; every run must succeed
/// and pass `check(run, ranks, workers_per_rank)`.
fn run_shapes(
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
    shapes: &[(usize, usize)],
    check: impl Fn(&common::Run, usize, usize),
) {
    let exe = example(name);
    let cases: Vec<Case> = shapes
        .iter()
        .map(|&(np, w)| Case {
            what: format!("mpirun -np {np} {name} {args:?} (TORC_WORKERS={w}, env {env:?})"),
            np,
            workers: w,
            run: common::mpirun(&exe, np, w, args, env, RANKS_TIMEOUT),
        })
        .collect();
    verify(name, &cases, &check);
}

/// Every (ranks, workers per rank) of the multi-node matrix: 1..=4 ranks x 1..=2 workers.
fn matrix() -> Vec<(usize, usize)> {
    RANKS
        .flat_map(|np| RANK_WORKERS.map(move |w| (np, w)))
        .collect()
}

/// Runs example `name` with `args` on 1, 2, 3 and 4 ranks with 1 and 2 workers each.
fn run_on_ranks(name: &str, args: &[&str], check: impl Fn(&common::Run, usize, usize)) {
    run_shapes(name, args, &[], &matrix(), check);
}

// --- fibonacci ------------------------------------------------------------------------------

fn fib(n: u64) -> u64 {
    (0..n).fold((0u64, 1u64), |(a, b), _| (b, a + b)).0
}

/// How many `fib_task` calls `fibonacci n cutoff` makes (the root task included).
fn fib_tasks(n: u64, cutoff: u64) -> u64 {
    if n < 2 || n <= cutoff {
        1
    } else {
        1 + fib_tasks(n - 1, cutoff) + fib_tasks(n - 2, cutoff)
    }
}

/// The result line of `fibonacci n cutoff` on `np` ranks of `w` workers (up to the timing).
fn check_fibonacci(r: &common::Run, n: u64, cutoff: u64, np: usize, w: usize) {
    let want = format!(
        "fibonacci: fib({n}) = {} (cutoff {cutoff}, {np} nodes, {} workers, ",
        fib(n),
        np * w
    );
    let l = line(r, &format!("fibonacci: fib({n}) = "));
    assert!(l.starts_with(&want), "{l}\nexpected {want}...");
}

#[test]
fn fibonacci() {
    run_example("fibonacci", &["25", "12"], |r, np, w| {
        check_fibonacci(r, 25, 12, np, w)
    });
}

#[test]
fn fibonacci_on_1_to_4_ranks() {
    run_on_ranks("fibonacci", &["25", "12"], |r, np, w| {
        check_fibonacci(r, 25, 12, np, w)
    });
}

#[test]
fn fibonacci_small_inputs() {
    // n at and below the cut-off: no child tasks at all; n = 0 and 1.
    let exe = example("fibonacci");
    for (n, cutoff, want) in [
        ("0", "0", 0),
        ("1", "0", 1),
        ("2", "0", 1),
        ("10", "10", 55),
        ("20", "1", 6765),
    ] {
        let r = common::mpirun(&exe, 1, 2, &[n, cutoff], &[], TIMEOUT);
        r.assert_ok(&format!("fibonacci {n} {cutoff}"));
        expect_line(&r, &format!("fibonacci: fib({n}) = {want} "));
    }
}

#[test]
fn fibonacci_small_inputs_on_several_ranks() {
    // No children (n <= cut-off, n < 2), a single level of children, and a few deeper trees.
    for (n, cutoff) in [(0, 0), (1, 0), (2, 0), (10, 10), (12, 11), (16, 1)] {
        let (ns, cs) = (n.to_string(), cutoff.to_string());
        run_shapes(
            "fibonacci",
            &[&ns, &cs],
            &[],
            &[(2, 1), (4, 2)],
            |r, np, w| check_fibonacci(r, n, cutoff, np, w),
        );
    }
}

#[test]
fn fibonacci_fine_grained_on_2_and_4_ranks() {
    // ~22k tiny tasks (cut-off 1), nesting at most 20 deep, half of them crossing ranks: every
    // wait for a remote child must not let a worker's stack fill up with unrelated tasks.
    run_shapes(
        "fibonacci",
        &["20", "1"],
        &[],
        &[(2, 1), (2, 2), (4, 1), (4, 2)],
        |r, np, w| check_fibonacci(r, 20, 1, np, w),
    );
}

#[test]
fn fibonacci_prints_statistics() {
    let exe = example("fibonacci");
    let r = common::mpirun(&exe, 1, 2, &["20", "10"], &[("TORC_STATS", "1")], TIMEOUT);
    r.assert_ok("fibonacci with TORC_STATS=1");
    expect_line(&r, "fibonacci: fib(20) = 6765 ");
    let stats = r
        .stderr
        .lines()
        .find(|l| l.contains("torc stats: node 0: created "))
        .unwrap_or_else(|| panic!("no statistics line on stderr:\n{}", r.stderr));
    // fib(20) with cut-off 10: the root task plus two children per call with n > 10.
    let created: u64 = stats["torc stats: node 0: created ".len()..]
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad statistics line {stats:?}"));
    assert!(created > 1, "{stats}");
}

/// The number after `word ` in a statistics line.
fn stat(line: &str, word: &str) -> u64 {
    let pat = format!(" {word} ");
    let start = line
        .find(&pat)
        .unwrap_or_else(|| panic!("no {pat:?} in {line:?}"))
        + pat.len();
    line[start..]
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad number after {pat:?} in {line:?}"))
}

#[test]
fn fibonacci_nested_with_stealing_on_3_ranks() {
    // Nested tasks everywhere (each fib task creates two children round-robin from its own
    // worker), inter-node stealing on from the start, 3 ranks x 2 workers. Repeated, since
    // which node runs what changes from run to run.
    let (n, cutoff) = (25u64, 6u64);
    let env = [("TORC_STEALING", "1"), ("TORC_STATS", "1")];
    let shapes = [(3, 2); 3];
    run_shapes("fibonacci", &["25", "6"], &env, &shapes, |r, np, w| {
        check_fibonacci(r, n, cutoff, np, w);
        // One statistics line per node; over all nodes, every task created ran exactly once.
        let (mut created, mut executed) = (0, 0);
        for node in 0..np {
            let prefix = format!("torc stats: node {node}: created ");
            let lines: Vec<&str> = r
                .stderr
                .lines()
                .filter(|l| l.starts_with(&prefix))
                .collect();
            assert_eq!(
                lines.len(),
                1,
                "one statistics line for node {node} in:\n{}",
                r.stderr
            );
            created += stat(lines[0], "created");
            executed += stat(lines[0], "executed");
        }
        let want = fib_tasks(n, cutoff);
        assert_eq!(created, want, "tasks created on all nodes:\n{}", r.stderr);
        assert_eq!(executed, want, "tasks executed on all nodes:\n{}", r.stderr);
    });
}

// --- sqrt_mw --------------------------------------------------------------------------------

fn check_sqrt_mw(r: &common::Run, n: u64, np: usize, w: usize) {
    let sum: f64 = (0..n).map(|i| (i as f64).sqrt()).sum();
    let want = format!("sqrt_mw: N={n} sum={sum:.6} ok (tasks per worker:");
    let l = line(r, "sqrt_mw: N=");
    assert!(l.starts_with(&want), "{l}\nexpected {want}");
    let per: Vec<u64> = l[want.len()..]
        .trim_end_matches(')')
        .split_whitespace()
        .map(|s| s.parse().unwrap_or_else(|_| panic!("bad count in {l}")))
        .collect();
    assert_eq!(per.len(), np * w, "one count per worker of every node: {l}");
    assert_eq!(per.iter().sum::<u64>(), n, "{l}");
}

#[test]
fn sqrt_mw() {
    run_example("sqrt_mw", &["500"], |r, np, w| check_sqrt_mw(r, 500, np, w));
}

#[test]
fn sqrt_mw_on_1_to_4_ranks() {
    run_on_ranks("sqrt_mw", &["500"], |r, np, w| check_sqrt_mw(r, 500, np, w));
}

// --- struct_ref -----------------------------------------------------------------------------

fn check_struct_ref(r: &common::Run) {
    // After two rounds every particle's velocity is 1 + 2 * id.
    let energy: f64 = (0..100).map(|i| 0.5 * (1.0 + 2.0 * i as f64).powi(2)).sum();
    expect_line(
        r,
        &format!("struct_ref: N=100 rounds=2 visits=3 total_energy={energy:.3} ok"),
    );
}

#[test]
fn struct_ref() {
    run_example("struct_ref", &["100"], |r, _, _| check_struct_ref(r));
}

#[test]
fn struct_ref_on_1_to_4_ranks() {
    run_on_ranks("struct_ref", &["100"], |r, _, _| check_struct_ref(r));
}

// --- varargs_len ----------------------------------------------------------------------------

fn check_varargs_len(r: &common::Run, np: usize, w: usize) {
    let k = (np * w).clamp(2, 8);
    expect_line(
        r,
        &format!("varargs_len: zero-length x{k}, arrays 0..32, 24-arg x{k}, VAD x{k} ok"),
    );
}

#[test]
fn varargs_len() {
    run_example("varargs_len", &["32"], check_varargs_len);
}

#[test]
fn varargs_len_on_1_to_4_ranks() {
    run_on_ranks("varargs_len", &["32"], check_varargs_len);
}

// --- create_overhead ------------------------------------------------------------------------

fn check_create_overhead(r: &common::Run, tasks: &str, np: usize, w: usize) {
    for prefix in ["create_overhead: tasks=", "create_overhead: empty tasks="] {
        let l = line(r, prefix);
        assert_eq!(field(l, "tasks"), tasks, "{l}");
        let ns: f64 = field(l, "ns_per_task")
            .parse()
            .unwrap_or_else(|_| panic!("bad ns_per_task in {l}"));
        assert!(ns.is_finite() && ns >= 0.0, "{l}");
    }
    let l = line(r, "create_overhead: tasks=");
    let shape = format!("(1 RES argument, best of 2, {np} nodes x {w} workers)");
    assert!(l.ends_with(&shape), "{l}\nexpected it to end with {shape}");
}

#[test]
fn create_overhead() {
    run_example("create_overhead", &["20000", "2"], |r, np, w| {
        check_create_overhead(r, "20000", np, w)
    });
}

#[test]
fn create_overhead_on_1_to_4_ranks() {
    // Fewer tasks than on one node: most of them cross ranks.
    run_on_ranks("create_overhead", &["5000", "2"], |r, np, w| {
        check_create_overhead(r, "5000", np, w)
    });
}

// --- broadcast ------------------------------------------------------------------------------

fn check_broadcast(r: &common::Run, seed: i32, np: usize, w: usize) {
    let nw = np * w;
    expect_line(
        r,
        &format!(
            "broadcast: count={} scale={} tasks={} (spread {}, named {nw}) nodes={np} ok",
            1000 + seed,
            0.5 * seed as f64,
            4 * nw,
            3 * nw
        ),
    );
}

#[test]
fn broadcast() {
    run_example("broadcast", &["7"], |r, np, w| check_broadcast(r, 7, np, w));
}

#[test]
fn broadcast_on_1_to_4_ranks() {
    run_on_ranks("broadcast", &["7"], |r, np, w| check_broadcast(r, 7, np, w));
}

#[test]
fn broadcast_on_4_ranks() {
    // Other values than the matrix's; every global worker (8, on 4 nodes) gets a named task,
    // and stealing may move the round-robin ones once more.
    run_shapes("broadcast", &["11"], &[], &[(4, 1), (4, 2)], |r, np, w| {
        check_broadcast(r, 11, np, w)
    });
    run_shapes(
        "broadcast",
        &["-3"],
        &[("TORC_STEALING", "1")],
        &[(4, 2)],
        |r, np, w| check_broadcast(r, -3, np, w),
    );
}

// --- async_detached -------------------------------------------------------------------------

fn check_async_detached(r: &common::Run, results: usize, in_flight: usize) {
    expect_line(
        r,
        &format!("async_detached: results={results} in_flight={in_flight} ok"),
    );
}

#[test]
fn async_detached() {
    run_example("async_detached", &["100", "8"], |r, _, _| {
        check_async_detached(r, 100, 8)
    });
    // More tasks in flight than results.
    let r = common::mpirun(&example("async_detached"), 1, 2, &["5", "16"], &[], TIMEOUT);
    r.assert_ok("async_detached 5 16");
    check_async_detached(&r, 5, 5);
}

#[test]
fn async_detached_on_1_to_4_ranks() {
    run_on_ranks("async_detached", &["100", "8"], |r, _, _| {
        check_async_detached(r, 100, 8)
    });
    // More tasks in flight than results; one at a time.
    let shapes: Vec<(usize, usize)> = (2..=4).map(|np| (np, 2)).collect();
    run_shapes("async_detached", &["5", "16"], &[], &shapes, |r, _, _| {
        check_async_detached(r, 5, 5)
    });
    run_shapes("async_detached", &["20", "1"], &[], &shapes, |r, _, _| {
        check_async_detached(r, 20, 1)
    });
}

// --- pipeline -------------------------------------------------------------------------------

fn check_pipeline(r: &common::Run, n: i64, chunk: i64) {
    let checksum: i64 = (0..n).map(|i| (i * i + 3 * i) % 1_000_003 + 1).sum();
    expect_line(
        r,
        &format!("pipeline: N={n} chunk={chunk} stages=3 checksum={checksum} ok"),
    );
}

#[test]
fn pipeline() {
    run_example("pipeline", &["5000", "250"], |r, _, _| {
        check_pipeline(r, 5000, 250)
    });
    // A last chunk of one element (its stage-2 task has an empty half).
    let r = common::mpirun(&example("pipeline"), 1, 2, &["1001", "10"], &[], TIMEOUT);
    r.assert_ok("pipeline 1001 10");
    check_pipeline(&r, 1001, 10);
}

#[test]
fn pipeline_on_1_to_4_ranks() {
    run_on_ranks("pipeline", &["5000", "250"], |r, _, _| {
        check_pipeline(r, 5000, 250)
    });
    // A last chunk of one element: its stage-2 task's empty half crosses ranks too.
    let shapes: Vec<(usize, usize)> = (2..=4).map(|np| (np, 2)).collect();
    run_shapes("pipeline", &["1001", "10"], &[], &shapes, |r, _, _| {
        check_pipeline(r, 1001, 10)
    });
}
