//! Helpers shared by the integration tests: where the built library is, compiling C programs
//! against it with the MPI compiler, and running programs under the MPI launcher with a
//! timeout.
//!
//! The MPI is OpenMPI's `mpicc`/`mpirun` unless the environment names another:
//! `TORC_TEST_MPICC` (C compiler wrapper, else `MPICC`, else `mpicc`), `TORC_TEST_MPIFC`
//! (Fortran wrapper for CMake, optional), `TORC_TEST_MPIRUN` (launcher, else `mpirun`) and
//! `TORC_TEST_LIBDIR` (the directory of the `libtorc.so` built against that MPI, else the
//! test binary's own profile directory). `scripts/test.sh` runs the C tests a second time
//! with MPICH (`mpicc.mpich`, `mpiexec.mpich`, `target/mpich/debug`). The launcher's flavour
//! (OpenMPI's `mpirun` or MPICH's hydra `mpiexec`) is told from its `--version`.
//!
//! Also shared by the tests: C programs and CMake builds made once per test binary
//! ([`c_program`], [`test_program`], [`cmake_example`]), the Rust examples ([`rust_example`]),
//! assertions on a finished [`Run`], the runs of a program at several shapes checked together
//! ([`cases`]) and the misuse harness of the C API's cases programs ([`misuse`]).
//!
//! Cargo compiles this module into every test binary, and each uses only part of it: hence
//! `allow(dead_code)` (it covers the submodules too).
#![allow(dead_code)]

pub mod cases;
pub mod misuse;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The project's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding `libtorc.so` / `libtorc.a`: `TORC_TEST_LIBDIR`, else the cargo
/// profile directory of this test binary (e.g. `target/debug`).
pub fn lib_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TORC_TEST_LIBDIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("profile dir")
        .to_path_buf()
}

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// The MPI C compiler wrapper: `TORC_TEST_MPICC`, else `MPICC`, else `mpicc`.
pub fn mpicc() -> String {
    std::env::var("TORC_TEST_MPICC")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| env_or("MPICC", "mpicc"))
}

/// The MPI Fortran compiler wrapper named by `TORC_TEST_MPIFC`, if any.
pub fn mpifc() -> Option<String> {
    std::env::var("TORC_TEST_MPIFC")
        .ok()
        .filter(|v| !v.is_empty())
}

/// The MPI launcher: `TORC_TEST_MPIRUN`, else `mpirun`.
pub fn launcher() -> String {
    env_or("TORC_TEST_MPIRUN", "mpirun")
}

/// Which launcher [`launcher`] is: their options differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// OpenMPI's `mpirun` (`--oversubscribe`, `-x VAR=value`).
    OpenMpi,
    /// MPICH's hydra `mpiexec` (oversubscribes by itself, passes the environment on,
    /// `-env VAR value` per program of an MPMD line).
    Mpich,
}

/// The flavour of [`launcher`], from its `--version` (hydra prints `HYDRA build details`).
pub fn flavor() -> Flavor {
    static FLAVOR: OnceLock<Flavor> = OnceLock::new();
    *FLAVOR.get_or_init(|| {
        let out = Command::new(launcher())
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} --version: {e}", launcher()));
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        if text.contains("HYDRA") || text.contains("MPICH") {
            Flavor::Mpich
        } else {
            Flavor::OpenMpi
        }
    })
}

