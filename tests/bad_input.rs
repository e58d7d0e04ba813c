//! Misuse of the C API (SPEC 2.3): each case of `tests/c/bad_input.c` commits one misuse and
//! must stop with a non-zero status (no crash, no hang) after printing exactly one line
//! `torc: <function>: <message>` naming the offending value. Control cases run the same
//! program with valid requests and must exit 0.

mod common;

use common::misuse::{Cases, Launch, MPI1, MPI2, PLAIN1, PLAIN2, RANKS2};
use common::{assert_misuse, dump, mpirun, mpmd, run_plain, torc_lines, Part, Run};
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// The case program, built once per test binary.
fn cases() -> Cases {
    Cases::new("bad_input", TIMEOUT)
}

fn exe() -> &'static Path {
    cases().exe
}

fn launch(how: Launch, case: &str, env: &[(&str, &str)]) -> Run {
    cases().launch(how, case, env)
}

/// Runs `case` with every launch in `hows` and checks the report.
fn misuse(case: &str, hows: &[Launch], env: &[(&str, &str)], func: &str, fragments: &[&str]) {
    cases().misuse(case, hows, env, func, fragments);
}

fn assert_valid(run: &Run, what: &str) {
    cases().assert_valid(run, what);
}

// ---- controls: the same program with valid requests ----

#[test]
fn control_valid_program_exits_zero() {
    for how in [MPI1, MPI2, PLAIN1, PLAIN2] {
        assert_valid(&launch(how, "ok", &[]), &format!("case ok ({how:?})"));
    }
}

#[test]
fn control_valid_environment_values_are_accepted() {
    for env in [
        ("TORC_STEALING", "1"),
        ("TORC_STEALING", "off"),
        ("TORC_YIELDTIME", "5"),
        ("TORC_THROTTLING_FACTOR", "4"),
    ] {
        assert_valid(&launch(MPI1, "env", &[env]), &format!("valid {env:?}"));
    }
    // Without TORC_WORKERS, OMP_NUM_THREADS decides.
    let run = run_plain(exe(), &["env"], &[("OMP_NUM_THREADS", "2")], TIMEOUT);
    assert_valid(&run, "OMP_NUM_THREADS=2");
}

#[test]
fn register_after_init_is_refused_and_the_program_goes_on() {
    for how in [MPI1, PLAIN2] {
        let run = launch(how, "register_after_init", &[]);
        run.assert_ok("register_after_init");
        assert!(run.stdout.contains("bad_input: ok"), "{}", dump(&run));
        let lines = torc_lines(&run);
        assert_eq!(lines.len(), 1, "one refusal line expected\n{}", dump(&run));
        assert!(
            lines[0].starts_with("torc: torc_register_task: ") && lines[0].contains("torc_init"),
            "{}",
            lines[0]
        );
    }
}

// ---- narg ----

#[test]
fn negative_narg() {
    misuse(
        "narg_negative",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["narg = -1", "[0, 32]"],
    );
    misuse(
        "narg_negative_ex",
        &[MPI2],
        &[],
        "torc_task_ex",
        &["narg = -4"],
    );
}

#[test]
fn narg_above_the_maximum() {
    misuse(
        "narg_too_big",
        &[MPI1, PLAIN2],
        &[],
        "torc_task",
        &["narg = 33", "[0, 32]"],
    );
}

// ---- argument descriptors ----

#[test]
fn unknown_callway() {
    misuse(
        "unknown_callway",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["argument 1", "call-way 9"],
    );
    misuse(
        "unknown_callway_second",
        &[MPI2],
        &[],
        "torc_task",
        &["argument 2", "call-way 0"],
    );
}

#[test]
fn negative_count() {
    misuse(
        "negative_count",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["argument 1", "count -5"],
    );
    misuse(
        "negative_count_detached",
        &[MPI2],
        &[],
        "torc_task_detached",
        &["argument 2", "count -7"],
    );
}

#[test]
fn null_function() {
    misuse(
        "null_function",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["NULL"],
    );
    misuse(
        "null_function_direct",
        &[MPI2],
        &[],
        "torc_task_direct",
        &["NULL"],
    );
}

#[test]
fn qid_out_of_range() {
    misuse(
        "qid_too_big",
        &[MPI1],
        &[],
        "torc_task",
        &["qid = 1", "[-1, 0]"],
    );
    misuse(
        "qid_too_big",
        &[MPI2, PLAIN2],
        &[],
        "torc_task",
        &["qid = 2", "[-1, 1]"],
    );
    misuse(
        "qid_way_too_big",
        &[MPI2],
        &[],
        "torc_task",
        &["qid = 7", "[-1, 1]"],
    );
    misuse(
        "qid_negative",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["qid = -2", "[-1, 0]"],
    );
    misuse(
        "qid_too_big_noargs",
        &[MPI2, PLAIN1],
        &[],
        "torc_task",
        &["qid = ", "is out of range"],
    );
    misuse(
        "qid_negative_detached",
        &[MPI1],
        &[],
        "torc_task_detached",
        &["qid = -2"],
    );
}

