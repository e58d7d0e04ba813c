//! A node's records as Chrome Trace Event JSON (the events of README.md's table), written by
//! the node itself (function addresses are named where they are valid) and joined into one
//! file by node 0.

use super::{Kind, Lane, Record};
use std::collections::HashMap;
use std::fmt::Write;

/// What a node's part of the file needs besides its records.
pub(crate) struct NodePart<'a> {
    /// The node (the events' `pid`).
    pub(crate) node: usize,
    /// Its workers (each gets a lane even when it recorded nothing).
    pub(crate) workers: usize,
    /// Whether it has a communication lane (a multi-node job).
    pub(crate) comm: bool,
    /// Node 0's start-up time, on this node's clock (ns): time 0 of the file.
    pub(crate) origin: i128,
    /// Names a task function's address.
    pub(crate) name: &'a dyn Fn(usize) -> String,
}

/// Appends `s` to `out` as a JSON string.
pub(crate) fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Microseconds with nanosecond resolution, as a JSON number.
fn micros(out: &mut String, ns: i128) {
    let ns = ns.max(0);
    let _ = write!(out, "{}.{:03}", ns / 1000, ns % 1000);
}

/// Message names by tag (`comm/wire/mod.rs`; a test there checks this table).
const TAGS: [&str; 23] = [
    "other",
    "TASK",
    "DONE",
    "STEAL_REQ",
    "STEAL_NONE",
    "STEAL_TASK",
    "STEALING",
    "RESET_STATS",
    "BCAST",
    "BCAST_ACK",
    "QUERY",
    "QUERY_REPLY",
    "TERMINATE",
    "STATS",
    "BATCH",
    "DATA",
    "BIG",
    "STEALING_ACK",
    "WATCH",
    "WATCH_REPLY",
    "DUMP",
    "DUMP_DONE",
    "STEAL_HINT",
];

/// The message kind a tag names in the trace.
pub(crate) fn tag_name(tag: u16) -> &'static str {
    TAGS.get(tag as usize).copied().unwrap_or("other")
}

/// `"0x..."`: a flow id.
fn flow(out: &mut String, id: u64) {
    let _ = write!(out, "\"0x{id:x}\"");
}

/// The events of one node, each followed by a comma and a newline.
pub(crate) fn node_events(part: &NodePart<'_>, lanes: &[(Lane, Vec<Record>, u64)]) -> String {
    let mut out = String::new();
    let pid = part.node;
    let meta = |out: &mut String, tid: usize, what: &str, key: &str, value: &str| {
        let _ = writeln!(
            out,
            "{{\"ph\":\"M\",\"pid\":{pid},\"tid\":{tid},\"name\":\"{what}\",\"args\":{{\"{key}\":{value}}}}},"
        );
    };
    meta(
        &mut out,
        0,
        "process_name",
        "name",
        &format!("\"node {pid}\""),
    );
    meta(
        &mut out,
        0,
        "process_sort_index",
        "sort_index",
        &pid.to_string(),
    );
    let mut tids: Vec<(usize, String)> = (0..part.workers)
        .map(|w| (w, format!("\"worker {w}\"")))
        .collect();
    if part.comm {
        tids.push((Lane::Comm.tid(), "\"communication\"".into()));
    }
    for (lane, _, _) in lanes {
        match lane {
            Lane::Other(k) => tids.push((lane.tid(), format!("\"thread {k}\""))),
            Lane::Fiber(w, k) => tids.push((lane.tid(), format!("\"worker {w} fiber {k}\""))),
            _ => {}
        }
    }
    for (tid, name) in &tids {
        meta(&mut out, *tid, "thread_name", "name", name);
        meta(
            &mut out,
            *tid,
            "thread_sort_index",
            "sort_index",
            &tid.to_string(),
        );
    }
    let mut names: HashMap<usize, String> = HashMap::new();
    for (lane, records, _) in lanes {
        let tid = lane.tid();
        for r in records {
            let t0 = r.t0 as i128 - part.origin;
            let dur = (r.t1.saturating_sub(r.t0)) as i128;
            // A span: `X` with its name, category and args (a JSON object's inside).
            let span = |out: &mut String, cat: &str, name: &str, args: &str| {
                let _ = write!(
                    out,
                    "{{\"ph\":\"X\",\"pid\":{pid},\"tid\":{tid},\"cat\":\"{cat}\",\"name\":"
                );
                json_string(out, name);
                out.push_str(",\"ts\":");
                micros(out, t0);
                out.push_str(",\"dur\":");
                micros(out, dur.max(1));
                if !args.is_empty() {
                    let _ = write!(out, ",\"args\":{{{args}}}");
                }
                out.push_str("},\n");
            };
            // A message's span: `dir` ("send", "recv") and its tag; `peer` names the node.
            let msg_span = |out: &mut String, dir: &str, peer: &str| {
                let name = format!("{dir} {}", tag_name(r.b));
                let args = format!("\"{peer}\":{},\"bytes\":{}", r.a, r.bytes);
                span(out, "msg", &name, &args);
            };
            // A steal's span; `peer` names the other node.
            let steal_span = |out: &mut String, name: &str, peer: &str| {
                span(out, "steal", name, &format!("\"{peer}\":{}", r.a));
            };
            match r.kind {
                Kind::Task => {
                    let name = names.entry(r.func).or_insert_with(|| (part.name)(r.func));
                    let args = format!(
                        "\"level\":{},\"bytes\":{},\"home\":{},\"visible\":{}",
                        r.a,
                        r.bytes,
                        r.b,
                        r.flag != 0
                    );
                    span(&mut out, "task", name, &args);
                    if r.id != 0 {
                        flow_event(&mut out, pid, tid, "f", r.id, t0 + 1);
                    }
                }
                Kind::Primary => span(&mut out, "primary", "primary task", ""),
                Kind::Idle => span(&mut out, "idle", "idle", ""),
                Kind::Send => msg_span(&mut out, "send", "to"),
                Kind::Recv => msg_span(&mut out, "recv", "from"),
                Kind::StealRequest => steal_span(&mut out, "steal request", "victim"),
                Kind::StealServed => {
                    let name = if r.flag == 2 {
                        "steal refused"
                    } else {
                        "steal served"
                    };
                    steal_span(&mut out, name, "thief");
                    if r.flag != 2 && r.id != 0 {
                        let ph = if r.flag == 1 { "s" } else { "t" };
                        flow_event(&mut out, pid, tid, ph, r.id, t0 + 1);
                    }
                }
                Kind::StealAnswer => {
                    let name = if r.flag == 1 {
                        "stolen task"
                    } else {
                        "steal missed"
                    };
                    steal_span(&mut out, name, "victim");
                }
                Kind::FlowStart => flow_event(&mut out, pid, tid, "s", r.id, t0),
                Kind::FlowEnd => flow_event(&mut out, pid, tid, "f", r.id, t0 + 1),
            }
        }
    }
    out
}

