//! torc's C programs launched by SLURM: `srun` and `sbatch` on the one-node cluster of
//! `scripts/slurm.sh` (munged, slurmctld and slurmd as root, everything under
//! `/tmp/torc-slurm`), which the first test to need it starts (`bash scripts/slurm.sh start`,
//! once per test binary; a no-op when it is already up). When it cannot start, every test here
//! fails with the script's message: CI runs as root with `scripts/deps.sh`'s packages
//! (slurm-wlm, munge) installed.
//!
//! `c_examples/fibonacci.c`, built against `libtorc.so` with the tests' MPI (`common`), runs
//!  - under `srun -n 2` and `srun -n 3 --overcommit` (the node has the machine's real CPU
//!    count, 2 here), with `TORC_WORKERS=1`;
//!  - in a batch job submitted with `sbatch --wait` whose script runs `srun -n 2` of it;
//!  - once with an input it rejects, where `srun` must report the failure instead of hanging.
//!
//! `srun --mpi=` is what `scripts/slurm.sh mpi MPICC` says for the tests' MPI compiler
//! (`pmix` for OpenMPI, `pmi2` for MPICH). Every run has a timeout, and every job a SLURM time
//! limit, so that nothing outlives a failed test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Timeout of each `srun`/`sbatch` (2 cores: other tests may run at the same time).
const TIMEOUT: Duration = Duration::from_secs(180);
/// SLURM's own time limit of every job, in minutes (a job left behind by a killed launcher ends
/// by itself).
const JOB_MINUTES: &str = "10";
/// The input of every successful run: `fibonacci 25 12` (fib(25) = 75025, 1000+ tasks).
const FIB_ARGS: [&str; 2] = ["25", "12"];

/// The running cluster, as the tests reach it.
struct Cluster {
    /// Its `slurm.conf` (`SLURM_CONF` of every SLURM command).
    conf: String,
    /// The `srun --mpi=` plugin of the tests' MPI.
    mpi: String,
}

fn script() -> PathBuf {
    common::root().join("scripts/slurm.sh")
}

/// `bash scripts/slurm.sh ARGS` (under a timeout): its exit status and everything it printed.
fn slurm_sh(args: &[&str]) -> (bool, String) {
    let out = Command::new("timeout")
        .args(["--kill-after=10", "300", "bash"])
        .arg(script())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script().display()));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Starts the cluster (or finds it up) and asks the script for `SLURM_CONF` and `--mpi=`.
fn start_cluster() -> Result<Cluster, String> {
    let (ok, text) = slurm_sh(&["start"]);
    if !ok {
        return Err(format!(
            "the one-node SLURM cluster did not start (bash scripts/slurm.sh start):\n{text}"
        ));
    }
    let (ok, env) = slurm_sh(&["env"]);
    let conf = env
        .trim()
        .strip_prefix("export SLURM_CONF=")
        .filter(|_| ok)
        .ok_or_else(|| format!("bash scripts/slurm.sh env printed no SLURM_CONF:\n{env}"))?
        .to_string();
    let (ok, mpi) = slurm_sh(&["mpi", &common::mpicc()]);
    if !ok {
        return Err(format!(
            "bash scripts/slurm.sh mpi {} failed:\n{mpi}",
            common::mpicc()
        ));
    }
    Ok(Cluster {
        conf,
        mpi: mpi.trim().to_string(),
    })
}

/// The cluster, started once per test binary; panics with the script's output when it could not
/// start (in every test that needs it).
fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start_cluster) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

/// `c_examples/fibonacci.c` built against the library, once per test binary.
fn fibonacci() -> &'static Path {
    let lib = common::lib_dir();
    assert!(
        lib.join("libtorc.so").exists(),
        "{} has no libtorc.so: run `cargo build --lib` first",
        lib.display()
    );
    common::c_program("c_examples/fibonacci.c", &[])
}

/// `timeout ... PROGRAM` with the environment of a job on the test cluster: `SLURM_CONF`,
/// `TORC_WORKERS=1`, OpenMPI's run-as-root switches (srun and sbatch pass the environment on
/// to the tasks), and no `SLURM_*`/`SBATCH_*`/`SRUN_*`/`SALLOC_*` variable of an allocation the
/// tests themselves might run in.
fn job_command(program: &str) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("--kill-after=10")
        .arg(TIMEOUT.as_secs().to_string())
        .arg(program);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if ["SLURM_", "SBATCH_", "SRUN_", "SALLOC_"]
            .iter()
            .any(|p| k.starts_with(p))
        {
            cmd.env_remove(k.as_ref());
        }
    }
    common::mpi_env(&mut cmd);
    cmd.env("SLURM_CONF", &cluster().conf)
        .env("TORC_WORKERS", "1");
    cmd
}

