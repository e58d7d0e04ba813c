//! Cost of a task with an 8-byte result in the Rust API: a future against an [`Out`]
//! argument, run by `benches/runner.rs` (which builds this target with `cargo build --bench
//! future_rust` and starts it under `mpirun -np 1`, workers from `TORC_WORKERS`; alone it does
//! nothing).
//!
//! * `future_rust submit [iterations] [reps] [budget_ms]`: each iteration opens a
//!   [`torc::api::scope`], creates a task with `s.submit(twice_plus_one, (In(&x),))` and takes
//!   its `u64` result with `.result()`.
//! * `future_rust spawn [iterations] [reps] [budget_ms]`: the same with
//!   `s.spawn(twice_plus_one_out, (In(&x), Out(&mut y)))`, `y` read once the scope has waited.
//!
//! Each repeats `reps` rounds of `iterations` tasks (a round also ends after `budget_ms`
//! milliseconds) after one warm-up round, checks every result, and prints the best and median
//! time per task in ns.

mod common;

use common::{in_torc, stats, Args};
use std::time::Instant;
use torc::api::{self, In, Out};

fn twice_plus_one(x: &u64) -> u64 {
    x * 2 + 1
}

fn twice_plus_one_out(x: &u64, y: &mut u64) {
    *y = x * 2 + 1;
}

/// Runs `one(i)` (one task, checked) up to `iters` times per round, `reps` rounds after a
/// warm-up; the times per task in ns and the fewest iterations a round ran.
fn rounds(
    iters: usize,
    reps: usize,
    budget_s: f64,
    mut one: impl FnMut(u64) -> Result<(), String>,
) -> Result<(Vec<f64>, usize), String> {
    let mut t = Vec::with_capacity(reps);
    let mut fewest = iters;
    for r in 0..=reps {
        let t0 = Instant::now();
        let mut i = 0;
        while i < iters {
            one(i as u64)?;
            i += 1;
            // Reading the clock every time would cost a good part of a task.
            if i % 64 == 0 && t0.elapsed().as_secs_f64() >= budget_s {
                break;
            }
        }
        if r > 0 {
            t.push(t0.elapsed().as_secs_f64() / i as f64 * 1e9);
            fewest = fewest.min(i);
        }
    }
    Ok((t, fewest))
}

fn bench(mode: &str, iters: usize, reps: usize, budget_s: f64) -> Result<(), String> {
    let submit = match mode {
        "submit" => true,
        "spawn" => false,
        _ => unreachable!(),
    };
    let (r, nodes, workers) = in_torc(|| {
        rounds(iters, reps, budget_s, |x| {
            let y = if submit {
                api::scope(|s| s.submit(twice_plus_one, (In(&x),)).result())
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?
            } else {
                let mut y = u64::MAX;
                api::scope(|s| s.spawn(twice_plus_one_out, (In(&x), Out(&mut y))))
                    .map_err(|e| e.to_string())?;
                y
            };
            if y == 2 * x + 1 {
                Ok(())
            } else {
                Err(format!("wrong result {y} for input {x}"))
            }
        })
    })?;
    let (mut t, fewest) = r?;
    let (best, median) = stats(&mut t);
    println!(
        "future_rust mode={mode} nodes={nodes} workers={workers} iterations={fewest} \
         reps={reps} best_ns={best:.2} median_ns={median:.2}"
    );
    Ok(())
}

fn main() {
    let args = Args::from_env();
    let (iters, reps, budget_ms) = (args.num(1, 200_000), args.num(2, 11), args.num(3, 500));
    let r = match args.mode() {
        Some(mode @ ("submit" | "spawn")) => {
            Some(bench(mode, iters, reps, budget_ms as f64 * 1e-3))
        }
        _ => None,
    };
    common::finish("future_rust", "submit, spawn", r);
}
