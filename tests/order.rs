//! TORC's queue order on one node: FIFO within a nesting level, deepest level first, and a
//! waiting task runs only deeper tasks on top of itself (tests/c/order.c checks the order it
//! observes and prints what differed).

mod common;

use common::{mpirun, run_plain, test_program};
use std::time::Duration;

#[test]
fn one_worker_runs_a_level_oldest_first_and_deeper_levels_first() {
    let exe = test_program("order");
    let r = run_plain(&exe, &[], &[("TORC_WORKERS", "1")], Duration::from_secs(60));
    r.assert_ok("order at 1 worker");
    assert!(r.stdout.contains("order: ok"), "{}", r.stdout);
    let r = mpirun(&exe, 1, 1, &[], &[], Duration::from_secs(60));
    r.assert_ok("order under mpirun -np 1");
    assert!(r.stdout.contains("order: ok"), "{}", r.stdout);
}