/// Runs `cmd` (a [`job_command`]) to its end.
fn run(cmd: &mut Command) -> common::Run {
    let start = std::time::Instant::now();
    let out = cmd.output().expect("run timeout");
    let code = out.status.code();
    common::Run {
        // `timeout` exits with 124 when it stopped the command, and 137 when it had to kill it;
        // but srun also exits with 137 when a task was killed (by --kill-on-bad-exit): only a
        // run as long as the timeout was stopped by it.
        timed_out: code == Some(124) || start.elapsed() >= TIMEOUT,
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `srun` options of an `np`-task step of the test cluster (more tasks than CPUs allowed).
fn srun_args(np: usize) -> Vec<String> {
    vec![
        format!("--ntasks={np}"),
        "--overcommit".into(),
        format!("--mpi={}", cluster().mpi),
        format!("--time={JOB_MINUTES}"),
        "--job-name=torc-test".into(),
        // One failed task ends the step (the others are not left waiting for it).
        "--kill-on-bad-exit=1".into(),
    ]
}

/// `srun -n NP ... fibonacci ARGS` under [`TIMEOUT`].
fn srun_fibonacci(np: usize, args: &[&str]) -> common::Run {
    let mut cmd = job_command("srun");
    cmd.args(srun_args(np)).arg(fibonacci()).args(args);
    run(&mut cmd)
}

/// Asserts that `r` succeeded and printed fibonacci's result line for `fibonacci 25 12` on `np`
/// ranks of one worker each.
fn check_fibonacci(r: &common::Run, what: &str, np: usize) {
    r.assert_ok(what);
    assert!(
        !r.stdout.contains("FAIL"),
        "{what} printed a failure:\n{}",
        common::dump(r)
    );
    let want = format!("fibonacci: fib(25) = 75025 (cutoff 12, {np} nodes, {np} workers, ");
    assert!(
        r.stdout.lines().any(|l| l.starts_with(&want)),
        "{what}: no line starting with {want:?}:\n{}",
        common::dump(r)
    );
}

#[test]
fn cluster_is_up_and_start_is_idempotent() {
    cluster();
    let (ok, text) = slurm_sh(&["status"]);
    assert!(
        ok,
        "bash scripts/slurm.sh status failed after start:\n{text}"
    );
    let (ok, text) = slurm_sh(&["start"]);
    assert!(
        ok && text.contains("already up"),
        "a second bash scripts/slurm.sh start must find the cluster up:\n{text}"
    );
}

#[test]
fn fibonacci_under_srun_on_2_ranks() {
    let r = srun_fibonacci(2, &FIB_ARGS);
    check_fibonacci(&r, "srun -n 2 fibonacci 25 12", 2);
}

#[test]
fn fibonacci_under_srun_on_3_ranks() {
    let r = srun_fibonacci(3, &FIB_ARGS);
    check_fibonacci(&r, "srun -n 3 --overcommit fibonacci 25 12", 3);
}

#[test]
fn srun_reports_a_failing_program() {
    // fibonacci rejects n > 60: rank 0 exits 1 before torc_finalize, which must end the whole
    // step with a failure (not a hang of rank 1, not a success).
    let r = srun_fibonacci(2, &["61"]);
    assert!(
        !r.timed_out,
        "srun -n 2 fibonacci 61 hung:\n{}",
        common::dump(&r)
    );
    assert!(
        r.code.is_some_and(|c| c != 0),
        "srun -n 2 fibonacci 61 must fail:\n{}",
        common::dump(&r)
    );
    assert!(
        !r.stdout.contains("fibonacci: fib("),
        "srun -n 2 fibonacci 61 printed a result:\n{}",
        common::dump(&r)
    );
}

#[test]
fn fibonacci_in_sbatch_job() {
    let dir = common::scratch("slurm").join("sbatch");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the job's directory");
    let job = dir.join("job.sh");
    let output = dir.join("job.out");
    let srun = srun_args(2).join(" ");
    std::fs::write(
        &job,
        format!(
            "#!/bin/bash\n\
             #SBATCH --ntasks=2\n\
             #SBATCH --time={JOB_MINUTES}\n\
             #SBATCH --job-name=torc-sbatch-test\n\
             set -e\n\
             echo \"job $SLURM_JOB_ID: $SLURM_NTASKS tasks\"\n\
             srun {srun} '{}' {}\n\
             echo 'job: done'\n",
            fibonacci().display(),
            FIB_ARGS.join(" ")
        ),
    )
    .expect("write the job script");
    let mut cmd = job_command("sbatch");
    cmd.arg("--wait")
        .arg(format!("--output={}", output.display()))
        .arg(format!("--chdir={}", dir.display()))
        .arg(&job);
    let r = run(&mut cmd);
    let what = format!("sbatch --wait {}", job.display());
    let text = std::fs::read_to_string(&output).unwrap_or_else(|e| {
        panic!(
            "{what}: no output file {}: {e}\n{}",
            output.display(),
            common::dump(&r)
        )
    });
    let job_run = common::Run {
        code: r.code,
        stdout: text,
        stderr: r.stdout.clone() + &r.stderr,
        timed_out: r.timed_out,
    };
    check_fibonacci(&job_run, &what, 2);
    assert!(
        job_run.stdout.contains("job: done") && job_run.stdout.contains(": 2 tasks"),
        "{what}: the job script did not run to its end:\n{}",
        common::dump(&job_run)
    );
}
