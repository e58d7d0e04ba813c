//! Futures: tasks that return values of any size, wherever they run. Checks its own results:
//! 8-byte values, vectors from 0 bytes to 64 MiB (large ones on the bulk path), strings,
//! owned inputs ([`Moved`]), nested futures three levels deep, callbacks that spawn, and
//! `as_completed`. Prints `futures: ok` on node 0.
//!
//! `mpirun -np 2 target/release/examples/futures`

use std::sync::atomic::{AtomicU64, Ordering};
use torc::api::{self, as_completed, In, Moved, Place};

fn square(x: &u64) -> u64 {
    x * x
}

fn filled(n: &usize) -> Vec<u8> {
    (0..*n).map(|i| (i % 251) as u8).collect()
}

fn greet(who: String) -> String {
    format!("hello {who} from node {}", api::node_id().unwrap())
}

fn sum_moved(v: Vec<f64>) -> f64 {
    v.iter().sum()
}

/// Level 1 submits level 2, which submits level 3: the sum of squares below `n`.
fn nested(n: &u64) -> u64 {
    if *n == 0 {
        return 0;
    }
    api::scope(|s| {
        let inner = s.submit(nested, (In(&(n - 1)),));
        let sq = s.submit(square, (In(n),));
        inner.result().unwrap() + sq.result().unwrap()
    })
    .unwrap()
}

static CALLBACKS: AtomicU64 = AtomicU64::new(0);

fn main() {
    api::run(|| {
        let workers = api::num_workers().unwrap();
        api::scope(|s| {
            // 8-byte results from every worker of the job.
            let fs: Vec<_> = (0..workers as u64)
                .map(|w| s.submit_at(Place::Worker(w as usize), square, (In(&(w + 3)),)))
                .collect();
            for (w, f) in fs.into_iter().enumerate() {
                let w = w as u64;
                assert_eq!(f.result().unwrap(), (w + 3) * (w + 3));
            }
            // Byte vectors from 0 bytes to 64 MiB, on the last worker (another node at np > 1).
            let last = Place::Worker(workers - 1);
            for n in [0usize, 1, 15, 16, 17, 4096, 65535, 65536, 1 << 20, 64 << 20] {
                let v = s.submit_at(last, filled, (In(&n),)).result().unwrap();
                assert_eq!(v.len(), n);
                assert!(
                    v.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
                    "{n} bytes"
                );
            }
            // Strings and owned inputs of any size.
            let g = s.submit_at(last, greet, (Moved("torc".to_string()),));
            let node = api::node_of_worker(workers - 1).unwrap();
            assert_eq!(g.result().unwrap(), format!("hello torc from node {node}"));
            let big: Vec<f64> = (0..(1 << 18)).map(|i| i as f64).collect();
            let want: f64 = big.iter().sum();
            assert_eq!(
                s.submit_at(last, sum_moved, (Moved(big),))
                    .result()
                    .unwrap(),
                want
            );
            // Futures nested three levels deep.
            assert_eq!(s.submit(nested, (In(&3u64),)).result().unwrap(), 9 + 4 + 1);
        })
        .unwrap();

        // Callbacks run on this node before the scope's wait returns; they may spawn.
        let mut doubled = vec![0u64; 8];
        api::scope(|s| {
            for (i, slot) in doubled.iter_mut().enumerate() {
                s.submit_then(square, (In(&(i as u64)),), move |f| {
                    let v = *f.get().unwrap();
                    assert_eq!(api::node_id(), Some(0));
                    *slot = api::scope(|inner| inner.submit(square, (In(&v),)).result().unwrap())
                        .unwrap();
                    CALLBACKS.fetch_add(1, Ordering::Relaxed);
                });
            }
        })
        .unwrap();
        assert_eq!(CALLBACKS.load(Ordering::Relaxed), 8);
        let want: Vec<u64> = (0..8u64).map(|i| i.pow(4)).collect();
        assert_eq!(doubled, want);

        // as_completed yields every handle once.
        api::scope(|s| {
            let fs: Vec<_> = (0..20u64).map(|i| s.submit(square, (In(&i),))).collect();
            let mut got: Vec<u64> = as_completed(fs).map(|f| f.result().unwrap()).collect();
            got.sort();
            assert_eq!(got, (0..20u64).map(|i| i * i).collect::<Vec<_>>());
        })
        .unwrap();
        println!("futures: ok");
    })
    .unwrap();
}
