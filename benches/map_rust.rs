//! `torc::api::map` over many trivial items beside rayon's `par_iter().map().collect()`, run
//! by `benches/runner.rs` (which builds this target with `cargo build --bench map_rust` and
//! starts it; alone it does nothing).
//!
//! * `map_rust chunkC [items] [reps]` (under `mpirun -np 1`, workers from `TORC_WORKERS`):
//!   the primary task calls `api::map(|x: &u64| x * 2 + 1, &items, C)`.
//! * `map_rust rayon [items] [reps]` (threads from `RAYON_NUM_THREADS`):
//!   `items.par_iter().map(|x| x * 2 + 1).collect::<Vec<_>>()`, from inside the pool.
//!
//! The items are `0..items` as `u64`. Each repeats `reps` rounds after one warm-up round,
//! checks every result, and prints the best and median time per item in ns.

mod common;

use common::{in_torc, rayon_pool, stats, Args};
use rayon::prelude::*;
use std::time::Instant;

/// Runs `round` (one map over `items`) `reps` times after a warm-up, checking each output
/// (outside the timed part); the times per item in ns.
fn rounds(
    items: &[u64],
    reps: usize,
    mut round: impl FnMut(&[u64]) -> Result<Vec<u64>, String>,
) -> Result<Vec<f64>, String> {
    let mut t = Vec::with_capacity(reps);
    for r in 0..=reps {
        let t0 = Instant::now();
        let out = round(items)?;
        let dt = t0.elapsed().as_secs_f64();
        if out.len() != items.len() {
            return Err(format!("{} results for {} items", out.len(), items.len()));
        }
        if let Some(i) = (0..items.len()).find(|&i| out[i] != items[i] * 2 + 1) {
            return Err(format!("wrong result {} for item {}", out[i], items[i]));
        }
        if r > 0 {
            t.push(dt / items.len() as f64 * 1e9);
        }
    }
    Ok(t)
}

fn torc_mode(chunksize: usize, items: &[u64], reps: usize) -> Result<(), String> {
    let (t, nodes, workers) = in_torc(|| {
        rounds(items, reps, |xs| {
            torc::api::map(|x: &u64| x * 2 + 1, xs, chunksize).map_err(|e| e.to_string())
        })
    })?;
    let (best, median) = stats(&mut t?);
    println!(
        "map_rust mode=torc chunksize={chunksize} nodes={nodes} workers={workers} items={} \
         reps={reps} best_ns={best:.3} median_ns={median:.3}",
        items.len()
    );
    Ok(())
}

fn rayon_mode(items: &[u64], reps: usize) -> Result<(), String> {
    let (pool, threads) = rayon_pool()?;
    let t = pool.install(|| {
        rounds(items, reps, |xs| {
            Ok(xs.par_iter().map(|x| x * 2 + 1).collect::<Vec<u64>>())
        })
    });
    let (best, median) = stats(&mut t?);
    println!(
        "map_rust mode=rayon threads={threads} items={} reps={reps} best_ns={best:.3} \
         median_ns={median:.3}",
        items.len()
    );
    Ok(())
}

fn main() {
    let args = Args::from_env();
    let (n, reps) = (args.num(1, 100_000), args.num(2, 11));
    let items: Vec<u64> = (0..n as u64).collect();
    let mode = args.mode();
    let chunksize = mode
        .and_then(|m| m.strip_prefix("chunk"))
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&c| c > 0);
    let r = match (mode, chunksize) {
        (_, Some(c)) => Some(torc_mode(c, &items, reps)),
        (Some("rayon"), _) => Some(rayon_mode(&items, reps)),
        _ => None,
    };
    let modes = "chunkC for torc::api::map with chunksize C, rayon";
    common::finish("map_rust", modes, r);
}
