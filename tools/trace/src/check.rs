//! `torc-trace check`: the rules of the Chrome Trace Event format as src/trace/README.md uses
//! them. Per event: the field types, non-negative `ts` (all but `M`) and `dur` (`X`), the four
//! `M` kinds with their `args`, `id` and `cat` on flow events, no phases the runtime does not
//! write. Over the file: every flow id has one `s`, one `f` not earlier than it and its `t`
//! steps between; every lane with events has a `thread_name` and every node a `process_name`
//! (each once); the `X` events of each lane nest.

use crate::model::{Phase, Trace};
use std::collections::HashMap;

/// Problems listed in full; the rest are counted.
pub const SHOWN: usize = 20;

/// Slack of the time comparisons (microseconds): the file's times are decimal renderings of
/// nanosecond values, so sums such as `ts + dur` may be off by a rounding step.
pub const TOLERANCE_US: f64 = 0.001;

/// [`TOLERANCE_US`] as compared: with room for the binary rounding of the decimal times, so
/// that two times that differ by exactly 0.001 us in the file pass.
const SLACK: f64 = TOLERANCE_US + 1e-7;

/// The outcome of a check.
#[derive(Debug, Default)]
pub struct Report {
    /// The first [`SHOWN`] problems.
    pub problems: Vec<String>,
    /// How many problems there are in all.
    pub total: usize,
    /// Remarks that are not problems (dropped events).
    pub notes: Vec<String>,
    pub events: usize,
    pub nodes: usize,
    pub lanes: usize,
    pub tasks: usize,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.total == 0
    }

    fn add(&mut self, problem: impl FnOnce() -> String) {
        if self.problems.len() < SHOWN {
            self.problems.push(problem());
        }
        self.total += 1;
    }

    /// `ok: N events, P nodes, L lanes, T tasks`.
    pub fn ok_line(&self) -> String {
        format!(
            "ok: {} events, {} nodes, {} lanes, {} tasks",
            self.events, self.nodes, self.lanes, self.tasks
        )
    }

    /// The problems, one a line, then how many were not shown.
    pub fn problem_lines(&self) -> Vec<String> {
        let mut lines = self.problems.clone();
        if self.total > self.problems.len() {
            lines.push(format!(
                "... and {} more problems",
                self.total - self.problems.len()
            ));
        }
        lines
    }
}

/// What one flow id has.
#[derive(Default)]
struct Flow {
    first: usize,
    starts: usize,
    ends: usize,
    start_ts: f64,
    end_ts: f64,
    /// Earliest and latest `t`.
    steps: Option<(f64, f64, usize)>,
    differs: bool,
}

