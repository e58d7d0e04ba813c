//! Reporting: each row measured into a line of the table (torc's and the peer's values, the
//! ratio torc/peer, the goal and whether torc meets it), then the table, the notes, the output
//! of the median runs, `results.csv` and the chart; and the smoke test's report in libtest's
//! format.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::rows::{Goal, Peer, Probe, Program, Row};
use super::run::{first_lines, measure_pair, Measured};
use crate::Ctx;

fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn with_unit(v: &str, unit: &str) -> String {
    if unit.is_empty() {
        v.to_string()
    } else {
        format!("{v} {unit}")
    }
}

fn fmt_goal(g: Option<Goal>, unit: &str) -> String {
    match g {
        Some(Goal::AtMost(x)) => format!("<= {}", with_unit(&fmt_value(x), unit)),
        Some(Goal::AtLeast(x)) => format!(">= {}", with_unit(&fmt_value(x), unit)),
        Some(Goal::FractionOfPeer(f)) => format!(">= {:.0}% of peer", f * 100.0),
        Some(Goal::TimesPeerAtMost(f)) => format!("<= {f}x peer"),
        Some(Goal::PeerPlusAtMost(d)) => {
            format!("<= peer + {}", with_unit(&fmt_value(d), unit))
        }
        None => "-".into(),
    }
}

/// One measured row, as text cells and raw values.
pub struct Line {
    cells: [String; 7],
    csv: Vec<String>,
    /// The output line of torc's median run (and the peer's), for the details under the table.
    details: Vec<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const HEADER: [&str; 7] = [
    "measure",
    "torc",
    "peer",
    "peer name",
    "ratio torc/peer",
    "goal",
    "meets goal?",
];
const CSV_HEADER: &str = "measure,unit,torc,peer,peer_name,ratio_torc_per_peer,goal,meets_goal,\
goal_direction,goal_value,torc_runs,peer_runs,torc_error,peer_error,torc_output,peer_output";

fn print_table(lines: &[Line]) -> String {
    let mut w = HEADER.map(str::len);
    for l in lines {
        for (i, c) in l.cells.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let row = |cells: &[&str]| {
        let mut s = String::from("|");
        for (i, c) in cells.iter().enumerate() {
            let pad = w[i] - c.chars().count();
            // Numbers right-aligned, text left-aligned.
            if (1..=2).contains(&i) || i == 4 {
                let _ = write!(s, " {}{} |", " ".repeat(pad), c);
            } else {
                let _ = write!(s, " {}{} |", c, " ".repeat(pad));
            }
        }
        s
    };
    let mut out = String::new();
    out.push_str(&row(&HEADER));
    out.push('\n');
    let sep: Vec<String> = w.iter().map(|&n| "-".repeat(n)).collect();
    out.push_str(&row(&sep.iter().map(String::as_str).collect::<Vec<_>>()).replace(' ', "-"));
    out.push('\n');
    for l in lines {
        out.push_str(&row(&l
            .cells
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()));
        out.push('\n');
    }
    out
}

/// Measures one row; failures are added to `notes`.
pub fn bench_row(ctx: &Ctx, row: &Row, compiled: &[Program], notes: &mut Vec<String>) -> Line {
    let peer_probe = match row.peer {
        Some((_, Peer::Probe(p))) => Some(p),
        _ => None,
    };
    // A missing program is a failure of its own; the other side still runs.
    let mut missing = |probe: &Probe, who: &str| -> Option<(usize, String)> {
        if compiled.contains(&probe.program) {
            return None;
        }
        let e = format!("{} is not built", probe.program.name);
        notes.push(format!("{}, {who}: {e}", row.measure));
        Some((notes.len(), e))
    };
    let torc_missing = missing(&row.torc, "torc");
    let peer_missing = peer_probe.as_ref().and_then(|p| missing(p, "peer"));

    eprint!("  {:<70}", row.measure);
    let start = Instant::now();
    let (torc_r, peer_r) = measure_pair(
        ctx,
        Some(&row.torc).filter(|_| torc_missing.is_none()),
        peer_probe.as_ref().filter(|_| peer_missing.is_none()),
    );
    // Results: the measurement, or the error and the number of its note.
    let mut settle = |r: Result<Measured, String>,
                      missing: Option<(usize, String)>,
                      who: &str,
                      probe: &Probe|
     -> Result<Measured, (usize, String)> {
        if let Some(m) = missing {
            return Err(m);
        }
        r.map_err(|e| {
            notes.push(format!("{}, {who} ({}): {e}", row.measure, probe.label()));
            (notes.len(), e)
        })
    };
    let torc = match torc_r {
        Some(r) => settle(r, None, "torc", &row.torc),
        None => settle(Err(String::new()), torc_missing, "torc", &row.torc),
    };
    let peer: Option<Result<Measured, (usize, String)>> = match (row.peer, peer_probe) {
        (Some((_, Peer::Fixed(v))), _) => Some(Ok(Measured {
            median: v,
            runs: vec![v],
            detail: String::new(),
        })),
        (_, Some(p)) => Some(match peer_r {
            Some(r) => settle(r, None, "peer", &p),
            None => settle(Err(String::new()), peer_missing, "peer", &p),
        }),
        _ => None,
    };
    let show = |r: Option<&Result<Measured, (usize, String)>>| match r {
        Some(Ok(m)) => with_unit(&fmt_value(m.median), row.unit),
        Some(Err((k, _))) => format!("n/a [{k}]"),
        None => "-".into(),
    };
    eprintln!(
        " torc {:>12}  peer {:>12}  ({:.1} s)",
        show(Some(&torc)),
        show(peer.as_ref()),
        start.elapsed().as_secs_f64()
    );

    let torc_v = torc.as_ref().ok().map(|m| m.median);
    let peer_v = peer
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(|m| m.median);
    let ratio = match (torc_v, peer_v) {
        (Some(t), Some(p)) if p > 0.0 => Some(t / p),
        _ => None,
    };
    let meets = match (row.goal, torc_v) {
        (Some(g), Some(t)) => match g.met(t, peer_v) {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        },
        _ => "-",
    };
    let runs = |m: Option<&Measured>| {
        m.map_or(String::new(), |m| {
            m.runs
                .iter()
                .map(|v| format!("{v}"))
                .collect::<Vec<_>>()
                .join(";")
        })
    };
    let err = |r: Option<&Result<Measured, (usize, String)>>| match r {
        Some(Err((_, e))) => e.clone(),
        _ => String::new(),
    };
    let detail = |r: Option<&Result<Measured, (usize, String)>>| match r {
        Some(Ok(m)) => m.detail.clone(),
        _ => String::new(),
    };
    let peer_name = row.peer.map(|(n, _)| n);
    let peer_label = match row.peer {
        Some((n, Peer::Fixed(_))) => format!("{n} (fixed)"),
        Some((n, Peer::Probe(_))) => n.to_string(),
        None => "-".into(),
    };
    let csv = vec![
        row.measure.to_string(),
        row.unit.to_string(),
        torc_v.map_or(String::new(), |v| v.to_string()),
        peer_v.map_or(String::new(), |v| v.to_string()),
        peer_name.unwrap_or("").to_string(),
        ratio.map_or(String::new(), |r| format!("{r:.3}")),
        if row.goal.is_some() {
            fmt_goal(row.goal, row.unit)
        } else {
            String::new()
        },
        meets.replace('-', ""),
        row.goal.map_or("", |g| g.direction()).to_string(),
        row.goal
            .and_then(|g| g.target(peer_v))
            .map_or(String::new(), |v| v.to_string()),
        runs(torc.as_ref().ok()),
        runs(peer.as_ref().and_then(|r| r.as_ref().ok())),
        err(Some(&torc)),
        err(peer.as_ref()),
        detail(Some(&torc)),
        detail(peer.as_ref()),
    ];
    let mut details = Vec::new();
    for d in [detail(Some(&torc)), detail(peer.as_ref())] {
        if !d.is_empty() {
            details.push(d);
        }
    }
    Line {
        cells: [
            row.measure.to_string(),
            show(Some(&torc)),
            show(peer.as_ref()),
            peer_label,
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
            fmt_goal(row.goal, row.unit),
            meets.to_string(),
        ],
        csv,
        details,
    }
}

/// Draws `results.png` from `results.csv` with `benches/chart.py` when python3 can import
/// matplotlib; otherwise says why not. Never a failure of the runner.
fn chart(ctx: &Ctx, csv: &Path) {
    let png = ctx.out_dir.join("results.png");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python)
        .args(["-c", "import matplotlib"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(_) => {
            println!("chart skipped: {python} cannot import matplotlib (pip install matplotlib)");
            return;
        }
        Err(e) => {
            println!("chart skipped: cannot run {python}: {e}");
            return;
        }
    }
    let out = Command::new(&python)
        .arg(ctx.root.join("benches/chart.py"))
        .arg(csv)
        .arg(&png)
        .output();
    match out {
        Ok(o) if o.status.success() => println!("written: {}", png.display()),
        Ok(o) => println!(
            "chart skipped: benches/chart.py failed: {}",
            first_lines(&String::from_utf8_lossy(&o.stderr), 3)
        ),
        Err(e) => println!("chart skipped: cannot run {python}: {e}"),
    }
}

pub fn load_note() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            format!("load average {}", f.join(" "))
        })
        .unwrap_or_default()
}

