//! Benchmark runner: compiles the small C programs in `benches/c/` against the freshly built
//! `libtorc.so`, runs each configuration several times, and prints a table comparing torc with
//! its peer (OpenMP tasks, raw MPI) and with the goals of SPEC section 5. The table also goes to
//! `target/bench/results.csv`.
//!
//! * `cargo bench --bench runner` measures (release profile). `TORC_BENCH_RUNS` sets the runs
//!   per configuration (default 5; the median is reported); `cargo bench --bench runner -- WORD`
//!   keeps only the rows whose measure contains WORD.
//! * Under `cargo test --all-targets` (no `--bench` argument) it is a smoke test instead: it
//!   compiles every program and runs each configuration once, on tiny sizes.
//!
//! Timings are reported, never asserted. To add a measurement, add a [`Row`] in [`rows`] (and,
//! when it needs a new program, a [`Program`] constant and its C file).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// How a benchmark program is compiled and started.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A torc program: `mpicc ... -ltorc`, started with `mpirun`, workers from `TORC_WORKERS`.
    Torc,
    /// An OpenMP program: `gcc -fopenmp`, started directly, threads from `OMP_NUM_THREADS`.
    Omp,
    /// A raw MPI program: `mpicc`, started with `mpirun`.
    Mpi,
}

/// A C program in `benches/c/`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Program {
    /// File stem: `benches/c/<name>.c`.
    name: &'static str,
    kind: Kind,
}

const EMPTY_TORC: Program = Program {
    name: "empty_torc",
    kind: Kind::Torc,
};
const EMPTY_OMP: Program = Program {
    name: "empty_omp",
    kind: Kind::Omp,
};
const PINGPONG_MPI: Program = Program {
    name: "pingpong_mpi",
    kind: Kind::Mpi,
};
const ROUNDTRIP_TORC: Program = Program {
    name: "roundtrip_torc",
    kind: Kind::Torc,
};

const PROGRAMS: &[Program] = &[EMPTY_TORC, EMPTY_OMP, PINGPONG_MPI, ROUNDTRIP_TORC];

/// One configuration to run: a program, its process/worker counts and arguments, and the
/// `key=value` token of its output that holds the measured value.
#[derive(Clone, Copy, Debug)]
struct Probe {
    program: Program,
    /// MPI ranks (ignored for [`Kind::Omp`]).
    np: usize,
    /// Workers per rank (`TORC_WORKERS`) or OpenMP threads.
    workers: usize,
    /// Arguments when measuring.
    args: &'static [&'static str],
    /// Arguments for the smoke test (small sizes).
    smoke_args: &'static [&'static str],
    /// The output token holding the value, e.g. `median_ns`.
    metric: &'static str,
}

impl Probe {
    fn label(&self) -> String {
        match self.program.kind {
            Kind::Omp => format!("{} threads={}", self.program.name, self.workers),
            Kind::Torc => format!(
                "{} np={} workers={}",
                self.program.name, self.np, self.workers
            ),
            Kind::Mpi => {
                let mode = self.args.first().copied().unwrap_or("");
                format!("{} np={} {mode}", self.program.name, self.np)
            }
        }
    }
}

/// What the torc value must satisfy.
#[derive(Clone, Copy, Debug)]
enum Goal {
    AtMost(f64),
    /// For the efficiency rows still to come (uneven tasks with stealing).
    #[allow(dead_code)]
    AtLeast(f64),
}

impl Goal {
    fn met(self, v: f64) -> bool {
        match self {
            Goal::AtMost(g) => v <= g,
            Goal::AtLeast(g) => v >= g,
        }
    }
}

