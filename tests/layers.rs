//! The crate's top-level modules form layers that depend one way only (see src/lib.rs). This
//! reads every `.rs` file under `src/`, collects each module's `crate::x` references to the
//! others (in `use` trees and inline paths; comments and literals stripped), prints the graph
//! (`cargo test --test layers -- --nocapture`) and fails on an import cycle, on an edge going up
//! the layer table below, or on a module missing from the table.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, bottom to top: a module may use modules of its own layer or of a lower one.
const LAYERS: &[&[&str]] = &[
    &[
        "sync", "mpi", "env", "error", "stats", "symbol", "trace", "fiber",
    ],
    &["task"],
    &["sched"],
    &["comm"],
    &["runtime"],
    &["ffi", "api"],
];

/// Module -> module it uses -> the places (`file:line`, relative to `src/`) that use it.
type Graph = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `src` with comments, string literals (plain, byte, raw) and char literals blanked out;
/// newlines are kept, so positions keep their line numbers.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    // The index just past the first `pat` at or after `from` (the end if there is none).
    let past = |from: usize, pat: &[char]| {
        let found = (from..c.len()).find(|&j| c[j..].starts_with(pat));
        found.map_or(c.len(), |j| j + pat.len())
    };
    let (mut out, mut i) = (String::with_capacity(src.len()), 0);
    while i < c.len() {
        let start = i;
        // `r"`, `r#"`, `br"`, `cr##"`... where the `r` starts a token (or follows a `b`/`c` that does).
        let raw_prefix = i == 0
            || !is_ident(at(i - 1))
            || (matches!(at(i - 1), 'b' | 'c') && (i < 2 || !is_ident(at(i - 2))));
        let hashes = (i + 1..).take_while(|&j| at(j) == '#').count();
        if at(i) == '/' && at(i + 1) == '/' {
            i = past(i, &['\n']);
        } else if at(i) == '/' && at(i + 1) == '*' {
            let mut depth = 0; // block comments nest in Rust
            while i < c.len() {
                match (c[i], at(i + 1)) {
                    ('/', '*') => (depth, i) = (depth + 1, i + 2),
                    ('*', '/') => (depth, i) = (depth - 1, i + 2),
                    _ => i += 1,
                }
                if depth == 0 {
                    break;
                }
            }
        } else if at(i) == 'r' && raw_prefix && at(i + 1 + hashes) == '"' {
            let close: Vec<char> = std::iter::once('"').chain(vec!['#'; hashes]).collect();
            i = past(i + hashes + 2, &close);
        } else if at(i) == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if at(i) == '\'' && at(i + 1) == '\\' {
            i = past(i + 3, &['\'']); // '\n', '\'', '\u{..}': past the escaped character
        } else if at(i) == '\'' && at(i + 2) == '\'' {
            i += 3; // 'x' (a lifetime or a label `'a` has no closing quote)
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        }
        i = i.min(c.len());
        for &ch in &c[start..i] {
            out.push(if ch == '\n' { ch } else { ' ' });
        }
    }
    out
}

/// The tokens of stripped code with their line numbers: identifiers, `::` and single punctuation.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let (mut toks, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        let start = i;
        if c[i] == '\n' {
            line += 1;
        } else if is_ident(c[i]) {
            while i + 1 < c.len() && is_ident(c[i + 1]) {
                i += 1;
            }
        } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
            i += 1;
        }
        if !c[start].is_whitespace() {
            toks.push((c[start..=i].iter().collect(), line));
        }
        i += 1;
    }
    toks
}

/// Every first segment after `crate::` in `src` (a name of the crate root, normally a top-level
/// module), with its line: `crate::a::b` gives `a`, `crate::{a::b, c::{d, e}}` gives `a` and `c`.
fn crate_refs(src: &str) -> Vec<(String, usize)> {
    let t = tokens(&strip(src));
    let tok = |k: usize| t.get(k).map_or("", |(s, _)| s.as_str());
    let name = |k: usize| {
        let s = tok(k);
        let keyword = matches!(s, "self" | "super" | "crate");
        (s.starts_with(is_ident) && !keyword).then(|| (s.to_string(), t[k].1))
    };
    let mut refs = Vec::new();
    for k in 0..t.len() {
        if tok(k) != "crate" || tok(k + 1) != "::" {
            continue;
        }
        if tok(k + 2) != "{" {
            refs.extend(name(k + 2));
            continue;
        }
        // A use group: the first segment of each item, skipping nested groups.
        let (mut j, mut depth, mut item_start) = (k + 3, 0, true);
        while j < t.len() {
            if item_start {
                refs.extend(name(j));
                item_start = false;
            }
            match tok(j) {
                "{" => depth += 1,
                "}" if depth == 0 => break,
                "}" => depth -= 1,
                "," if depth == 0 => item_start = true,
                _ => {}
            }
            j += 1;
        }
    }
    refs
}

