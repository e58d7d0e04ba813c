//! What the Rust benchmark programs (`empty_rust`, `future_rust`, `map_rust`) share: their
//! arguments, the statistics they print, starting torc or a rayon pool, and how they end.
//! Each includes it with `mod common;` (a folder with `mod.rs`, so Cargo does not take it for a
//! bench target of its own).

/// The program's arguments after its name: a mode, then numbers.
pub struct Args(Vec<String>);

impl Args {
    pub fn from_env() -> Self {
        Args(std::env::args().skip(1).collect())
    }

    /// The first argument, which names the mode.
    pub fn mode(&self) -> Option<&str> {
        self.0.first().map(String::as_str)
    }

    /// Argument `i` as a positive number, else `default`.
    pub fn num(&self, i: usize, default: usize) -> usize {
        self.0
            .get(i)
            .and_then(|a| a.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default)
    }
}

/// Best and median of the samples.
pub fn stats(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    (v[0], median)
}

/// Runs `f` as torc's primary task; its value with the number of nodes and workers per node.
pub fn in_torc<T>(f: impl FnOnce() -> T) -> Result<(T, usize, usize), String> {
    torc::api::run(|| {
        let t = f();
        (
            t,
            torc::api::num_nodes().unwrap_or(0),
            torc::api::num_workers().unwrap_or(0),
        )
    })
    .map_err(|e| e.to_string())
}

/// A rayon pool (threads from `RAYON_NUM_THREADS`) and its number of threads.
#[allow(dead_code)] // future_rust has no rayon mode
pub fn rayon_pool() -> Result<(rayon::ThreadPool, usize), String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .map_err(|e| e.to_string())?;
    let threads = pool.current_num_threads();
    Ok((pool, threads))
}

/// Ends program `name`: `r` is its mode's outcome, `None` when no mode was given (started by
/// `cargo test --all-targets` or `cargo bench`: the runner drives it, so there is nothing to
/// do); exits with status 1 on an error.
pub fn finish(name: &str, modes: &str, r: Option<Result<(), String>>) {
    let r = r.unwrap_or_else(|| {
        println!("{name}: started by benches/runner.rs (modes: {modes}); nothing to do");
        Ok(())
    });
    if let Err(e) = r {
        eprintln!("{name}: {e}");
        std::process::exit(1);
    }
}