#[test]
fn datatype_with_holes() {
    misuse(
        "datatype_with_holes",
        &[MPI1, PLAIN2],
        &[],
        "torc_task",
        &["argument 1", "holes", "size 16", "extent 24"],
    );
}

#[test]
fn null_datatype() {
    misuse(
        "datatype_null",
        &[MPI1],
        &[],
        "torc_task",
        &["argument 1", "MPI_DATATYPE_NULL"],
    );
}

#[test]
fn null_data_with_nonzero_count() {
    misuse(
        "null_data",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["argument 2", "NULL", "count 3"],
    );
    misuse(
        "null_data_cop",
        &[MPI2],
        &[],
        "torc_task",
        &["argument 1", "NULL", "count 4"],
    );
}

#[test]
fn task_argv_misuse() {
    misuse(
        "argv_null_args",
        &[MPI1, PLAIN1],
        &[],
        "torc_task_argv",
        &["NULL", "narg = 2"],
    );
    misuse(
        "argv_bad_flags",
        &[MPI1],
        &[],
        "torc_task_argv",
        &["flags = 8"],
    );
    misuse(
        "argv_unknown_callway",
        &[MPI1],
        &[],
        "torc_task_argv",
        &["argument 2", "call-way 77"],
    );
}

// ---- order of calls and threads ----

#[test]
fn task_before_init() {
    misuse(
        "task_before_init",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["before torc_init"],
    );
    misuse(
        "task_noargs_before_init",
        &[MPI1, PLAIN1],
        &[],
        "torc_task",
        &["before torc_init"],
    );
}

#[test]
fn waitall_before_init() {
    misuse(
        "waitall_before_init",
        &[MPI1, PLAIN1],
        &[],
        "torc_waitall",
        &["before torc_init"],
    );
}

#[test]
fn task_after_finalize() {
    misuse(
        "task_after_finalize",
        &[MPI1, PLAIN2],
        &[],
        "torc_task",
        &["after torc_finalize"],
    );
    misuse(
        "task_noargs_after_finalize",
        &[MPI1, PLAIN2],
        &[],
        "torc_task",
        &["after torc_finalize"],
    );
}

#[test]
fn waitall_after_finalize() {
    misuse(
        "waitall_after_finalize",
        &[MPI1],
        &[],
        "torc_waitall",
        &["after torc_finalize"],
    );
}

#[test]
fn calls_from_a_thread_that_is_not_a_worker() {
    misuse(
        "waitall_on_foreign_thread",
        &[MPI1, PLAIN2],
        &[],
        "torc_waitall",
        &["outside a task"],
    );
    misuse(
        "task_on_foreign_thread",
        &[MPI2],
        &[],
        "torc_task",
        &["outside a task"],
    );
}

#[test]
fn getarg_index_out_of_range() {
    misuse(
        "getarg_out_of_range",
        &[MPI1, PLAIN2],
        &[],
        "torc_getarg_addr",
        &["index 5"],
    );
}

#[test]
fn broadcast_misuse() {
    misuse(
        "broadcast_negative_count",
        &[MPI1],
        &[],
        "torc_broadcast",
        &["count -1"],
    );
    misuse(
        "broadcast_heap",
        &[MPI1, PLAIN1],
        &[],
        "torc_broadcast",
        &["not inside a loaded module"],
    );
}

// ---- environment ----

#[test]
fn bad_torc_workers() {
    for v in ["zero", "0", "-3", "5000", ""] {
        let value = format!("TORC_WORKERS='{v}'");
        misuse(
            "env",
            &[MPI1, PLAIN1],
            &[("TORC_WORKERS", v)],
            "torc_init",
            &[&value],
        );
    }
}

#[test]
fn bad_omp_num_threads() {
    // Only read when TORC_WORKERS is unset, so run directly.
    let run = run_plain(exe(), &["env"], &[("OMP_NUM_THREADS", "many")], TIMEOUT);
    assert_misuse(
        &run,
        "OMP_NUM_THREADS=many",
        "torc_init",
        &["OMP_NUM_THREADS='many'"],
    );
}

#[test]
fn bad_stealing_and_yieldtime() {
    for (k, v) in [
        ("TORC_STEALING", "maybe"),
        ("TORC_STEALING", "2"),
        ("TORC_YIELDTIME", "soon"),
        ("TORC_YIELDTIME", "-5"),
        ("TORC_STATS", "verbose"),
        ("TORC_THROTTLING_FACTOR", "-3"),
    ] {
        let value = format!("{k}='{v}'");
        misuse("env", &[MPI1, PLAIN2], &[(k, v)], "torc_init", &[&value]);
    }
}

// ---- several nodes: the misuse on node 0 stops the whole job ----

