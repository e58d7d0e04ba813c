//! The documentation: README.md stays a front door, the pages' links resolve, and the shell
//! commands the pages show run as written.
//!
//! Pages: `README.md`, `docs/*.md`, `python/README.md`, `tests/README.md` (when there is one)
//! and every `README.md` under `src/`, `tools/` and `python/` (hidden directories skipped).
//!
//! * Links: every `[text](target)`, `![alt](target)` and `[label]: target` outside code that
//!   is not `http(s):` or `mailto:` must name an existing file or directory relative to its
//!   page, and a `#anchor` (alone, or after a `.md` file) a heading of that page, by GitHub's
//!   slugs (lower case, punctuation dropped, spaces to `-`, `-1`, `-2` for repeats).
//! * `README.md` has at most [`README_MAX_LINES`] lines.
//! * Commands. The convention: commands are shown in code blocks fenced ```` ```sh ````, one
//!   command a line (a trailing `\` continues it); a program they use is a code block whose
//!   first line is a comment naming its file (`/* app.c */`, `# square.py`), saved under that
//!   name. Every `mpirun` line of every page that starts more than 2 ranks must carry
//!   `--oversubscribe`, so that it runs on a 2-core machine. Then the `sh` blocks of
//!   `README.md`, `docs/*.md` and `python/README.md` run, page by page, each line in order
//!   with `bash -c` under `timeout`, in a scratch directory that stands for the checkout's root
//!   (a symbolic link to each of its top-level entries, the saved programs, and copies of the
//!   programs that earlier blocks built with `-o NAME`). The environment is the test's without
//!   `TORC_*`, `TORCPY_*` and `OMPI_MCA_*` settings, with `target/venv/bin` first on `PATH`
//!   (as after `. target/venv/bin/activate`) and OpenMPI's permission to run as root, which a
//!   user never needs. A line that fails fails the test (and the rest of its block is not run).
//!
//! What runs is a subset: the `mpicc` builds against `target/release` (or MPICH's
//! `target/mpich/release`), the C programs they build, the built Rust examples and
//! `torc-trace`, and the Python examples and launchers (with torcpy installed in
//! `target/venv`, built after the last change under `python/`), each a few seconds here
//! (about 15 s in all). Not run, with the reason printed (`cargo test
//! --test docs -- --nocapture`): cargo builds and tests (minutes inside this test: the lines
//! after them use what is already in `target/`, and are skipped when it is missing), the
//! `scripts/` commands (they install packages or run whole suites), CMake, the lines that need
//! an installed torc (`torc_cflags`, `torc_libs`, pkg-config: `tests/install.rs` covers them),
//! SLURM (`tests/slurm.rs`), `pip`, `export`, `kill`, and placeholder programs (`script.py`,
//! `app.f90`, ...). A line is also skipped, with the reason, when its tool is not installed,
//! when a build product under `target/` it names is missing, or when the line that would have
//! built the program it runs was skipped. A relative path outside `target/` that does not
//! exist fails the test: the page names a file the checkout does not have.

mod common;

use common::{root, scratch, which};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The README's longest allowed length, in lines.
const README_MAX_LINES: usize = 250;

/// How long one shown command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The pages whose links are checked, relative to the root.
fn pages() -> Vec<PathBuf> {
    let root = root();
    let mut out = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .filter_map(|p| p.strip_prefix(&root).ok().map(Path::to_path_buf))
                .collect()
        })
        .unwrap_or_default();
    docs.sort();
    out.extend(docs);
    out.push(PathBuf::from("python/README.md"));
    if root.join("tests/README.md").is_file() {
        out.push(PathBuf::from("tests/README.md"));
    }
    for dir in ["src", "tools", "python"] {
        let mut found = Vec::new();
        readmes_under(&root.join(dir), &mut found);
        found.sort();
        for f in found {
            let rel = f.strip_prefix(&root).expect("under the root").to_path_buf();
            if !out.contains(&rel) {
                out.push(rel);
            }
        }
    }
    out.retain(|p| root.join(p).is_file());
    out
}

/// Every `README.md` under `dir`, skipping hidden and cache directories.
fn readmes_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__pycache__" || name == "target" {
            continue;
        }
        if p.is_dir() {
            readmes_under(&p, out);
        } else if name == "README.md" {
            out.push(p);
        }
    }
}

/// A fenced code block: its info string (`sh`, `c`, ...), its lines and the line it starts on.
#[derive(Debug)]
struct Block {
    info: String,
    lines: Vec<String>,
    line: usize,
}

