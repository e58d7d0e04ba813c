//! The C examples (`c_examples/*.c`): built once with CMake against the library cargo just
//! built (`-DTORC_LIB_DIR`, so CMake never runs cargo itself), then each run on one node with
//! 1, 2 and 4 workers under `mpirun`, and once without `mpirun` (MPI singleton). Every run must
//! exit 0, print no `FAIL` line, and print the results the example is known to produce.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);
const WORKERS: [usize; 3] = [1, 2, 4];

/// Runs `cmd`, panicking with its output unless it succeeds.
fn run_step(what: &str, cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The CMake build directory with every example built; configured and built once per test
/// binary.
fn build_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let build = common::scratch("c_examples").join("build");
        let lib = common::lib_dir();
        assert!(
            lib.join("libtorc.so").exists(),
            "{} has no libtorc.so",
            lib.display()
        );
        run_step(
            "cmake configure",
            Command::new("cmake")
                .arg("-S")
                .arg(common::root())
                .arg("-B")
                .arg(&build)
                .arg(format!("-DTORC_LIB_DIR={}", lib.display()))
                .arg("-DCMAKE_BUILD_TYPE=RelWithDebInfo")
                .arg("-DCMAKE_C_FLAGS=-Werror"),
        );
        run_step(
            "cmake build",
            Command::new("cmake")
                .arg("--build")
                .arg(&build)
                .arg("--parallel")
                .arg("2"),
        );
        build
    })
}

/// The built example `name`.
fn example(name: &str) -> PathBuf {
    let exe = build_dir().join(name);
    assert!(exe.exists(), "{} was not built", exe.display());
    exe
}

/// The first stdout line starting with `prefix`, or a panic showing everything printed.
fn line<'a>(r: &'a common::Run, prefix: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| {
            panic!(
                "no line starting with {prefix:?}:\n--- stdout\n{}\n--- stderr\n{}",
                r.stdout, r.stderr
            )
        })
}

/// Asserts that stdout has a line starting with `prefix` (the example's result line).
fn expect_line(r: &common::Run, prefix: &str) {
    line(r, prefix);
}

/// The value of `key=` in `line`, up to the next space.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let pat = format!("{key}=");
    let start = line
        .find(&pat)
        .unwrap_or_else(|| panic!("no {pat} in {line:?}"))
        + pat.len();
    line[start..].split(' ').next().unwrap_or("")
}

/// Runs example `name` with `args` at 1 node and 1, 2 and 4 workers under `mpirun`, then once
/// without `mpirun` at 2 workers; each run must succeed and pass `check(run, workers)`.
fn run_example(name: &str, args: &[&str], check: impl Fn(&common::Run, usize)) {
    let exe = example(name);
    let mut runs: Vec<(String, usize, common::Run)> = Vec::new();
    for w in WORKERS {
        let r = common::mpirun(&exe, 1, w, args, &[], TIMEOUT);
        runs.push((
            format!("mpirun -np 1 {name} {args:?} (TORC_WORKERS={w})"),
            w,
            r,
        ));
    }
    let r = common::run_plain(&exe, args, &[("TORC_WORKERS", "2")], TIMEOUT);
    runs.push((
        format!("{name} {args:?} without mpirun (TORC_WORKERS=2)"),
        2,
        r,
    ));
    for (what, w, r) in &runs {
        r.assert_ok(what);
        assert!(
            !r.stdout.contains("FAIL"),
            "{what} printed a failure:\n{}",
            r.stdout
        );
        check(r, *w);
    }
}

#[test]
fn fibonacci() {
    run_example("fibonacci", &["25", "12"], |r, w| {
        let l = line(r, "fibonacci: fib(25) = ");
        assert!(l.starts_with("fibonacci: fib(25) = 75025 "), "{l}");
        assert!(l.contains(&format!("1 nodes, {w} workers")), "{l}");
    });
}

#[test]
fn fibonacci_small_inputs() {
    // n at and below the cut-off: no child tasks at all; n = 0 and 1.
    let exe = example("fibonacci");
    for (n, cutoff, want) in [
        ("0", "0", 0),
        ("1", "0", 1),
        ("2", "0", 1),
        ("10", "10", 55),
        ("20", "1", 6765),
    ] {
        let r = common::mpirun(&exe, 1, 2, &[n, cutoff], &[], TIMEOUT);
        r.assert_ok(&format!("fibonacci {n} {cutoff}"));
        expect_line(&r, &format!("fibonacci: fib({n}) = {want} "));
    }
}

