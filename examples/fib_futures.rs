//! Recursive Fibonacci with futures (the torcpy paper's Listing 1): above the cut-off each
//! call submits two tasks (`s.submit`, anywhere in the job), waits for its children and adds
//! their results; below it, it computes sequentially. Then the same with `api::join` (two
//! closures, potentially in parallel on this node's workers), on node 0 and inside tasks
//! placed on every worker. Checked against a sequential fib; prints `fib_futures: ok` on
//! node 0.
//!
//! `mpirun -np 2 target/release/examples/fib_futures [N [CUTOFF]]` (default 25 and 15)

use torc::api::{self, In, Place};

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

/// Listing 1: tasks above the cut-off, sequential below it.
fn fib(n: &u32, cutoff: &u32) -> u64 {
    let n = *n;
    if n < 2 {
        return n as u64;
    }
    if n < *cutoff {
        return fib_seq(n - 1) + fib_seq(n - 2);
    }
    api::scope(|s| {
        let task1 = s.submit(fib, (In(&(n - 1)), In(cutoff)));
        let task2 = s.submit(fib, (In(&(n - 2)), In(cutoff)));
        // torcpy.wait(): all children of this task.
        api::wait_all().expect("children of fib");
        assert!(
            task1.is_done() && task2.is_done(),
            "wait_all waited for both"
        );
        task1.result().unwrap() + task2.result().unwrap()
    })
    .unwrap()
}

/// The same recursion with `api::join`.
fn fib_join(n: u32, cutoff: u32) -> u64 {
    if n < cutoff.max(2) {
        return fib_seq(n);
    }
    let (a, b) = api::join(|| fib_join(n - 1, cutoff), || fib_join(n - 2, cutoff));
    a + b
}

/// A task running the `join` version wherever it is placed; returns the node too.
fn fib_join_task(n: &u32, cutoff: &u32) -> [u64; 2] {
    [
        fib_join(*n, *cutoff),
        api::node_id().expect("runs inside torc") as u64,
    ]
}

fn arg(i: usize, default: u32) -> u32 {
    std::env::args()
        .nth(i)
        .map(|a| a.parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let (n, cutoff) = (arg(1, 25), arg(2, 15));
    api::run(|| {
        let want = fib_seq(n);
        let nodes = api::num_nodes().unwrap();
        let workers = api::num_workers().unwrap();

        // Listing 1, called by the primary task.
        assert_eq!(fib(&n, &cutoff), want, "fib({n}) with futures");
        // Submitted as a task itself, and with cut-offs at both ends.
        let (a, b, c) = api::scope(|s| {
            let a = s.submit(fib, (In(&n), In(&cutoff)));
            let b = s.submit(fib, (In(&12u32), In(&2u32)));
            let c = s.submit(fib, (In(&n), In(&(n + 1))));
            (a.result(), b.result(), c.result())
        })
        .unwrap();
        assert_eq!(a.unwrap(), want);
        assert_eq!(b.unwrap(), fib_seq(12));
        assert_eq!(c.unwrap(), want);

        // join, on node 0, then inside a task on every worker of the job.
        assert_eq!(fib_join(n, cutoff), want, "fib({n}) with join");
        let m = n.saturating_sub(3);
        let got = api::scope(|s| {
            let fs: Vec<_> = (0..workers)
                .map(|w| s.submit_at(Place::Worker(w), fib_join_task, (In(&m), In(&cutoff))))
                .collect();
            fs.into_iter()
                .map(|f| f.result().unwrap())
                .collect::<Vec<_>>()
        })
        .unwrap();
        for r in &got {
            assert_eq!(r[0], fib_seq(m), "fib({m}) with join in a task");
            assert!((r[1] as usize) < nodes);
        }

        println!(
            "fib_futures: fib({n}) = {want} (cut-off {cutoff}) on {nodes} nodes x {workers} \
             workers"
        );
        println!("fib_futures: ok");
    })
    .unwrap();
}
