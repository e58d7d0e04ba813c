//! Helpers shared by the integration tests: where the built library is, compiling C programs
//! against it with the MPI compiler, and running programs under `mpirun` with a timeout.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The project's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cargo profile directory holding `libtorc.so` / `libtorc.a` (e.g. `target/debug`).
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("profile dir")
        .to_path_buf()
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
    let mut cmd = Command::new(std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into()));
    cmd.arg("-O1")
        .arg("-g")
        .arg("-Wall")
        .arg("-I")
        .arg(root().join("include"));
    cmd.args(sources).arg("-o").arg(exe);
    cmd.arg(format!("-L{}", lib.display())).arg("-ltorc");
    cmd.arg(format!("-Wl,-rpath,{}", lib.display())).arg("-lm");
    cmd.args(extra);
    let out = cmd.output().expect("run mpicc");
    assert!(
        out.status.success(),
        "mpicc failed for {}:\n{}",
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
}

/// `timeout --kill-after=5 SECS`, with the MPI environment, ready for the command to run.
fn timed(timeout: Duration) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("--kill-after=5")
        .arg(format!("{}", timeout.as_secs().max(1)));
    mpi_env(&mut cmd);
    cmd
}

/// `timeout ... mpirun --oversubscribe --bind-to none`, ready for more arguments.
fn mpirun_cmd(timeout: Duration) -> Command {
    let mut cmd = timed(timeout);
    cmd.args(["mpirun", "--oversubscribe", "--bind-to", "none"]);
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
    let mut cmd = mpirun_cmd(timeout);
    cmd.arg("-np").arg(np.to_string());
    cmd.arg("-x").arg(format!("TORC_WORKERS={workers}"));
    for (k, v) in env {
        cmd.arg("-x").arg(format!("{k}={v}"));
    }
    cmd.arg(exe).args(args);
    cmd.env("TORC_WORKERS", workers.to_string());
    Run::from(cmd.output().expect("run timeout/mpirun"))
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

/// Runs `mpirun --oversubscribe --bind-to none ARGS` (e.g. an MPMD line with `:`), killed
/// after `timeout`.
pub fn mpirun_raw(args: &[String], timeout: Duration) -> Run {
    let mut cmd = mpirun_cmd(timeout);
    cmd.args(args);
    Run::from(cmd.output().expect("run timeout/mpirun"))
}

/// Compiles `tests/c/NAME.c` once per test binary into its scratch dir; returns the program.
pub fn test_program(name: &str) -> PathBuf {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let map = built.get_or_insert_with(HashMap::new);
    if let Some(p) = map.get(name) {
        return p.clone();
    }
    let exe = scratch("programs").join(name);
    build_c(
        &[&root().join("tests/c").join(format!("{name}.c"))],
        &exe,
        &[],
    );
    map.insert(name.to_string(), exe.clone());
    exe
}
