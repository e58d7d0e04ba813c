//! Multi-node execution: C programs on 1-4 MPI ranks with 1 and 2 workers, each under a
//! timeout, checking the values tasks computed, data written back, placement, and refusals.

mod common;

use common::{mpirun, mpmd, test_program, Part};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

/// Runs `program` on `np` ranks of `workers` workers (and `env`) under `timeout`; checks that
/// it exited 0 and printed `want`.
fn run_expect(
    program: &str,
    (np, workers): (usize, usize),
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
    want: &str,
) {
    let r = mpirun(test_program(program), np, workers, args, env, timeout);
    let what = format!("{program} {args:?} at {np} ranks x {workers} workers, env {env:?}");
    r.assert_ok_with(&what, want);
}

#[test]
fn every_call_way_and_placement_at_1_to_4_ranks() {
    for np in 1..=4 {
        for workers in 1..=2 {
            let want = format!(
                "call_ways_across_nodes: nodes={np} workers={} tasks={} failures=0",
                np * workers,
                2 * np * workers + 3
            );
            run_expect("call_ways_across_nodes", (np, workers), &[], &[], T, &want);
        }
    }
}

#[test]
fn a_64_mib_ref_array_goes_out_and_comes_back() {
    let want = "large array of 64 MiB ok";
    run_expect("call_ways_across_nodes", (2, 1), &["64"], &[], T, want);
}

#[test]
fn ranks_may_run_different_worker_counts() {
    let exe = test_program("call_ways_across_nodes");
    let part = |np, env| Part {
        np,
        env,
        exe,
        args: &[],
    };
    let r = mpmd(
        &[
            part(1, &[("TORC_WORKERS", "2")]),
            part(2, &[("TORC_WORKERS", "1")]),
        ],
        T,
    );
    r.assert_ok_with(
        "call_ways_across_nodes with 2+1+1 workers",
        "call_ways_across_nodes: nodes=3 workers=4 tasks=11 failures=0",
    );
}

#[test]
fn a_direct_task_runs_while_every_worker_of_its_node_is_busy() {
    for (np, workers) in [(2, 1), (3, 2)] {
        let want = format!(
            "{workers} busy workers on node {} released by a direct task on node {}: ok",
            np - 1,
            np - 1
        );
        let t = Duration::from_secs(60);
        run_expect(
            "direct_task_on_busy_node",
            (np, workers),
            &[],
            &[],
            t,
            &want,
        );
    }
}

#[test]
fn works_when_mpi_grants_only_thread_serialized() {
    for np in [2, 3] {
        let want = format!("thread_serialized: level=serialized nodes={np} bad=0");
        run_expect("thread_serialized", (np, 2), &[], &[], T, &want);
    }
}

#[test]
fn two_hundred_thousand_tasks_over_four_ranks() {
    let want = "many_tasks_across_nodes: tasks=200000 nodes=4 workers=4 bad=0";
    let t = Duration::from_secs(300);
    run_expect("many_tasks_across_nodes", (4, 1), &["200000"], &[], t, want);
}

#[test]
fn stealing_spreads_work_and_stats_print_one_line_per_node() {
    let exe = test_program("many_tasks_across_nodes");
    let env = [("TORC_STEALING", "1"), ("TORC_STATS", "1")];
    let r = mpirun(exe, 3, 2, &["30000"], &env, T);
    r.assert_ok_with(
        "many_tasks_across_nodes with stealing at 3 ranks",
        "many_tasks_across_nodes: tasks=30000 nodes=3 workers=6 bad=0",
    );
    for n in 0..3 {
        let prefix = format!("torc stats: node {n}: created ");
        let lines = r.stderr.lines().filter(|l| l.starts_with(&prefix)).count();
        assert_eq!(lines, 1, "one stats line for node {n} in:\n{}", r.stderr);
    }
}