/// Checks `trace`.
pub fn check(trace: &Trace) -> Report {
    let mut r = Report {
        events: trace.events.len(),
        nodes: trace.nodes().len(),
        lanes: trace.lanes.len(),
        ..Report::default()
    };
    // M events per (kind, lane), and what has events other than M.
    let mut meta: HashMap<(&'static str, u32), usize> = HashMap::new();
    let mut lane_used = vec![false; trace.lanes.len()];
    let mut flows: HashMap<u32, Flow> = HashMap::new();

    for (i, e) in trace.events.iter().enumerate() {
        let d = || trace.describe(i);
        if !e.object {
            r.add(|| format!("{}: not a JSON object", d()));
            continue;
        }
        if e.ph.is_none() {
            r.add(|| format!("{}: `ph` missing or not a string", d()));
        }
        if e.name.is_none() {
            r.add(|| format!("{}: `name` missing or not a string", d()));
        }
        if e.pid.is_none() {
            r.add(|| format!("{}: `pid` missing or not an integer", d()));
        }
        if e.tid.is_none() {
            r.add(|| format!("{}: `tid` missing or not an integer", d()));
        }
        let Some(ph) = e.ph else { continue };
        if ph == Phase::Meta {
            check_meta(trace, i, &mut r, &mut meta);
            continue;
        }
        if let Some(l) = e.lane {
            lane_used[l as usize] = true;
        }
        match e.ts {
            None => r.add(|| format!("{}: `ts` missing or not a number", d())),
            Some(ts) if ts < 0.0 => r.add(|| format!("{}: negative `ts` {ts}", d())),
            Some(_) => {}
        }
        match ph {
            Phase::Complete => match e.dur {
                None => r.add(|| format!("{}: `dur` missing or not a number", d())),
                Some(dur) if dur < 0.0 => r.add(|| format!("{}: negative `dur` {dur}", d())),
                Some(_) => {}
            },
            Phase::FlowStart | Phase::FlowStep | Phase::FlowEnd => {
                if e.cat.is_none() {
                    r.add(|| format!("{}: flow event without a string `cat`", d()));
                }
                match e.id {
                    None => r.add(|| format!("{}: flow event without an `id`", d())),
                    Some(id) => note_flow(trace, i, flows.entry(id).or_default()),
                }
            }
            Phase::Other(p) => r.add(|| {
                format!(
                    "{}: phase {:?} is not one the runtime writes (X, M, s, t, f)",
                    d(),
                    trace.syms.name(p)
                )
            }),
            Phase::Meta => unreachable!(),
        }
    }

    check_names(trace, &mut r, &meta, &lane_used);
    check_flows(trace, &mut r, flows);
    check_nesting(trace, &mut r);
    r.tasks = trace
        .events
        .iter()
        .filter(|e| e.args.visible && trace.is_task(e))
        .count();
    r
}

/// An `M` event: one of the four kinds, with its `args`.
fn check_meta(
    trace: &Trace,
    i: usize,
    r: &mut Report,
    meta: &mut HashMap<(&'static str, u32), usize>,
) {
    let e = &trace.events[i];
    let d = || trace.describe(i);
    let (kind, wants_name): (&'static str, bool) = match trace.text(e.name) {
        "process_name" => ("process_name", true),
        "thread_name" => ("thread_name", true),
        "process_sort_index" => ("process_sort_index", false),
        "thread_sort_index" => ("thread_sort_index", false),
        other => {
            if e.name.is_some() {
                r.add(|| format!("{}: unknown metadata event {other:?}", d()));
            }
            return;
        }
    };
    if e.args.not_object {
        r.add(|| format!("{}: `args` is not an object", d()));
    } else if wants_name && e.args.name.is_none() {
        r.add(|| format!("{}: {kind} needs a string `args.name`", d()));
    } else if !wants_name && e.args.sort_index.is_none() {
        r.add(|| format!("{}: {kind} needs an integer `args.sort_index`", d()));
    }
    // process_* are per node: keyed by the node's first lane seen with that pid.
    if let (Some(pid), Some(lane)) = (e.pid, e.lane) {
        let key = if kind.starts_with("process") {
            pid_key(trace, pid)
        } else {
            lane
        };
        *meta.entry((kind, key)).or_default() += 1;
    }
}

/// A stable key of node `pid` among the lane keys: the index of its first lane.
fn pid_key(trace: &Trace, pid: i64) -> u32 {
    trace.lanes.iter().position(|l| l.pid == pid).unwrap_or(0) as u32
}

/// Every lane with events named once, every node named once, no duplicated sort index.
fn check_names(
    trace: &Trace,
    r: &mut Report,
    meta: &HashMap<(&'static str, u32), usize>,
    lane_used: &[bool],
) {
    let count = |kind: &'static str, key: u32| meta.get(&(kind, key)).copied().unwrap_or(0);
    let mut pid_keys: Vec<(i64, u32)> = Vec::new();
    for (l, lane) in trace.lanes.iter().enumerate() {
        let l = l as u32;
        let key = pid_key(trace, lane.pid);
        if key == l {
            pid_keys.push((lane.pid, key));
        }
        if lane_used[l as usize] && count("thread_name", l) == 0 {
            r.add(|| {
                format!(
                    "lane {} (pid {}, tid {}) has events but no thread_name",
                    lane.label(),
                    lane.pid,
                    lane.tid
                )
            });
        }
        for kind in ["thread_name", "thread_sort_index"] {
            let n = count(kind, l);
            if n > 1 {
                r.add(|| format!("lane {} has {n} {kind} events", lane.label()));
            }
        }
    }
    for (pid, key) in pid_keys {
        let used = trace
            .lanes
            .iter()
            .zip(lane_used)
            .any(|(l, &u)| u && l.pid == pid);
        if used && count("process_name", key) == 0 {
            r.add(|| format!("node {pid} (pid {pid}) has events but no process_name"));
        }
        for kind in ["process_name", "process_sort_index"] {
            let n = count(kind, key);
            if n > 1 {
                r.add(|| format!("node {pid} has {n} {kind} events"));
            }
        }
    }
}

/// Adds flow event `i` to what its id has.
fn note_flow(trace: &Trace, i: usize, flow: &mut Flow) {
    let e = &trace.events[i];
    let ts = e.ts.unwrap_or(f64::NAN);
    if flow.starts + flow.ends == 0 && flow.steps.is_none() {
        flow.first = i;
    } else {
        let first = &trace.events[flow.first];
        flow.differs |= first.cat != e.cat || first.name != e.name;
    }
    match e.ph {
        Some(Phase::FlowStart) => {
            flow.starts += 1;
            flow.start_ts = ts;
        }
        Some(Phase::FlowEnd) => {
            flow.ends += 1;
            flow.end_ts = ts;
        }
        _ => {
            let (lo, hi, n) = flow.steps.unwrap_or((ts, ts, 0));
            flow.steps = Some((lo.min(ts), hi.max(ts), n + 1));
        }
    }
}

/// One `s`, one `f` not before it, the `t` steps between. Without the `s` or the `f` while
/// the file says events were dropped, the flow is only counted in a note.
fn check_flows(trace: &Trace, r: &mut Report, flows: HashMap<u32, Flow>) {
    let dropped = trace.other.dropped_total();
    let mut flows: Vec<(u32, Flow)> = flows.into_iter().collect();
    flows.sort_by_key(|(_, f)| f.first);
    let mut incomplete = 0usize;
    for (id, f) in flows {
        let name = || {
            format!(
                "flow {} (from {})",
                trace.syms.name(id),
                trace.describe(f.first)
            )
        };
        if dropped > 0 && (f.starts == 0 || f.ends == 0) && f.starts <= 1 && f.ends <= 1 {
            incomplete += 1;
            continue;
        }
        match f.starts {
            0 => r.add(|| format!("{}: no start (`s`)", name())),
            1 => {}
            n => r.add(|| format!("{}: {n} starts (`s`), one expected", name())),
        }
        match f.ends {
            0 => r.add(|| format!("{}: no end (`f`)", name())),
            1 => {}
            n => r.add(|| format!("{}: {n} ends (`f`), one expected", name())),
        }
        if f.differs {
            r.add(|| format!("{}: its events differ in `cat` or `name`", name()));
        }
        if f.starts != 1 || f.ends != 1 {
            continue;
        }
        let (s, e) = (f.start_ts, f.end_ts);
        if e < s - SLACK {
            r.add(|| {
                format!(
                    "{}: ends at {e:.3} us, before its start at {s:.3} us",
                    name()
                )
            });
        }
        if let Some((lo, hi, n)) = f.steps {
            if lo < s - SLACK || hi > e + SLACK {
                r.add(|| {
                    format!(
                        "{}: {n} step(s) (`t`) between {lo:.3} and {hi:.3} us, outside its \
                         start {s:.3} and end {e:.3} us",
                        name()
                    )
                });
            }
        }
    }
    if incomplete > 0 {
        r.notes.push(format!(
            "note: {incomplete} flows lack their start or end; expected, as {dropped} events \
             were dropped (otherData.dropped_events)"
        ));
    }
}

/// On each lane, any two `X` events are disjoint or one contains the other.
fn check_nesting(trace: &Trace, r: &mut Report) {
    for (l, events) in trace.events_by_lane().iter().enumerate() {
        let mut spans: Vec<(f64, f64, u32)> = events
            .iter()
            .filter_map(|&i| {
                let (a, b) = trace.events[i as usize].span()?;
                Some((a, b, i))
            })
            .collect();
        spans.sort_by(|x, y| x.0.total_cmp(&y.0).then(y.1.total_cmp(&x.1)));
        let mut stack: Vec<(f64, u32)> = Vec::new();
        for (start, end, i) in spans {
            while stack
                .last()
                .is_some_and(|&(top_end, _)| top_end <= start + SLACK)
            {
                stack.pop();
            }
            if let Some(&(top_end, j)) = stack.last() {
                if end > top_end + SLACK {
                    r.add(|| {
                        let (js, je) = trace.events[j as usize].span().unwrap_or_default();
                        format!(
                            "lane {}: {} ({start:.3}..{end:.3} us) overlaps {} \
                             ({js:.3}..{je:.3} us) without nesting in it",
                            trace.lanes[l].label(),
                            trace.describe(i as usize),
                            trace.describe(j as usize)
                        )
                    });
                    // Go on as if it ended with the one it overlaps.
                    stack.push((top_end, i));
                    continue;
                }
            }
            stack.push((end, i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse;
    use crate::testdata::{synthetic, synthetic_with};

    fn run(text: &str) -> Report {
        check(&parse(text.as_bytes()).expect("parses"))
    }

    fn assert_mentions(r: &Report, want: &str) {
        assert!(
            r.problems.iter().any(|p| p.contains(want)),
            "no problem mentions {want:?}: {:#?}",
            r.problems
        );
    }

    fn assert_one_problem(text: &str, want: &str) {
        let r = run(text);
        assert!(!r.ok(), "must fail: {want}");
        assert_mentions(&r, want);
    }

    #[test]
    fn accepts_the_synthetic_trace() {
        let r = run(&synthetic());
        assert!(r.ok(), "{:#?}", r.problems);
        assert_eq!(r.nodes, 2);
        assert_eq!(r.lanes, 6);
        assert_eq!(r.tasks, 9);
        assert_eq!(
            r.ok_line(),
            format!("ok: {} events, 2 nodes, 6 lanes, 9 tasks", r.events)
        );
    }

    #[test]
    fn rejects_overlapping_events_that_do_not_nest() {
        let extra = r#"{"ph":"X","cat":"task","name":"bad","pid":1,"tid":1,"ts":15,"dur":30,
                        "args":{"level":0,"bytes":0,"home":1,"visible":true}}"#;
        assert_one_problem(&synthetic_with(&[extra], &[]), "without nesting");
    }

    #[test]
    fn allows_rounding_slack_in_nesting() {
        // Ends 0.0005 us after its parent (10..40 on n1 w1).
        let extra = r#"{"ph":"X","cat":"idle","name":"idle","pid":1,"tid":1,"ts":35,
                        "dur":5.0005}"#;
        let r = run(&synthetic_with(&[extra], &[]));
        assert!(r.ok(), "{:#?}", r.problems);
        // Times rounded to 3 decimals apart: one ends 0.001 us after the next one starts.
        let touching = [
            r#"{"ph":"X","cat":"task","name":"a","pid":0,"tid":1,"ts":1100.017,"dur":82.823}"#,
            r#"{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":1,"ts":1182.839,"dur":1.929}"#,
        ];
        let r = run(&synthetic_with(&touching, &[]));
        assert!(r.ok(), "{:#?}", r.problems);
        // 0.002 us is too much.
        let apart = [
            r#"{"ph":"X","cat":"task","name":"a","pid":0,"tid":1,"ts":1100.017,"dur":82.824}"#,
            r#"{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":1,"ts":1182.839,"dur":1.929}"#,
        ];
        assert!(!run(&synthetic_with(&apart, &[])).ok());
    }

    #[test]
    fn rejects_a_flow_without_its_start() {
        let extra = r#"{"ph":"f","bp":"e","cat":"flow","name":"task","id":"0x99","pid":1,
                        "tid":0,"ts":20.001}"#;
        assert_one_problem(&synthetic_with(&[extra], &[]), "no start (`s`)");
    }

    #[test]
    fn a_flow_cut_by_dropped_events_is_a_note() {
        let extra = r#"{"ph":"f","bp":"e","cat":"flow","name":"task","id":"0x99","pid":1,
                        "tid":0,"ts":20.001}"#;
        let text = synthetic_with(&[extra], &[])
            .replace("\"dropped_events\":[0,0]", "\"dropped_events\":[5,0]");
        let r = run(&text);
        assert!(r.ok(), "{:#?}", r.problems);
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
    }

    #[test]
    fn rejects_a_flow_ending_before_it_starts() {
        let extra = [
            r#"{"ph":"s","cat":"flow","name":"task","id":"0x98","pid":0,"tid":0,"ts":30}"#,
            r#"{"ph":"f","bp":"e","cat":"flow","name":"task","id":"0x98","pid":1,"tid":0,"ts":20.001}"#,
        ];
        assert_one_problem(&synthetic_with(&extra, &[]), "before its start");
    }

    #[test]
    fn rejects_a_lane_without_thread_name() {
        let text = synthetic_with(&[], &[r#""pid":1,"tid":1,"args":{"name":"worker 1"}"#]);
        assert_one_problem(
            &text,
            "lane n1 w1 (pid 1, tid 1) has events but no thread_name",
        );
    }

    #[test]
    fn rejects_negative_dur_and_bad_fields() {
        let extra = [
            r#"{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":1,"ts":90,"dur":-1}"#,
            r#"{"ph":"X","cat":"idle","name":"idle","pid":"0","tid":1,"ts":90,"dur":1}"#,
            r#"{"ph":"M","name":"thread_name","pid":0,"tid":1,"args":{}}"#,
            r#"{"ph":"B","name":"b","pid":0,"tid":1,"ts":1}"#,
            r#"{"ph":"s","name":"task","pid":0,"tid":1,"ts":1}"#,
            r#"{"ph":"X","name":"x","pid":0,"tid":1,"ts":-2,"dur":0}"#,
            r#"17"#,
        ];
        let r = run(&synthetic_with(&extra, &[]));
        for want in [
            "negative `dur` -1",
            "`pid` missing or not an integer",
            "thread_name needs a string `args.name`",
            "phase \"B\" is not one the runtime writes",
            "flow event without a string `cat`",
            "flow event without an `id`",
            "negative `ts` -2",
            "not a JSON object",
            "lane n0 w1 has 2 thread_name events",
        ] {
            assert_mentions(&r, want);
        }
    }

    #[test]
    fn lists_twenty_problems_then_counts_the_rest() {
        let bad: Vec<String> = (0..25)
            .map(|k| format!(r#"{{"ph":"X","name":"x","pid":0,"tid":1,"ts":{k},"dur":-1}}"#))
            .collect();
        let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
        let r = run(&synthetic_with(&bad, &[]));
        assert_eq!(r.total, 25);
        let lines = r.problem_lines();
        assert_eq!(lines.len(), SHOWN + 1);
        assert_eq!(lines[SHOWN], "... and 5 more problems");
    }
}
