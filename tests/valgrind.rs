//! valgrind memcheck of a few C examples (`c_examples/*.c`, small inputs) against the debug
//! `libtorc.so`, at 1 and 2 MPI ranks of 2 workers: no block that torc allocated may be lost at
//! exit ("definitely", "indirectly" or "possibly" lost; "still reachable" is fine: worker
//! contexts and descriptor slabs live for the whole process on purpose), and no memcheck error
//! (invalid read or write, use of uninitialised values, bad free, ...) may be raised in torc's
//! code.
//!
//! OpenMPI leaks much of its start-up state and raises errors of its own (e.g. PMIx sending
//! uninitialised padding). Those are told apart by the stack of each report, read from
//! valgrind's XML output: a report is torc's when the first frame outside valgrind's allocator
//! wrappers, libc and the dynamic loader is in `libtorc.so` (Rust's standard library is linked
//! into it, so std code that torc calls counts as torc's). OpenMPI's allocations also have torc
//! frames further down (torc calls `MPI_Init`), so "any torc frame" would blame torc for all of
//! them. Reports of other objects are counted and listed on failure only.
//!
//! valgrind is installed by `scripts/deps.sh`; without it the test prints that it skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// valgrind slows the ranks ~20-50x; the inputs are small.
const TIMEOUT: Duration = Duration::from_secs(300);

/// (example, arguments): nested tasks with RES results; REF structs and COP arrays; detached
/// tasks, direct callbacks and `torc_scheduler_loop`.
const CASES: [(&str, &[&str]); 3] = [
    ("fibonacci", &["15", "8"]),
    ("struct_ref", &["20"]),
    ("async_detached", &["12", "4"]),
];

/// One frame of a valgrind stack.
#[derive(Debug)]
struct Frame {
    obj: String,
    func: String,
    file: String,
    line: String,
}

/// One `<error>` of valgrind's XML output.
#[derive(Debug)]
struct Report {
    kind: String,
    what: String,
    /// The first stack (the access, or the allocation of a leaked block).
    stack: Vec<Frame>,
}

