//! `torc-trace summary`: per worker lane how busy it was, per node what it ran, sent, received
//! and stole, and the longest spans in which no lane of the job ran a task.
//!
//! Definitions (times in microseconds, as in the file):
//! - the span of the trace: from the earliest timestamp to the latest (an `X` event's end)
//!   over all events but `M`;
//! - busy: the union of the `cat:"task"` `X` events of the lane (a nested task counts once)
//!   over the span;
//! - tasks: the `cat:"task"` `X` events whose `args.visible` is not `false` (the runtime's
//!   `executed` count); their mean length is inclusive (a task that waits includes what ran
//!   inside it);
//! - messages: `cat:"msg"` events named `send ...` / `recv ...`, bytes from `args.bytes`;
//! - steals: `cat:"steal"` events by name;
//! - critical idle spans: the gaps of the union of every lane's task events, between the first
//!   task's start and the last one's end.

use crate::intervals;
use crate::model::{LaneKind, Trace};
use std::fmt::Write;

/// How many critical idle spans are listed.
pub const IDLE_SPANS: usize = 5;

/// One lane that runs tasks.
#[derive(Debug, Clone)]
pub struct LaneStats {
    pub label: String,
    /// Union of its task events, microseconds.
    pub busy_us: f64,
    /// `busy_us` over the trace's span, percent.
    pub busy_pct: f64,
    pub tasks: u64,
    /// Sum of the inclusive durations of those tasks, microseconds.
    pub task_us: f64,
}

impl LaneStats {
    pub fn mean_task_us(&self) -> f64 {
        if self.tasks == 0 {
            0.0
        } else {
            self.task_us / self.tasks as f64
        }
    }
}

/// One node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeStats {
    pub pid: i64,
    pub tasks: u64,
    pub sent: u64,
    pub bytes_sent: u64,
    pub received: u64,
    pub bytes_received: u64,
    pub steal_requests: u64,
    pub steals_served: u64,
    pub steals_refused: u64,
    pub steal_hits: u64,
    pub steal_misses: u64,
}

/// Everything `summary` prints.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The trace's span `(start, end)`, microseconds.
    pub span: Option<(f64, f64)>,
    pub lanes: Vec<LaneStats>,
    pub nodes: Vec<NodeStats>,
    /// The longest spans without any task running, longest first.
    pub idle: Vec<(f64, f64)>,
    pub events: usize,
    pub dropped: u64,
    pub producer: Option<String>,
}

impl Summary {
    pub fn total_tasks(&self) -> u64 {
        self.nodes.iter().map(|n| n.tasks).sum()
    }
}

/// Computes the summary of `trace`.
pub fn summarize(trace: &Trace) -> Summary {
    let span = trace.time_range();
    let span_len = span.map_or(0.0, |(a, b)| b - a);
    let mut nodes: Vec<NodeStats> = trace
        .nodes()
        .into_iter()
        .map(|pid| NodeStats {
            pid,
            ..NodeStats::default()
        })
        .collect();
    let node_of = |pid: i64| nodes.binary_search_by_key(&pid, |n| n.pid).ok();
    let node_index: Vec<Option<usize>> = trace.lanes.iter().map(|l| node_of(l.pid)).collect();

    let by_lane = trace.events_by_lane();
    let mut lanes = Vec::new();
    let mut all_tasks: Vec<(f64, f64)> = Vec::new();
    for l in trace.lanes_sorted() {
        let lane = trace.lanes[l as usize];
        let mut spans = Vec::new();
        let (mut tasks, mut task_us) = (0u64, 0.0);
        for &i in &by_lane[l as usize] {
            let e = &trace.events[i as usize];
            let Some((a, b)) = e.span() else { continue };
            if trace.is(e.cat, "task") {
                spans.push((a, b));
                if e.args.visible {
                    tasks += 1;
                    task_us += b - a;
                }
            } else if lane.kind() == LaneKind::Comm {
                if let Some(n) = node_index[l as usize] {
                    let (cat, name) = (trace.text(e.cat), trace.text(e.name));
                    count_comm(cat, name, e.args.bytes, &mut nodes[n]);
                }
            }
        }
        all_tasks.extend_from_slice(&spans);
        if lane.kind() == LaneKind::Comm
            || (!matches!(lane.kind(), LaneKind::Worker(_)) && spans.is_empty())
        {
            continue;
        }
        let busy_us = intervals::length(&intervals::union(spans));
        if let Some(n) = node_index[l as usize] {
            nodes[n].tasks += tasks;
        }
        lanes.push(LaneStats {
            label: lane.label(),
            busy_us,
            busy_pct: if span_len > 0.0 {
                100.0 * busy_us / span_len
            } else {
                0.0
            },
            tasks,
            task_us,
        });
    }

    let mut idle = intervals::gaps(&intervals::union(all_tasks));
    idle.sort_by(|x, y| {
        (y.1 - y.0)
            .total_cmp(&(x.1 - x.0))
            .then(x.0.total_cmp(&y.0))
    });
    idle.truncate(IDLE_SPANS);

    Summary {
        span,
        lanes,
        nodes,
        idle,
        events: trace.events.len(),
        dropped: trace.other.dropped_total(),
        producer: trace.other.producer.clone(),
    }
}