/// Prints the table, the notes, the output line of each median run, and writes
/// `results.csv` (and the chart).
pub fn print_report(ctx: &Ctx, lines: &[Line], notes: &[String]) {
    println!();
    print!("{}", print_table(lines));
    println!("\nAfter the runs: {}", load_note());
    if !notes.is_empty() {
        println!();
        for (i, n) in notes.iter().enumerate() {
            println!("[{}] {n}", i + 1);
        }
    }
    println!("\nOutput of the median runs:");
    for l in lines {
        for d in &l.details {
            println!("  {d}");
        }
    }

    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for l in lines {
        csv.push_str(
            &l.csv
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
    }
    let path = ctx.out_dir.join("results.csv");
    match std::fs::write(&path, csv) {
        Ok(()) => {
            println!("\nwritten: {}", path.display());
            chart(ctx, &path);
        }
        Err(e) => println!("\ncannot write {}: {e}", path.display()),
    }
}

/// Prints the smoke test's checks in libtest's format; returns the exit code (101 when one
/// failed, as libtest).
pub fn print_checks(checks: &[(String, Result<(), String>)], start: Instant) -> i32 {
    println!("\nrunning {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, r) in checks {
        match r {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED");
                failed.push(format!("{name}: {e}"));
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for f in &failed {
            println!("    {f}");
        }
    }
    let passed = checks.len() - failed.len();
    println!(
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        0
    } else {
        101
    }
}