/// The top-level module of a file, given its path relative to `src/` (`None` for the crate root).
fn module_of(rel: &str) -> Option<String> {
    match rel.split_once('/') {
        Some((dir, _)) => Some(dir.to_string()),
        None if rel == "lib.rs" => None,
        None => Some(rel.trim_end_matches(".rs").to_string()),
    }
}

/// The modules under `src/` and the graph of their references to each other.
fn graph_of_src() -> (BTreeSet<String>, Graph) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (mut dirs, mut parsed) = (vec![src.clone()], Vec::new());
    while let Some(dir) = dirs.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for path in entries.map(|entry| entry.expect("a directory entry").path()) {
            let rel = path.strip_prefix(&src).expect("a path under src/");
            let rel = rel.to_string_lossy().replace('\\', "/");
            if path.is_dir() {
                dirs.push(path);
            } else if let Some(module) = module_of(&rel).filter(|_| rel.ends_with(".rs")) {
                let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
                parsed.push((rel, module, crate_refs(&text)));
            }
        }
    }
    parsed.sort();
    let modules: BTreeSet<String> = parsed.iter().map(|(_, m, _)| m.clone()).collect();
    let mut graph = Graph::new();
    for (rel, module, refs) in parsed {
        for (used, line) in refs {
            // Names that are no module are items of the crate root (lib.rs).
            if used != module && modules.contains(&used) {
                let uses = graph.entry(module.clone()).or_default();
                uses.entry(used).or_default().push(format!("{rel}:{line}"));
            }
        }
    }
    (modules, graph)
}

/// One cycle per back edge of a depth-first search, each as `[a, b, ..., a]`; empty if and only
/// if the graph is acyclic.
fn find_cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn visit<'g>(
        graph: &'g Graph,
        node: &'g str,
        done: &mut BTreeSet<&'g str>,
        stack: &mut Vec<&'g str>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        stack.push(node);
        for next in graph.get(node).into_iter().flat_map(|uses| uses.keys()) {
            if let Some(pos) = stack.iter().position(|s| s == next) {
                let mut cycle: Vec<String> = stack[pos..].iter().map(|s| s.to_string()).collect();
                cycle.push(next.clone());
                cycles.push(cycle);
            } else if !done.contains(next.as_str()) {
                visit(graph, next, done, stack, cycles);
            }
        }
        stack.pop();
        done.insert(node);
    }
    let (mut done, mut cycles) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        if !done.contains(node.as_str()) {
            visit(graph, node, &mut done, &mut Vec::new(), &mut cycles);
        }
    }
    cycles
}

fn describe_cycle(graph: &Graph, cycle: &[String]) -> String {
    let sites: Vec<String> = cycle
        .windows(2)
        .map(|w| format!("{} uses {}", graph[&w[0]][&w[1]][0], w[1]))
        .collect();
    let path = cycle.join(" -> ");
    format!("import cycle: {path} ({})", sites.join(", "))
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

const TABLE: &str = "the layer table of tests/layers.rs";

fn table() -> impl Iterator<Item = &'static str> {
    LAYERS.iter().flat_map(|layer| layer.iter().copied())
}