/// The page's text outside fenced code (code lines blanked, so line numbers stay), and its
/// fenced blocks.
fn split_code(text: &str) -> (Vec<String>, Vec<Block>) {
    let mut prose = Vec::new();
    let mut blocks = Vec::new();
    let mut open: Option<(String, Block)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| t.starts_with(f));
        match (&mut open, fence) {
            (None, Some(f)) => {
                let mark = f.as_bytes()[0] as char;
                let run: String = t.chars().take_while(|&c| c == mark).collect();
                let info = t[run.len()..].trim().to_string();
                open = Some((
                    run,
                    Block {
                        info,
                        lines: Vec::new(),
                        line: i + 1,
                    },
                ));
                prose.push(String::new());
            }
            (Some((run, _)), Some(_)) if t.trim_end() == run.as_str() => {
                blocks.push(open.take().expect("open").1);
                prose.push(String::new());
            }
            (Some((_, b)), _) => {
                b.lines.push(line.to_string());
                prose.push(String::new());
            }
            (None, None) => prose.push(line.to_string()),
        }
    }
    if let Some((_, b)) = open {
        blocks.push(b);
    }
    (prose, blocks)
}

/// `line` without its inline code spans.
fn strip_inline_code(line: &str) -> String {
    let c: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] != '`' {
            out.push(c[i]);
            i += 1;
            continue;
        }
        let n = c[i..].iter().take_while(|&&x| x == '`').count();
        // The closing run of exactly `n` backticks.
        let mut j = i + n;
        let mut close = None;
        while j < c.len() {
            if c[j] == '`' {
                let m = c[j..].iter().take_while(|&&x| x == '`').count();
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push(' ');
                i = end;
            }
            None => {
                // An unmatched run is literal text.
                out.extend(&c[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// The link targets of one line of prose (inline code already stripped), in order.
fn links_in(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let t = line.trim_start();
    // A reference definition: `[label]: target`.
    if t.starts_with('[') {
        if let Some(end) = t.find("]:") {
            if !t[..end].contains('(') {
                if let Some(target) = t[end + 2..].split_whitespace().next() {
                    out.push(target.trim_matches(|c| c == '<' || c == '>').to_string());
                }
                return out;
            }
        }
    }
    let b = line.as_bytes();
    let mut i = 0;
    while let Some(k) = line[i..].find("](") {
        let start = i + k + 2;
        // The closing parenthesis, allowing balanced ones inside the target.
        let (mut depth, mut j) = (0usize, start);
        while j < b.len() {
            match b[j] {
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        let inner = line[start..j.min(b.len())].trim();
        let target = inner.split_whitespace().next().unwrap_or("");
        out.push(target.trim_matches(|c| c == '<' || c == '>').to_string());
        i = (j + 1).min(line.len());
    }
    out
}

/// GitHub's anchor of a heading's text: inline code and link syntax reduced to their text,
/// lower case, letters, digits, `-` and `_` kept, spaces to `-`, everything else dropped.
fn slug(heading: &str) -> String {
    // `[text](url)` -> `text`; images alike.
    let mut text = String::new();
    let mut rest = heading;
    while let Some(open) = rest.find('[') {
        match rest[open..].find("](") {
            Some(mid) => {
                let close = rest[open + mid..].find(')').map(|c| open + mid + c);
                let Some(close) = close else { break };
                text.push_str(rest[..open].trim_end_matches('!'));
                text.push_str(&rest[open + 1..open + mid]);
                rest = &rest[close + 1..];
            }
            None => break,
        }
    }
    text.push_str(rest);
    let mut s = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() || ch == '-' || ch == '_' {
            s.push(ch);
        } else if ch == ' ' {
            s.push('-');
        }
    }
    s
}

/// The anchors of a page's headings (ATX headings outside code), with GitHub's `-N` suffixes
/// for repeats.
fn anchors(text: &str) -> BTreeSet<String> {
    let (prose, _) = split_code(text);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for line in &prose {
        let t = line.trim_start();
        let hashes = t.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !t[hashes..].starts_with(' ') {
            continue;
        }
        let title = t[hashes..].trim().trim_end_matches('#').trim();
        let base = slug(title);
        let n = seen.entry(base.clone()).or_insert(0);
        let anchor = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        out.insert(anchor);
    }
    out
}

/// The broken links of the page `page` (relative to `root`), one message each.
fn broken_links(root: &Path, page: &Path) -> Vec<String> {
    let path = root.join(page);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let dir = path.parent().expect("a page has a directory");
    let (prose, _) = split_code(&text);
    let mut bad = Vec::new();
    for (n, line) in prose.iter().enumerate() {
        for target in links_in(&strip_inline_code(line)) {
            let at = format!("{}:{}: ({target})", page.display(), n + 1);
            let lower = target.to_ascii_lowercase();
            if lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("mailto:")
            {
                continue;
            }
            if target.is_empty() {
                bad.push(format!("{at} is empty"));
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let file_path = if file.is_empty() {
                path.clone()
            } else {
                dir.join(file)
            };
            if !file_path.exists() {
                bad.push(format!("{at}: {} does not exist", file_path.display()));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if file_path.extension().is_none_or(|x| x != "md") {
                continue;
            }
            let target_text = fs::read_to_string(&file_path).unwrap_or_default();
            if !anchors(&target_text).contains(anchor) {
                bad.push(format!(
                    "{at}: {} has no heading with the anchor #{anchor}",
                    file_path.display()
                ));
            }
        }
    }
    bad
}

#[test]
fn every_relative_link_resolves() {
    let root = root();
    let pages = pages();
    assert!(
        pages.len() >= 5,
        "too few pages found: {pages:?} (README.md, docs/*.md, python/README.md, ...)"
    );
    let bad: Vec<String> = pages.iter().flat_map(|p| broken_links(&root, p)).collect();
    println!("checked the links of {} pages: {pages:?}", pages.len());
    assert!(
        bad.is_empty(),
        "{} broken link(s):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn link_check_fails_on_a_broken_link_or_anchor() {
    let dir = scratch("docs-selftest");
    fs::create_dir_all(dir.join("sub")).expect("scratch");
    fs::write(
        dir.join("sub/other.md"),
        "# Other page\n\n## The `torc.h` calls: C\n\n## Twice\n\n## Twice\n",
    )
    .expect("write");
    fs::write(
        dir.join("page.md"),
        "# Page\n\n\
         Good: [other](sub/other.md), [anchor](sub/other.md#the-torch-calls-c), \
         [repeat](sub/other.md#twice-1), [self](#page), [web](https://example.org/x), \
         `[code](nowhere.md)`.\n\n\
         ```sh\n[not a link](nowhere.md)\n```\n\n\
         Bad: [missing](sub/gone.md), [no anchor](sub/other.md#nope), [self](#nope).\n\n\
         [ref]: sub/missing.md\n",
    )
    .expect("write");
    let bad = broken_links(&dir, Path::new("page.md"));
    assert_eq!(bad.len(), 4, "expected exactly the 4 bad links: {bad:#?}");
    for (b, what) in bad.iter().zip(["gone.md", "#nope", "#nope", "missing.md"]) {
        assert!(b.contains(what), "{b} should name {what}");
    }
    assert_eq!(
        slug("Makefiles: `torc_cflags` and `torc_libs`"),
        "makefiles-torc_cflags-and-torc_libs"
    );
    assert_eq!(
        slug("The executor: `torcpy.futures`"),
        "the-executor-torcpyfutures"
    );
    assert_eq!(
        slug("Futures, map, spmd, callbacks and errors"),
        "futures-map-spmd-callbacks-and-errors"
    );
}

#[test]
fn readme_is_a_front_door() {
    let text = fs::read_to_string(root().join("README.md")).expect("README.md");
    let n = text.lines().count();
    assert!(
        n <= README_MAX_LINES,
        "README.md has {n} lines, over the {README_MAX_LINES} it may have: move the detail into \
         docs/ and link to it"
    );
}

/// The commands of a page's `sh` blocks: (block index, first line of the block, commands).
fn sh_commands(text: &str) -> Vec<(usize, usize, Vec<String>)> {
    let (_, blocks) = split_code(text);
    let mut out = Vec::new();
    for (k, b) in blocks.iter().enumerate() {
        if b.info.split_whitespace().next() != Some("sh") {
            continue;
        }
        let mut cmds = Vec::new();
        let mut cur = String::new();
        for line in &b.lines {
            let t = line.trim();
            if let Some(head) = t.strip_suffix('\\') {
                cur.push_str(head);
                cur.push(' ');
                continue;
            }
            cur.push_str(t);
            let c = std::mem::take(&mut cur);
            let c = c.trim();
            if !c.is_empty() && !c.starts_with('#') {
                cmds.push(c.to_string());
            }
        }
        out.push((k, b.line, cmds));
    }
    out
}

/// The words of a shown command, up to a shell comment (`# ...`).
fn words(cmd: &str) -> Vec<&str> {
    cmd.split_whitespace()
        .take_while(|w| !w.starts_with('#'))
        .collect()
}

/// The first word of a command that is not a `VAR=value` setting: the program it runs.
fn program(cmd: &str) -> &str {
    words(cmd)
        .into_iter()
        .find(|w| !w.contains('='))
        .unwrap_or("")
}

/// The ranks an `mpirun` line starts: the sum of its `-np N` / `-n N` options.
fn ranks(cmd: &str) -> usize {
    words(cmd)
        .windows(2)
        .filter(|p| p[0] == "-np" || p[0] == "-n")
        .filter_map(|p| p[1].parse::<usize>().ok())
        .sum()
}

/// Whether `cmd` launches with Open MPI's `mpirun`.
fn is_mpirun(cmd: &str) -> bool {
    program(cmd) == "mpirun"
}

#[test]
fn mpirun_lines_fit_a_two_core_machine() {
    let root = root();
    let mut bad = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(root.join(&page)).expect("page");
        for (_, line, cmds) in sh_commands(&text) {
            for c in cmds {
                if is_mpirun(&c) && ranks(&c) > 2 && !c.contains("--oversubscribe") {
                    bad.push(format!("{} (block at line {line}): {c}", page.display()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "these mpirun lines start more than 2 ranks without --oversubscribe, which Open MPI \
         refuses on a 2-core machine (\"not enough slots\"):\n{}",
        bad.join("\n")
    );
}

/// Why a shown command is not run, if it is one the test never runs.
fn never_run(cmd: &str) -> Option<&'static str> {
    let first = program(cmd);
    let rules: &[(bool, &str)] = &[
        (
            cmd.starts_with("bash scripts/"),
            "a script of scripts/: it installs packages or runs a whole suite (minutes)",
        ),
        (
            first == "cargo",
            "a cargo build or test takes minutes inside this test; the lines after it use what \
             target/ already holds",
        ),
        (
            first == "cmake" || first == "ctest",
            "a CMake build (tests/install.rs runs them)",
        ),
        (
            cmd.contains("torc_cflags") || cmd.contains("torc_libs") || cmd.contains("pkg-config"),
            "needs an installed torc (tests/install.rs builds one)",
        ),
        (
            first == "srun" || first == "sbatch",
            "needs a SLURM cluster (tests/slurm.rs starts one)",
        ),
        (first == "pip" || first == "pip3", "installs packages"),
        (
            first == "." || first == "source",
            "activates the virtual environment: every line runs with target/venv/bin first on \
             PATH instead",
        ),
        (
            first == "export",
            "changes the environment of an installation",
        ),
        (first == "kill", "needs a running job"),
    ];
    if let Some((_, why)) = rules.iter().find(|(hit, _)| *hit) {
        return Some(why);
    }
    let placeholders = [
        "script.py",
        "job.sh",
        "[args]",
        "app.f90",
        "package.module",
        "\"code\"",
    ];
    if words(cmd).iter().any(|w| placeholders.contains(w)) {
        return Some("a placeholder program, not a file of the checkout");
    }
    None
}

/// A program saved from a page: a code block whose first line is a comment naming its file.
fn saved_program(b: &Block) -> Option<(String, String)> {
    let first = b.lines.iter().find(|l| !l.trim().is_empty())?.trim();
    let name = first
        .strip_prefix("/*")
        .and_then(|s| s.strip_suffix("*/"))
        .or_else(|| first.strip_prefix("//"))
        .or_else(|| first.strip_prefix('#'))?
        .trim();
    let ok = name.contains('.')
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-');
    ok.then(|| (name.to_string(), b.lines.join("\n") + "\n"))
}

/// Why the Python lines cannot run, if they cannot: target/venv's python must import torcpy,
/// whose compiled `_core` must be newer than every source under `python/src/` and
/// `python/torcpy/` (else it is another engineer's half-rebuilt state, not the pages' fault).
fn torcpy_missing() -> Option<&'static str> {
    static WHY: OnceLock<Option<&'static str>> = OnceLock::new();
    *WHY.get_or_init(|| {
        let root = root();
        let py = root.join("target/venv/bin/python");
        let not_installed =
            "torcpy is not installed in target/venv (bash scripts/python.sh install)";
        if !py.is_file() {
            return Some(not_installed);
        }
        let out = Command::new(&py)
            .args(["-c", "import torcpy, torcpy._core as c; print(c.__file__)"])
            .current_dir(std::env::temp_dir())
            .output();
        let core = match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
            _ => return Some(not_installed),
        };
        let built = fs::metadata(&core).and_then(|m| m.modified()).ok()?;
        let newest_source = ["python/src", "python/torcpy"]
            .iter()
            .filter_map(|d| fs::read_dir(root.join(d)).ok())
            .flat_map(|d| d.filter_map(|e| e.ok()))
            .filter(|e| {
                let p = e.path();
                p.extension().is_some_and(|x| x == "rs" || x == "py")
            })
            .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
            .max();
        match newest_source {
            Some(t) if t > built => Some(
                "target/venv's torcpy is older than the sources under python/ \
                 (bash scripts/python.sh install)",
            ),
            _ => None,
        }
    })
}

/// A word of a command that names a file relative to the checkout's root (or the block's
/// directory), with whether it is an output (`-o NAME`).
fn path_words(cmd: &str) -> Vec<(String, bool)> {
    let w = words(cmd);
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        let word = word.trim_end_matches(';');
        if word.starts_with('-') || word.contains('=') || word.contains('$') || word == ":" {
            continue;
        }
        let output = i > 0 && w[i - 1] == "-o";
        let looks_like_path = word.starts_with("./")
            || word.contains('/')
            || [".c", ".py", ".json", ".f90", ".f"]
                .iter()
                .any(|x| word.ends_with(x));
        if looks_like_path || output {
            out.push((word.trim_start_matches("./").to_string(), output));
        }
    }
    out
}

/// What happened to one shown command.
enum Outcome {
    Ran(Duration),
    Skipped(String),
    Failed(String),
}

/// The state of the command runs across blocks: programs built so far (name -> file), and
/// outputs whose line was skipped.
#[derive(Default)]
struct Runs {
    built: BTreeMap<String, PathBuf>,
    not_built: BTreeSet<String>,
}

/// Runs one command in `dir`, or says why not.
fn run_one(
    cmd: &str,
    dir: &Path,
    block_outputs_skipped: &BTreeSet<String>,
    runs: &Runs,
) -> Outcome {
    if let Some(why) = never_run(cmd) {
        return Outcome::Skipped(why.to_string());
    }
    let first = program(cmd);
    let uses_python = words(cmd).contains(&"python");
    if let Some(why) = torcpy_missing().filter(|_| uses_python) {
        return Outcome::Skipped(why.into());
    }
    if !first.contains('/') && first != "python" && !Path::new(&which(first)).is_file() {
        return Outcome::Skipped(format!("{first} is not installed"));
    }
    // -L DIR of a C build must hold the library.
    for p in words(cmd).windows(2).filter(|p| p[0] == "-L") {
        if !dir.join(p[1]).join("libtorc.so").exists() {
            return Outcome::Skipped(format!(
                "{}/libtorc.so is not built (the page's cargo build line builds it)",
                p[1]
            ));
        }
    }
    for (word, output) in path_words(cmd) {
        if output || dir.join(&word).exists() {
            continue;
        }
        if block_outputs_skipped.contains(&word) || runs.not_built.contains(&word) {
            return Outcome::Skipped(format!("{word} was not built (its line was skipped)"));
        }
        if word.starts_with("target/") {
            return Outcome::Skipped(format!(
                "{word} is not built (the page's cargo build line builds it)"
            ));
        }
        return Outcome::Failed(format!(
            "`{cmd}` names {word}, which is neither a file of the checkout nor built by an \
             earlier line of the pages"
        ));
    }
    let mut c = Command::new("timeout");
    c.arg("--kill-after=5")
        .arg(COMMAND_TIMEOUT.as_secs().to_string())
        .args(["bash", "-c", cmd])
        .current_dir(dir);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("TORC_") || k.starts_with("TORCPY_") || k.starts_with("OMPI_MCA_") {
            c.env_remove(k.as_ref());
        }
    }
    c.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    let venv = root().join("target/venv/bin");
    if venv.is_dir() {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(venv).chain(std::env::split_paths(&path));
        c.env("PATH", std::env::join_paths(dirs).expect("PATH"));
        c.env("VIRTUAL_ENV", root().join("target/venv"));
    }
    let t0 = Instant::now();
    let out = match c.output() {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("`{cmd}`: cannot run timeout/bash: {e}")),
    };
    if out.status.success() {
        return Outcome::Ran(t0.elapsed());
    }
    let tail = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    };
    let timed_out = matches!(out.status.code(), Some(124) | Some(137));
    Outcome::Failed(format!(
        "`{cmd}` failed ({}{}) in {}:\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        if timed_out { ", timed out" } else { "" },
        dir.display(),
        tail(&out.stdout),
        tail(&out.stderr)
    ))
}

/// A fresh directory standing for the checkout's root: a link to each top-level entry, the
/// saved programs, and the programs built before (unless this block builds them itself).
fn block_dir(
    name: &str,
    programs: &BTreeMap<String, String>,
    runs: &Runs,
    own: &BTreeSet<String>,
) -> PathBuf {
    let dir = scratch("docs").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("block dir");
    let root = root();
    for e in fs::read_dir(&root).expect("root").filter_map(|e| e.ok()) {
        let n = e.file_name();
        if n.to_string_lossy().starts_with('.') || programs.contains_key(&*n.to_string_lossy()) {
            continue;
        }
        std::os::unix::fs::symlink(e.path(), dir.join(&n)).expect("symlink");
    }
    for (name, text) in programs {
        fs::write(dir.join(name), text).expect("saved program");
    }
    for (name, file) in &runs.built {
        if !own.contains(name) && !dir.join(name).exists() {
            fs::copy(file, dir.join(name)).expect("copy a built program");
        }
    }
    dir
}

#[test]
fn shown_commands_run_as_written() {
    let root = root();
    if !Path::new(&which("timeout")).is_file() || !Path::new(&which("bash")).is_file() {
        println!("skipped: the shown commands run under `timeout` and `bash`, not installed here");
        return;
    }
    let mut run_pages = vec![PathBuf::from("README.md")];
    run_pages.extend(
        pages()
            .into_iter()
            .filter(|p| p.starts_with("docs") && p.extension().is_some_and(|x| x == "md")),
    );
    run_pages.push(PathBuf::from("python/README.md"));
    let texts: Vec<(PathBuf, String)> = run_pages
        .iter()
        .map(|p| (p.clone(), fs::read_to_string(root.join(p)).expect("page")))
        .collect();
    // The programs the pages save.
    let mut programs: BTreeMap<String, String> = BTreeMap::new();
    for (page, text) in &texts {
        for b in split_code(text).1.iter().filter(|b| b.info != "sh") {
            if let Some((name, body)) = saved_program(b) {
                if let Some(prev) = programs.insert(name.clone(), body.clone()) {
                    assert_eq!(prev, body, "{}: a second, different {name}", page.display());
                }
            }
        }
    }
    let t0 = Instant::now();
    let mut runs = Runs::default();
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for (page, text) in &texts {
        for (k, line, cmds) in sh_commands(text) {
            let outputs: BTreeSet<String> = cmds
                .iter()
                .flat_map(|c| path_words(c))
                .filter(|(_, o)| *o)
                .map(|(w, _)| w)
                .collect();
            let name = format!(
                "{}-{k}",
                page.display().to_string().replace(['/', '.'], "_")
            );
            let dir = block_dir(&name, &programs, &runs, &outputs);
            let mut skipped_outputs = BTreeSet::new();
            let mut failed = false;
            for cmd in &cmds {
                let at = format!("{}:{line}", page.display());
                let outcome = if failed {
                    Outcome::Skipped("an earlier line of its block failed".into())
                } else {
                    run_one(cmd, &dir, &skipped_outputs, &runs)
                };
                let outs: Vec<String> = path_words(cmd)
                    .into_iter()
                    .filter(|(_, o)| *o)
                    .map(|(w, _)| w)
                    .collect();
                match outcome {
                    Outcome::Ran(d) => {
                        report.push(format!("ran  {at} ({:.1} s): {cmd}", d.as_secs_f64()));
                        for o in outs {
                            runs.not_built.remove(&o);
                            let file = dir.join(&o);
                            if file.is_file() {
                                runs.built.insert(o, file);
                            }
                        }
                    }
                    Outcome::Skipped(why) => {
                        report.push(format!("skip {at}: {cmd}\n     ({why})"));
                        for o in outs {
                            if !runs.built.contains_key(&o) {
                                runs.not_built.insert(o.clone());
                            }
                            skipped_outputs.insert(o);
                        }
                    }
                    Outcome::Failed(msg) => {
                        report.push(format!("FAIL {at}: {cmd}"));
                        failures.push(format!("{at}: {msg}"));
                        failed = true;
                    }
                }
            }
        }
    }
    println!("{}", report.join("\n"));
    println!(
        "the shown commands took {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} shown command(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
