//! Any serde type as a task's input and result (cargo feature `serde`): a map moved into
//! tasks on every worker of the job and a struct-like tuple back, checked on node 0. Prints
//! `serde_values: ok`.
//!
//! `cargo build --features serde --example serde_values`,
//! `mpirun -np 2 target/debug/examples/serde_values`

use std::collections::BTreeMap;
use torc::api::{self, Moved, Place, Serde};

type Inventory = BTreeMap<String, Vec<u32>>;

/// Totals per key, and the node that computed them.
fn totals(inv: Serde<Inventory>) -> Serde<(BTreeMap<String, u64>, usize)> {
    let t = inv
        .0
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(|&x| x as u64).sum()))
        .collect();
    Serde((t, api::node_id().unwrap()))
}

fn main() {
    api::run(|| {
        let workers = api::num_workers().unwrap();
        let inv: Inventory = (0..50)
            .map(|i| (format!("item{i}"), (0..i).collect()))
            .collect();
        let want: BTreeMap<String, u64> = inv
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|&x| x as u64).sum()))
            .collect();
        api::scope(|s| {
            let fs: Vec<_> = (0..workers)
                .map(|w| s.submit_at(Place::Worker(w), totals, (Moved(Serde(inv.clone())),)))
                .collect();
            for (w, f) in fs.into_iter().enumerate() {
                let Serde((t, node)) = f.result().unwrap();
                assert_eq!(t, want, "worker {w}");
                assert_eq!(Some(node), api::node_of_worker(w));
            }
        })
        .unwrap();
        println!("serde_values: ok");
    })
    .unwrap();
}
