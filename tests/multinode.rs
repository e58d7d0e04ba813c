//! Multi-node execution: C programs on 1-4 MPI ranks with 1 and 2 workers, each under a
//! timeout, checking the values tasks computed, data written back, placement, and refusals.

mod common;

use common::{mpirun, mpmd, test_program, Part};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

#[test]
fn every_call_way_and_placement_at_1_to_4_ranks() {
    let exe = test_program("mn_args");
    for np in 1..=4 {
        for workers in 1..=2 {
            let r = mpirun(&exe, np, workers, &[], &[], T);
            r.assert_ok(&format!("mn_args at {np} ranks x {workers} workers"));
            let want = format!(
                "mn_args: nodes={np} workers={} tasks={} failures=0",
                np * workers,
                2 * np * workers + 3
            );
            assert!(
                r.stdout.contains(&want),
                "expected `{want}` in:\n{}",
                r.stdout
            );
        }
    }
}

#[test]
fn a_64_mib_ref_array_goes_out_and_comes_back() {
    let exe = test_program("mn_args");
    let r = mpirun(&exe, 2, 1, &["64"], &[], T);
    r.assert_ok("mn_args with a 64 MiB REF argument");
    assert!(
        r.stdout.contains("large array of 64 MiB ok"),
        "{}",
        r.stdout
    );
}

