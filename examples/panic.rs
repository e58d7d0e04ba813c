//! A task that panics: its failure reaches the task that waits for it, which decides. The
//! task goes to the last worker of the job, so at two or more ranks it panics on a node other
//! than 0 (inter-node stealing is off by default). Its scope returns `Error::Task`; this
//! program prints it on stderr as
//! `panic: task panic::explode panicked on node N worker W (level 1): deliberate failure in task 42`
//! and, deciding that the job failed, exits with status 3 once the runtime has shut down.
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
    // The task's panic is caught by the runtime; keep the default hook's report off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let r = api::run(|| {
        let last = api::num_workers().unwrap() - 1;
        let mut out = 0u64;
        api::scope(|s| {
            s.spawn_at(Place::Worker(last), explode, (In(&42u64), Out(&mut out)));
        })
    })
    .unwrap();
    match r {
        Err(e) => {
            eprintln!("panic: {e}");
            std::process::exit(3);
        }
        Ok(()) => println!("panic: the task's failure was lost"),
    }
}
