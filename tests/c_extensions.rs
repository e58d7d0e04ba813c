//! The torc extensions of the C API (`torc_task_future`, `torc_future_*`, `torc_result*`,
//! `torc_spmd`) from C:
//!  - the examples `c_examples/future_result.c`, `spmd_bcast.c` and `fib_futures.c`, built with
//!    CMake (as `tests/c_examples.rs` builds every example, in a build directory of their own)
//!    against the library cargo just built, each run on 1, 2, 3 and 4 MPI ranks
//!    (oversubscribed) with 1 and 2 workers, and once without `mpirun` (MPI singleton);
//!  - `tests/c/spmd_thread_serialized.c`: spmd and remote tasks when the application initialized
//!    MPI with only `MPI_THREAD_SERIALIZED`, at 2 and 3 ranks;
//!  - `tests/c/spmd_bad.c`: misuse of the extensions, one case per process, each stopping with
//!    one `torc: <function>: ...` line on stderr naming the offending value and a non-zero exit.
//!
//! Every run has a timeout, must exit 0 (misuse cases: non-zero), print no `FAIL` line and
//! print the exact result line the program produces for its node and worker counts.

mod common;

use common::cases::{check_fib_line, expect_exact, matrix, verify, Case};
use common::misuse::{Cases, Launch};
use common::Run;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Timeout of each run (oversubscribed: up to 4 ranks x 2 workers plus their communication
/// threads share 2 cores, and other tests may run at the same time).
const TIMEOUT: Duration = Duration::from_secs(120);
/// The examples of the extensions (their CMake target names).
const EXAMPLES: [&str; 3] = ["future_result", "spmd_bcast", "fib_futures"];

/// The built example `name`: the CMake build directory with the examples of the extensions
/// built (C99, `-Wall -Werror`, as `CMakeLists.txt` builds every example), configured and built
/// once per test binary.
fn example(name: &str) -> PathBuf {
    common::cmake_example("c_extensions", &EXAMPLES, name)
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
    common::cases::run_shapes(name, exe, args, &[], shapes, TIMEOUT, &check);
}

/// Runs example `name` with `args` on 1, 2, 3 and 4 ranks with 1 and 2 workers each, then once
/// without `mpirun` with 2 workers.
fn run_example(name: &str, args: &[&str], check: impl Fn(&Run, usize, usize)) {
    let exe = example(name);
    run_shapes(name, &exe, args, &matrix(), &check);
    verify(name, &[Case::plain(&exe, name, 2, args, TIMEOUT)], &check);
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

/// The result line of `fib_futures n cutoff` on `np` ranks of `w` workers (up to the timing).
fn check_fib_futures(r: &Run, n: u64, cutoff: u64, np: usize, w: usize) {
    check_fib_line(r, "fib_futures", n, cutoff, np, w);
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

/// Runs `tests/c/spmd_thread_serialized.c args` at every (ranks, workers per rank) of `shapes`.
fn spmd_thread_serialized(args: &[&str], shapes: &[(usize, usize)]) {
    let exe = common::test_program("spmd_thread_serialized");
    run_shapes("spmd_thread_serialized", exe, args, shapes, |r, np, _| {
        let want = format!("spmd_thread_serialized: level=serialized nodes={np} rounds=5 bad=0");
        expect_exact(r, &want)
    });
}

#[test]
fn spmd_and_tasks_when_mpi_grants_only_thread_serialized() {
    spmd_thread_serialized(&[], &[(2, 1), (2, 2), (3, 1), (3, 2)]);
}

/// spmd while ordinary tasks still run, under MPI_THREAD_SERIALIZED: each node hands MPI what
/// it queued (its completions among it) and enters its instance without waiting for those
/// sends, which the instances' own collectives drive (waiting for them hung 1 run in 10-20,
/// when a receiver was already inside its instance holding the MPI lock).
#[test]
fn spmd_beside_running_tasks_when_mpi_grants_only_thread_serialized() {
    spmd_thread_serialized(&["busy"], &[(2, 1), (3, 2), (4, 1), (4, 2)].repeat(5));
}

// --- misuse ---------------------------------------------------------------------------------

/// The misuse program, built once per test binary.
fn bad() -> Cases {
    Cases::new("spmd_bad", TIMEOUT)
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
    bad().misuse(case, hows, &[], func, fragments);
}

#[test]
fn misuse_control_the_valid_calls_exit_zero() {
    for how in [
        Launch::Mpirun(1, 1),
        Launch::Mpirun(2, 2),
        Launch::Mpirun(3, 1),
        Launch::Plain(2),
    ] {
        let r = bad().launch(how, "ok", &[]);
        bad().assert_valid(&r, &format!("case ok ({how:?})"));
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
