//! A global table shared with every node: node 0 fills `static TABLE`, `api::broadcast` copies
//! it to the same static on every other node, then one task per worker of the job
//! (`Place::Worker(g)`) reads `TABLE.get()` and returns a checksum. Done twice with different
//! values, so that a stale copy from the first round would be caught.
//!
//! `mpirun -np 3 target/release/examples/broadcast`

use torc::api::{self, Global, In, Out, Place};

static TABLE: Global<[f64; 16]> = Global::new([0.0; 16]);

fn table(round: u32) -> [f64; 16] {
    let mut t = [0.0; 16];
    for (i, v) in t.iter_mut().enumerate() {
        *v = (round as f64 + 1.0) * 1.5 + i as f64 * 0.25 + (i * i) as f64 / 7.0;
    }
    t
}

fn checksum(t: &[f64; 16]) -> f64 {
    t.iter()
        .enumerate()
        .map(|(i, v)| (i as f64 + 1.0) * v)
        .sum()
}

/// The task: the checksum of this node's copy of the table, and where it ran.
fn read_table(worker: &u64, sum: &mut f64, seen: &mut [u64; 3]) {
    let t = TABLE.get();
    *sum = checksum(&t);
    *seen = [
        *worker,
        api::node_id().expect("runs inside torc") as u64,
        api::worker_id().expect("runs on a worker") as u64,
    ];
}

fn main() {
    let r = api::run(|| {
        let workers = api::num_workers().unwrap();
        let mut rounds = Vec::new();
        for round in 0..2u32 {
            TABLE.set(table(round));
            api::broadcast(&TABLE).unwrap();
            let mut sums = vec![0.0f64; workers];
            let mut seen = vec![[0u64; 3]; workers];
            api::scope(|s| {
                for (g, (sum, seen)) in sums.iter_mut().zip(seen.iter_mut()).enumerate() {
                    s.spawn_at(
                        Place::Worker(g),
                        read_table,
                        (In(&(g as u64)), Out(sum), Out(seen)),
                    );
                }
            })
            .unwrap();
            rounds.push((sums, seen));
        }
        (rounds, api::num_nodes().unwrap(), workers)
    })
    .expect("torc runs");
    let (rounds, nodes, workers) = r;

    let mut bad = 0;
    for (round, (sums, seen)) in rounds.iter().enumerate() {
        let want = checksum(&table(round as u32));
        let mut covered = vec![false; nodes];
        for g in 0..workers {
            let [w, node, _worker] = seen[g];
            if sums[g].to_bits() != want.to_bits() || w != g as u64 {
                bad += 1;
                eprintln!(
                    "broadcast: round {round} worker {g}: checksum {} on node {node} (task for \
                     worker {w}), expected {want}",
                    sums[g]
                );
            }
            match covered.get_mut(node as usize) {
                Some(c) => *c = true,
                None => {
                    bad += 1;
                    eprintln!("broadcast: round {round} worker {g}: node {node} of {nodes}");
                }
            }
        }
        // Stealing is off by default: a task for worker `g` runs on `g`'s node, so every node
        // ran at least one (unless TORC_STEALING turned stealing on).
        let stealing = std::env::var_os("TORC_STEALING").is_some();
        if !stealing && covered.iter().any(|c| !c) {
            bad += 1;
            eprintln!("broadcast: round {round}: some node ran no task: {covered:?}");
        }
        println!("broadcast: round {round}: {workers} tasks on {nodes} nodes read checksum {want}");
    }
    println!("broadcast: {nodes} nodes x {workers} workers: bad={bad}");
    if bad != 0 {
        eprintln!("broadcast: FAIL");
        std::process::exit(1);
    }
}
