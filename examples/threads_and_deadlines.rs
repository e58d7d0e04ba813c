//! Tasks created by threads that run no task, and waits that end at a deadline. Checks its
//! own results and prints `threads_and_deadlines: ok` on node 0:
//!
//! * threads the primary task starts submit tasks ([`api::submit`] outside any task: the node
//!   counts them) and wait for their results, at every node count;
//! * [`api::Future::park_until`] and [`api::Future::wait_timeout`] give up at their deadline
//!   while a task waits for a flag, and return true once it can finish;
//!   [`api::AsCompleted::next_until`] and [`api::wait_all_until`] the same;
//! * with [`api::CallerWorker::ExtraOnNode0`] node 0 has one worker more than the others.
//!
//! `mpirun -np 2 target/release/examples/threads_and_deadlines`

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use torc::api::{self, CallerWorker, Moved, Place};

fn square(x: u64) -> u64 {
    x * x
}

fn node() -> u64 {
    api::node_id().unwrap() as u64
}

/// Set by the primary task once the gated tasks may finish.
static OPEN: AtomicBool = AtomicBool::new(false);

/// Returns `x` once `OPEN` is set (on node 0, where the flag is set).
fn gated(x: u64) -> u64 {
    let t0 = Instant::now();
    while !OPEN.load(Ordering::Acquire) {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the gate never opened"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    x
}

fn main() {
    let b = api::Builder::new().caller(CallerWorker::ExtraOnNode0);
    let asked = std::env::var("TORC_WORKERS")
        .ok()
        .and_then(|w| w.parse::<usize>().ok())
        .unwrap_or(1);
    b.run(|| {
        let (nodes, workers) = (api::num_nodes().unwrap(), api::num_workers().unwrap());
        assert_eq!(api::local_workers(), Some(asked + 1), "node 0: one extra");
        assert_eq!(
            workers,
            nodes * asked + 1,
            "one extra worker in the whole job"
        );

        // Threads that run no task submit and wait.
        let per = 4 * workers as u64;
        let results: Vec<Vec<(u64, u64)>> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..3u64)
                .map(|t| {
                    sc.spawn(move || {
                        assert!(api::level().is_none(), "a plain thread runs no task");
                        let fs: Vec<_> = (0..per)
                            .map(|i| api::submit(Place::Any, square, (Moved(t * 1000 + i),)))
                            .collect();
                        let on: Vec<_> = (0..workers)
                            .map(|w| api::submit(Place::Worker(w), node, ()))
                            .collect();
                        let sq = fs.into_iter().map(|f| f.result().unwrap());
                        let on = on.into_iter().map(|f| f.result().unwrap());
                        sq.zip(on.chain(std::iter::repeat(0))).collect()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (t, r) in results.iter().enumerate() {
            let t = t as u64;
            for (i, (sq, _)) in r.iter().enumerate() {
                let x = t * 1000 + i as u64;
                assert_eq!(*sq, x * x);
            }
            let reached: std::collections::BTreeSet<u64> =
                r.iter().take(workers).map(|(_, n)| *n).collect();
            assert_eq!(reached.len(), nodes, "a thread's tasks reached every node");
        }

        // Deadlines: a task on node 0 that waits for OPEN.
        let g = api::submit(Place::Worker(1), gated, (Moved(7u64),));
        let soon = Some(Instant::now() + Duration::from_millis(20));
        assert!(
            !g.park_until(soon, &mut || false),
            "parked past a gated task"
        );
        assert!(
            !g.wait_timeout(Duration::ZERO),
            "a zero timeout waits for nothing"
        );
        let mut asked_stop = 0;
        let stopped = g.park_until(None, &mut || {
            asked_stop += 1;
            asked_stop > 3
        });
        assert!(!stopped && asked_stop > 3, "stop() ends the wait");
        let mut pending = api::as_completed(vec![g]);
        assert_eq!(
            pending
                .next_until(Some(Instant::now()), &mut || false)
                .err(),
            Some(api::Stopped)
        );
        let child = api::submit(Place::Worker(1), gated, (Moved(8u64),));
        assert_eq!(
            api::wait_all_until(Some(Instant::now()), &mut || false).ok(),
            Some(false),
            "wait_all_until gives up while a child waits"
        );
        OPEN.store(true, Ordering::Release);
        let g = pending
            .next_until(None, &mut || false)
            .unwrap()
            .expect("the gated task");
        assert_eq!(g.result().unwrap(), 7);
        assert!(child.wait_timeout(Duration::from_secs(60)));
        assert_eq!(child.result().unwrap(), 8);
        assert_eq!(api::wait_all_until(None, &mut || false).ok(), Some(true));
        println!("threads_and_deadlines: ok ({nodes} nodes, {workers} workers)");
    })
    .expect("run");
}
