//! Embedding torc in another program's start-up and end (what the Python package does):
//! `Builder::init` starts the runtime and returns on every node, node 0 creates tasks from
//! its primary task with the free `api::submit` / `api::submit_then` (handles that outlive
//! any scope), reads them in completion order through `Arc`s, and ends the job with
//! `api::finalize`; the other nodes `api::serve` until then. Every process goes on after the
//! end and says so.
//!
//! Run: `mpirun -np 3 target/debug/examples/embedded` (prints `embedded: ok` on node 0 and
//! `embedded: node N goes on after the end` on each node).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use torc::api::{self, Moved, Place, Role};

/// `(node that ran it, x * x)`.
fn square(x: u64) -> [u64; 2] {
    [api::node_id().unwrap() as u64, x * x]
}

fn main() {
    let role = api::Builder::new().init().expect("init");
    let node = api::node_id().expect("running");
    match role {
        Role::Server => {
            assert_ne!(node, 0);
            api::serve().expect("serve");
            assert!(api::serve().is_err(), "a second serve has nothing to serve");
        }
        Role::Primary => {
            assert_eq!(node, 0);
            assert!(api::serve().is_err(), "node 0 does not serve");
            let n = 8 * api::num_workers().unwrap() as u64;
            let futures: Vec<Arc<api::Future<[u64; 2]>>> = (0..n)
                .map(|x| Arc::new(api::submit(Place::Any, square, (Moved(x),))))
                .collect();
            let mut seen = vec![false; n as usize];
            let mut nodes = std::collections::BTreeSet::new();
            for f in api::as_completed(futures.clone()) {
                let [ran, sq] = *f.get().expect("a result");
                let x = (sq as f64).sqrt() as usize;
                assert_eq!((x * x) as u64, sq);
                assert!(!seen[x], "{x} completed twice");
                seen[x] = true;
                nodes.insert(ran);
            }
            assert!(seen.iter().all(|s| *s), "every task completed once");
            assert_eq!(
                nodes.len(),
                api::num_nodes().unwrap(),
                "round robin reached every node"
            );
            let calls = Arc::new(AtomicUsize::new(0));
            let sum = Arc::new(AtomicUsize::new(0));
            for x in 0..n {
                let (calls, sum) = (calls.clone(), sum.clone());
                let f = api::submit_then(Place::Any, square, (Moved(x),), move |f| {
                    assert_eq!(
                        api::node_id(),
                        Some(0),
                        "callbacks run on the creating node"
                    );
                    sum.fetch_add(f.get().unwrap()[1] as usize, Ordering::Relaxed);
                    calls.fetch_add(1, Ordering::Relaxed);
                });
                drop(f);
            }
            api::wait_all().expect("no failure");
            let want: u64 = (0..n).map(|x| x * x).sum();
            assert_eq!(calls.load(Ordering::Relaxed) as u64, n);
            assert_eq!(sum.load(Ordering::Relaxed) as u64, want);
            drop(futures);
            api::finalize().expect("finalize");
            assert_eq!(
                api::finalize(),
                Err(api::Error::NotRunning),
                "the end is once"
            );
            println!("embedded: ok ({n} tasks on {} nodes)", nodes.len());
        }
    }
    assert_eq!(api::node_id(), None, "the runtime has ended");
    println!("embedded: node {node} goes on after the end");
}