/// Counts one `X` event (of category `cat`) of a communication lane.
fn count_comm(cat: &str, name: &str, bytes: Option<u64>, n: &mut NodeStats) {
    let bytes = bytes.unwrap_or(0);
    if cat == "msg" && name.starts_with("send ") {
        n.sent += 1;
        n.bytes_sent += bytes;
    } else if cat == "msg" && name.starts_with("recv ") {
        n.received += 1;
        n.bytes_received += bytes;
    } else if cat == "steal" {
        match name {
            "steal request" => n.steal_requests += 1,
            "steal served" => n.steals_served += 1,
            "steal refused" => n.steals_refused += 1,
            "stolen task" => n.steal_hits += 1,
            "steal missed" => n.steal_misses += 1,
            _ => {}
        }
    }
}

/// A duration in microseconds as `12.345 us`, `1.234 ms` or `2.500 s`.
pub fn fmt_us(us: f64) -> String {
    if us.abs() < 1e3 {
        format!("{us:.3} us")
    } else if us.abs() < 1e6 {
        format!("{:.3} ms", us / 1e3)
    } else {
        format!("{:.3} s", us / 1e6)
    }
}

/// The summary as text (`file` names the trace in the first line).
pub fn format(s: &Summary, file: &str) -> String {
    let mut out = String::new();
    let (start, end) = s.span.unwrap_or((0.0, 0.0));
    let _ = writeln!(
        out,
        "{file}: {}{} nodes, {} events, span {} ({:.6} s .. {:.6} s)",
        s.producer
            .as_deref()
            .map_or(String::new(), |p| format!("{p}, ")),
        s.nodes.len(),
        s.events,
        fmt_us(end - start),
        start / 1e6,
        end / 1e6
    );
    if s.dropped > 0 {
        let _ = writeln!(
            out,
            "warning: {} events were dropped (otherData.dropped_events): the figures undercount",
            s.dropped
        );
    }

    let w = s
        .lanes
        .iter()
        .map(|l| l.label.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "\nworkers (busy = time inside task events, nested ones counted once, over the whole \
         span; mean task = inclusive duration)"
    );
    let _ = writeln!(
        out,
        "{:<w$}  {:>7}  {:>12}  {:>8}  {:>12}",
        "lane", "busy %", "busy", "tasks", "mean task"
    );
    for l in &s.lanes {
        let _ = writeln!(
            out,
            "{:<w$}  {:>7.2}  {:>12}  {:>8}  {:>12}",
            l.label,
            l.busy_pct,
            fmt_us(l.busy_us),
            l.tasks,
            fmt_us(l.mean_task_us())
        );
    }

    let _ = writeln!(
        out,
        "\nnodes (messages and bytes from the communication lane)"
    );
    let heads = [
        "node",
        "tasks",
        "sent",
        "bytes sent",
        "received",
        "bytes recv",
        "steal req",
        "served",
        "refused",
        "hits",
        "missed",
    ];
    let line: Vec<String> = heads.iter().map(|h| format!("{h:>10}")).collect();
    let _ = writeln!(out, "{}", line.join(" "));
    for n in &s.nodes {
        let cells = [
            n.pid as u64,
            n.tasks,
            n.sent,
            n.bytes_sent,
            n.received,
            n.bytes_received,
            n.steal_requests,
            n.steals_served,
            n.steals_refused,
            n.steal_hits,
            n.steal_misses,
        ];
        let line: Vec<String> = cells.iter().map(|c| format!("{c:>10}")).collect();
        let _ = writeln!(out, "{}", line.join(" "));
    }

    let _ = writeln!(
        out,
        "\ncritical idle spans (no lane running a task, between the first task and the last), \
         longest first"
    );
    if s.idle.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (k, (a, b)) in s.idle.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. at {:.6} s for {}",
            k + 1,
            a / 1e6,
            fmt_us(b - a)
        );
    }

    let _ = writeln!(out);
    for n in &s.nodes {
        let _ = writeln!(out, "node {}: tasks {}", n.pid, n.tasks);
    }
    let _ = writeln!(out, "total: tasks {}", s.total_tasks());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse;
    use crate::testdata::synthetic;

    fn summary() -> Summary {
        summarize(&parse(synthetic().as_bytes()).unwrap())
    }

    #[test]
    fn counts_tasks_per_node_and_lane() {
        let s = summary();
        let tasks: Vec<(i64, u64)> = s.nodes.iter().map(|n| (n.pid, n.tasks)).collect();
        assert_eq!(tasks, vec![(0, 5), (1, 4)]);
        let lanes: Vec<(&str, u64)> = s
            .lanes
            .iter()
            .map(|l| (l.label.as_str(), l.tasks))
            .collect();
        assert_eq!(
            lanes,
            vec![("n0 w0", 3), ("n0 w1", 2), ("n1 w0", 2), ("n1 w1", 2)]
        );
        // Inclusive: n0 w0 runs 20 + 6 + 10 us in 3 tasks.
        assert!((s.lanes[0].mean_task_us() - 12.0).abs() < 1e-9);
    }

    #[test]
    fn busy_is_the_union_of_task_time_over_the_span() {
        let s = summary();
        assert_eq!(s.span, Some((0.0, 100.0)));
        let busy: Vec<f64> = s.lanes.iter().map(|l| l.busy_pct).collect();
        for (got, want) in busy.iter().zip([30.0, 42.0, 35.0, 35.0]) {
            assert!((got - want).abs() < 1e-9, "{busy:?}");
        }
    }

    #[test]
    fn counts_messages_bytes_and_steals() {
        let s = summary();
        let n0 = &s.nodes[0];
        let n1 = &s.nodes[1];
        assert_eq!(
            (n0.sent, n0.bytes_sent, n0.received, n0.bytes_received),
            (2, 80, 1, 8)
        );
        assert_eq!(
            (n1.sent, n1.bytes_sent, n1.received, n1.bytes_received),
            (1, 8, 1, 64)
        );
        let steals = |n: &NodeStats| {
            (
                n.steal_requests,
                n.steals_served,
                n.steals_refused,
                n.steal_hits,
                n.steal_misses,
            )
        };
        assert_eq!(steals(n0), (2, 1, 0, 1, 1));
        assert_eq!(steals(n1), (1, 1, 1, 1, 0));
    }

    #[test]
    fn finds_the_spans_where_nobody_runs_a_task() {
        assert_eq!(summary().idle, vec![(50.0, 55.0), (65.0, 68.0)]);
    }

    #[test]
    fn prints_parsable_task_lines() {
        let text = format(&summary(), "t.json");
        for want in ["node 0: tasks 5\n", "node 1: tasks 4\n", "total: tasks 9\n"] {
            assert!(text.contains(want), "{text}");
        }
        assert!(text.contains("1. at 0.000050 s for 5.000 us"), "{text}");
        assert!(text.contains("mean task = inclusive duration"), "{text}");
    }
}