/// A scratch directory for this test binary's build products.
pub fn scratch(name: &str) -> PathBuf {
    let d = lib_dir().join("test-scratch").join(name);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// Compiles C sources into `exe` with `mpicc`, against `include/` and `libtorc.so`.
/// Panics with the compiler's output on failure.
pub fn build_c(sources: &[&Path], exe: &Path, extra: &[&str]) {
    let lib = lib_dir();
    let mut cmd = Command::new(mpicc());
    cmd.arg("-O1")
        .arg("-g")
        .arg("-Wall")
        .arg("-I")
        .arg(root().join("include"));
    cmd.args(sources).arg("-o").arg(exe);
    cmd.arg(format!("-L{}", lib.display())).arg("-ltorc");
    cmd.arg(format!("-Wl,-rpath,{}", lib.display())).arg("-lm");
    cmd.args(extra);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", mpicc()));
    assert!(
        out.status.success(),
        "{} failed for {}:\n{}",
        mpicc(),
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Environment that lets OpenMPI run as root and share two cores between many ranks.
pub fn mpi_env(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .env("OMPI_MCA_hwloc_base_binding_policy", "none");
}

/// A finished run: exit status, stdout and stderr as text.
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Whether the timeout killed it.
    pub timed_out: bool,
}

impl Run {
    fn from(out: Output) -> Run {
        let code = out.status.code();
        Run {
            // `timeout` exits with 124 when it had to stop the command.
            timed_out: code == Some(124) || code == Some(137),
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with everything printed unless the run exited 0.
    pub fn assert_ok(&self, what: &str) -> &Run {
        assert!(
            self.code == Some(0) && !self.timed_out,
            "{what} failed (code {:?}, timed out {}):\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.timed_out,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics with everything printed unless stdout holds `want`.
    pub fn assert_stdout_has(&self, what: &str, want: &str) -> &Run {
        assert!(
            self.stdout.contains(want),
            "{what}: expected `{want}` in stdout\n{}",
            dump(self)
        );
        self
    }

    /// Panics with everything printed unless the run exited 0 and its stdout holds `want`.
    pub fn assert_ok_with(&self, what: &str, want: &str) -> &Run {
        self.assert_ok(what).assert_stdout_has(what, want)
    }

    /// Panics with everything printed unless the run ended by itself (no timeout, no signal)
    /// with a status other than 0.
    pub fn assert_failed(&self, what: &str) -> &Run {
        assert!(!self.timed_out, "{what}: hung (timed out)\n{}", dump(self));
        assert!(
            self.code.is_some(),
            "{what}: killed by a signal\n{}",
            dump(self)
        );
        assert_ne!(self.code, Some(0), "{what}: exited 0\n{}", dump(self));
        self
    }
}

/// `timeout --kill-after=5 SECS`, with the MPI environment, ready for the command to run.
fn timed(timeout: Duration) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("--kill-after=5")
        .arg(format!("{}", timeout.as_secs().max(1)));
    mpi_env(&mut cmd);
    cmd
}

/// `timeout ... LAUNCHER` with the options every run gets (OpenMPI: `--oversubscribe
/// --bind-to none`; hydra needs none), ready for more arguments.
fn mpirun_cmd(timeout: Duration) -> Command {
    let mut cmd = timed(timeout);
    cmd.arg(launcher());
    if flavor() == Flavor::OpenMpi {
        cmd.args(["--oversubscribe", "--bind-to", "none"]);
    }
    cmd
}

/// The launcher's options for `np` processes with `env` set in each of them.
fn np_env_args(np: usize, env: &[(&str, &str)]) -> Vec<String> {
    let mut a = Vec::new();
    match flavor() {
        Flavor::OpenMpi => {
            a.extend(["-np".to_string(), np.to_string()]);
            for (k, v) in env {
                a.extend(["-x".to_string(), format!("{k}={v}")]);
            }
        }
        Flavor::Mpich => {
            a.extend(["-n".to_string(), np.to_string()]);
            for (k, v) in env {
                a.extend(["-env".to_string(), k.to_string(), v.to_string()]);
            }
        }
    }
    a
}

/// The command that runs `exe args` on `np` MPI processes with `TORC_WORKERS=workers` (and
/// `env`), killed after `timeout` (what [`mpirun`] runs).
pub fn mpirun_command(
    exe: &Path,
    (np, workers): (usize, usize),
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Command {
    let w = workers.to_string();
    let mut all = vec![("TORC_WORKERS", w.as_str())];
    all.extend_from_slice(env);
    let mut cmd = mpirun_cmd(timeout);
    cmd.args(np_env_args(np, &all));
    cmd.arg(exe).args(args);
    cmd.env("TORC_WORKERS", &w);
    cmd
}

/// Runs `exe args` on `np` MPI processes with `TORC_WORKERS=workers` (and `env`), killed after
/// `timeout`.
pub fn mpirun(
    exe: &Path,
    np: usize,
    workers: usize,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Run {
    let mut cmd = mpirun_command(exe, (np, workers), args, env, timeout);
    Run::from(cmd.output().expect("run timeout/launcher"))
}

/// One program of an MPMD job (see [`mpmd`]).
pub struct Part<'a> {
    /// Processes running it.
    pub np: usize,
    /// Environment of those processes (on top of the launcher's own).
    pub env: &'a [(&'a str, &'a str)],
    /// The program.
    pub exe: &'a Path,
    /// Its arguments.
    pub args: &'a [&'a str],
}

/// Runs one MPMD job (`LAUNCHER -np 1 a : -np 2 b`), killed after `timeout`.
pub fn mpmd(parts: &[Part<'_>], timeout: Duration) -> Run {
    let mut cmd = mpirun_cmd(timeout);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            cmd.arg(":");
        }
        cmd.args(np_env_args(p.np, p.env));
        cmd.arg(p.exe).args(p.args);
    }
    Run::from(cmd.output().expect("run timeout/launcher"))
}

/// Runs `exe args` directly (no `mpirun`: MPI starts as a singleton), killed after `timeout`.
pub fn run_plain(exe: &Path, args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Run {
    let mut cmd = timed(timeout);
    cmd.arg(exe).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("run timeout"))
}

/// The value `make` returns for `key`, made once per test binary (later callers get it at once;
/// concurrent ones wait for the first).
fn once_per_binary(key: String, make: impl FnOnce() -> PathBuf) -> &'static Path {
    static MADE: Mutex<Option<HashMap<String, &'static Path>>> = Mutex::new(None);
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let map = made.get_or_insert_with(HashMap::new);
    if let Some(p) = map.get(&key) {
        return p;
    }
    // Leaked on purpose: one path per program, for the whole run of the test binary.
    let path: &'static Path = Box::leak(make().into_boxed_path());
    map.insert(key, path);
    path
}

/// The compiler options of the C programs that check the API's misuse and corner cases:
/// C99, every warning an error.
pub const STRICT: &[&str] = &["-std=c99", "-Wextra", "-Werror"];

/// The C program `src` (relative to the root, e.g. `c_examples/fibonacci.c`) compiled with
/// [`build_c`] and the options `extra`, once per test binary, into the scratch directory
/// `programs`; returns the program.
pub fn c_program(src: &str, extra: &[&str]) -> &'static Path {
    let key = format!("{src} {}", extra.join(" "));
    once_per_binary(key, || {
        let stem = Path::new(src).file_stem().expect("a file name");
        let mut name = stem.to_string_lossy().into_owned();
        if !extra.is_empty() {
            // The same source built with other options is another program.
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            extra.hash(&mut h);
            name += &format!("-{:016x}", h.finish());
        }
        let exe = scratch("programs").join(name);
        build_c(&[&root().join(src)], &exe, extra);
        exe
    })
}

/// `tests/c/NAME.c` compiled once per test binary (see [`c_program`]); returns the program.
pub fn test_program(name: &str) -> &'static Path {
    c_program(&format!("tests/c/{name}.c"), &[])
}

/// The n-th Fibonacci number (fib(0) = 0, fib(1) = 1), the value the Fibonacci programs must
/// print.
pub fn fib(n: u64) -> u64 {
    (0..n).fold((0u64, 1u64), |(a, b), _| (b, a + b)).0
}

/// Runs `cmd`, returning its stdout; panics with the command and everything it printed unless
/// it succeeds.
pub fn run_output(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {cmd:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `cmd`, panicking with its output unless it succeeds.
pub fn run_step(what: &str, cmd: &mut Command) {
    run_output(what, cmd);
}

/// The full path of program `name` (as `PATH` finds it; `name` itself if it holds a `/` or is
/// not found).
pub fn which(name: &str) -> String {
    if name.contains('/') {
        return name.to_string();
    }
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|f| f.is_file())
        })
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| name.to_string())
}

