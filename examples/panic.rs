//! A task that panics: used by the tests to check how a panic inside a task is reported.
//! The task goes to the last worker of the job, so at two or more ranks it panics on a node
//! other than 0 (inter-node stealing is off by default). Expected on stderr:
//! `torc: task panic::explode: panicked on node N: deliberate failure in task 42`, and the job
//! ends with a non-zero status.
//!
//! `mpirun -np 3 target/release/examples/panic`

use torc::api::{self, In, Out, Place};

fn explode(x: &u64, out: &mut u64) {
    if *x == 42 {
        panic!("deliberate failure in task {x}");
    }
    *out = *x;
}

fn main() {
    let r = api::run(|| {
        let last = api::num_workers().unwrap() - 1;
        let mut out = 0u64;
        api::scope(|s| {
            s.spawn_at(Place::Worker(last), explode, (In(&42u64), Out(&mut out)));
        })
        .unwrap();
        out
    });
    // Not reached: the panic stops the job.
    println!("panic: the job went on after a task panicked: {r:?}");
}
