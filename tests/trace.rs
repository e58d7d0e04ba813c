//! `TORC_TRACE` (src/trace/README.md): a C example at 2 ranks x 2 workers writes a trace that
//! is valid Chrome Trace Event JSON by the format's rules (checked here, and by `torc-trace
//! check`), whose task events per node equal the `TORC_STATS` line, with flows from remote
//! creation to run, and which `torc-trace` turns into a PNG that is not blank and a summary
//! whose counts agree. The tool is built by `scripts/test.sh` (`cargo build -p torc-trace`)
//! beside the library.

mod common;

use common::{c_program, lib_dir, mpirun, mpmd, scratch, Part};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

fn tool() -> PathBuf {
    let t = lib_dir().join("torc-trace");
    assert!(
        t.exists(),
        "{} is missing: build it first (cargo build -p torc-trace)",
        t.display()
    );
    t
}

/// Runs `torc-trace WORDS...`: whether it succeeded, and its standard output.
fn tool_run(words: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(tool()).args(words).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Runs sqrt_mw N at `np` ranks x 2 workers with `TORC_TRACE`; returns the trace's text and
/// the executed count of each node from its statistics line.
fn traced_run(np: usize, n: usize, dir: &Path) -> (PathBuf, Vec<u64>) {
    traced("sqrt_mw", np, &[&n.to_string()], &[], dir)
}

/// Runs the C example `name` with `args` at `np` ranks x 2 workers with `TORC_TRACE` (and
/// `env`); returns the trace file and each node's executed count from its statistics line.
fn traced(
    name: &str,
    np: usize,
    args: &[&str],
    env: &[(&str, &str)],
    dir: &Path,
) -> (PathBuf, Vec<u64>) {
    let exe = c_program(&format!("c_examples/{name}.c"), &[]);
    let file = dir.join(format!("{name}_{np}.json"));
    let _ = std::fs::remove_file(&file);
    let f = file.to_str().unwrap();
    let mut all = vec![("TORC_TRACE", f), ("TORC_STATS", "1")];
    all.extend_from_slice(env);
    let r = mpirun(exe, np, 2, args, &all, T);
    r.assert_ok(&format!("{name} with TORC_TRACE"));
    let mut executed = vec![0; np];
    for l in r.stderr.lines() {
        // torc stats: node N: created C executed E [..] ...
        if let Some(rest) = l.strip_prefix("torc stats: node ") {
            let (node, rest) = rest.split_once(':').unwrap();
            let e = rest
                .split_whitespace()
                .skip_while(|w| *w != "executed")
                .nth(1);
            executed[node.parse::<usize>().unwrap()] = e.unwrap().parse().unwrap();
        }
    }
    assert!(file.exists(), "no trace written:\n{}", r.stderr);
    (file, executed)
}

/// Checks the rules of the format on the parsed file; returns the visible task events per
/// node.
fn check_rules(v: &Value, nodes: usize) -> Vec<u64> {
    let events = v["traceEvents"].as_array().expect("a traceEvents array");
    assert_eq!(v["otherData"]["nodes"], nodes);
    let mut tasks = vec![0u64; nodes];
    let mut lanes: HashMap<(u64, u64), Vec<(f64, f64)>> = HashMap::new();
    let mut named_threads = Vec::new();
    let mut named_procs = Vec::new();
    let mut flows: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for e in events {
        let ph = e["ph"].as_str().expect("ph");
        let pid = e["pid"].as_u64().expect("pid");
        let tid = e["tid"].as_u64().expect("tid");
        assert!(e["name"].is_string(), "a name: {e}");
        if ph == "M" {
            let what = e["name"].as_str().unwrap();
            assert!(e["args"].is_object(), "{e}");
            match what {
                "thread_name" => named_threads.push((pid, tid)),
                "process_name" => named_procs.push(pid),
                "process_sort_index" | "thread_sort_index" => {}
                other => panic!("unexpected metadata {other}"),
            }
            continue;
        }
        let ts = e["ts"].as_f64().expect("ts");
        assert!(ts >= 0.0, "{e}");
        match ph {
            "X" => {
                let dur = e["dur"].as_f64().expect("dur");
                assert!(dur >= 0.0, "{e}");
                lanes.entry((pid, tid)).or_default().push((ts, ts + dur));
                if e["cat"] == "task" && e["args"]["visible"] == true {
                    tasks[pid as usize] += 1;
                    assert!(e["args"]["level"].as_u64().unwrap() >= 1, "{e}");
                }
            }
            "s" | "t" | "f" => {
                assert_eq!(e["cat"], "flow");
                let id = e["id"].as_str().expect("a string id").to_string();
                flows.entry(id).or_default().push((ph.to_string(), ts));
            }
            other => panic!("unexpected phase {other}: {e}"),
        }
    }
    for (lane, spans) in &mut lanes {
        assert!(
            named_threads.contains(lane),
            "lane {lane:?} has a thread_name"
        );
        assert!(
            named_procs.contains(&lane.0),
            "node {} has a process_name",
            lane.0
        );
        // Properly nested: sorted by start (longest first), each span ends before the
        // innermost open one does, or after it closed.
        spans.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut open: Vec<f64> = Vec::new();
        for &(s, e) in spans.iter() {
            while open.last().is_some_and(|&end| end <= s + 1e-3) {
                open.pop();
            }
            if let Some(&end) = open.last() {
                assert!(
                    e <= end + 1e-3,
                    "lane {lane:?}: [{s}, {e}] overlaps a span ending {end}"
                );
            }
            open.push(e);
        }
    }
    for (id, mut evs) in flows {
        evs.sort_by(|a, b| a.1.total_cmp(&b.1));
        let phases: Vec<&str> = evs.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            phases.first(),
            Some(&"s"),
            "flow {id} starts with s: {phases:?}"
        );
        assert_eq!(
            phases.last(),
            Some(&"f"),
            "flow {id} ends with f: {phases:?}"
        );
        assert!(
            phases[1..phases.len() - 1].iter().all(|p| *p == "t"),
            "{id}: {phases:?}"
        );
    }
    tasks
}

