//! Settings from the environment: `TORC_WORKERS`, `OMP_NUM_THREADS`, `TORC_STEALING`,
//! `TORC_YIELDTIME`, `TORC_STATS`, `TORC_THROTTLING_FACTOR`, and the diagnosis settings
//! `TORC_SIGNALS`, `TORC_WATCHDOG`, `TORC_PROGRESS`, `TORC_TRACE`, `TORC_TRACE_EVENTS`.

use std::time::Duration;

/// The most worker threads per process.
pub(crate) const MAX_WORKERS: usize = 1024;

/// Run-time settings of one process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// Worker threads of this process (`TORC_WORKERS`, else `OMP_NUM_THREADS`, else 1).
    pub(crate) workers: usize,
    /// Inter-node stealing at start (`TORC_STEALING`, default off).
    pub(crate) stealing: bool,
    /// Longest an idle thread parks before looking around again (`TORC_YIELDTIME`, ms).
    pub(crate) yield_time: Duration,
    /// Print the counters at the end (`TORC_STATS`).
    pub(crate) stats: bool,
    /// `TORC_THROTTLING_FACTOR`: with more than one worker, a task created while this many
    /// times the node's workers wait at its level in the creator's queue runs at once, in
    /// its creator (default [`THROTTLING_FACTOR`]; 0 turns it off). See `sched/spawn.rs`.
    pub(crate) throttling: Option<u32>,
    /// Install the crash and `SIGUSR1` handlers (`TORC_SIGNALS`, default on).
    pub(crate) signals: bool,
    /// `TORC_WATCHDOG=S`: stop the job after S seconds without any task starting or ending
    /// while work is outstanding.
    pub(crate) watchdog: Option<Duration>,
    /// `TORC_PROGRESS`: node 0 prints tasks created and finished, at most once a second.
    pub(crate) progress: bool,
    /// `TORC_TRACE=file.json`: record a timeline and write it there at the end.
    pub(crate) trace: Option<String>,
    /// `TORC_TRACE_EVENTS`: the most trace records a node keeps.
    pub(crate) trace_events: usize,
    /// `TORC_SUSPEND`: a waiting task may be suspended on its own stack so that its worker
    /// runs any task meanwhile (default on where supported; see `src/fiber/README.md`).
    pub(crate) suspend: bool,
    /// Nodes whose starting thread (worker 0) comes on top of `workers` instead of counting
    /// among them (set by the Rust API only: [`CallerWorker`]).
    pub(crate) caller: CallerWorker,
}

/// Whether the thread that starts the runtime counts among a node's workers (`torc::api::Builder::caller`).
///
/// That thread becomes the node's worker 0: on node 0 it runs the primary task, and runs other
/// tasks only while that task waits; on the other nodes it runs tasks only inside `torc::api::serve`.
/// A program whose starting thread does other things meanwhile (an event loop, threads it
/// joins, SPMD work between task phases) asks for one worker more where it needs one, so that
/// the node's tasks never depend on that thread.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum CallerWorker {
    /// It is one of the node's `workers` (the default, as in TORC).
    #[default]
    Counted,
    /// Node 0 starts `workers` worker threads besides it; other nodes count it.
    ExtraOnNode0,
    /// Every node starts `workers` worker threads besides it.
    ExtraEverywhere,
}

/// The default of `TORC_THROTTLING_FACTOR` (as gcc's OpenMP runtime: 64 queued tasks per thread).
pub(crate) const THROTTLING_FACTOR: u32 = 64;

