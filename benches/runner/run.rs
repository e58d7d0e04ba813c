//! Running: building `libtorc.so` and the Rust bench targets with cargo, compiling the C
//! programs of `benches/c/`, starting a probe (under `timeout`, with `mpirun` or directly),
//! reading its value from its output, and the median over the runs.

use std::path::PathBuf;
use std::process::{Command, Output};

use super::rows::{Kind, Probe, Program, PROGRAMS};
use crate::Ctx;

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The Rust bench targets among [`PROGRAMS`], once each.
fn rust_targets() -> Vec<&'static str> {
    let mut v: Vec<&str> = Vec::new();
    for p in PROGRAMS.iter().filter(|p| p.kind.is_rust()) {
        if !v.contains(&p.name) {
            v.push(p.name);
        }
    }
    v
}

/// What [`ensure_lib`] built: each Rust bench target's executable, or why it did not build.
pub type RustBuilds = Vec<(&'static str, Result<PathBuf, String>)>;

/// Makes `<profile dir>/libtorc.so` current with `cargo build --lib`, and builds the Rust bench
/// programs in the same cargo call. Cargo builds the cdylib for this binary only under `deps/`
/// and does not copy it up to the profile directory (where an older copy may sit), so the
/// runner asks for it; that takes a fraction of a second when everything is built already.
///
/// The library and the bench targets are built together on purpose: with the dev-dependencies
/// (rayon) in the build, cargo unifies some features of shared dependencies differently than
/// for `cargo build --lib` alone, and the two configurations would rebuild the library in turn;
/// together they match the `cargo test` / `cargo bench` build that started the runner. If the
/// bench targets fail to build, the library is built alone and the C rows still run.
pub fn ensure_lib(ctx: &Ctx) -> Result<RustBuilds, String> {
    let targets = rust_targets();
    let build = |with_rust: bool| -> Result<Output, String> {
        let mut cmd = cargo();
        cmd.args(["build", "--lib", "--quiet"]);
        if with_rust {
            for t in &targets {
                cmd.args(["--bench", t]);
            }
        }
        cmd.args([
            "--message-format",
            "json-render-diagnostics",
            "--target-dir",
        ])
        .arg(ctx.target_dir())
        .current_dir(&ctx.root)
        .stderr(std::process::Stdio::piped());
        if ctx.release() {
            cmd.arg("--release");
        }
        cmd.output().map_err(|e| format!("cannot run cargo: {e}"))
    };
    let so = ctx.lib_dir.join("libtorc.so");
    let out = build(true)?;
    let rust = if out.status.success() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        targets
            .iter()
            .map(|&t| {
                let exe = artifact_executable(&stdout, t)
                    .ok_or_else(|| format!("cargo named no executable for the bench target {t}"));
                (t, exe)
            })
            .collect()
    } else {
        let why = format!(
            "building the bench targets {} failed: {}",
            targets.join(", "),
            first_lines(&String::from_utf8_lossy(&out.stderr), 4)
        );
        let lib = build(false)?;
        if !lib.status.success() {
            return Err(format!(
                "could not build {}: {}",
                so.display(),
                first_lines(&String::from_utf8_lossy(&lib.stderr), 4)
            ));
        }
        targets.iter().map(|&t| (t, Err(why.clone()))).collect()
    };
    if !so.exists() {
        return Err(format!("cargo did not make {}", so.display()));
    }
    Ok(rust)
}

/// The executable that cargo's JSON messages name for the bench target `name`.
fn artifact_executable(json: &str, name: &str) -> Option<PathBuf> {
    let tag = format!("\"name\":\"{name}\"");
    let key = "\"executable\":\"";
    json.lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\"") && l.contains(&tag))
        .find_map(|l| {
            let start = l.find(key)? + key.len();
            let len = l[start..].find('"')?;
            Some(PathBuf::from(&l[start..start + len]))
        })
}

pub fn first_lines(text: &str, n: usize) -> String {
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

/// Copies the Rust program's executable (built by [`ensure_lib`]) to `ctx.exe(p)`.
fn install_rust(ctx: &Ctx, p: Program, builds: &RustBuilds) -> Result<(), String> {
    let exe = builds
        .iter()
        .find(|(t, _)| *t == p.name)
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| Err(format!("{} was not built", p.name)))?;
    let dest = ctx.exe(p);
    // Remove first: overwriting a file that a leftover process still runs fails.
    let _ = std::fs::remove_file(&dest);
    std::fs::copy(&exe, &dest)
        .map_err(|e| format!("cannot copy {} to {}: {e}", exe.display(), dest.display()))?;
    Ok(())
}

