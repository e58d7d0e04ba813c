//! What docs/operations.md#when-things-go-wrong describes: crash lines naming the task, a job
//! that stops when a task crashes, exits or a rank is killed, the watchdog's state report, the
//! state printed on `SIGUSR1`, the progress line. Every run is under a timeout; nothing waits a
//! fixed time: live runs are read line by line until what the test looks for appears.

mod common;

use common::{flavor, mpirun, mpirun_command, test_program, Flavor, Run};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(60);

fn diag(np: usize, args: &[&str], env: &[(&str, &str)]) -> Run {
    mpirun(test_program("diag"), np, 1, args, env, T)
}

/// Panics with the run's output unless `cond`.
fn check(r: &Run, cond: bool, what: &str) {
    assert!(
        cond,
        "{what} (code {:?}, timed out {}):\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.timed_out, r.stdout, r.stderr
    );
}

/// The one stderr line starting with `prefix`.
fn line_starting<'a>(r: &'a Run, prefix: &str) -> &'a str {
    let found: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with(prefix)).collect();
    check(
        r,
        found.len() == 1,
        &format!("one line starting `{prefix}`"),
    );
    found[0]
}

/// Runs `diag args` on `np` ranks; checks that the job ended by itself with a non-zero status
/// and printed one stderr line starting with `prefix`; returns the run and the rest of the line.
fn crashed(np: usize, args: &[&str], prefix: &str) -> (Run, String) {
    let r = diag(np, args, &[]);
    check(&r, !r.timed_out && r.code != Some(0), "a non-zero end");
    let rest = line_starting(&r, prefix)[prefix.len()..].to_string();
    (r, rest)
}

/// `rest` is `(diag+0x<hex>, level <level>) <tail>`.
fn check_place(r: &Run, rest: &str, level: u32, tail: &str) {
    let ok = rest
        .strip_prefix("(diag+0x")
        .and_then(|s| s.split_once(", "))
        .is_some_and(|(hex, after)| {
            u64::from_str_radix(hex, 16).is_ok() && after == format!("level {level}) {tail}")
        });
    check(
        r,
        ok,
        &format!("`{rest}` names the module, offset, level {level} and `{tail}`"),
    );
}

#[test]
fn a_task_dereferencing_null_on_node_1_names_itself_and_the_job_stops() {
    let (r, rest) = crashed(2, &["null"], "torc: node 1 worker 0: task crash_null ");
    check_place(&r, &rest, 1, "crashed: SIGSEGV at 0x0");
    check(&r, !r.stdout.contains("diag: done"), "no normal end");
}

#[test]
fn abort_in_a_task_on_node_0_names_it_and_the_job_stops() {
    let (r, rest) = crashed(2, &["abort"], "torc: node 0 worker 0: task call_abort ");
    let (place, addr) = rest.rsplit_once(" at 0x").expect("an address");
    check(
        &r,
        u64::from_str_radix(addr, 16).is_ok_and(|a| a != 0),
        "a code address",
    );
    check_place(&r, &format!("{place} "), 1, "crashed: SIGABRT ");
}

#[test]
fn a_crash_outside_any_task_gets_the_line_without_the_task_part() {
    let (r, rest) = crashed(2, &["outside"], "torc: node 0 worker 0: crashed: ");
    check(&r, rest == "SIGSEGV at 0x0", "the line");
}

#[test]
fn the_handler_chains_to_the_applications_and_torc_signals_0_installs_none() {
    let r = diag(1, &["chain"], &[]);
    check(&r, !r.timed_out && r.code != Some(0), "a non-zero end");
    let torc = r
        .stderr
        .find("torc: node 0 worker 0: task crash_null (diag+0x");
    let app = r.stderr.find("diag: the application's handler ran");
    check(
        &r,
        torc.is_some() && app.is_some() && torc < app,
        "torc's line, then the application's handler",
    );
    let r = diag(1, &["chain"], &[("TORC_SIGNALS", "0")]);
    check(&r, !r.timed_out && r.code != Some(0), "a non-zero end");
    check(
        &r,
        !r.stderr.contains("torc: node"),
        "no torc line with TORC_SIGNALS=0",
    );
    check(
        &r,
        r.stderr.contains("diag: the application's handler ran"),
        "the application's handler",
    );
}

#[test]
fn exit_inside_a_remote_task_stops_the_job_with_a_line() {
    let (r, rest) = crashed(2, &["exit"], "torc: node 1 worker 0: task call_exit ");
    check_place(
        &r,
        &rest,
        1,
        "called exit(3) before torc_finalize: the job stops",
    );
}

#[test]
fn the_watchdog_prints_every_nodes_state_and_stops_a_stuck_job() {
    let r = diag(2, &["hang"], &[("TORC_WATCHDOG", "2")]);
    check(&r, !r.timed_out && r.code != Some(0), "a non-zero end");
    for want in [
        "torc: watchdog: no task started or finished anywhere for 2.0 s while work is outstanding",
        "torc: node 0: state: 0 tasks queued",
        "torc: node 0 worker 0: the primary task waits for 1 of 1 children outstanding (1 on node 1), for ",
        "torc: node 0: remote tasks sent and not answered: 1 (1 sent to node 1)",
        "torc: node 1 worker 0: running task wait_at_barrier (level 1)",
        "torc: node 1: remote tasks sent and not answered: 0",
        "torc: watchdog: the job seems stuck (TORC_WATCHDOG=2.0): stopping it",
    ] {
        check(&r, r.stderr.lines().any(|l| l.starts_with(want)), &format!("a line `{want}`"));
    }
}