/// The text of the first `<tag>...</tag>` in `s`, unescaped.
fn tag(s: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = s.find(&open)? + open.len();
    let end = start + s[start..].find(&close)?;
    Some(unescape(&s[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The reports of one XML file.
fn parse(xml: &str) -> Vec<Report> {
    let mut out = Vec::new();
    for block in xml.split("<error>").skip(1) {
        let block = &block[..block.find("</error>").unwrap_or(block.len())];
        let kind = tag(block, "kind").unwrap_or_default();
        // Leaks say what in <xwhat><text>, other errors in <what>.
        let what = tag(block, "what")
            .or_else(|| tag(block, "text"))
            .unwrap_or_default();
        let stack_xml = match block.find("<stack>") {
            Some(i) => {
                let rest = &block[i..];
                &rest[..rest.find("</stack>").unwrap_or(rest.len())]
            }
            None => "",
        };
        let stack = stack_xml
            .split("<frame>")
            .skip(1)
            .map(|f| Frame {
                obj: tag(f, "obj").unwrap_or_default(),
                func: tag(f, "fn").unwrap_or_else(|| "???".into()),
                file: tag(f, "file").unwrap_or_default(),
                line: tag(f, "line").unwrap_or_default(),
            })
            .collect();
        out.push(Report { kind, what, stack });
    }
    out
}

/// Objects whose frames say nothing about who allocated or accessed: valgrind's malloc
/// wrappers, libc (malloc, strdup, memcpy, ...) and the dynamic loader.
fn neutral(obj: &str) -> bool {
    let base = obj.rsplit('/').next().unwrap_or(obj);
    base.starts_with("vgpreload_")
        || base.starts_with("libc.so")
        || base.starts_with("libc-")
        || base.starts_with("ld-linux")
}

/// Whether `r` is torc's: its first frame outside [`neutral`] objects is in libtorc.
fn is_torcs(r: &Report) -> bool {
    r.stack.iter().find(|f| !neutral(&f.obj)).is_some_and(|f| {
        f.obj
            .rsplit('/')
            .next()
            .unwrap_or("")
            .starts_with("libtorc")
    })
}

/// Whether a report of this kind fails the test when it is torc's: every leak but "still
/// reachable" (not reported with the options used), and every memcheck error.
fn counts(kind: &str) -> bool {
    kind != "Leak_StillReachable"
}

fn show(r: &Report) -> String {
    let mut s = format!("{}: {}\n", r.kind, r.what);
    for f in r.stack.iter().take(24) {
        let obj = f.obj.rsplit('/').next().unwrap_or("");
        s += &format!("      {} ({obj}) {}:{}\n", f.func, f.file, f.line);
    }
    s
}

fn have_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Example `name` built against the debug library (once per test binary).
fn build(name: &str) -> &'static Path {
    common::c_program(&format!("c_examples/{name}.c"), &[])
}

/// Runs `exe args` on `np` ranks under memcheck; returns the reports of every rank.
fn memcheck(exe: &Path, name: &str, np: usize, args: &[&str]) -> Vec<Report> {
    let dir = common::scratch("valgrind").join(format!("{name}.np{np}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create valgrind output dir");
    let xml = dir.join("memcheck.%p.xml");
    let mut vg_args: Vec<String> = [
        "--tool=memcheck",
        "--leak-check=full",
        "--show-leak-kinds=definite,indirect,possible",
        "--errors-for-leak-kinds=definite,indirect,possible",
        "--num-callers=40",
        "--xml=yes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    vg_args.push(format!("--xml-file={}", xml.display()));
    vg_args.push(exe.display().to_string());
    vg_args.extend(args.iter().map(|s| s.to_string()));
    let vg_args: Vec<&str> = vg_args.iter().map(String::as_str).collect();
    let what = format!("valgrind {name} {args:?} on {np} ranks");
    let r = common::mpirun(Path::new("valgrind"), np, 2, &vg_args, &[], TIMEOUT);
    r.assert_ok(&what);
    assert!(
        !r.stdout.contains("FAIL"),
        "{what} printed a failure:\n{}",
        r.stdout
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read valgrind output dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    // One file per rank, plus one for any process a rank forks and execs (none expected).
    assert!(
        files.len() >= np,
        "{what}: {} XML files for {np} ranks in {}",
        files.len(),
        dir.display()
    );
    let mut reports = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read valgrind XML");
        assert!(
            text.contains("</valgrindoutput>"),
            "{what}: {} is incomplete (valgrind did not finish)",
            f.display()
        );
        reports.extend(parse(&text));
    }
    reports
}

#[test]
fn no_block_lost_and_no_memcheck_error_in_torc() {
    if !have_valgrind() {
        println!("valgrind: skipped (valgrind is not installed: apt-get install valgrind)");
        return;
    }
    let mut failures = Vec::new();
    let mut foreign = 0;
    for (name, args) in CASES {
        let exe = build(name);
        for np in [1, 2] {
            let reports = memcheck(exe, name, np, args);
            let (ours, theirs): (Vec<&Report>, Vec<&Report>) = reports
                .iter()
                .filter(|r| counts(&r.kind))
                .partition(|r| is_torcs(r));
            foreign += theirs.len();
            for r in ours {
                failures.push(format!("* {name} {args:?} on {np} ranks: {}", show(r)));
            }
        }
    }
    println!("valgrind: {foreign} reports of OpenMPI and other libraries ignored");
    assert!(
        failures.is_empty(),
        "{} reports in torc's code:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_parser_finds_torcs_reports() {
    // The checker must be able to fail: a leak allocated by torc, one allocated by OpenMPI
    // under a torc frame, and one from an unloaded MPI component.
    let xml = r#"<valgrindoutput>
<error><kind>Leak_DefinitelyLost</kind><xwhat><text>28,672 bytes in 1 blocks are definitely lost</text></xwhat>
<stack><frame><ip>0x1</ip><obj>/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so</obj><fn>malloc</fn></frame>
<frame><ip>0x2</ip><obj>/x/target/debug/libtorc.so</obj><fn>torc::task::pool::Pool::refill</fn><file>pool.rs</file><line>90</line></frame></stack></error>
<error><kind>Leak_DefinitelyLost</kind><xwhat><text>88 bytes</text></xwhat>
<stack><frame><obj>/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so</obj><fn>malloc</fn></frame>
<frame><obj>/usr/lib/x86_64-linux-gnu/libhwloc.so.15</obj><fn>hwloc_bitmap_alloc</fn></frame>
<frame><obj>/x/target/debug/libtorc.so</obj><fn>torc::comm::mpi::init</fn></frame></stack></error>
<error><kind>Leak_IndirectlyLost</kind><xwhat><text>8 bytes</text></xwhat>
<stack><frame><obj>/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so</obj><fn>calloc</fn></frame>
<frame><ip>0x5D2748D</ip></frame>
<frame><obj>/x/target/debug/libtorc.so</obj><fn>torc_init</fn></frame></stack></error>
<error><kind>InvalidRead</kind><what>Invalid read of size 8</what>
<stack><frame><obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj><fn>memcpy</fn></frame>
<frame><obj>/x/libtorc.so</obj><fn>torc::comm::wire::decode_task</fn></frame></stack></error>
</valgrindoutput>"#;
    let reports = parse(xml);
    assert_eq!(reports.len(), 4);
    let ours: Vec<bool> = reports.iter().map(is_torcs).collect();
    assert_eq!(ours, [true, false, false, true]);
    assert_eq!(
        reports[0].what,
        "28,672 bytes in 1 blocks are definitely lost"
    );
    assert_eq!(reports[0].stack[1].func, "torc::task::pool::Pool::refill");
}