/// Compiles a C program.
fn compile(ctx: &Ctx, p: Program) -> Result<(), String> {
    let src = ctx.root.join("benches/c").join(format!("{}.c", p.name));
    let mut cmd = match p.kind {
        Kind::Omp => Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into())),
        _ => Command::new(std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into())),
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
        _ => {}
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

/// `f` over `items` on up to `jobs` threads; the results in the order of `items`.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("every item is done"))
        .collect()
}

/// Makes every program ready: installs the Rust ones that [`ensure_lib`] built and compiles
/// the C ones (in parallel); returns each one's result.
pub fn compile_all(ctx: &Ctx, rust: &RustBuilds) -> Vec<(Program, Result<(), String>)> {
    let results = parallel_map(PROGRAMS, 4, |&p| {
        if p.kind.is_rust() {
            install_rust(ctx, p, rust)
        } else {
            compile(ctx, p)
        }
    });
    PROGRAMS.iter().copied().zip(results).collect()
}

/// Environment that lets OpenMPI run as root and share two cores between ranks.
fn mpi_env(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
}

/// Runs a probe once; returns its value and the output line that holds it.
pub fn run_once(ctx: &Ctx, probe: &Probe) -> Result<(f64, String), String> {
    let args = if ctx.bench {
        probe.args
    } else {
        probe.smoke_args
    };
    let mut cmd = Command::new("timeout");
    cmd.arg("--kill-after=5").arg(ctx.timeout_s.to_string());
    let kind = probe.program.kind;
    if kind.uses_mpirun() {
        cmd.args(["mpirun", "--oversubscribe", "--bind-to", "none", "-np"]);
        cmd.arg(probe.np.to_string());
        let mut env: Vec<(String, String)> = probe
            .env
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if kind.is_torc() {
            env.push(("TORC_WORKERS".into(), probe.workers.to_string()));
        }
        for (k, v) in &env {
            cmd.arg("-x").arg(format!("{k}={v}"));
            cmd.env(k, v);
        }
        cmd.arg(ctx.exe(probe.program));
        mpi_env(&mut cmd);
    } else {
        cmd.arg(ctx.exe(probe.program));
        let threads = if kind == Kind::Rayon {
            "RAYON_NUM_THREADS"
        } else {
            "OMP_NUM_THREADS"
        };
        cmd.env(threads, probe.workers.to_string());
        for &(k, v) in probe.env {
            cmd.env(k, v);
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
        .lines()
        .find_map(|line| {
            line.split_whitespace()
                .find_map(|tok| tok.strip_prefix(key.as_str()))
                .and_then(|v| v.parse::<f64>().ok())
                .map(|v| (v, line.trim().to_string()))
        })
        .ok_or_else(|| {
            format!(
                "no `{}` in its output: {}",
                probe.metric,
                first_lines(&stdout, 2)
            )
        })
}

/// A probe's result over several runs: the median, every run's value, and the output line of
/// the run closest to the median.
#[derive(Clone, Debug)]
pub struct Measured {
    pub median: f64,
    pub runs: Vec<f64>,
    pub detail: String,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Runs of one probe as they come in.
#[derive(Default)]
struct Series {
    values: Vec<f64>,
    lines: Vec<String>,
    error: Option<String>,
}

impl Series {
    fn record(&mut self, r: Result<(f64, String), String>) {
        match r {
            Ok((v, line)) => {
                self.values.push(v);
                self.lines.push(line);
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn finish(self) -> Result<Measured, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut sorted = self.values.clone();
        let m = median(&mut sorted);
        let closest = (0..self.values.len())
            .min_by(|&a, &b| {
                (self.values[a] - m)
                    .abs()
                    .total_cmp(&(self.values[b] - m).abs())
            })
            .unwrap_or(0);
        Ok(Measured {
            median: m,
            detail: self.lines.get(closest).cloned().unwrap_or_default(),
            runs: self.values,
        })
    }
}

/// A probe's measurement over its runs, or its first error; `None` when it did not run.
pub type Outcome = Option<Result<Measured, String>>;

/// Runs torc's probe and the peer's probe (those given) `ctx.runs` times each, alternating (a
/// probe stops at its first failure).
pub fn measure_pair(ctx: &Ctx, torc: Option<&Probe>, peer: Option<&Probe>) -> (Outcome, Outcome) {
    let mut t = Series::default();
    let mut p = Series::default();
    for _ in 0..ctx.runs {
        if let Some(torc) = torc {
            if t.error.is_none() {
                t.record(run_once(ctx, torc));
            }
        }
        if let Some(peer) = peer {
            if p.error.is_none() {
                p.record(run_once(ctx, peer));
            }
        }
    }
    (torc.map(|_| t.finish()), peer.map(|_| p.finish()))
}