#[test]
fn fibonacci_prints_statistics() {
    let exe = example("fibonacci");
    let r = common::mpirun(&exe, 1, 2, &["20", "10"], &[("TORC_STATS", "1")], TIMEOUT);
    r.assert_ok("fibonacci with TORC_STATS=1");
    expect_line(&r, "fibonacci: fib(20) = 6765 ");
    let stats = r
        .stderr
        .lines()
        .find(|l| l.contains("torc stats: node 0: created "))
        .unwrap_or_else(|| panic!("no statistics line on stderr:\n{}", r.stderr));
    // fib(20) with cut-off 10: the root task plus two children per call with n > 10.
    let created: u64 = stats["torc stats: node 0: created ".len()..]
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad statistics line {stats:?}"));
    assert!(created > 1, "{stats}");
}

#[test]
fn sqrt_mw() {
    let n = 500;
    let sum: f64 = (0..n).map(|i| (i as f64).sqrt()).sum();
    let want = format!("sqrt_mw: N={n} sum={sum:.6} ok (tasks per worker:");
    run_example("sqrt_mw", &["500"], |r, w| {
        let l = line(r, "sqrt_mw: N=");
        assert!(l.starts_with(&want), "{l}\nexpected {want}");
        let per: Vec<u64> = l[want.len()..]
            .trim_end_matches(')')
            .split_whitespace()
            .map(|s| s.parse().unwrap_or_else(|_| panic!("bad count in {l}")))
            .collect();
        assert_eq!(per.len(), w, "{l}");
        assert_eq!(per.iter().sum::<u64>(), n, "{l}");
    });
}

#[test]
fn struct_ref() {
    // After two rounds every particle's velocity is 1 + 2 * id.
    let energy: f64 = (0..100).map(|i| 0.5 * (1.0 + 2.0 * i as f64).powi(2)).sum();
    let want = format!("struct_ref: N=100 rounds=2 visits=3 total_energy={energy:.3} ok");
    run_example("struct_ref", &["100"], |r, _| expect_line(r, &want));
}

#[test]
fn varargs_len() {
    run_example("varargs_len", &["32"], |r, w| {
        let k = w.clamp(2, 8);
        expect_line(
            r,
            &format!("varargs_len: zero-length x{k}, arrays 0..32, 24-arg x{k}, VAD x{k} ok"),
        );
    });
}

#[test]
fn create_overhead() {
    run_example("create_overhead", &["20000", "2"], |r, _| {
        for prefix in ["create_overhead: tasks=", "create_overhead: empty tasks="] {
            let l = line(r, prefix);
            assert_eq!(field(l, "tasks"), "20000", "{l}");
            let ns: f64 = field(l, "ns_per_task")
                .parse()
                .unwrap_or_else(|_| panic!("bad ns_per_task in {l}"));
            assert!(ns.is_finite() && ns >= 0.0, "{l}");
        }
    });
}

#[test]
fn broadcast() {
    run_example("broadcast", &["7"], |r, w| {
        expect_line(
            r,
            &format!(
                "broadcast: count=1007 scale=3.5 tasks={} (spread {}, named {w}) nodes=1 ok",
                4 * w,
                3 * w
            ),
        );
    });
}

#[test]
fn async_detached() {
    run_example("async_detached", &["100", "8"], |r, _| {
        expect_line(r, "async_detached: results=100 in_flight=8 ok");
    });
    // More tasks in flight than results.
    let r = common::mpirun(&example("async_detached"), 1, 2, &["5", "16"], &[], TIMEOUT);
    r.assert_ok("async_detached 5 16");
    expect_line(&r, "async_detached: results=5 in_flight=5 ok");
}

#[test]
fn pipeline() {
    let n: i64 = 5000;
    let checksum: i64 = (0..n).map(|i| (i * i + 3 * i) % 1_000_003 + 1).sum();
    let want = format!("pipeline: N={n} chunk=250 stages=3 checksum={checksum} ok");
    run_example("pipeline", &["5000", "250"], |r, _| expect_line(r, &want));
    // A last chunk of one element (its stage-2 task has an empty half).
    let r = common::mpirun(&example("pipeline"), 1, 2, &["1001", "10"], &[], TIMEOUT);
    r.assert_ok("pipeline 1001 10");
    let checksum: i64 = (0..1001)
        .map(|i: i64| (i * i + 3 * i) % 1_000_003 + 1)
        .sum();
    expect_line(
        &r,
        &format!("pipeline: N=1001 chunk=10 stages=3 checksum={checksum} ok"),
    );
}
