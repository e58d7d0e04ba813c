//! Empty-task cost of the Rust API beside rayon, run by `benches/runner.rs` (which builds this
//! target with `cargo build --bench empty_rust` and starts it; alone it does nothing).
//!
//! * `empty_rust torc [tasks] [reps]` (under `mpirun -np 1`, workers from `TORC_WORKERS`): the
//!   primary task opens a [`torc::api::scope`] and creates `tasks` empty tasks with
//!   `s.spawn(empty, ())`; the scope waits for them.
//! * `empty_rust rayon [tasks] [reps]` (threads from `RAYON_NUM_THREADS`): the same with
//!   `rayon::scope` and `s.spawn(|_| empty())`, from inside the pool.
//!
//! Each repeats `reps` rounds after one warm-up round and prints the best and median time per
//! task in ns.

use std::time::Instant;

#[inline(never)]
fn empty() {
    std::hint::black_box(());
}

/// Best and median of the samples.
fn stats(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    (v[0], median)
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
    let (mut t, nodes, workers) = torc::api::run(|| {
        let t = rounds(tasks, reps, || {
            torc::api::scope(|s| {
                for _ in 0..tasks {
                    s.spawn(empty, ());
                }
            })
            .expect("scope");
        });
        (
            t,
            torc::api::num_nodes().unwrap_or(0),
            torc::api::num_workers().unwrap_or(0),
        )
    })
    .map_err(|e| e.to_string())?;
    let (best, median) = stats(&mut t);
    println!(
        "empty_rust mode=torc nodes={nodes} workers={workers} tasks={tasks} reps={reps} \
         best_ns={best:.2} median_ns={median:.2}"
    );
    Ok(())
}

fn rayon_mode(tasks: usize, reps: usize) -> Result<(), String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .map_err(|e| e.to_string())?;
    let threads = pool.current_num_threads();
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: usize| {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default)
    };
    let (tasks, reps) = (num(1, 200_000), num(2, 11));
    let r = match args.first().map(String::as_str) {
        Some("torc") => torc_mode(tasks, reps),
        Some("rayon") => rayon_mode(tasks, reps),
        _ => {
            // Started by `cargo test --all-targets` or `cargo bench`: the runner drives this.
            println!(
                "empty_rust: started by benches/runner.rs (modes: torc, rayon); nothing to do"
            );
            Ok(())
        }
    };
    if let Err(e) = r {
        eprintln!("empty_rust: {e}");
        std::process::exit(1);
    }
}
