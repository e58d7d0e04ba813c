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

use common::cases::{check_fib_line, expect_line, line, matrix, verify, Case};
use common::Run;
use std::path::PathBuf;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);
/// Timeout of each run on several ranks (oversubscribed: up to 4 ranks x 2 workers plus their
/// communication threads share 2 cores, and other tests may run at the same time).
const RANKS_TIMEOUT: Duration = Duration::from_secs(120);
const WORKERS: [usize; 3] = [1, 2, 4];

/// The built example `name`, from the CMake build of every example (configured and built once
/// per test binary).
fn example(name: &str) -> PathBuf {
    common::cmake_example("c_examples", &[], name)
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

/// Runs example `name` with `args` at 1 node and 1, 2 and 4 workers under `mpirun`, then once
/// without `mpirun` at 2 workers; each run must succeed and pass `check(run, 1, workers)`.
fn run_example(name: &str, args: &[&str], check: impl Fn(&Run, usize, usize)) {
    let exe = example(name);
    let mut cases: Vec<Case> = WORKERS
        .iter()
        .map(|&w| Case::mpirun((1, w), &exe, name, args, &[], TIMEOUT))
        .collect();
    cases.push(Case::plain(&exe, name, 2, args, TIMEOUT));
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
    check: impl Fn(&Run, usize, usize),
) {
    let exe = example(name);
    common::cases::run_shapes(name, &exe, args, env, shapes, RANKS_TIMEOUT, &check);
}

/// Runs example `name` with `args` once at 1 node x 2 workers; checks it exited 0.
fn run_once(name: &str, args: &[&str]) -> Run {
    let r = common::mpirun(&example(name), 1, 2, args, &[], TIMEOUT);
    r.assert_ok(&format!("{name} {}", args.join(" ")));
    r
}

/// 2, 3 and 4 ranks of 2 workers each.
const TWO_TO_FOUR_RANKS: [(usize, usize); 3] = [(2, 2), (3, 2), (4, 2)];

/// Runs example `name` with `args` on 1, 2, 3 and 4 ranks with 1 and 2 workers each.
fn run_on_ranks(name: &str, args: &[&str], check: impl Fn(&Run, usize, usize)) {
    run_shapes(name, args, &[], &matrix(), check);
}

// --- fibonacci ------------------------------------------------------------------------------

/// How many `fib_task` calls `fibonacci n cutoff` makes (the root task included).
fn fib_tasks(n: u64, cutoff: u64) -> u64 {
    if n < 2 || n <= cutoff {
        1
    } else {
        1 + fib_tasks(n - 1, cutoff) + fib_tasks(n - 2, cutoff)
    }
}

/// The result line of `fibonacci n cutoff` on `np` ranks of `w` workers (up to the timing).
fn check_fibonacci(r: &Run, n: u64, cutoff: u64, np: usize, w: usize) {
    check_fib_line(r, "fibonacci", n, cutoff, np, w);
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
    for (n, cutoff, want) in [
        ("0", "0", 0),
        ("1", "0", 1),
        ("2", "0", 1),
        ("10", "10", 55),
        ("20", "1", 6765),
    ] {
        let r = run_once("fibonacci", &[n, cutoff]);
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

fn check_sqrt_mw(r: &Run, n: u64, np: usize, w: usize) {
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

fn check_struct_ref(r: &Run) {
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

fn check_varargs_len(r: &Run, np: usize, w: usize) {
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

fn check_create_overhead(r: &Run, tasks: &str, np: usize, w: usize) {
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

fn check_broadcast(r: &Run, seed: i32, np: usize, w: usize) {
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

// --- async_detached and pipeline: a main input and edge inputs ----------------------------

/// Runs example `name` with each input of `inputs`, each run checked by `check(run, input)`:
/// the first as [`run_example`] does (1 node), the others once at 1 node x 2 workers.
fn run_inputs(name: &str, inputs: &[&[&str]], check: impl Fn(&Run, &[&str])) {
    run_example(name, inputs[0], |r, _, _| check(r, inputs[0]));
    let exe = example(name);
    for input in &inputs[1..] {
        let case = Case::mpirun((1, 2), &exe, name, input, &[], TIMEOUT);
        verify(name, &[case], &|r, _, _| check(r, input));
    }
}

/// Runs example `name` with each input of `inputs`, each run checked by `check(run, input)`:
/// the first on 1 to 4 ranks of 1 and 2 workers, the others on 2 to 4 ranks of 2 workers.
fn run_inputs_on_ranks(name: &str, inputs: &[&[&str]], check: impl Fn(&Run, &[&str])) {
    run_on_ranks(name, inputs[0], |r, _, _| check(r, inputs[0]));
    for input in &inputs[1..] {
        run_shapes(name, input, &[], &TWO_TO_FOUR_RANKS, |r, _, _| {
            check(r, input)
        });
    }
}

/// The number of input `i` of an example (`args[i]`).
fn arg<T: std::str::FromStr>(args: &[&str], i: usize) -> T {
    args[i]
        .parse()
        .unwrap_or_else(|_| panic!("argument {i} of {args:?} is not a number"))
}

/// The result line of `async_detached results in_flight` (at most `results` in flight).
fn check_async_detached(r: &Run, args: &[&str]) {
    let results: usize = arg(args, 0);
    let in_flight = arg::<usize>(args, 1).min(results);
    expect_line(
        r,
        &format!("async_detached: results={results} in_flight={in_flight} ok"),
    );
}

/// `async_detached 100 8`, then more tasks in flight than results (and on several ranks, one
/// at a time).
const ASYNC_DETACHED: [&[&str]; 3] = [&["100", "8"], &["5", "16"], &["20", "1"]];

#[test]
fn async_detached() {
    run_inputs("async_detached", &ASYNC_DETACHED[..2], check_async_detached);
}

#[test]
fn async_detached_on_1_to_4_ranks() {
    run_inputs_on_ranks("async_detached", &ASYNC_DETACHED, check_async_detached);
}

/// The result line of `pipeline n chunk`.
fn check_pipeline(r: &Run, args: &[&str]) {
    let (n, chunk): (i64, i64) = (arg(args, 0), arg(args, 1));
    let checksum: i64 = (0..n).map(|i| (i * i + 3 * i) % 1_000_003 + 1).sum();
    expect_line(
        r,
        &format!("pipeline: N={n} chunk={chunk} stages=3 checksum={checksum} ok"),
    );
}

/// `pipeline 5000 250`, then a last chunk of one element: its stage-2 task has an empty half
/// (which crosses ranks too on several ranks).
const PIPELINE: [&[&str]; 2] = [&["5000", "250"], &["1001", "10"]];

#[test]
fn pipeline() {
    run_inputs("pipeline", &PIPELINE, check_pipeline);
}

#[test]
fn pipeline_on_1_to_4_ranks() {
    run_inputs_on_ranks("pipeline", &PIPELINE, check_pipeline);
}
