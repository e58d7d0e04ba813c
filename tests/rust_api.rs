//! The Rust API without a running runtime (this process never starts MPI): every call that
//! needs the runtime is refused with an `Error` instead of stopping the process.

use torc::api::{self, Builder, Error, In, Place};

fn noop(_x: &u32) {}

#[test]
fn scope_outside_run_is_refused() {
    assert_eq!(api::scope(|_| 1), Err(Error::NotRunning));
}

#[test]
fn runtime_calls_outside_run_are_refused() {
    assert_eq!(api::set_stealing(true), Err(Error::NotRunning));
    assert_eq!(api::reset_statistics(), Err(Error::NotRunning));
    assert_eq!(api::statistics(), Err(Error::NotRunning));
    assert_eq!(api::wait_all(), Err(Error::NotInTask));
}

#[test]
#[should_panic(expected = "torc::spawn_detached: the torc runtime is not running")]
fn spawning_outside_run_is_a_programming_error() {
    api::spawn_detached(Place::Any, noop, (In(&1u32),));
}

#[test]
fn join_outside_run_runs_both_here() {
    assert_eq!(api::join(|| 1 + 1, || "b"), (2, "b"));
}

#[test]
fn ids_outside_run_are_none() {
    assert_eq!(api::node_id(), None);
    assert_eq!(api::num_nodes(), None);
    assert_eq!(api::worker_id(), None);
    assert_eq!(api::num_workers(), None);
    assert_eq!(api::local_workers(), None);
    assert_eq!(api::level(), None);
}

#[test]
fn bad_worker_counts_are_refused_before_starting() {
    assert!(matches!(
        Builder::new().workers(0).run(|| ()),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Builder::new().workers(1 << 20).run(|| ()),
        Err(Error::Config(_))
    ));
}

#[test]
fn errors_describe_themselves() {
    assert_eq!(
        Error::NotRunning.to_string(),
        "the torc runtime is not running"
    );
    assert_eq!(
        Error::NoSuchWorker {
            worker: 5,
            workers: 4
        }
        .to_string(),
        "worker 5 does not exist (the job has 4 workers)"
    );
}