/// Decodes an 8-bit RGB or RGBA PNG: (width, height, distinct colours).
fn png_colours(bytes: &[u8]) -> (u32, u32, usize) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    let (mut at, mut idat) = (8, Vec::new());
    let (mut w, mut h, mut channels) = (0u32, 0u32, 0usize);
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                w = u32::from_be_bytes(data[0..4].try_into().unwrap());
                h = u32::from_be_bytes(data[4..8].try_into().unwrap());
                assert_eq!(data[8], 8, "8-bit");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    c => panic!("colour type {c}"),
                };
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        at += 12 + len;
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).expect("zlib data");
    let stride = w as usize * channels;
    let mut prev = vec![0u8; stride];
    let mut colours = std::collections::HashSet::new();
    for row in raw.chunks(stride + 1).take(h as usize) {
        let (filter, line) = (row[0], &row[1..]);
        let mut cur = vec![0u8; stride];
        for i in 0..stride {
            let a = if i >= channels {
                cur[i - channels] as i32
            } else {
                0
            };
            let b = prev[i] as i32;
            let c = if i >= channels {
                prev[i - channels] as i32
            } else {
                0
            };
            let pred = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            cur[i] = (line[i] as i32 + pred) as u8;
        }
        for px in cur.chunks(channels) {
            colours.insert(px.to_vec());
        }
        prev = cur;
    }
    (w, h, colours.len())
}