#[test]
fn misuse_stops_every_rank() {
    // The other ranks serve tasks inside torc_init: they must not hang when node 0 stops.
    for (case, func, fragments) in [
        ("narg_negative", "torc_task", &["narg = -1"][..]),
        ("qid_too_big", "torc_task", &["qid = 2", "[-1, 1]"][..]),
        ("null_data", "torc_task", &["argument 2", "count 3"][..]),
        (
            "task_after_finalize",
            "torc_task",
            &["after torc_finalize"][..],
        ),
    ] {
        let run = mpirun(exe(), 2, 1, &[case], &[], TIMEOUT);
        assert_misuse(&run, &format!("case {case} on 2 ranks"), func, fragments);
    }
    let run = mpirun(exe(), 2, 1, &["ok"], &[], TIMEOUT);
    assert_valid(&run, "case ok on 2 ranks");
}

#[test]
fn bad_environment_on_every_rank() {
    // Every rank reads its environment, so each may report it; all reports are the same line.
    let run = mpirun(exe(), 2, 1, &["env"], &[("TORC_WORKERS", "zero")], TIMEOUT);
    assert!(!run.timed_out, "hung\n{}", dump(&run));
    assert_ne!(run.code, Some(0), "{}", dump(&run));
    let lines = torc_lines(&run);
    assert!(!lines.is_empty() && lines.len() <= 2, "{}", dump(&run));
    for l in lines {
        assert!(l.starts_with("torc: torc_init: TORC_WORKERS='zero'"), "{l}");
    }
}

// ---- errors before MPI starts: no launcher may hang ----

/// One program of a 2-rank MPMD job of the case program.
fn part<'a>(case: &'a [&'a str], env: &'a [(&'a str, &'a str)]) -> Part<'a> {
    Part {
        np: 1,
        env,
        exe: exe(),
        args: case,
    }
}

#[test]
fn an_error_before_mpi_starts_on_one_rank_stops_the_job() {
    // One rank refuses before MPI is up while the other starts torc normally and waits for
    // it in torc_init: the refusing rank must start MPI and stop the job with MPI_Abort (a
    // plain exit leaves MPICH's launcher waiting for it forever).
    let bad_env: &[(&str, &str)] = &[("TORC_WORKERS", "zero")];
    let bad_workers = "TORC_WORKERS='zero'";
    for (what, parts, func, fragment) in [
        (
            "TORC_WORKERS=zero on rank 0 only",
            [part(&["env"], bad_env), part(&["env"], &[])],
            "torc_init",
            bad_workers,
        ),
        (
            "TORC_WORKERS=zero on rank 1 only",
            [part(&["env"], &[]), part(&["env"], bad_env)],
            "torc_init",
            bad_workers,
        ),
        (
            "torc_task before torc_init on rank 0 only",
            [part(&["task_before_init"], &[]), part(&["ok"], &[])],
            "torc_task",
            "before torc_init",
        ),
        (
            "torc_task before torc_init on rank 1 only",
            [part(&["ok"], &[]), part(&["task_noargs_before_init"], &[])],
            "torc_task",
            "before torc_init",
        ),
    ] {
        let run = mpmd(&parts, TIMEOUT);
        assert_misuse(&run, what, func, &[fragment]);
    }
}

#[test]
fn an_error_before_mpi_starts_on_every_rank_stops_the_job() {
    // Both ranks refuse (each may print the line: one or two identical lines).
    for (case, env, want) in [
        (
            "env",
            &[("TORC_WORKERS", "zero")][..],
            "torc: torc_init: TORC_WORKERS='zero'",
        ),
        (
            "task_before_init",
            &[][..],
            "torc: torc_task: called before torc_init",
        ),
    ] {
        let run = mpirun(exe(), 2, 1, &[case], env, TIMEOUT);
        let what = format!("case {case} on 2 ranks, env {env:?}");
        assert!(!run.timed_out, "{what}: hung\n{}", dump(&run));
        assert!(run.code.is_some(), "{what}: killed\n{}", dump(&run));
        assert_ne!(run.code, Some(0), "{what}\n{}", dump(&run));
        assert_ne!(run.code, Some(3), "{what}: went on\n{}", dump(&run));
        let lines = torc_lines(&run);
        assert!(
            !lines.is_empty() && lines.len() <= 2,
            "{what}: one line per rank at most\n{}",
            dump(&run)
        );
        for l in lines {
            assert!(l.starts_with(want), "{what}: {l}");
        }
    }
}

#[test]
fn finalize_from_inside_a_task() {
    // On one node the task runs on the primary's own worker (it used to hang there), on two
    // it runs on node 1 (it used to crash there).
    misuse(
        "finalize_in_task",
        &[MPI1, PLAIN1, PLAIN2, RANKS2],
        &[],
        "torc_finalize",
        &[
            "called from inside a task (level 1",
            "only the primary task may call it",
        ],
    );
}

#[test]
fn broadcast_of_read_only_data_or_code() {
    for case in ["broadcast_const", "broadcast_function"] {
        misuse(
            case,
            &[MPI1, RANKS2],
            &[],
            "torc_broadcast",
            &[
                "are not writable data of",
                "only writable globals and statics",
            ],
        );
    }
}
