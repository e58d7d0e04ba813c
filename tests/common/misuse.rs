//! The misuse harness of the C API's case programs (`tests/c/bad_input.c`, `tests/c/spmd_bad.c`):
//! a program whose `argv[1]` names one case (one misuse, or `ok` for the valid calls), started
//! in several ways; a misuse must stop the run with exactly one `torc: FUNC: ...` line naming the
//! offending value ([`assert_misuse`]), a valid case must exit 0 with the program's `PROG: ok`
//! line and no `torc: ` line.

use super::{assert_misuse, c_program, dump, mpirun, panic_message, run_plain, torc_lines, Run};
use std::path::Path;
use std::time::Duration;

/// How a case is started.
#[derive(Clone, Copy, Debug)]
pub enum Launch {
    /// Under the launcher: `mpirun -np RANKS` with WORKERS workers per rank.
    Mpirun(usize, usize),
    /// Directly (MPI singleton) with this many workers.
    Plain(usize),
}

/// One rank of 1 worker under the launcher.
pub const MPI1: Launch = Launch::Mpirun(1, 1);
/// One rank of 2 workers under the launcher.
pub const MPI2: Launch = Launch::Mpirun(1, 2);
/// Two ranks of 1 worker.
pub const RANKS2: Launch = Launch::Mpirun(2, 1);
/// Without the launcher, 1 worker.
pub const PLAIN1: Launch = Launch::Plain(1);
/// Without the launcher, 2 workers.
pub const PLAIN2: Launch = Launch::Plain(2);

/// A case program: `tests/c/NAME.c`, built once per test binary with [`super::STRICT`] and
/// `-pthread`.
pub struct Cases {
    /// The program's name, which starts its `NAME: ok` line.
    pub name: &'static str,
    /// The built program.
    pub exe: &'static Path,
    /// The timeout of each run.
    pub timeout: Duration,
}

impl Cases {
    pub fn new(name: &'static str, timeout: Duration) -> Cases {
        let flags: Vec<&str> = super::STRICT.iter().copied().chain(["-pthread"]).collect();
        let exe = c_program(&format!("tests/c/{name}.c"), &flags);
        Cases { name, exe, timeout }
    }

    /// Runs `case` started as `how`, with `env` (on every rank).
    pub fn launch(&self, how: Launch, case: &str, env: &[(&str, &str)]) -> Run {
        match how {
            Launch::Mpirun(np, w) => mpirun(self.exe, np, w, &[case], env, self.timeout),
            Launch::Plain(w) => {
                let w = w.to_string();
                let mut all: Vec<(&str, &str)> = vec![("TORC_WORKERS", &w)];
                all.extend_from_slice(env);
                run_plain(self.exe, &[case], &all, self.timeout)
            }
        }
    }

    /// Runs `case` with every launch in `hows` (and `env`) and checks each report of the misuse
    /// by `func` holding every one of `fragments`; checks them all, then panics listing every
    /// failure.
    pub fn misuse(
        &self,
        case: &str,
        hows: &[Launch],
        env: &[(&str, &str)],
        func: &str,
        fragments: &[&str],
    ) {
        let mut failures = Vec::new();
        for &how in hows {
            let r = self.launch(how, case, env);
            let what = format!("case {case} ({how:?}, env {env:?})");
            let check = std::panic::AssertUnwindSafe(|| assert_misuse(&r, &what, func, fragments));
            if let Err(e) = std::panic::catch_unwind(check) {
                failures.push(panic_message(&*e));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Asserts that `run` of a valid case exited 0, printed the program's `NAME: ok` line and no
    /// `torc: ` line.
    pub fn assert_valid(&self, run: &Run, what: &str) {
        run.assert_ok(what);
        assert!(
            run.stdout.contains(&format!("{}: ok", self.name)),
            "{what}: no result line\n{}",
            dump(run)
        );
        assert!(
            torc_lines(run).is_empty(),
            "{what}: a valid program printed a torc error\n{}",
            dump(run)
        );
    }
}