/// Configures the project's CMake build of the C examples into `scratch(name)/build`, against
/// the library cargo built (`-DTORC_LIB_DIR`, so CMake never runs cargo) and the tests' MPI,
/// and builds `targets` (every target when empty); returns the build directory.
pub fn cmake_examples(name: &str, targets: &[&str]) -> PathBuf {
    let build = scratch(name).join("build");
    let lib = lib_dir();
    assert!(
        lib.join("libtorc.so").exists(),
        "{} has no libtorc.so",
        lib.display()
    );
    let mut configure = Command::new("cmake");
    configure
        .arg("-S")
        .arg(root())
        .arg("-B")
        .arg(&build)
        .arg(format!("-DTORC_LIB_DIR={}", lib.display()))
        .arg("-DCMAKE_BUILD_TYPE=RelWithDebInfo")
        .arg("-DCMAKE_C_FLAGS=-Werror")
        // The MPI of the library (FindMPI asks these wrappers for flags).
        .arg(format!("-DMPI_C_COMPILER={}", mpicc()))
        .arg(format!("-DMPIEXEC_EXECUTABLE={}", which(&launcher())));
    if let Some(fc) = mpifc() {
        configure.arg(format!("-DMPI_Fortran_COMPILER={fc}"));
    }
    run_step("cmake configure", &mut configure);
    let mut build_cmd = Command::new("cmake");
    build_cmd
        .arg("--build")
        .arg(&build)
        .arg("--parallel")
        .arg("2");
    if !targets.is_empty() {
        build_cmd.arg("--target").args(targets);
    }
    run_step("cmake build", &mut build_cmd);
    build
}