#[test]
fn different_executables_in_one_job_are_refused() {
    let part = |program, args| Part {
        np: 1,
        env: &[],
        exe: test_program(program),
        args,
    };
    let r = mpmd(
        &[
            part("many_tasks_across_nodes", &["10"]),
            part("different_executable", &[]),
        ],
        Duration::from_secs(60),
    );
    assert!(!r.timed_out, "a mixed job must stop, not hang");
    assert_ne!(r.code, Some(0), "a mixed job must fail");
    assert!(
        r.stderr
            .contains("torc: torc_init: node 1 runs a different executable than node 0"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("must not be reached"), "{}", r.stdout);
}

#[test]
fn stealing_is_the_only_way_to_finish_and_it_does() {
    for np in [2, 3, 4] {
        let want = "steal_across_nodes: tasks=60 stolen=60 bad=0 fetch_when_idle=0";
        let t = Duration::from_secs(60);
        run_expect("steal_across_nodes", (np, 1), &["60"], &[], t, want);
    }
}

#[test]
fn fetch_work_steals_from_another_node() {
    let exe = test_program("fetch_work_from_other_node");
    let r = mpirun(exe, 2, 1, &[], &[], Duration::from_secs(60));
    r.assert_ok_with(
        "fetch_work_from_other_node at 2 ranks",
        "fetch_work_from_other_node: fetched=1 ran=1 done=1",
    );
    assert!(
        !r.stderr.contains("improperly") && !r.stderr.contains("without calling"),
        "{}",
        r.stderr
    );
}

#[test]
fn broadcast_of_shared_library_variables_and_tasks_defined_there() {
    let dir = common::scratch("library_data");
    let lib = dir.join("liblibrary_data.so");
    common::build_c(
        &[&common::root().join("tests/c/library_data.c")],
        &lib,
        &["-shared", "-fPIC"],
    );
    let exe = dir.join("broadcast_library_data");
    let libdir = format!("-L{}", dir.display());
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    common::build_c(
        &[&common::root().join("tests/c/broadcast_library_data.c")],
        &exe,
        &[&libdir, "-llibrary_data", &rpath],
    );
    for (np, workers) in [(1, 2), (3, 1), (3, 2)] {
        let r = mpirun(&exe, np, workers, &[], &[], T);
        let want = format!(
            "broadcast_library_data: nodes={np} workers={} bad=0",
            np * workers
        );
        r.assert_ok_with(
            &format!("broadcast_library_data at {np} ranks x {workers} workers"),
            &want,
        );
    }
}

#[test]
fn torc_init_from_another_thread_after_the_application_started_mpi() {
    for (np, workers) in [(1, 1), (2, 2), (3, 1)] {
        let want = format!(
            "init_from_another_thread: nodes={np} workers={} bad=0",
            np * workers
        );
        run_expect(
            "init_from_another_thread",
            (np, workers),
            &[],
            &[],
            T,
            &want,
        );
    }
}

#[test]
fn tasks_placed_on_a_named_worker_run_on_its_node_with_stealing_on_and_off() {
    for (np, workers, stealing) in [(2, 1, "0"), (2, 2, "1"), (3, 1, "1"), (4, 1, "0")] {
        let want = format!(
            "placement_is_kept: nodes={np} workers={} tasks=60 elsewhere: named=0 pinned=0 \
             named_off=0 pinned_off=0 rr_off=0",
            np * workers
        );
        let env = [("TORC_STEALING", stealing)];
        run_expect("placement_is_kept", (np, workers), &["60"], &env, T, &want);
    }
}

#[test]
fn a_detached_task_sees_large_ptr_data_as_it_was_at_creation() {
    for np in [2, 3] {
        let want = "detached_large_ptr_arg: rounds=8 good=8";
        run_expect("detached_large_ptr_arg", (np, 1), &[], &[], T, want);
    }
}

#[test]
fn nodes_that_register_different_task_functions_are_refused() {
    let exe = test_program("registration_must_match");
    let r = mpirun(exe, 3, 1, &["same"], &[], T);
    r.assert_ok_with(
        "registration_must_match same",
        "registration_must_match: ok",
    );
    for (mode, fragments) in [
        (
            "swap",
            &[
                "node 1 registered task function #0 as ",
                "node 0 as offset",
                "2 and 2 registered",
            ][..],
        ),
        (
            "extra",
            &[
                "node 2 registered task function #2 as ",
                "node 0 as nothing",
                "3 and 2 registered",
            ][..],
        ),
    ] {
        let r = mpirun(exe, 3, 1, &[mode], &[], T);
        let what = format!("registration_must_match {mode}");
        r.assert_failed(&what);
        assert!(
            !r.stdout.contains("registration_must_match: ok"),
            "{}",
            r.stdout
        );
        let lines = common::torc_lines(&r);
        assert_eq!(lines.len(), 1, "{what}: one line\n{}", r.stderr);
        assert!(lines[0].starts_with("torc: torc_init: "), "{}", lines[0]);
        for f in fragments {
            assert!(lines[0].contains(f), "{what}: `{f}` in {}", lines[0]);
        }
    }
}
