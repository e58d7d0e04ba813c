//! `torc-trace`: checks, summarizes and draws the timeline traces that torc writes with
//! `TORC_TRACE=file.json` (Chrome Trace Event format, described in src/trace/README.md).
//!
//! ```text
//! torc-trace check FILE                       exit 1 when FILE breaks the format
//! torc-trace summary FILE                     busy time, tasks, messages, steals, idle spans
//! torc-trace png FILE OUT.png [--width PX]    the timeline as a picture
//! torc-trace FILE [-o OUT.png] [--width PX]   all three (the check only warns)
//! ```

mod axis;
mod canvas;
mod check;
mod font;
mod intervals;
mod legend;
mod load;
mod model;
mod palette;
mod png;
mod render;
mod summary;
#[cfg(test)]
mod testdata;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
torc-trace: checks, summarizes and draws torc's timeline traces (TORC_TRACE=file.json)

Usage:
  torc-trace check FILE                      check FILE against the trace format; prints
                                             `ok: N events, P nodes, L lanes, T tasks`, or the
                                             problems (exit status 1)
  torc-trace summary FILE                    per worker: busy %, tasks, mean task length;
                                             per node: tasks, messages, bytes, steals; the
                                             longest spans in which no task ran
  torc-trace png FILE OUT.png [--width PX]   the timeline as a PNG image (default 1600 px wide)
  torc-trace FILE [-o OUT.png] [--width PX]  check (warnings only) and summary, and the PNG
                                             when -o is given
  torc-trace --help | --version
";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Version,
    Check(PathBuf),
    Summary(PathBuf),
    Png {
        file: PathBuf,
        out: PathBuf,
        width: u32,
    },
    All {
        file: PathBuf,
        out: Option<PathBuf>,
        width: u32,
    },
}

/// Parses the arguments (without the program name).
fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut width = render::DEFAULT_WIDTH;
    let mut out: Option<PathBuf> = None;
    let mut words: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--width" => width = parse_width(it.next().map(String::as_str))?,
            "-o" | "--output" => {
                out = Some(it.next().ok_or("-o needs a file name")?.into());
            }
            s if s.starts_with("--width=") => width = parse_width(Some(&s[8..]))?,
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            s => words.push(s),
        }
    }
    let cmd = match words.as_slice() {
        [] => return Err("no trace file given".into()),
        ["help"] => Command::Help,
        ["check", file] => Command::Check(file.into()),
        ["summary", file] => Command::Summary(file.into()),
        ["png", file, png] => Command::Png {
            file: file.into(),
            out: png.into(),
            width,
        },
        ["check" | "summary" | "png", ..] => {
            return Err(format!("wrong arguments for `{}`", words[0]));
        }
        [file] => Command::All {
            file: file.into(),
            out: out.take(),
            width,
        },
        _ => return Err(format!("unexpected argument {}", words[1])),
    };
    if out.is_some() {
        return Err("-o goes with `torc-trace FILE` only (png takes OUT.png)".into());
    }
    Ok(cmd)
}

fn parse_width(v: Option<&str>) -> Result<u32, String> {
    let v = v.ok_or("--width needs a number of pixels")?;
    let w: u32 = v
        .parse()
        .map_err(|_| format!("--width {v}: not a number of pixels"))?;
    if !(render::MIN_WIDTH..=render::MAX_WIDTH).contains(&w) {
        return Err(format!(
            "--width {w}: out of range ({} to {})",
            render::MIN_WIDTH,
            render::MAX_WIDTH
        ));
    }
    Ok(w)
}

/// Prints to stdout, ignoring a closed pipe (`torc-trace summary f | head`).
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The file's name for titles.
fn short_name(file: &Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

fn run_check(file: &Path) -> Result<ExitCode, String> {
    let trace = load::load_file(file)?;
    let report = check::check(&trace);
    let mut text = String::new();
    if report.ok() {
        text.push_str(&report.ok_line());
        text.push('\n');
    } else {
        for line in report.problem_lines() {
            text.push_str(&format!("{}: {line}\n", file.display()));
        }
    }
    for note in &report.notes {
        text.push_str(note);
        text.push('\n');
    }
    print(&text);
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn write_png(trace: &model::Trace, file: &Path, out: &Path, width: u32) -> Result<(), String> {
    let c = render::render(trace, &short_name(file), width)?;
    let bytes = png::encode(c.width, c.height, &c.pixels);
    std::fs::write(out, bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    print(&format!(
        "wrote {} ({}x{} px)\n",
        out.display(),
        c.width,
        c.height
    ));
    Ok(())
}

fn run(cmd: Command) -> Result<ExitCode, String> {
    match cmd {
        Command::Help => print(USAGE),
        Command::Version => print(concat!("torc-trace ", env!("CARGO_PKG_VERSION"), "\n")),
        Command::Check(file) => return run_check(&file),
        Command::Summary(file) => {
            let trace = load::load_file(&file)?;
            let s = summary::summarize(&trace);
            print(&summary::format(&s, &file.display().to_string()));
        }
        Command::Png { file, out, width } => {
            let trace = load::load_file(&file)?;
            write_png(&trace, &file, &out, width)?;
        }
        Command::All { file, out, width } => {
            let trace = load::load_file(&file)?;
            let report = check::check(&trace);
            if report.ok() {
                print(&format!("{}\n", report.ok_line()));
            } else {
                for line in report.problem_lines() {
                    eprintln!("warning: {}: {line}", file.display());
                }
            }
            for note in &report.notes {
                eprintln!("{note}");
            }
            print("\n");
            print(&summary::format(
                &summary::summarize(&trace),
                &file.display().to_string(),
            ));
            if let Some(out) = out {
                print("\n");
                write_png(&trace, &file, &out, width)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match parse_args(&args) {
        Ok(cmd) => cmd,
        Err(e) => {
            eprintln!("torc-trace: {e} (torc-trace --help shows the usage)");
            return ExitCode::from(2);
        }
    };
    match run(cmd) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("torc-trace: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_the_commands() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(
            parse(&["check", "t.json"]),
            Ok(Command::Check("t.json".into()))
        );
        assert_eq!(
            parse(&["png", "t.json", "t.png", "--width", "800"]),
            Ok(Command::Png {
                file: "t.json".into(),
                out: "t.png".into(),
                width: 800
            })
        );
        assert_eq!(
            parse(&["t.json", "-o", "t.png"]),
            Ok(Command::All {
                file: "t.json".into(),
                out: Some("t.png".into()),
                width: render::DEFAULT_WIDTH
            })
        );
        for bad in [
            &[][..],
            &["check"],
            &["png", "t.json"],
            &["t.json", "--width", "9"],
            &["t.json", "--bogus"],
            &["a", "b"],
            &["summary", "t.json", "-o", "x.png"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
