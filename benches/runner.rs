//! Benchmark runner: compiles the small C programs in `benches/c/` against the freshly built
//! `libtorc.so` and the Rust program `benches/empty_rust.rs` (with `cargo build --bench`), runs
//! each configuration several times, and prints a table comparing torc with its peer (OpenMP
//! tasks, rayon, raw MPI, or an ideal figure) and with the goals of SPEC section 5. The table
//! also goes to `target/bench/results.csv`, and, when python3 can import matplotlib, a chart of
//! it to `target/bench/results.png` (`benches/chart.py`).
//!
//! * `cargo bench --bench runner` measures (release profile). `TORC_BENCH_RUNS` sets the runs
//!   per configuration (default 5; the median is reported; torc's and the peer's runs
//!   alternate, so that a change of the machine's load hits both); `cargo bench --bench runner
//!   -- WORD` keeps only the rows whose measure contains WORD.
//! * Under `cargo test --all-targets` (no `--bench` argument) it is a smoke test instead: it
//!   compiles every program and runs each configuration once, on tiny sizes.
//!
//! Timings are reported, never asserted: the runner fails only when a program does not build or
//! does not run. To add a measurement, add a [`Row`](rows::Row) in [`rows()`](fn@rows) (and,
//! when it needs a new program, a [`Program`] constant and its source).
//!
//! The parts, in `benches/runner/`: `rows.rs`, what each row measures (its programs, ranks,
//! workers, arguments, peer and goal); `run.rs`, building the programs, running them under a
//! timeout and reading the measured value from their output; `report.rs`, measuring a row into
//! a line of the table (ratio, goal met or not) and printing the table, the notes, the CSV and
//! the chart, or the smoke test's report. This file holds the command line and the two modes.

// The parts live in benches/runner/. A crate root's own `mod rows;` would look for
// benches/rows.rs, which cargo would take for a bench target of its own; inside an inline
// module `runner`, `mod rows;` is benches/runner/rows.rs.
mod runner {
    pub mod report;
    pub mod rows;
    pub mod run;
}

use std::path::{Path, PathBuf};
use std::time::Instant;

use runner::{report, rows, run};

use report::{bench_row, load_note, print_checks, print_report};
use rows::{rows, Kind, Peer, Program};
use run::{compile_all, ensure_lib, parallel_map, run_once, RustBuilds};

/// Paths and mode of this run.
struct Ctx {
    /// The crate root (sources of `benches/`, `include/`).
    root: PathBuf,
    /// The cargo profile directory holding `libtorc.so` (target/release under `cargo bench`).
    lib_dir: PathBuf,
    /// Where compiled programs go: target/bench/<profile>.
    bin_dir: PathBuf,
    /// target/bench (the CSV and the chart).
    out_dir: PathBuf,
    /// Measuring (`--bench`) rather than smoke-testing.
    bench: bool,
    /// When measuring: only the rows whose measure contains one of these words.
    filters: Vec<String>,
    runs: usize,
    timeout_s: u64,
}

impl Ctx {
    fn new() -> Ctx {
        let bench = std::env::args().skip(1).any(|a| a == "--bench");
        let filters = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let exe = std::env::current_exe().expect("runner path");
        // target/<profile>/deps/runner-<hash>
        let lib_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("profile dir")
            .to_path_buf();
        let target = lib_dir.parent().expect("target dir").to_path_buf();
        let profile = lib_dir.file_name().unwrap().to_string_lossy().into_owned();
        let out_dir = target.join("bench");
        let runs = std::env::var("TORC_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0)
            .unwrap_or(5);
        Ctx {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            bin_dir: out_dir.join(profile),
            out_dir,
            lib_dir,
            bench,
            filters,
            runs: if bench { runs } else { 1 },
            timeout_s: if bench { 120 } else { 60 },
        }
    }

    fn exe(&self, p: Program) -> PathBuf {
        self.bin_dir.join(p.name)
    }

    fn target_dir(&self) -> &Path {
        self.lib_dir.parent().expect("target dir")
    }

    fn release(&self) -> bool {
        self.lib_dir.file_name().is_some_and(|n| n != "debug")
    }
}

/// `cargo bench` mode: measure the rows (those the filters keep) and print the report; 1 when
/// something did not build or run.
fn bench(ctx: &Ctx, rust: &RustBuilds) -> i32 {
    println!(
        "torc benchmark runner: {} runs per configuration (median), library {}, {} cores, {}",
        ctx.runs,
        ctx.lib_dir.join("libtorc.so").display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_note()
    );
    let mut notes: Vec<String> = Vec::new();
    let mut compiled = Vec::new();
    for (p, r) in compile_all(ctx, rust) {
        match r {
            Ok(()) => compiled.push(p),
            Err(e) => {
                if !notes.contains(&e) {
                    notes.push(e);
                }
            }
        }
    }

    let mut lines = Vec::new();
    let rows = rows().into_iter().filter(|r| {
        ctx.filters.is_empty() || ctx.filters.iter().any(|f| r.measure.contains(f.as_str()))
    });
    for row in rows {
        lines.push(bench_row(ctx, &row, &compiled, &mut notes));
    }

    print_report(ctx, &lines, &notes);
    if !notes.is_empty() {
        eprintln!(
            "runner: {} problem(s), see the notes under the table",
            notes.len()
        );
        1
    } else {
        0
    }
}

/// `cargo test` mode: build everything, run each configuration once on tiny sizes, and report
/// in libtest's format.
fn smoke(ctx: &Ctx, rust: &RustBuilds) -> i32 {
    let start = Instant::now();
    let mut checks: Vec<(String, Result<(), String>)> = Vec::new();
    let mut ok_programs = Vec::new();
    for (p, r) in compile_all(ctx, rust) {
        if r.is_ok() {
            ok_programs.push(p);
        }
        let what = if p.kind.is_rust() {
            format!(
                "build {} ({})",
                p.name,
                if p.kind == Kind::Rayon {
                    "rayon"
                } else {
                    "torc"
                }
            )
        } else {
            format!("compile {}", p.name)
        };
        checks.push((what, r));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut probes = Vec::new();
    for row in rows() {
        let peer = match row.peer {
            Some((_, Peer::Probe(p))) => Some(p),
            _ => None,
        };
        for probe in std::iter::once(row.torc).chain(peer) {
            let label = probe.label();
            if seen.contains(&label) || !ok_programs.contains(&probe.program) {
                continue;
            }
            seen.push(label);
            probes.push(probe);
        }
    }
    // Timings do not matter here: several runs at once.
    let results = parallel_map(&probes, 4, |p| run_once(ctx, p).map(|_| ()));
    for (probe, r) in probes.iter().zip(results) {
        checks.push((format!("run {}", probe.label()), r));
    }
    print_checks(&checks, start)
}

fn main() {
    let ctx = Ctx::new();
    if let Err(e) = std::fs::create_dir_all(&ctx.bin_dir) {
        eprintln!("runner: cannot create {}: {e}", ctx.bin_dir.display());
        std::process::exit(1);
    }
    let rust = match ensure_lib(&ctx) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runner: {e}");
            std::process::exit(1);
        }
    };
    let code = if ctx.bench {
        bench(&ctx, &rust)
    } else {
        smoke(&ctx, &rust)
    };
    std::process::exit(code);
}
