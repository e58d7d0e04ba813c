//! An uneven workload with inter-node stealing: every task is created by node 0's primary task
//! and placed round-robin (`Place::Any`), with lengths that differ by orders of magnitude
//! (deterministic pseudo-random integer work, no sleeping), so nodes that finish their share
//! early steal from the others. (A task placed on a named worker, `Place::Worker(g)`, would
//! stay on that worker's node: no steal moves it.) Each
//! task returns its result and the node that ran it; the results are checked against a
//! sequential computation, and the per-node task counts are printed (balance is not checked).
//!
//! `mpirun -np 3 target/release/examples/uneven [tasks] [scale]`

use torc::api::{self, In, Out, Place};

/// A small deterministic generator (xorshift64*).
fn next(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// The busy work: `len` rounds of integer mixing from `seed`.
fn busy(seed: u64, len: u64) -> u64 {
    let mut s = seed | 1;
    let mut acc = 0u64;
    for _ in 0..len {
        acc = acc.rotate_left(5) ^ next(&mut s);
    }
    acc
}

/// The task: its work and the node it ran on.
fn work(seed: &u64, len: &u64, result: &mut u64, node: &mut u64) {
    *result = busy(*seed, *len);
    *node = api::node_id().expect("runs inside torc") as u64;
}

/// Task lengths: powers of two times `scale`, from `scale` to `1024 * scale` rounds.
fn lengths(tasks: usize, scale: u64) -> Vec<(u64, u64)> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..tasks)
        .map(|_| {
            let seed = next(&mut s);
            let len = scale << (next(&mut s) % 11);
            (seed, len)
        })
        .collect()
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let tasks = args.first().copied().unwrap_or(64) as usize;
    let scale = args.get(1).copied().unwrap_or(200);
    let jobs = lengths(tasks, scale);

    let r = api::Builder::new()
        .stealing(true)
        .run(|| {
            let mut results = vec![0u64; tasks];
            let mut nodes = vec![u64::MAX; tasks];
            api::scope(|s| {
                for ((&(seed, len), r), n) in
                    jobs.iter().zip(results.iter_mut()).zip(nodes.iter_mut())
                {
                    s.spawn_at(Place::Any, work, (In(&seed), In(&len), Out(r), Out(n)));
                }
            })
            .unwrap();
            (
                results,
                nodes,
                api::num_nodes().unwrap(),
                api::num_workers().unwrap(),
            )
        })
        .expect("torc runs");
    let (results, nodes, num_nodes, workers) = r;

    let mut bad = 0;
    let mut per_node = vec![0usize; num_nodes];
    for (i, &(seed, len)) in jobs.iter().enumerate() {
        let want = busy(seed, len);
        if results[i] != want {
            bad += 1;
            eprintln!(
                "uneven: task {i} (len {len}): got {:#x}, expected {want:#x}",
                results[i]
            );
        }
        match per_node.get_mut(nodes[i] as usize) {
            Some(c) => *c += 1,
            None => {
                bad += 1;
                eprintln!("uneven: task {i} reports node {} of {num_nodes}", nodes[i]);
            }
        }
    }
    let total: u64 = jobs.iter().map(|j| j.1).sum();
    let counts: Vec<String> = per_node
        .iter()
        .enumerate()
        .map(|(n, c)| format!("node {n}: {c}"))
        .collect();
    println!("uneven: tasks per node: {}", counts.join(", "));
    println!(
        "uneven: {tasks} tasks ({total} rounds) on {num_nodes} nodes x {workers} workers: bad={bad}"
    );
    if bad != 0 {
        eprintln!("uneven: FAIL");
        std::process::exit(1);
    }
}