/// The program `name` of the CMake build [`cmake_examples`] makes in `scratch(build)` (of
/// `targets`, every target when empty), configured and built once per test binary.
pub fn cmake_example(build: &str, targets: &[&str], name: &str) -> PathBuf {
    let dir = once_per_binary(format!("cmake {build}"), || cmake_examples(build, targets));
    let exe = dir.join(name);
    assert!(exe.exists(), "{} was not built", exe.display());
    exe
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The path of Rust example `name` (`target/<profile>/examples/`), built first with
/// `cargo build --examples` (once per test binary) if it is missing or older than the library
/// (`cargo test` builds the examples, but `cargo test --test X` does not).
pub fn rust_example(name: &str) -> PathBuf {
    static BUILT: Mutex<bool> = Mutex::new(false);
    let dir = lib_dir().join("examples");
    let exe = dir.join(name);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !*built {
        let stale = match (modified(&exe), modified(&lib_dir().join("libtorc.rlib"))) {
            (None, _) => true,
            (Some(exe), Some(lib)) => exe < lib,
            (Some(_), None) => false,
        };
        if stale {
            build_rust_examples();
            *built = true;
        }
    }
    assert!(
        exe.exists(),
        "example `{name}` is not at {}; build it with `cargo build --examples`",
        exe.display()
    );
    exe
}

/// `cargo build --examples` for the profile this test binary was built with.
fn build_rust_examples() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root()).arg("build").arg("--examples");
    let profile = lib_dir()
        .file_name()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.arg("--profile").arg(other);
        }
    }
    run_step("cargo build --examples", &mut cmd);
}

/// Everything a run printed, with its status, for assertion messages.
pub fn dump(run: &Run) -> String {
    format!(
        "code {:?}, timed out {}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.timed_out, run.stdout, run.stderr
    )
}

/// The lines torc printed on stderr.
pub fn torc_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("torc: "))
        .collect()
}

/// Asserts that `run` stopped because of a misuse reported by `func`, in exactly one
/// `torc: FUNC: ...` line on stderr holding every one of `fragments`: no hang, no crash, not
/// exit 0, and not exit 3 (the programs' "went on after the misuse").
pub fn assert_misuse(run: &Run, what: &str, func: &str, fragments: &[&str]) {
    run.assert_failed(what);
    assert_ne!(
        run.code,
        Some(3),
        "{what}: the misuse was not detected (the program went on)\n{}",
        dump(run)
    );
    assert!(
        !run.stderr.contains("Signal:") && !run.stderr.contains("Segmentation fault"),
        "{what}: crashed\n{}",
        dump(run)
    );
    let lines = torc_lines(run);
    assert_eq!(
        lines.len(),
        1,
        "{what}: expected exactly one `torc: ` line on stderr\n{}",
        dump(run)
    );
    let line = lines[0];
    let prefix = format!("torc: {func}: ");
    assert!(
        line.starts_with(&prefix),
        "{what}: the message must start with `{prefix}`: {line}"
    );
    for f in fragments {
        assert!(
            line.contains(f),
            "{what}: the message must name `{f}`: {line}"
        );
    }
}

/// The message of a caught panic.
pub fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}