#[test]
fn the_watchdog_leaves_a_healthy_job_alone() {
    for np in [1, 2] {
        let r = diag(np, &["fine"], &[("TORC_WATCHDOG", "1")]);
        r.assert_ok("diag fine with the watchdog");
        check(&r, r.stdout.contains("diag: sum 85344"), "the tasks' sum");
        check(&r, !r.stderr.contains("watchdog"), "no watchdog line");
    }
}

/// A job running in the background, its output collected line by line.
struct Live {
    child: Child,
    out: Arc<Mutex<Vec<String>>>,
    err: Arc<Mutex<Vec<String>>>,
}

impl Live {
    fn start(np: usize, args: &[&str], env: &[(&str, &str)]) -> Live {
        let mut cmd = mpirun_command(test_program("diag"), (np, 1), args, env, T);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the job");
        let collect = |r: Box<dyn std::io::Read + Send>| {
            let lines = Arc::new(Mutex::new(Vec::new()));
            let l = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(r).lines().map_while(Result::ok) {
                    l.lock().unwrap().push(line);
                }
            });
            lines
        };
        let out = collect(Box::new(child.stdout.take().unwrap()));
        let err = collect(Box::new(child.stderr.take().unwrap()));
        Live { child, out, err }
    }

    /// Waits until a line of `which` satisfies `f` (at most `T`); returns it.
    fn wait_line(&self, stderr: bool, f: impl Fn(&str) -> bool, mut poke: impl FnMut()) -> String {
        let which = if stderr { &self.err } else { &self.out };
        let deadline = Instant::now() + T;
        loop {
            if let Some(l) = which.lock().unwrap().iter().find(|l| f(l)) {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no such line; so far:\n{}",
                self.text()
            );
            poke();
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The pid of `rank` (the program prints `pid RANK PID` at start).
    fn pid(&self, rank: usize) -> i32 {
        let prefix = format!("pid {rank} ");
        let l = self.wait_line(false, |l| l.starts_with(&prefix), || {});
        l[prefix.len()..].trim().parse().expect("a pid")
    }

    fn text(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.out.lock().unwrap().join("\n"),
            self.err.lock().unwrap().join("\n")
        )
    }

    /// Waits for the job's end: its exit code (None: killed by a signal).
    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().expect("wait for the job");
        // The readers end with the pipes.
        std::thread::sleep(Duration::from_millis(50));
        (status.code(), self.text())
    }
}

fn signal(pid: i32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success(), "kill {sig} {pid}");
}

#[test]
fn killing_a_rank_that_runs_a_task_ends_the_job_with_a_line_naming_it() {
    let dir = common::scratch("diag-kill");
    let go = dir.join("never-created");
    let _ = std::fs::remove_file(&go);
    let live = Live::start(2, &["block", go.to_str().unwrap()], &[]);
    live.wait_line(false, |l| l == "diag: waiting on node 1", || {});
    let pid = live.pid(1);
    let pid0 = live.pid(0);
    signal(pid, "-9");
    let (code, text) = live.finish();
    assert!(
        code != Some(0) && code != Some(124),
        "a non-zero end, not the timeout ({code:?}):\n{text}"
    );
    // torc's own line, or (when the launcher was faster) the launcher's: OpenMPI names the rank;
    // MPICH's hydra SIGKILLs the other processes at once (torc cannot print then) and names one
    // process of the job, not always the one that ended first, with the signal that ended it.
    let ours = text.contains("torc: node 0: lost node 1 (process ");
    let launchers = match flavor() {
        Flavor::OpenMpi => text.contains("process rank 1 with PID"),
        Flavor::Mpich => {
            (text.contains(&format!("PID {pid} RUNNING AT"))
                || text.contains(&format!("PID {pid0} RUNNING AT")))
                && text.contains("Killed (signal 9)")
        }
    };
    assert!(ours || launchers, "a line naming node 1:\n{text}");
}

#[test]
fn sigusr1_prints_the_ranks_state_and_the_job_goes_on() {
    let dir = common::scratch("diag-usr1");
    let go = dir.join("go");
    let _ = std::fs::remove_file(&go);
    let live = Live::start(
        2,
        &["block", go.to_str().unwrap()],
        &[("TORC_PROGRESS", "1")],
    );
    live.wait_line(false, |l| l == "diag: waiting on node 1", || {});
    let pid = live.pid(1);
    // Until the task runs there, the report says so; ask again until it shows the task.
    live.wait_line(
        true,
        |l| l == "torc: node 1 worker 0: running task wait_for_file (level 1)",
        || signal(pid, "-USR1"),
    );
    live.wait_line(
        true,
        |l| l.starts_with("torc: node 1: state: 0 tasks queued"),
        || {},
    );
    // The progress line of node 0: one task created, none finished yet.
    live.wait_line(
        true,
        |l| l.starts_with("torc: progress: 1 tasks created, 0 finished, "),
        || {},
    );
    std::fs::write(&go, b"").unwrap();
    let (code, text) = live.finish();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("diag: done x=7"), "{text}");
}
