//! Empty-task cost of the Rust API beside rayon, run by `benches/runner.rs` (which builds this
//! target with `cargo build --bench empty_rust` and starts it; alone it does nothing).
//!
//! * `empty_rust torc [tasks] [reps]` (under `mpirun -np 1`, workers from `TORC_WORKERS`): the
//!   primary task opens a [`torc::api::scope`] and creates `tasks` empty tasks with
//!   `s.spawn(empty, ())`; the scope waits for them.
//! * `empty_rust rayon [tasks] [reps]` (threads from `RAYON_NUM_THREADS`): the same with
//!   `rayon::scope` and `s.spawn(|_| empty())`, from inside the pool.
//!
//! * `empty_rust torc-cop1|torc-args4|rayon-cop1|rayon-args4 [tasks] [reps]`: tasks with
//!   arguments, as `benches/c/args_torc.c`: one copied `i32` (`In(&i)`; rayon: a `move`
//!   closure capturing it), or a copied `i32`, copied `[f64; 3]`, a borrowed `f64` and an
//!   output `f64` per task (`In`, `In`, `Borrow`, `Out`; rayon: captured copies, a shared
//!   reference and a disjoint `&mut` from `chunks_mut`), checked after the last round.
//!
//! Each repeats `reps` rounds after one warm-up round and prints the best and median time per
//! task in ns.

mod common;

use common::{in_torc, rayon_pool, stats, Args};
use std::time::Instant;
use torc::api::{Borrow, In, Out};

#[inline(never)]
fn empty() {
    std::hint::black_box(());
}

/// Runs `round` (which creates and waits for `tasks` tasks) `reps` times after a warm-up; the
/// times per task in ns.
fn rounds(tasks: usize, reps: usize, mut round: impl FnMut()) -> Vec<f64> {
    let mut t = Vec::with_capacity(reps);
    for r in 0..=reps {
        let t0 = Instant::now();
        round();
        if r > 0 {
            t.push(t0.elapsed().as_secs_f64() / tasks as f64 * 1e9);
        }
    }
    t
}

fn torc_mode(tasks: usize, reps: usize) -> Result<(), String> {
    let (mut t, nodes, workers) = in_torc(|| {
        rounds(tasks, reps, || {
            torc::api::scope(|s| {
                for _ in 0..tasks {
                    s.spawn(empty, ());
                }
            })
            .expect("scope");
        })
    })?;
    let (best, median) = stats(&mut t);
    println!(
        "empty_rust mode=torc nodes={nodes} workers={workers} tasks={tasks} reps={reps} \
         best_ns={best:.2} median_ns={median:.2}"
    );
    Ok(())
}

#[inline(never)]
fn cop1(i: &i32) {
    std::hint::black_box(*i);
}

#[inline(never)]
fn args4(i: &i32, v: &[f64; 3], r: &[f64], out: &mut f64) {
    *out = *i as f64 * v[0] + v[1] + v[2] + r[0];
}

/// Checks the outputs of the `args4` rounds.
fn check_args4(res: &[f64]) -> Result<(), String> {
    match res
        .iter()
        .enumerate()
        .find(|(i, &x)| x != *i as f64 * 0.5 + 3.25)
    {
        Some((i, x)) => Err(format!("res[{i}] = {x}")),
        None => Ok(()),
    }
}

fn torc_args_mode(four: bool, tasks: usize, reps: usize) -> Result<(), String> {
    let ((mut t, checked), nodes, workers) = in_torc(|| {
        let v = [0.5, 1.0, 2.0];
        let r = [0.25];
        let mut res = vec![0.0f64; tasks];
        let t = rounds(tasks, reps, || {
            torc::api::scope(|s| {
                if four {
                    for (i, out) in res.iter_mut().enumerate() {
                        let i = i as i32;
                        s.spawn(args4, (In(&i), In(&v), Borrow(&r[..]), Out(out)));
                    }
                } else {
                    for i in 0..tasks as i32 {
                        s.spawn(cop1, (In(&i),));
                    }
                }
            })
            .expect("scope");
        });
        let checked = if four { check_args4(&res) } else { Ok(()) };
        (t, checked)
    })?;
    checked?;
    let (best, median) = stats(&mut t);
    let mode = if four { "torc-args4" } else { "torc-cop1" };
    println!(
        "empty_rust mode={mode} nodes={nodes} workers={workers} tasks={tasks} reps={reps} \
         best_ns={best:.2} median_ns={median:.2}"
    );
    Ok(())
}

fn rayon_args_mode(four: bool, tasks: usize, reps: usize) -> Result<(), String> {
    let (pool, threads) = rayon_pool()?;
    let v = [0.5, 1.0, 2.0];
    let r = [0.25];
    let mut res = vec![0.0f64; tasks];
    let mut t = pool.install(|| {
        rounds(tasks, reps, || {
            rayon::scope(|s| {
                if four {
                    let r = &r;
                    for (i, out) in res.iter_mut().enumerate() {
                        let i = i as i32;
                        s.spawn(move |_| args4(&i, &v, r, out));
                    }
                } else {
                    for i in 0..tasks as i32 {
                        s.spawn(move |_| cop1(&i));
                    }
                }
            })
        })
    });
    if four {
        check_args4(&res)?;
    }
    let (best, median) = stats(&mut t);
    let mode = if four { "rayon-args4" } else { "rayon-cop1" };
    println!(
        "empty_rust mode={mode} threads={threads} tasks={tasks} reps={reps} \
         best_ns={best:.2} median_ns={median:.2}"
    );
    Ok(())
}

fn rayon_mode(tasks: usize, reps: usize) -> Result<(), String> {
    let (pool, threads) = rayon_pool()?;
    let mut t = pool.install(|| {
        rounds(tasks, reps, || {
            rayon::scope(|s| {
                for _ in 0..tasks {
                    s.spawn(|_| empty());
                }
            })
        })
    });
    let (best, median) = stats(&mut t);
    println!(
        "empty_rust mode=rayon threads={threads} tasks={tasks} reps={reps} \
         best_ns={best:.2} median_ns={median:.2}"
    );
    Ok(())
}

fn main() {
    let args = Args::from_env();
    let (tasks, reps) = (args.num(1, 200_000), args.num(2, 11));
    let r = match args.mode() {
        Some("torc") => Some(torc_mode(tasks, reps)),
        Some("rayon") => Some(rayon_mode(tasks, reps)),
        Some("torc-cop1") => Some(torc_args_mode(false, tasks, reps)),
        Some("torc-args4") => Some(torc_args_mode(true, tasks, reps)),
        Some("rayon-cop1") => Some(rayon_args_mode(false, tasks, reps)),
        Some("rayon-args4") => Some(rayon_args_mode(true, tasks, reps)),
        _ => None,
    };
    let modes = "torc, rayon, torc-cop1, torc-args4, rayon-cop1, rayon-args4";
    common::finish("empty_rust", modes, r);
}
