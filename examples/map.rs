//! `api::map(f, items, chunksize)` (torcpy's `map`): `f` over every item in chunks run as
//! tasks over all workers of the job, results in input order. Checks its own results: chunk
//! sizes 1, 7 and larger than the input, an empty input, a result type of its own (a
//! `#[repr(C)]` struct), a closure, a map run by a task on another node, and a map whose
//! chunks land on every node (each item's result says which node ran it). Prints the nodes
//! that ran chunks, then `map: ok`, on node 0. With `progress` as its argument it also runs
//! `map_with` a progress line at every chunk's end (on stderr).
//!
//! `mpirun -np 3 target/release/examples/map`

use std::collections::BTreeSet;
use torc::api::{self, Data, In, MapOptions, Place};

/// A result that says which node computed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
struct Tagged {
    value: u64,
    node: u64,
}

// SAFETY: two `u64`s: plain bytes, no pointers, valid for any bit pattern.
unsafe impl Data for Tagged {}

fn poly(x: &u64) -> u64 {
    x * x + 3 * x + 1
}

fn tagged(x: &u64) -> Tagged {
    Tagged {
        value: poly(x),
        node: api::node_id().expect("runs inside torc") as u64,
    }
}

/// A task that runs a map of its own, wherever it runs (a map needs only to be in a task).
fn nested_map(n: &u64) -> Vec<u64> {
    let items: Vec<u64> = (0..*n).collect();
    api::map(poly, &items, 3).expect("the nested map")
}

/// Checks `map(poly, items, chunk)` against the sequential computation.
fn check_poly(items: &[u64], chunk: usize) {
    let got = api::map(poly, items, chunk).expect("map");
    let want: Vec<u64> = items.iter().map(poly).collect();
    assert_eq!(got.len(), items.len(), "chunksize {chunk}: length");
    assert_eq!(got, want, "chunksize {chunk}: results in input order");
}

fn main() {
    api::run(|| {
        let workers = api::num_workers().unwrap();
        let nodes = api::num_nodes().unwrap();

        // Chunk sizes 1, 7 (the last chunk is short) and larger than the input; inputs that
        // are not in sorted order, so that input order is really checked.
        let items: Vec<u64> = (0..200u64).map(|i| (i * 7919) % 1009).collect();
        for chunk in [1, 7, items.len(), items.len() + 13] {
            check_poly(&items, chunk);
        }
        // A single item and an empty input.
        check_poly(&[42], 1);
        check_poly(&[42], 5);
        for chunk in [1, 7, 100] {
            let none: Vec<u64> = api::map(poly, &[], chunk).expect("empty map");
            assert!(none.is_empty(), "chunksize {chunk}: empty input");
        }

        // Other types, with a closure capturing nothing.
        let xs: Vec<f64> = (0..57).map(|i| i as f64 * 0.5 - 3.0).collect();
        let halves = api::map(|x: &f64| x / 2.0 + 1.0, &xs, 4).expect("map over f64");
        assert_eq!(halves, xs.iter().map(|x| x / 2.0 + 1.0).collect::<Vec<_>>());
        let pairs: Vec<[u32; 2]> = (0..33u32).map(|i| [i, 100 - i]).collect();
        let sums = api::map(|p: &[u32; 2]| p[0] + p[1], &pairs, 5).expect("map over arrays");
        assert!(sums.iter().all(|&s| s == 100));

        // A map run by a task on the last worker (another node when there are several).
        let last = Place::Worker(workers - 1);
        let remote = api::scope(|s| s.submit_at(last, nested_map, (In(&40u64),)).result())
            .expect("scope")
            .expect("the nested map's task");
        assert_eq!(remote, (0..40u64).map(|x| poly(&x)).collect::<Vec<_>>());

        // Chunks on every node: with inter-node stealing off, chunks placed round robin over
        // all workers reach every node once there are at least as many chunks as workers.
        api::set_stealing(false).unwrap();
        for (n, chunk) in [(workers, 1), (3 * workers, 1), (3 * workers, 3), (50, 2)] {
            let items: Vec<u64> = (0..n as u64).collect();
            let got = api::map(tagged, &items, chunk).expect("tagged map");
            let values: Vec<u64> = got.iter().map(|t| t.value).collect();
            assert_eq!(values, items.iter().map(poly).collect::<Vec<_>>());
            let ran: BTreeSet<u64> = got.iter().map(|t| t.node).collect();
            assert!(ran.iter().all(|&k| (k as usize) < nodes), "{ran:?}");
            let chunks = n.div_ceil(chunk);
            if chunks >= workers {
                assert_eq!(
                    ran,
                    (0..nodes as u64).collect::<BTreeSet<_>>(),
                    "{n} items in {chunks} chunks of {chunk} over {workers} workers"
                );
            }
            if (n, chunk) == (3 * workers, 3) {
                println!(
                    "map: {n} items in chunks of {chunk} ran on nodes {ran:?} of {nodes} \
                     ({workers} workers)"
                );
            }
        }
        // The same with stealing on: still every result, in order.
        api::set_stealing(true).unwrap();
        check_poly(&items, 2);
        api::set_stealing(false).unwrap();

        if std::env::args().nth(1).as_deref() == Some("progress") {
            // 200 items in chunks of 10, a line whenever the count of finished items moved.
            let items: Vec<u64> = (0..200).collect();
            let options = MapOptions {
                chunksize: 10,
                progress: Some(std::time::Duration::ZERO),
            };
            let got = api::map_with(poly, &items, options).expect("map with progress");
            assert_eq!(got, items.iter().map(poly).collect::<Vec<_>>());
        }
        println!("map: ok");
    })
    .unwrap();
}