/// One flow event (`s`, `t` or `f`) of flow `id` at `ts` (ns from the origin).
fn flow_event(out: &mut String, pid: usize, tid: usize, ph: &str, id: u64, ts: i128) {
    let _ = write!(
        out,
        "{{\"ph\":\"{ph}\",\"pid\":{pid},\"tid\":{tid},\"cat\":\"flow\",\"name\":\"task\",\"id\":"
    );
    flow(out, id);
    out.push_str(",\"ts\":");
    micros(out, ts);
    if ph == "f" {
        out.push_str(",\"bp\":\"e\"");
    }
    out.push_str("},\n");
}

/// The whole file from every node's events (`parts[n]` is node `n`'s [`node_events`]).
pub(crate) fn file(parts: &[Vec<u8>], workers: &[usize], dropped: &[u64], cap: usize) -> Vec<u8> {
    let mut head = String::from("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":");
    json_string(&mut head, concat!("torc ", env!("CARGO_PKG_VERSION")));
    let list = |v: &[String]| v.join(",");
    let _ = write!(
        head,
        ",\"nodes\":{},\"workers\":[{}],\"dropped_events\":[{}],\"events_cap_per_node\":{cap},\
         \"clock\":\"CLOCK_MONOTONIC of each node, aligned to node 0 at start-up\"}},\n\"traceEvents\":[\n",
        parts.len(),
        list(&workers.iter().map(|w| w.to_string()).collect::<Vec<_>>()),
        list(&dropped.iter().map(|d| d.to_string()).collect::<Vec<_>>()),
    );
    let mut out = head.into_bytes();
    for p in parts {
        out.extend_from_slice(p);
    }
    // Every event ends in ",\n": drop the last comma.
    if out.ends_with(b",\n") {
        out.truncate(out.len() - 2);
        out.push(b'\n');
    }
    out.extend_from_slice(b"]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_part_is_valid_event_text() {
        let name = |f: usize| format!("f{f}");
        let part = NodePart {
            node: 1,
            workers: 2,
            comm: true,
            origin: 1000,
            name: &name,
        };
        let task = Record {
            func: 7,
            a: 2,
            b: 0,
            flag: 1,
            id: 42,
            bytes: 8,
            ..Record::span(Kind::Task, 3000, 5000)
        };
        let lanes = vec![
            (
                Lane::Worker(0),
                vec![task, Record::span(Kind::Idle, 6000, 7000)],
                0,
            ),
            (
                Lane::Comm,
                vec![Record {
                    a: 0,
                    b: 1,
                    bytes: 64,
                    ..Record::span(Kind::Recv, 2000, 2500)
                }],
                0,
            ),
        ];
        let text = node_events(&part, &lanes);
        assert!(text.contains("\"name\":\"f7\",\"ts\":2.000,\"dur\":2.000,\"args\":{\"level\":2,\"bytes\":8,\"home\":0,\"visible\":true}"), "{text}");
        assert!(text.contains("{\"ph\":\"f\",\"pid\":1,\"tid\":0,\"cat\":\"flow\",\"name\":\"task\",\"id\":\"0x2a\",\"ts\":2.001,\"bp\":\"e\"}"), "{text}");
        assert!(text.contains("\"name\":\"recv TASK\""), "{text}");
        assert!(
            text.contains("\"args\":{\"name\":\"communication\"}"),
            "{text}"
        );
        let f = file(&[text.into_bytes()], &[2], &[0], 1000);
        let s = String::from_utf8(f).unwrap();
        assert!(s.starts_with("{\"displayTimeUnit\""));
        assert!(s.ends_with("}\n]}\n"), "{s}");
        let mut j = String::new();
        json_string(&mut j, "a\"b\\c\n");
        assert_eq!(j, "\"a\\\"b\\\\c\\n\"");
    }
}