/// One line of the table.
struct Row {
    measure: &'static str,
    /// Unit of the torc and peer values.
    unit: &'static str,
    torc: Option<Probe>,
    /// The peer's name and probe.
    peer: Option<(&'static str, Probe)>,
    /// SPEC section 5's goal for torc, if it has one.
    goal: Option<Goal>,
}

/// The table. Add rows here.
fn rows() -> Vec<Row> {
    const EMPTY_ARGS: &[&str] = &["200000", "11"];
    const EMPTY_SMOKE: &[&str] = &["1000", "2"];
    let empty_torc = |np, workers, args| Probe {
        program: EMPTY_TORC,
        np,
        workers,
        args,
        smoke_args: EMPTY_SMOKE,
        metric: "median_ns",
    };
    let empty_omp = |threads| Probe {
        program: EMPTY_OMP,
        np: 1,
        workers: threads,
        args: EMPTY_ARGS,
        smoke_args: EMPTY_SMOKE,
        metric: "median_ns",
    };
    vec![
        Row {
            measure: "empty task, 1 node x 1 worker",
            unit: "ns",
            torc: Some(empty_torc(1, 1, EMPTY_ARGS)),
            peer: Some(("OpenMP tasks (gcc)", empty_omp(1))),
            goal: Some(Goal::AtMost(25.0)),
        },
        Row {
            measure: "empty task, 1 node x 2 workers",
            unit: "ns",
            torc: Some(empty_torc(1, 2, EMPTY_ARGS)),
            peer: Some(("OpenMP tasks (gcc)", empty_omp(2))),
            goal: None,
        },
        Row {
            measure: "empty task qid -1, 2 nodes x 1 worker",
            unit: "ns",
            torc: Some(empty_torc(2, 1, &["20000", "11"])),
            peer: Some((
                "MPI message (one-way stream)",
                Probe {
                    program: PINGPONG_MPI,
                    np: 2,
                    workers: 1,
                    args: &["stream", "200000", "11"],
                    smoke_args: &["stream", "1000", "2"],
                    metric: "median_ns",
                },
            )),
            goal: Some(Goal::AtMost(2000.0)),
        },
        Row {
            measure: "remote task round trip, 2 nodes",
            unit: "us",
            torc: Some(Probe {
                program: ROUNDTRIP_TORC,
                np: 2,
                workers: 1,
                args: &["2000", "11"],
                smoke_args: &["50", "2"],
                metric: "median_us",
            }),
            peer: Some((
                "MPI ping-pong (half round trip)",
                Probe {
                    program: PINGPONG_MPI,
                    np: 2,
                    workers: 1,
                    args: &["pingpong", "100000", "11"],
                    smoke_args: &["pingpong", "1000", "2"],
                    metric: "median_us",
                },
            )),
            goal: Some(Goal::AtMost(3.0)),
        },
        // Next: uneven tasks with stealing (efficiency, 2 nodes x 1 worker and 1 node x 2
        // workers, goals >= 0.95 and >= 0.98), peer: the ideal 1.0.
    ]
}

/// Paths and mode of this run.
struct Ctx {
    /// The crate root (sources of `benches/c/`, `include/`).
    root: PathBuf,
    /// The cargo profile directory holding `libtorc.so` (target/release under `cargo bench`).
    lib_dir: PathBuf,
    /// Where compiled programs go: target/bench/<profile>.
    bin_dir: PathBuf,
    /// target/bench (the CSV).
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
}

/// Makes `<profile dir>/libtorc.so` current with `cargo build --lib`. Cargo builds the cdylib for
/// this binary only under `deps/` and does not copy it up to the profile directory (where an
/// older copy may sit), so the runner asks for it; that takes a fraction of a second when
/// everything is built already.
fn ensure_lib(ctx: &Ctx) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--lib", "--quiet", "--target-dir"]);
    cmd.arg(ctx.lib_dir.parent().expect("target dir"))
        .current_dir(&ctx.root);
    if ctx.lib_dir.file_name().is_some_and(|n| n != "debug") {
        cmd.arg("--release");
    }
    let st = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    let so = ctx.lib_dir.join("libtorc.so");
    if !st.success() || !so.exists() {
        return Err(format!("could not build {} ({cmd:?})", so.display()));
    }
    Ok(())
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(n)
        .collect();
    let mut s = lines.join(" / ");
    if s.len() > 300 {
        let mut cut = 300;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

fn compile(ctx: &Ctx, p: Program) -> Result<(), String> {
    let src = ctx.root.join("benches/c").join(format!("{}.c", p.name));
    let mut cmd = match p.kind {
        Kind::Torc | Kind::Mpi => {
            Command::new(std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into()))
        }
        Kind::Omp => Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into())),
    };
    cmd.args(["-O2", "-Wall", "-std=gnu11"])
        .arg(&src)
        .arg("-o")
        .arg(ctx.exe(p));
    match p.kind {
        Kind::Torc => {
            let lib = ctx.lib_dir.display();
            cmd.arg("-I").arg(ctx.root.join("include"));
            cmd.arg(format!("-L{lib}"))
                .arg("-ltorc")
                .arg(format!("-Wl,-rpath,{lib}"));
        }
        Kind::Omp => {
            cmd.arg("-fopenmp");
        }
        Kind::Mpi => {}
    }
    cmd.arg("-lm");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run the compiler for {}: {e}", p.name))?;
    if !out.status.success() {
        return Err(format!(
            "compiling {} failed: {}",
            p.name,
            first_lines(&String::from_utf8_lossy(&out.stderr), 4)
        ));
    }
    Ok(())
}

