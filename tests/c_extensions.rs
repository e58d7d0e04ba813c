//! The torc extensions of the C API (`torc_task_future`, `torc_future_*`, `torc_result*`,
//! `torc_spmd`) from C:
//!  - the examples `c_examples/future_result.c`, `spmd_bcast.c` and `fib_futures.c`, built with
//!    CMake (as `tests/c_examples.rs` builds every example, in a build directory of their own)
//!    against the library cargo just built, each run on 1, 2, 3 and 4 MPI ranks
//!    (oversubscribed) with 1 and 2 workers, and once without `mpirun` (MPI singleton);
//!  - `tests/c/mn_spmd_serialized.c`: spmd and remote tasks when the application initialized
//!    MPI with only `MPI_THREAD_SERIALIZED`, at 2 and 3 ranks;
//!  - `tests/c/spmd_bad.c`: misuse of the extensions, one case per process, each stopping with
//!    one `torc: <function>: ...` line on stderr naming the offending value and a non-zero exit.
//!
//! Every run has a timeout, must exit 0 (misuse cases: non-zero), print no `FAIL` line and
//! print the exact result line the program produces for its node and worker counts.

mod common;

use common::{assert_misuse, dump, panic_message, torc_lines, Run};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// Timeout of each run (oversubscribed: up to 4 ranks x 2 workers plus their communication
/// threads share 2 cores, and other tests may run at the same time).
const TIMEOUT: Duration = Duration::from_secs(120);
/// MPI ranks and workers per rank of the multi-node matrix.
const RANKS: std::ops::RangeInclusive<usize> = 1..=4;
const RANK_WORKERS: std::ops::RangeInclusive<usize> = 1..=2;
/// The examples of the extensions (their CMake target names).
const EXAMPLES: [&str; 3] = ["future_result", "spmd_bcast", "fib_futures"];

/// The CMake build directory with the examples of the extensions built (C99, `-Wall
/// -Werror`, as `CMakeLists.txt` builds every example); configured and built once per test
/// binary.
fn build_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| common::cmake_examples("c_extensions", &EXAMPLES))
}

/// The built example `name`.
fn example(name: &str) -> PathBuf {
    let exe = build_dir().join(name);
    assert!(exe.exists(), "{} was not built", exe.display());
    exe
}

/// The first stdout line starting with `prefix`, or a panic showing everything printed.
fn line<'a>(r: &'a Run, prefix: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}:\n{}", dump(r)))
}

/// Asserts that stdout has exactly the line `want`.
fn expect_exact(r: &Run, want: &str) {
    assert!(
        r.stdout.lines().any(|l| l == want),
        "expected the line {want:?}:\n{}",
        dump(r)
    );
}

/// One finished run and its shape.
struct Case {
    /// How it was started, for messages.
    what: String,
    /// MPI ranks.
    np: usize,
    /// Workers per rank.
    workers: usize,
    run: Run,
}