#[test]
fn a_two_rank_trace_is_valid_counts_the_tasks_and_draws_a_picture() {
    let dir = scratch("trace");
    let (file, executed) = traced_run(2, 400, &dir);
    let text = std::fs::read_to_string(&file).unwrap();
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    let tasks = check_rules(&v, 2);
    assert_eq!(
        tasks, executed,
        "task events per node = the statistics line"
    );
    assert!(executed[1] > 0, "tasks ran on node 1: {executed:?}");
    // Tasks created on node 0 and run on node 1 start flows there and end them here.
    let starts = text.matches("\"ph\":\"s\",\"pid\":0,").count();
    let ends = text.matches("\"ph\":\"f\",\"pid\":1,").count();
    assert!(
        starts > 0 && ends == starts,
        "flows node 0 -> node 1: {starts} starts, {ends} ends"
    );

    let (ok, said) = tool_run(&["check".as_ref(), file.as_os_str()]);
    assert!(ok, "torc-trace check: {said}");
    let total: u64 = executed.iter().sum();
    assert!(said.contains(&format!("{total} tasks")), "{said}");

    let (ok, said) = tool_run(&["summary".as_ref(), file.as_os_str()]);
    assert!(ok, "{said}");
    for (n, e) in executed.iter().enumerate() {
        assert!(said.contains(&format!("node {n}: tasks {e}")), "{said}");
    }

    let png = dir.join("sqrt_mw.png");
    let _ = std::fs::remove_file(&png);
    let out = Command::new(tool())
        .args([
            "png".as_ref(),
            file.as_os_str(),
            png.as_os_str(),
            "--width".as_ref(),
            "800".as_ref(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, colours) = png_colours(&std::fs::read(&png).unwrap());
    assert_eq!(w, 800);
    assert!(h > 50, "height {h}");
    assert!(colours >= 4, "{colours} colours: blank?");
}

#[test]
fn steals_continue_the_flows_of_the_tasks_they_move() {
    let dir = scratch("trace-steal");
    for np in [2, 3] {
        let (file, executed) = traced(
            "pipeline",
            np,
            &["200000", "2500"],
            &[("TORC_STEALING", "1")],
            &dir,
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(check_rules(&v, np), executed, "{np} ranks");
        let (ok, said) = tool_run(&["check".as_ref(), file.as_os_str()]);
        assert!(ok, "{said}");
    }
}

#[test]
fn one_process_traces_too_and_node_0_decides_for_the_job() {
    let dir = scratch("trace1");
    let (file, executed) = traced_run(1, 100, &dir);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(check_rules(&v, 1), executed);
    assert_eq!(executed, vec![100]);
    // Node 0's setting decides for the job: named on node 1 only, nobody writes it.
    let exe = c_program("c_examples/sqrt_mw.c", &[]);
    let other = dir.join("named-on-node-1-only.json");
    let _ = std::fs::remove_file(&other);
    let o = other.to_str().unwrap();
    let parts = [
        Part {
            np: 1,
            env: &[("TORC_WORKERS", "1")],
            exe,
            args: &["50"],
        },
        Part {
            np: 1,
            env: &[("TORC_WORKERS", "1"), ("TORC_TRACE", o)],
            exe,
            args: &["50"],
        },
    ];
    mpmd(&parts, T).assert_ok("sqrt_mw traced on node 1 only");
    assert!(
        !other.exists(),
        "node 0 does not trace, so the job does not"
    );
}

#[test]
fn suspended_waits_put_what_ran_meanwhile_on_fiber_lanes_that_nest() {
    // tests/c/suspend.c sibling, 1 node x 1 worker: the waiter always suspends (what it waits
    // for is a sibling queued behind it), and the sibling runs on a fiber.
    let dir = scratch("trace-fiber");
    let exe = common::test_program("suspend");
    let file = dir.join("suspend.json");
    let _ = std::fs::remove_file(&file);
    let f = file.to_str().unwrap();
    let r = mpirun(exe, 1, 1, &["sibling"], &[("TORC_TRACE", f)], T);
    r.assert_ok("suspend sibling with TORC_TRACE");
    let text = std::fs::read_to_string(&file).unwrap();
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(check_rules(&v, 1), vec![2], "the waiter and the producer");
    let fiber_names = v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "thread_name" && e["tid"].as_u64().unwrap() >= 100_000)
        .map(|e| e["args"]["name"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(fiber_names, ["worker 0 fiber 1"], "fiber lanes");
    // The producer ran on the fiber's lane.
    let on_fiber = v["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["ph"] == "X" && e["tid"] == 100_001 && e["name"] == "producer");
    assert!(on_fiber, "the producer on the fiber's lane:\n{text}");
    let (ok, said) = tool_run(&["check".as_ref(), file.as_os_str()]);
    assert!(ok, "{said}");
    let (ok, said) = tool_run(&["summary".as_ref(), file.as_os_str()]);
    assert!(ok && said.contains("n0 w0 f1"), "{said}");
}
