//! TORC's queue order on one node: FIFO within a nesting level, deepest level first, and a
//! waiting task runs only deeper tasks on top of itself (tests/c/order.c checks the order it
//! observes and prints what differed).

mod common;

use common::{mpirun, run_plain, test_program};
use std::time::Duration;

#[test]
fn one_worker_runs_a_level_oldest_first_and_deeper_levels_first() {
    let exe = test_program("order");
    let t = Duration::from_secs(60);
    let r = run_plain(exe, &[], &[("TORC_WORKERS", "1")], t);
    r.assert_ok_with("order at 1 worker", "order: ok");
    let r = mpirun(exe, 1, 1, &[], &[], t);
    r.assert_ok_with("order under mpirun -np 1", "order: ok");
}