/// Environment that lets OpenMPI run as root and share two cores between ranks.
fn mpi_env(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
}

/// Runs a probe once; returns its value.
fn run_once(ctx: &Ctx, probe: &Probe) -> Result<f64, String> {
    let args = if ctx.bench {
        probe.args
    } else {
        probe.smoke_args
    };
    let mut cmd = Command::new("timeout");
    cmd.arg("--kill-after=5").arg(ctx.timeout_s.to_string());
    match probe.program.kind {
        Kind::Omp => {
            cmd.arg(ctx.exe(probe.program));
            cmd.env("OMP_NUM_THREADS", probe.workers.to_string());
        }
        Kind::Torc | Kind::Mpi => {
            cmd.args(["mpirun", "--oversubscribe", "--bind-to", "none", "-np"]);
            cmd.arg(probe.np.to_string());
            if probe.program.kind == Kind::Torc {
                cmd.arg("-x").arg(format!("TORC_WORKERS={}", probe.workers));
                cmd.env("TORC_WORKERS", probe.workers.to_string());
            }
            cmd.arg(ctx.exe(probe.program));
            mpi_env(&mut cmd);
        }
    }
    cmd.args(args);
    let out: Output = cmd
        .output()
        .map_err(|e| format!("cannot start {}: {e}", probe.label()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    if code == Some(124) || code == Some(137) {
        return Err(format!("timed out after {} s", ctx.timeout_s));
    }
    if !out.status.success() {
        let why = if stderr.trim().is_empty() {
            &stdout
        } else {
            &stderr
        };
        return Err(format!("exit {:?}: {}", code, first_lines(why, 2)));
    }
    let key = format!("{}=", probe.metric);
    stdout
        .split_whitespace()
        .find_map(|tok| tok.strip_prefix(key.as_str()))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| {
            format!(
                "no `{}` in its output: {}",
                probe.metric,
                first_lines(&stdout, 2)
            )
        })
}

/// A probe's result over `ctx.runs` runs: the median and every run's value.
#[derive(Clone, Debug)]
struct Measured {
    median: f64,
    runs: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Runs a probe `ctx.runs` times (stopping at the first failure).
fn measure(ctx: &Ctx, probe: &Probe) -> Result<Measured, String> {
    let mut runs = Vec::with_capacity(ctx.runs);
    for _ in 0..ctx.runs {
        runs.push(run_once(ctx, probe)?);
    }
    let mut sorted = runs.clone();
    Ok(Measured {
        median: median(&mut sorted),
        runs,
    })
}

fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn fmt_goal(g: Option<Goal>, unit: &str) -> String {
    match g {
        Some(Goal::AtMost(x)) => format!("<= {} {unit}", fmt_value(x)),
        Some(Goal::AtLeast(x)) => format!(">= {} {unit}", fmt_value(x)),
        None => "-".into(),
    }
}

/// One measured row, as text cells and raw values.
struct Line {
    cells: [String; 7],
    csv: Vec<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const HEADER: [&str; 7] = [
    "measure",
    "torc",
    "peer",
    "peer name",
    "ratio torc/peer",
    "goal",
    "meets goal?",
];
const CSV_HEADER: &str = "measure,unit,torc,peer,peer_name,ratio_torc_per_peer,goal,meets_goal,torc_runs,peer_runs,torc_error,peer_error";

fn print_table(lines: &[Line]) -> String {
    let mut w = HEADER.map(str::len);
    for l in lines {
        for (i, c) in l.cells.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let row = |cells: &[&str]| {
        let mut s = String::from("|");
        for (i, c) in cells.iter().enumerate() {
            let pad = w[i] - c.chars().count();
            // Numbers right-aligned, text left-aligned.
            if (1..=2).contains(&i) || i == 4 {
                let _ = write!(s, " {}{} |", " ".repeat(pad), c);
            } else {
                let _ = write!(s, " {}{} |", c, " ".repeat(pad));
            }
        }
        s
    };
    let mut out = String::new();
    out.push_str(&row(&HEADER));
    out.push('\n');
    let sep: Vec<String> = w.iter().map(|&n| "-".repeat(n)).collect();
    out.push_str(&row(&sep.iter().map(String::as_str).collect::<Vec<_>>()).replace(' ', "-"));
    out.push('\n');
    for l in lines {
        out.push_str(&row(&l
            .cells
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()));
        out.push('\n');
    }
    out
}

fn bench(ctx: &Ctx) -> i32 {
    println!(
        "torc benchmark runner: {} runs per configuration (median), library {}",
        ctx.runs,
        ctx.lib_dir.join("libtorc.so").display()
    );
    let mut notes: Vec<String> = Vec::new();
    let mut compiled: Vec<(Program, Result<(), String>)> = Vec::new();
    for &p in PROGRAMS {
        let r = compile(ctx, p);
        if let Err(e) = &r {
            notes.push(e.clone());
        }
        compiled.push((p, r));
    }
    let is_compiled = |p: Program| compiled.iter().any(|(q, r)| *q == p && r.is_ok());

    let mut lines = Vec::new();
    let rows = rows().into_iter().filter(|r| {
        ctx.filters.is_empty() || ctx.filters.iter().any(|f| r.measure.contains(f.as_str()))
    });
    for row in rows {
        // Each result: the measurement, or the error and the number of its note.
        let mut run =
            |probe: Option<&Probe>, who: &str| -> Result<Option<Measured>, (usize, String)> {
                let Some(probe) = probe else { return Ok(None) };
                if !is_compiled(probe.program) {
                    let e = format!("{} is not compiled", probe.program.name);
                    notes.push(format!("{}, {who}: {e}", row.measure));
                    return Err((notes.len(), e));
                }
                eprint!(
                    "  {:<40} {:<45}",
                    row.measure,
                    format!("{who}: {}", probe.label())
                );
                let t = Instant::now();
                match measure(ctx, probe) {
                    Ok(m) => {
                        eprintln!(
                            " {} {} ({:.1} s)",
                            fmt_value(m.median),
                            row.unit,
                            t.elapsed().as_secs_f64()
                        );
                        Ok(Some(m))
                    }
                    Err(e) => {
                        eprintln!(" failed");
                        notes.push(format!("{}, {who} ({}): {e}", row.measure, probe.label()));
                        Err((notes.len(), e))
                    }
                }
            };
        let torc_r = run(row.torc.as_ref(), "torc");
        let peer_r = run(row.peer.as_ref().map(|(_, p)| p), "peer");
        let cell = |r: &Result<Option<Measured>, (usize, String)>| match r {
            Ok(Some(m)) => format!("{} {}", fmt_value(m.median), row.unit),
            Ok(None) => "-".into(),
            Err((k, _)) => format!("n/a [{k}]"),
        };
        let (torc_cell, peer_cell) = (cell(&torc_r), cell(&peer_r));
        let split = |r: Result<Option<Measured>, (usize, String)>| match r {
            Ok(m) => (m, String::new()),
            Err((_, e)) => (None, e),
        };
        let (torc, torc_err) = split(torc_r);
        let (peer, peer_err) = split(peer_r);
        let ratio = match (&torc, &peer) {
            (Some(t), Some(p)) if p.median > 0.0 => Some(t.median / p.median),
            _ => None,
        };
        let meets = match (row.goal, &torc) {
            (Some(g), Some(t)) => if g.met(t.median) { "yes" } else { "no" }.to_string(),
            _ => "-".into(),
        };
        let runs = |m: &Option<Measured>| {
            m.as_ref().map_or(String::new(), |m| {
                m.runs
                    .iter()
                    .map(|v| format!("{v}"))
                    .collect::<Vec<_>>()
                    .join(";")
            })
        };
        let csv = vec![
            row.measure.to_string(),
            row.unit.to_string(),
            torc.as_ref()
                .map_or(String::new(), |m| m.median.to_string()),
            peer.as_ref()
                .map_or(String::new(), |m| m.median.to_string()),
            row.peer
                .as_ref()
                .map_or(String::new(), |(n, _)| n.to_string()),
            ratio.map_or(String::new(), |r| format!("{r:.3}")),
            fmt_goal(row.goal, row.unit).replace('-', ""),
            meets.replace('-', ""),
            runs(&torc),
            runs(&peer),
            torc_err,
            peer_err,
        ];
        lines.push(Line {
            cells: [
                row.measure.to_string(),
                torc_cell,
                peer_cell,
                row.peer
                    .as_ref()
                    .map_or("-".to_string(), |(n, _)| n.to_string()),
                ratio.map_or("-".into(), |r| format!("{r:.2}")),
                fmt_goal(row.goal, row.unit),
                meets,
            ],
            csv,
        });
    }

    println!();
    print!("{}", print_table(&lines));
    if !notes.is_empty() {
        println!();
        for (i, n) in notes.iter().enumerate() {
            println!("[{}] {n}", i + 1);
        }
    }

    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for l in &lines {
        csv.push_str(
            &l.csv
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
    }
    let path = ctx.out_dir.join("results.csv");
    match std::fs::write(&path, csv) {
        Ok(()) => println!("\nwritten: {}", path.display()),
        Err(e) => {
            eprintln!("runner: cannot write {}: {e}", path.display());
            notes.push(format!("cannot write {}: {e}", path.display()));
        }
    }
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

/// `cargo test` mode: compile everything, run each configuration once on tiny sizes, and report
/// in libtest's format.
fn smoke(ctx: &Ctx) -> i32 {
    let start = Instant::now();
    let mut checks: Vec<(String, Result<(), String>)> = Vec::new();
    let mut ok_programs = Vec::new();
    for &p in PROGRAMS {
        let r = compile(ctx, p);
        if r.is_ok() {
            ok_programs.push(p);
        }
        checks.push((format!("compile {}", p.name), r));
    }
    let mut seen: Vec<String> = Vec::new();
    for row in rows() {
        for probe in row.torc.iter().chain(row.peer.iter().map(|(_, p)| p)) {
            let label = probe.label();
            if seen.contains(&label) || !ok_programs.contains(&probe.program) {
                continue;
            }
            seen.push(label.clone());
            checks.push((format!("run {label}"), run_once(ctx, probe).map(|_| ())));
        }
    }
    println!("\nrunning {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, r) in &checks {
        match r {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED");
                failed.push(format!("{name}: {e}"));
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for f in &failed {
            println!("    {f}");
        }
    }
    let passed = checks.len() - failed.len();
    println!(
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        0
    } else {
        101
    }
}

fn main() {
    let ctx = Ctx::new();
    if let Err(e) = std::fs::create_dir_all(&ctx.bin_dir) {
        eprintln!("runner: cannot create {}: {e}", ctx.bin_dir.display());
        std::process::exit(1);
    }
    if let Err(e) = ensure_lib(&ctx) {
        eprintln!("runner: {e}");
        std::process::exit(1);
    }
    let code = if ctx.bench { bench(&ctx) } else { smoke(&ctx) };
    std::process::exit(code);
}