/// Trace records a node keeps by default (48 bytes each).
pub(crate) const TRACE_EVENTS: usize = 1_000_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            workers: 1,
            stealing: false,
            yield_time: Duration::from_millis(10),
            stats: false,
            throttling: None,
            signals: true,
            watchdog: None,
            progress: false,
            trace: None,
            trace_events: TRACE_EVENTS,
            suspend: true,
            caller: Default::default(),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub(crate) fn from_env() -> Result<Config, String> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get` (a variable's value, if set). Errors name the variable.
    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut c = Config::default();
        if let Some(v) = get("TORC_WORKERS") {
            c.workers = parse_count("TORC_WORKERS", &v)?;
        } else if let Some(v) = get("OMP_NUM_THREADS") {
            // OpenMP allows a list for nested levels; the first entry counts here.
            let first = v.split(',').next().unwrap_or("");
            c.workers = parse_count("OMP_NUM_THREADS", first)?;
        }
        if let Some(v) = get("TORC_STEALING") {
            c.stealing = parse_bool("TORC_STEALING", &v)?;
        }
        if let Some(v) = get("TORC_YIELDTIME") {
            let ms: u64 = parse_num("TORC_YIELDTIME", &v, "a whole number of milliseconds")?;
            c.yield_time = Duration::from_millis(ms.clamp(1, 60_000));
        }
        if let Some(v) = get("TORC_STATS") {
            c.stats = parse_bool("TORC_STATS", &v)?;
        }
        if let Some(v) = get("TORC_THROTTLING_FACTOR") {
            c.throttling = Some(parse_num(
                "TORC_THROTTLING_FACTOR",
                &v,
                "a non-negative integer",
            )?);
        }
        if let Some(v) = get("TORC_SIGNALS") {
            c.signals = parse_bool("TORC_SIGNALS", &v)?;
        }
        if let Some(v) = get("TORC_WATCHDOG") {
            let s: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| *s >= 0.0 && s.is_finite())
                .ok_or_else(|| {
                    format!("TORC_WATCHDOG='{v}' is not a number of seconds (0: off)")
                })?;
            c.watchdog = (s > 0.0).then(|| Duration::from_secs_f64(s.max(0.1)));
        }
        if let Some(v) = get("TORC_SUSPEND") {
            c.suspend = parse_bool("TORC_SUSPEND", &v)?;
        }
        if let Some(v) = get("TORC_PROGRESS") {
            c.progress = parse_bool("TORC_PROGRESS", &v)?;
        }
        if let Some(v) = get("TORC_TRACE") {
            let v = v.trim();
            c.trace = (!v.is_empty()).then(|| v.to_string());
        }
        if let Some(v) = get("TORC_TRACE_EVENTS") {
            c.trace_events = match v.trim().parse::<usize>() {
                Ok(n) if n >= 1000 => n,
                _ => {
                    return Err(format!(
                        "TORC_TRACE_EVENTS='{v}' is not a number of records (at least 1000)"
                    ))
                }
            };
        }
        Ok(c)
    }
}

fn parse_count(name: &str, v: &str) -> Result<usize, String> {
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name}='{v}' is not a worker count in [1, {MAX_WORKERS}]"
        )),
    }
}

/// `v` as a number, or the error `name='v' is not {what}`.
fn parse_num<T: std::str::FromStr>(name: &str, v: &str, what: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{name}='{v}' is not {what}"))
}

fn parse_bool(name: &str, v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(format!(
            "{name}='{v}' is not a boolean (use 1/0, true/false, yes/no, on/off)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_lookup(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_and_precedence() {
        assert_eq!(cfg(&[]).unwrap(), Config::default());
        assert_eq!(cfg(&[("OMP_NUM_THREADS", "3,2")]).unwrap().workers, 3);
        let c = cfg(&[("OMP_NUM_THREADS", "3"), ("TORC_WORKERS", "2")]).unwrap();
        assert_eq!(c.workers, 2);
        let c = cfg(&[
            ("TORC_STEALING", "yes"),
            ("TORC_STATS", "1"),
            ("TORC_YIELDTIME", "5"),
        ])
        .unwrap();
        assert!(c.stealing && c.stats);
        assert_eq!(c.yield_time, Duration::from_millis(5));
        assert_eq!(
            cfg(&[("TORC_THROTTLING_FACTOR", "4")]).unwrap().throttling,
            Some(4)
        );
        let c = cfg(&[
            ("TORC_SIGNALS", "0"),
            ("TORC_WATCHDOG", "2.5"),
            ("TORC_PROGRESS", "1"),
            ("TORC_TRACE", "t.json"),
            ("TORC_TRACE_EVENTS", "5000"),
        ])
        .unwrap();
        assert!(!c.signals && c.progress);
        assert_eq!(c.watchdog, Some(Duration::from_millis(2500)));
        assert_eq!(c.trace.as_deref(), Some("t.json"));
        assert_eq!(c.trace_events, 5000);
        assert_eq!(cfg(&[("TORC_WATCHDOG", "0")]).unwrap().watchdog, None);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (k, v) in [
            ("TORC_WORKERS", "0"),
            ("TORC_WORKERS", "two"),
            ("TORC_WORKERS", "5000"),
            ("OMP_NUM_THREADS", "-1"),
            ("TORC_STEALING", "maybe"),
            ("TORC_YIELDTIME", "1.5x"),
            ("TORC_STATS", "2"),
            ("TORC_THROTTLING_FACTOR", "-3"),
            ("TORC_SIGNALS", "x"),
            ("TORC_WATCHDOG", "-1"),
            ("TORC_WATCHDOG", "soon"),
            ("TORC_PROGRESS", "2"),
            ("TORC_TRACE_EVENTS", "10"),
        ] {
            let e = cfg(&[(k, v)]).unwrap_err();
            assert!(e.starts_with(&format!("{k}='{v}'")), "{e}");
        }
    }
}