#[test]
fn ranks_may_run_different_worker_counts() {
    let exe = test_program("mn_args");
    let part = |np, env| Part {
        np,
        env,
        exe: &exe,
        args: &[],
    };
    let r = mpmd(
        &[
            part(1, &[("TORC_WORKERS", "2")]),
            part(2, &[("TORC_WORKERS", "1")]),
        ],
        T,
    );
    r.assert_ok("mn_args with 2+1+1 workers");
    assert!(
        r.stdout
            .contains("mn_args: nodes=3 workers=4 tasks=11 failures=0"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_direct_task_runs_while_every_worker_of_its_node_is_busy() {
    let exe = test_program("mn_direct");
    for (np, workers) in [(2, 1), (3, 2)] {
        let r = mpirun(&exe, np, workers, &[], &[], Duration::from_secs(60));
        r.assert_ok(&format!("mn_direct at {np} ranks x {workers} workers"));
        let want = format!(
            "{workers} busy workers on node {} released by a direct task on node {}: ok",
            np - 1,
            np - 1
        );
        assert!(
            r.stdout.contains(&want),
            "expected `{want}` in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn works_when_mpi_grants_only_thread_serialized() {
    let exe = test_program("mn_serialized");
    for np in [2, 3] {
        let r = mpirun(&exe, np, 2, &[], &[], T);
        r.assert_ok(&format!("mn_serialized at {np} ranks"));
        let want = format!("mn_serialized: level=serialized nodes={np} bad=0");
        assert!(
            r.stdout.contains(&want),
            "expected `{want}` in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn two_hundred_thousand_tasks_over_four_ranks() {
    let exe = test_program("mn_stress");
    let r = mpirun(&exe, 4, 1, &["200000"], &[], Duration::from_secs(300));
    r.assert_ok("mn_stress at 4 ranks");
    assert!(
        r.stdout
            .contains("mn_stress: tasks=200000 nodes=4 workers=4 bad=0"),
        "{}",
        r.stdout
    );
}

#[test]
fn stealing_spreads_work_and_stats_print_one_line_per_node() {
    let exe = test_program("mn_stress");
    let env = [("TORC_STEALING", "1"), ("TORC_STATS", "1")];
    let r = mpirun(&exe, 3, 2, &["30000"], &env, T);
    r.assert_ok("mn_stress with stealing at 3 ranks");
    assert!(
        r.stdout
            .contains("mn_stress: tasks=30000 nodes=3 workers=6 bad=0"),
        "{}",
        r.stdout
    );
    for n in 0..3 {
        let prefix = format!("torc stats: node {n}: created ");
        let lines = r.stderr.lines().filter(|l| l.starts_with(&prefix)).count();
        assert_eq!(lines, 1, "one stats line for node {n} in:\n{}", r.stderr);
    }
}

#[test]
fn different_executables_in_one_job_are_refused() {
    let (a, b) = (test_program("mn_stress"), test_program("mn_other"));
    let r = mpmd(
        &[
            Part {
                np: 1,
                env: &[],
                exe: &a,
                args: &["10"],
            },
            Part {
                np: 1,
                env: &[],
                exe: &b,
                args: &[],
            },
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
    let exe = test_program("mn_steal");
    for np in [2, 3, 4] {
        let r = mpirun(&exe, np, 1, &["60"], &[], Duration::from_secs(60));
        r.assert_ok(&format!("mn_steal at {np} ranks"));
        assert!(
            r.stdout
                .contains("mn_steal: tasks=60 stolen=60 bad=0 fetch_when_idle=0"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn fetch_work_steals_from_another_node() {
    let exe = test_program("mn_fetch");
    let r = mpirun(&exe, 2, 1, &[], &[], Duration::from_secs(60));
    r.assert_ok("mn_fetch at 2 ranks");
    assert!(
        r.stdout.contains("mn_fetch: fetched=1 ran=1 done=1"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stderr.contains("improperly") && !r.stderr.contains("without calling"),
        "{}",
        r.stderr
    );
}

#[test]
fn broadcast_of_shared_library_variables_and_tasks_defined_there() {
    let dir = common::scratch("mn_lib");
    let lib = dir.join("libmnlib.so");
    common::build_c(
        &[&common::root().join("tests/c/mn_lib.c")],
        &lib,
        &["-shared", "-fPIC"],
    );
    let exe = dir.join("mn_bcast_lib");
    let libdir = format!("-L{}", dir.display());
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    common::build_c(
        &[&common::root().join("tests/c/mn_bcast_lib.c")],
        &exe,
        &[&libdir, "-lmnlib", &rpath],
    );
    for (np, workers) in [(1, 2), (3, 1), (3, 2)] {
        let r = mpirun(&exe, np, workers, &[], &[], T);
        r.assert_ok(&format!("mn_bcast_lib at {np} ranks x {workers} workers"));
        let want = format!("mn_bcast_lib: nodes={np} workers={} bad=0", np * workers);
        assert!(
            r.stdout.contains(&want),
            "expected `{want}` in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn torc_init_from_another_thread_after_the_application_started_mpi() {
    let exe = test_program("mn_thread_init");
    for (np, workers) in [(1, 1), (2, 2), (3, 1)] {
        let r = mpirun(&exe, np, workers, &[], &[], T);
        r.assert_ok(&format!("mn_thread_init at {np} ranks x {workers} workers"));
        let want = format!("mn_thread_init: nodes={np} workers={} bad=0", np * workers);
        assert!(
            r.stdout.contains(&want),
            "expected `{want}` in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn tasks_placed_on_a_named_worker_run_on_its_node_with_stealing_on_and_off() {
    let exe = test_program("mn_placement");
    for (np, workers, stealing) in [(2, 1, "0"), (2, 2, "1"), (3, 1, "1"), (4, 1, "0")] {
        let r = mpirun(
            &exe,
            np,
            workers,
            &["60"],
            &[("TORC_STEALING", stealing)],
            T,
        );
        r.assert_ok(&format!(
            "mn_placement at {np} ranks x {workers} workers, TORC_STEALING={stealing}"
        ));
        let want = format!(
            "mn_placement: nodes={np} workers={} tasks=60 elsewhere: named=0 pinned=0 \
             named_off=0 pinned_off=0 rr_off=0",
            np * workers
        );
        assert!(
            r.stdout.contains(&want),
            "expected `{want}` in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn a_detached_task_sees_large_ptr_data_as_it_was_at_creation() {
    let exe = test_program("mn_detached_big");
    for np in [2, 3] {
        let r = mpirun(&exe, np, 1, &[], &[], T);
        r.assert_ok(&format!("mn_detached_big at {np} ranks"));
        assert!(
            r.stdout.contains("mn_detached_big: rounds=8 good=8"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn nodes_that_register_different_task_functions_are_refused() {
    let exe = test_program("mn_register");
    let r = mpirun(&exe, 3, 1, &["same"], &[], T);
    r.assert_ok("mn_register same");
    assert!(r.stdout.contains("mn_register: ok"), "{}", r.stdout);
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
        let r = mpirun(&exe, 3, 1, &[mode], &[], T);
        assert!(!r.timed_out, "mn_register {mode}: hung\n{}", r.stderr);
        assert!(
            r.code.is_some_and(|c| c != 0),
            "mn_register {mode}: {:?}\n{}",
            r.code,
            r.stderr
        );
        assert!(!r.stdout.contains("mn_register: ok"), "{}", r.stdout);
        let lines: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("torc: "))
            .collect();
        assert_eq!(lines.len(), 1, "mn_register {mode}: one line\n{}", r.stderr);
        assert!(lines[0].starts_with("torc: torc_init: "), "{}", lines[0]);
        for f in fragments {
            assert!(
                lines[0].contains(f),
                "mn_register {mode}: `{f}` in {}",
                lines[0]
            );
        }
    }
}