/// Everything wrong with the graph: modules missing from (or stale in) the table, cycles, and
/// edges going up the layers.
fn problems(modules: &BTreeSet<String>, graph: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    for m in modules.iter().filter(|m| layer_of(m).is_none()) {
        found.push(format!("module {m} is not in {TABLE}"));
    }
    for m in table().filter(|m| !modules.contains(*m)) {
        found.push(format!("module {m} is in {TABLE} but not under src/"));
    }
    found.extend(find_cycles(graph).iter().map(|c| describe_cycle(graph, c)));
    for (from, uses) in graph {
        for (to, sites) in uses {
            if let (Some(lf), Some(lt)) = (layer_of(from), layer_of(to)) {
                if lt > lf {
                    found.push(format!(
                        "layer violation: {from} (layer {lf}) uses {to} (layer {lt}) at {}",
                        sites.join(", ")
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn modules_follow_the_layers() {
    let (modules, graph) = graph_of_src();
    assert!(modules.len() > 1, "too few modules under src/: {modules:?}");
    println!("module graph of src/ (module -> module it uses: first use, number of uses):");
    for (from, uses) in &graph {
        for (to, sites) in uses {
            println!("  {from:>7} -> {to:<7} {} ({})", sites[0], sites.len());
        }
    }
    let unused: Vec<&String> = modules.iter().filter(|m| !graph.contains_key(*m)).collect();
    println!("modules using no other module: {unused:?}");
    let found = problems(&modules, &graph);
    let n = found.len();
    assert!(
        n == 0,
        "{n} problem(s) in the module graph of src/:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn parser_finds_use_trees_and_inline_paths_and_nothing_in_comments_or_literals() {
    let snippet = r####"
//! The crate docs may name crate::docs.
use crate::{a::b, c::{d, e}};
use crate::{
    self,
    h as hh, // crate::zzz
};
/* crate::block /* nested crate::inner */ still crate::comment */
pub(crate) fn g<'a>(x: &'a str) -> char {
    let s = "crate::yyy \" crate::escaped";
    let r = r#"crate::raw " crate::raw2"#;
    let b = br"crate::bytes";
    let q = '"'; let bs = '\\';
    crate::f::g();
    '"'
}
"####;
    let refs = crate_refs(snippet);
    let names: BTreeSet<&str> = refs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["a", "c", "f", "h"]), "{refs:?}");
    let line = |n: &str| refs.iter().find(|(m, _)| m == n).map(|(_, l)| *l);
    assert_eq!(
        (line("a"), line("c"), line("h"), line("f")),
        (Some(3), Some(3), Some(6), Some(14))
    );
    assert_eq!(strip("x /* a\nb */ y // z\n"), "x     \n     y     \n");

    assert_eq!(module_of("sched/worker.rs").as_deref(), Some("sched"));
    assert_eq!(module_of("comm/wire/task.rs").as_deref(), Some("comm"));
    assert_eq!(module_of("runtime/mod.rs").as_deref(), Some("runtime"));
    assert_eq!(module_of("env.rs").as_deref(), Some("env"));
    assert_eq!(module_of("lib.rs"), None);
}

fn graph(edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new();
    for (i, (from, to)) in edges.iter().enumerate() {
        let uses = g.entry(from.to_string()).or_default();
        uses.insert(to.to_string(), vec![format!("{from}.rs:{i}")]);
    }
    g
}

#[test]
fn cycle_finder_fails_on_a_cycle_only() {
    let acyclic = graph(&[("a", "b"), ("b", "c"), ("a", "c"), ("d", "a")]);
    assert_eq!(find_cycles(&acyclic), Vec::<Vec<String>>::new());

    let cyclic = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("d", "c")]);
    let cycles = find_cycles(&cyclic);
    assert_eq!(cycles, vec![vec!["a", "b", "c", "a"]]);
    assert_eq!(
        describe_cycle(&cyclic, &cycles[0]),
        "import cycle: a -> b -> c -> a (a.rs:0 uses b, b.rs:1 uses c, c.rs:2 uses a)"
    );
    assert_eq!(find_cycles(&graph(&[("a", "a")])), vec![vec!["a", "a"]]);
}

#[test]
fn layer_check_fails_on_an_upward_edge_and_a_module_missing_from_the_table() {
    let modules: BTreeSet<String> = table().map(String::from).collect();
    let down = graph(&[("api", "runtime"), ("comm", "sched"), ("mpi", "sync")]);
    assert_eq!(problems(&modules, &down), Vec::<String>::new());

    let up = graph(&[("sched", "comm")]);
    assert_eq!(
        problems(&modules, &up),
        ["layer violation: sched (layer 2) uses comm (layer 3) at sched.rs:0"]
    );
    let mut other = modules.clone();
    other.insert("extra".to_string());
    other.remove("stats");
    assert_eq!(
        problems(&other, &down),
        [
            "module extra is not in the layer table of tests/layers.rs",
            "module stats is in the layer table of tests/layers.rs but not under src/"
        ]
    );
}
