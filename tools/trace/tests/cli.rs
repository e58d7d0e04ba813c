//! The `torc-trace` command line as a user runs it: usage, the exit status and output of each
//! command on a small trace, a broken one, a missing file and a file that is not JSON.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A small valid trace: one node, one worker running a nested task, a communication lane.
const TRACE: &str = r#"{"otherData":{"dropped_events":[0]},"traceEvents":[
{"ph":"M","name":"process_name","pid":0,"tid":0,"args":{"name":"node 0"}},
{"ph":"M","name":"thread_name","pid":0,"tid":0,"args":{"name":"worker 0"}},
{"ph":"M","name":"thread_name","pid":0,"tid":1000,"args":{"name":"communication"}},
{"ph":"X","cat":"task","name":"outer","pid":0,"tid":0,"ts":1000,"dur":400000,"args":{"visible":true}},
{"ph":"X","cat":"task","name":"inner","pid":0,"tid":0,"ts":2000,"dur":100000,"args":{"visible":true}},
{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":0,"ts":200000,"dur":50000},
{"ph":"X","cat":"task","name":"late","pid":0,"tid":0,"ts":500000,"dur":100000,"args":{"visible":true}},
{"ph":"X","cat":"msg","name":"send DONE","pid":0,"tid":1000,"ts":3000,"dur":10,"args":{"to":1,"bytes":24}}
]}"#;

fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_torc-trace"))
        .args(args)
        .output()
        .expect("run torc-trace")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A directory of scratch files for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("torc-trace-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn help_prints_the_usage() {
    let o = tool(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for cmd in [
        "torc-trace check FILE",
        "torc-trace summary FILE",
        "torc-trace png FILE",
    ] {
        assert!(text.contains(cmd), "{text}");
    }
    let bad = tool(&["--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown option --bogus"));
}

#[test]
fn check_summary_and_png_of_a_good_trace() {
    let dir = Scratch::new("good");
    let file = dir.file("good.json", TRACE);
    let f = file.to_str().unwrap();
    let o = tool(&["check", f]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "ok: 8 events, 1 nodes, 2 lanes, 3 tasks\n");

    let o = tool(&["summary", f]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("\nnode 0: tasks 3\n"), "{text}");
    // Busy 500 ms of the 599 ms span (1 ms .. 600 ms).
    assert!(text.contains("n0 w0    83.47"), "{text}");
    assert!(text.contains("1. at 0.401000 s for 99.000 ms"), "{text}");

    let png = file.with_extension("png");
    let o = tool(&["png", f, png.to_str().unwrap(), "--width", "640"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 640);

    let out = file.with_file_name("all.png");
    let o = tool(&[f, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("ok: 8 events"), "{text}");
    assert!(
        text.contains("node 0: tasks 3") && text.contains("wrote "),
        "{text}"
    );
    assert!(out.exists());
}

#[test]
fn a_broken_trace_fails_the_check_and_only_warns_otherwise() {
    let broken = TRACE.replace("\"dur\":50000", "\"dur\":-5");
    let dir = Scratch::new("broken");
    let file = dir.file("broken.json", &broken);
    let f = file.to_str().unwrap();
    let o = tool(&["check", f]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("negative `dur` -5"), "{text}");

    let o = tool(&[f]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("warning: "), "{}", stderr(&o));
    assert!(stdout(&o).contains("node 0: tasks 3"));
}

#[test]
fn unreadable_files_are_one_line_errors() {
    let missing = tool(&["check", "/nonexistent/trace.json"]);
    assert_eq!(missing.status.code(), Some(1));
    let err = stderr(&missing);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/trace.json"), "{err}");

    let dir = Scratch::new("bad");
    let file = dir.file("bad.json", "{\"traceEvents\":[{\"ph\":\"X\",");
    for args in [
        &["summary", file.to_str().unwrap()][..],
        &[file.to_str().unwrap()],
    ] {
        let o = tool(args);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("bad.json") && err.contains("not a valid trace file"),
            "{err}"
        );
    }
}