/// Checks every case: it exited 0 in time, printed no `FAIL`, and passes
/// `check(run, ranks, workers_per_rank)`. Checks them all, then panics listing every failure.
fn verify(name: &str, cases: &[Case], check: &dyn Fn(&Run, usize, usize)) {
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

/// Runs `exe args` for every (ranks, workers per rank) of `shapes` under `mpirun`, each under
/// [`TIMEOUT`]; every run must succeed and pass `check(run, ranks, workers_per_rank)`.
fn run_shapes(
    name: &str,
    exe: &Path,
    args: &[&str],
    shapes: &[(usize, usize)],
    check: impl Fn(&Run, usize, usize),
) {
    let cases: Vec<Case> = shapes
        .iter()
        .map(|&(np, w)| Case {
            what: format!("mpirun -np {np} {name} {args:?} (TORC_WORKERS={w})"),
            np,
            workers: w,
            run: common::mpirun(exe, np, w, args, &[], TIMEOUT),
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

/// Runs example `name` with `args` on 1, 2, 3 and 4 ranks with 1 and 2 workers each, then once
/// without `mpirun` with 2 workers.
fn run_example(name: &str, args: &[&str], check: impl Fn(&Run, usize, usize)) {
    let exe = example(name);
    run_shapes(name, &exe, args, &matrix(), &check);
    let plain = Case {
        what: format!("{name} {args:?} without mpirun (TORC_WORKERS=2)"),
        np: 1,
        workers: 2,
        run: common::run_plain(&exe, args, &[("TORC_WORKERS", "2")], TIMEOUT),
    };
    verify(name, &[plain], &check);
}

// --- future_result --------------------------------------------------------------------------

/// The result line of `future_result` on `np` ranks of `w` workers.
fn future_result_line(np: usize, w: usize) -> String {
    let nw = (np * w) as i64;
    // Sizes x {copy, alloc} x (every worker and qid -1); replaced and missing results for
    // every size but the largest at 2 placements; 1 + 3 + 9 nested futures per top task (one
    // per worker and one with qid -1); two rounds of 2 nw + 1 tasks for torc_waitall, then
    // 2 (2 nw + 1) pairs of a freed handle and a new one.
    let sizes = 10;
    let futures = sizes * 2 * (nw + 1) + (sizes - 1) * 3 * 2 + 13 * (nw + 1) + 6 * (2 * nw + 1);
    // The leaves' results a * a + 1 for every a below (nw + 1) * 3 * 3.
    let nested: i64 = (0..(nw + 1) * 9).map(|a| a * a + 1).sum();
    format!(
        "future_result: sizes={sizes} futures={futures} nested={nested} nodes={np} workers={nw} ok"
    )
}

#[test]
fn future_result_on_1_to_4_ranks() {
    run_example("future_result", &[], |r, np, w| {
        expect_exact(r, &future_result_line(np, w))
    });
}

// --- spmd_bcast -----------------------------------------------------------------------------

#[test]
fn spmd_bcast_on_1_to_4_ranks() {
    run_example("spmd_bcast", &[], |r, np, w| {
        // Four checks by a task per worker and one per node, plus one busy task per worker.
        let tasks = 5 * np * w + 4 * np;
        expect_exact(
            r,
            &format!("spmd_bcast: N=1024 nodes={np} spmd_calls=32 tasks={tasks} ok"),
        )
    });
}

// --- fib_futures ----------------------------------------------------------------------------

fn fib(n: u64) -> u64 {
    (0..n).fold((0u64, 1u64), |(a, b), _| (b, a + b)).0
}

/// The result line of `fib_futures n cutoff` on `np` ranks of `w` workers (up to the timing).
fn check_fib_futures(r: &Run, n: u64, cutoff: u64, np: usize, w: usize) {
    let want = format!(
        "fib_futures: fib({n}) = {} (cutoff {cutoff}, {np} nodes, {} workers, ",
        fib(n),
        np * w
    );
    let l = line(r, &format!("fib_futures: fib({n}) = "));
    assert!(l.starts_with(&want), "{l}\nexpected {want}...");
}

#[test]
fn fib_futures_on_1_to_4_ranks() {
    run_example("fib_futures", &[], |r, np, w| {
        check_fib_futures(r, 25, 12, np, w)
    });
}

#[test]
fn fib_futures_small_and_fine_grained_inputs() {
    let exe = example("fib_futures");
    // No children (n <= cut-off, n < 2) and a single level of them.
    for (n, cutoff) in [(0, 0), (1, 0), (2, 0), (10, 10), (12, 11)] {
        let (ns, cs) = (n.to_string(), cutoff.to_string());
        run_shapes(
            "fib_futures",
            &exe,
            &[&ns, &cs],
            &[(1, 1), (2, 1), (3, 2)],
            |r, np, w| check_fib_futures(r, n, cutoff, np, w),
        );
    }
    // ~22k tiny future tasks nesting up to 20 deep, many crossing ranks.
    run_shapes(
        "fib_futures",
        &exe,
        &["20", "1"],
        &[(1, 2), (2, 1), (2, 2), (4, 1), (4, 2)],
        |r, np, w| check_fib_futures(r, 20, 1, np, w),
    );
}

// --- MPI_THREAD_SERIALIZED ------------------------------------------------------------------

#[test]
fn spmd_and_tasks_when_mpi_grants_only_thread_serialized() {
    let exe = common::test_program("mn_spmd_serialized");
    let shapes = [(2, 1), (2, 2), (3, 1), (3, 2)];
    run_shapes("mn_spmd_serialized", &exe, &[], &shapes, |r, np, _| {
        expect_exact(
            r,
            &format!("mn_spmd_serialized: level=serialized nodes={np} rounds=5 bad=0"),
        )
    });
}

/// spmd while ordinary tasks still run, under MPI_THREAD_SERIALIZED: each node hands MPI what
/// it queued (its completions among it) and enters its instance without waiting for those
/// sends, which the instances' own collectives drive (waiting for them hung 1 run in 10-20,
/// when a receiver was already inside its instance holding the MPI lock).
#[test]
fn spmd_beside_running_tasks_when_mpi_grants_only_thread_serialized() {
    let exe = common::test_program("mn_spmd_serialized");
    let shapes = [(2, 1), (3, 2), (4, 1), (4, 2)].repeat(5);
    run_shapes(
        "mn_spmd_serialized",
        &exe,
        &["busy"],
        &shapes,
        |r, np, _| {
            expect_exact(
                r,
                &format!("mn_spmd_serialized: level=serialized nodes={np} rounds=5 bad=0"),
            )
        },
    );
}

// --- misuse ---------------------------------------------------------------------------------

/// The misuse program, built once per test binary.
fn bad_exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let exe = common::scratch("c_extensions").join("spmd_bad");
        let src = common::root().join("tests").join("c").join("spmd_bad.c");
        common::build_c(
            &[&src],
            &exe,
            &["-std=c99", "-Wextra", "-Werror", "-pthread"],
        );
        exe
    })
}

/// How a case is started.
#[derive(Clone, Copy, Debug)]
enum Launch {
    /// `mpirun -np RANKS` with WORKERS workers per rank.
    Mpirun(usize, usize),
    /// Directly (MPI singleton) with this many workers.
    Plain(usize),
}

fn launch(how: Launch, case: &str) -> Run {
    match how {
        Launch::Mpirun(np, w) => common::mpirun(bad_exe(), np, w, &[case], &[], TIMEOUT),
        Launch::Plain(w) => {
            let w = w.to_string();
            common::run_plain(bad_exe(), &[case], &[("TORC_WORKERS", &w)], TIMEOUT)
        }
    }
}

/// One rank (1 and 2 workers, and without `mpirun`) and two ranks.
const EVERYWHERE: [Launch; 4] = [
    Launch::Mpirun(1, 1),
    Launch::Mpirun(1, 2),
    Launch::Plain(1),
    Launch::Mpirun(2, 1),
];
/// One process only: the misuse happens on every rank before `torc_init`.
const ONE_PROCESS: [Launch; 2] = [Launch::Mpirun(1, 1), Launch::Plain(2)];

/// Runs `case` with every launch in `hows` and checks the report.
fn misuse(case: &str, hows: &[Launch], func: &str, fragments: &[&str]) {
    let mut failures = Vec::new();
    for &how in hows {
        let r = launch(how, case);
        let what = format!("case {case} ({how:?})");
        let check = std::panic::AssertUnwindSafe(|| assert_misuse(&r, &what, func, fragments));
        if let Err(e) = std::panic::catch_unwind(check) {
            failures.push(panic_message(&*e));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn misuse_control_the_valid_calls_exit_zero() {
    for how in [
        Launch::Mpirun(1, 1),
        Launch::Mpirun(2, 2),
        Launch::Mpirun(3, 1),
        Launch::Plain(2),
    ] {
        let r = launch(how, "ok");
        r.assert_ok(&format!("case ok ({how:?})"));
        assert!(r.stdout.contains("spmd_bad: ok"), "{}", dump(&r));
        assert!(torc_lines(&r).is_empty(), "{}", dump(&r));
    }
}

#[test]
fn spmd_with_a_ref_argument_is_refused() {
    misuse(
        "spmd_ref",
        &EVERYWHERE,
        "torc_spmd",
        &["argument 1", "CALL_BY_REF", "inputs only"],
    );
}

#[test]
fn spmd_with_a_res_argument_is_refused() {
    misuse(
        "spmd_res",
        &EVERYWHERE,
        "torc_spmd",
        &["argument 0", "CALL_BY_RES"],
    );
}

#[test]
fn spmd_other_misuse() {
    misuse(
        "spmd_null_function",
        &EVERYWHERE,
        "torc_spmd",
        &["function is NULL"],
    );
    misuse(
        "spmd_narg_negative",
        &EVERYWHERE,
        "torc_spmd",
        &["narg = -2"],
    );
    // From a task, not the primary: on node 1 at 2 ranks.
    misuse(
        "spmd_in_task",
        &EVERYWHERE,
        "torc_spmd",
        &["primary task", "level 1"],
    );
    misuse(
        "spmd_before_init",
        &ONE_PROCESS,
        "torc_spmd",
        &["before torc_init"],
    );
}

#[test]
fn result_outside_a_task_is_refused() {
    misuse(
        "result_on_foreign_thread",
        &EVERYWHERE,
        "torc_result",
        &["outside a task"],
    );
    misuse(
        "result_alloc_on_foreign_thread",
        &EVERYWHERE,
        "torc_result_alloc",
        &["outside a task"],
    );
    misuse(
        "result_before_init",
        &ONE_PROCESS,
        "torc_result",
        &["before torc_init"],
    );
}

#[test]
fn result_with_bad_lengths_is_refused() {
    // In a task on the last worker: on node 1 at 2 ranks.
    misuse(
        "result_negative_len",
        &EVERYWHERE,
        "torc_result",
        &["len = -1"],
    );
    misuse(
        "result_null_data",
        &EVERYWHERE,
        "torc_result",
        &["data is NULL", "len = 5"],
    );
    misuse(
        "result_alloc_negative_len",
        &EVERYWHERE,
        "torc_result_alloc",
        &["len = -3"],
    );
}

#[test]
fn future_wait_of_null_is_refused() {
    misuse(
        "future_wait_null",
        &EVERYWHERE,
        "torc_future_wait",
        &["handle is NULL"],
    );
    misuse(
        "future_size_null",
        &EVERYWHERE,
        "torc_future_size",
        &["handle is NULL"],
    );
}

#[test]
fn future_copy_and_task_future_misuse() {
    misuse(
        "future_copy_negative_cap",
        &EVERYWHERE,
        "torc_future_copy",
        &["cap = -5"],
    );
    misuse(
        "future_copy_null_dst",
        &EVERYWHERE,
        "torc_future_copy",
        &["dst is NULL", "cap = 8"],
    );
    misuse(
        "task_future_qid_too_big",
        &EVERYWHERE,
        "torc_task_future",
        &["qid = ", "out of range"],
    );
}
