//! How the crate's source files depend on each other. This reads every `.rs` file of a source
//! tree, finds each path that names an item of the same crate (`crate::`, `super::`, `self::`
//! and a child module's name, in `use` trees and inline paths; comments and literals stripped)
//! and builds the graph of files, `mod` declarations aside. Two checks fail on it:
//!
//! * no import cycle between files, directly or through others: each cycle is printed with the
//!   line of every import on it. It runs on `src/` and, as its own test, on `python/src`
//!   (torcpy's crate, where `crate::` means `python/src`);
//! * the top-level modules of `src/` form layers that depend one way only: an edge going up the
//!   table [`LAYERS`] below, or a module missing from it, fails. What each layer holds is in the
//!   layer table of `docs/architecture.md`.
//!
//! `cargo test --test layers -- --nocapture` prints the graphs of modules and of files.

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

/// Node -> node it uses -> the places (`file:line`, relative to the tree) that use it. The
/// nodes are files (relative paths) or top-level modules.
type Graph = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// A module path inside the crate (`["sched", "node", "Node"]`; the root is empty).
type ModPath = Vec<String>;

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

/// Whether `s` is a name a path may continue with (not `self`, `super` or `crate`).
fn is_name(s: &str) -> bool {
    s.starts_with(is_ident) && !matches!(s, "self" | "super" | "crate")
}

/// The tokens of one file with, for each, the inline module (`mod m { ... }`) it lies in, as
/// an index into `scopes`: each scope's module path and the modules declared in it.
struct Scoped {
    toks: Vec<(String, usize)>,
    scope_of: Vec<usize>,
    scopes: Vec<(ModPath, BTreeSet<String>)>,
}

impl Scoped {
    /// Splits stripped code into tokens and finds its inline modules; `module` is the file's.
    fn new(src: &str, module: &[String]) -> Scoped {
        let toks = tokens(&strip(src));
        let tok = |k: usize| toks.get(k).map_or("", |(s, _)| s.as_str());
        let mut scopes = vec![(module.to_vec(), BTreeSet::new())];
        // Open inline modules: (scope, brace depth outside it); the file's scope stays open.
        let (mut open, mut depth) = (vec![(0, 0)], 0);
        let mut scope_of = Vec::with_capacity(toks.len());
        let mut opens_at = None; // the `{` that opens the scope of a `mod m {` just seen
        for k in 0..toks.len() {
            let here = open.last().expect("the file's scope").0;
            scope_of.push(here);
            match tok(k) {
                "mod" if is_name(tok(k + 1)) && matches!(tok(k + 2), ";" | "{") => {
                    scopes[here].1.insert(tok(k + 1).to_string());
                    if tok(k + 2) == "{" {
                        let mut path = scopes[here].0.clone();
                        path.push(tok(k + 1).to_string());
                        scopes.push((path, BTreeSet::new()));
                        opens_at = Some((k + 2, scopes.len() - 1));
                    }
                }
                "{" => {
                    if let Some((_, scope)) = opens_at.filter(|&(at, _)| at == k) {
                        open.push((scope, depth));
                        opens_at = None;
                    }
                    depth += 1;
                }
                "}" => {
                    depth -= 1;
                    if open.len() > 1 && open.last().is_some_and(|&(_, d)| d == depth) {
                        open.pop();
                    }
                }
                _ => {}
            }
        }
        Scoped {
            toks,
            scope_of,
            scopes,
        }
    }

    fn tok(&self, k: usize) -> &str {
        self.toks.get(k).map_or("", |(s, _)| s.as_str())
    }

    /// The module paths of the use tree (or inline path) at token `j`, under `prefix`, with
    /// the line of each one's last segment, appended to `out`; returns the index past it.
    fn tree(&self, mut j: usize, mut prefix: ModPath, out: &mut Vec<(ModPath, usize)>) -> usize {
        let line = |k: usize| self.toks.get(k).map_or(0, |(_, l)| *l);
        loop {
            match self.tok(j) {
                "{" => {
                    // A group: each item under the prefix; `as` renames and the like skipped.
                    j += 1;
                    loop {
                        match self.tok(j) {
                            "}" | "" => return j + 1,
                            "," => j += 1,
                            _ => {
                                j = self.tree(j, prefix.clone(), out);
                                while !matches!(self.tok(j), "," | "}" | "") {
                                    j += 1;
                                }
                            }
                        }
                    }
                }
                "*" | "self" => {
                    out.push((prefix, line(j)));
                    return j + 1;
                }
                s if is_name(s) => {
                    prefix.push(s.to_string());
                    if self.tok(j + 1) != "::" {
                        out.push((prefix, line(j)));
                        return j + 1;
                    }
                    j += 2;
                }
                // `Type::<T>` and the like: the path so far.
                _ => {
                    out.push((prefix, line(j.saturating_sub(1))));
                    return j;
                }
            }
        }
    }

    /// Every path of the file that names an item of the crate, made absolute, with its line.
    fn paths(&self) -> Vec<(ModPath, usize)> {
        let mut out = Vec::new();
        let mut k = 0;
        while k < self.toks.len() {
            let (scope, children) = &self.scopes[self.scope_of[k]];
            // A path starts here: not after `::` (inside one) or `.` (a method's turbofish).
            let starts =
                self.tok(k + 1) == "::" && (k == 0 || !matches!(self.tok(k - 1), "::" | "."));
            let base = match self.tok(k) {
                _ if !starts => None,
                "crate" => Some((Vec::new(), k + 2)),
                "self" => Some((scope.clone(), k + 2)),
                "super" => {
                    // `super::super::...`: one module up per `super`.
                    let (mut base, mut j) = (scope.clone(), k);
                    while self.tok(j) == "super" && self.tok(j + 1) == "::" {
                        base.pop();
                        j += 2;
                    }
                    Some((base, j))
                }
                s if children.contains(s) => {
                    let mut base = scope.clone();
                    base.push(s.to_string());
                    Some((base, k + 2))
                }
                _ => None,
            };
            match base {
                Some((base, j)) => k = self.tree(j, base, &mut out),
                None => k += 1,
            }
        }
        out
    }
}

/// The module paths named by `src`, the text of a file whose module is `module` (see
/// [`Scoped::paths`]).
fn paths_in(src: &str, module: &[String]) -> Vec<(ModPath, usize)> {
    Scoped::new(src, module).paths()
}

/// The module of a file, given its path relative to the tree: `a/b.rs` and `a/b/mod.rs` are
/// `a::b`, `lib.rs` is the crate root.
fn module_path(rel: &str) -> ModPath {
    let mut segs: ModPath = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if rel == "lib.rs" || rel == "main.rs" || segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    segs
}

/// The file holding the item at `path`: the file of its longest prefix that is a file's module.
fn file_of<'f>(files: &'f BTreeMap<ModPath, String>, path: &[String]) -> Option<&'f String> {
    (0..=path.len()).rev().find_map(|n| files.get(&path[..n]))
}

/// The `.rs` files under `root`, relative to it, with their text.
fn read_tree(root: &Path) -> Vec<(String, String)> {
    let (mut dirs, mut found) = (vec![root.to_path_buf()], Vec::new());
    while let Some(dir) = dirs.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for path in entries.map(|entry| entry.expect("a directory entry").path()) {
            let rel = path.strip_prefix(root).expect("a path under the root");
            let rel = rel.to_string_lossy().replace('\\', "/");
            if path.is_dir() {
                dirs.push(path);
            } else if rel.ends_with(".rs") {
                let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
                found.push((rel, text));
            }
        }
    }
    found.sort();
    found
}

/// The graph of the files of `tree` (path relative to the tree, text): which file names an
/// item of which other file.
fn file_graph(tree: &[(String, String)]) -> Graph {
    let files: BTreeMap<ModPath, String> = tree
        .iter()
        .map(|(rel, _)| (module_path(rel), rel.clone()))
        .collect();
    let mut graph = Graph::new();
    for (rel, text) in tree {
        graph.entry(rel.clone()).or_default();
        for (path, line) in paths_in(text, &module_path(rel)) {
            match file_of(&files, &path) {
                Some(to) if to != rel => {
                    let uses = graph.entry(rel.clone()).or_default();
                    uses.entry(to.clone())
                        .or_default()
                        .push(format!("{rel}:{line}"));
                }
                _ => {}
            }
        }
    }
    graph
}

/// The top-level module of a file, given its path relative to `src/` (`None` for the crate root).
fn module_of(rel: &str) -> Option<String> {
    match rel.split_once('/') {
        Some((dir, _)) => Some(dir.to_string()),
        None if rel == "lib.rs" => None,
        None => Some(rel.trim_end_matches(".rs").to_string()),
    }
}

/// The top-level modules of a file graph and the graph between them (the crate root left out).
fn module_graph(files: &Graph) -> (BTreeSet<String>, Graph) {
    let modules: BTreeSet<String> = files.keys().filter_map(|f| module_of(f)).collect();
    let mut graph = Graph::new();
    for (from, uses) in files {
        for (to, sites) in uses {
            if let (Some(m), Some(used)) = (module_of(from), module_of(to)) {
                if m != used {
                    let e = graph.entry(m).or_default().entry(used).or_default();
                    e.extend(sites.iter().cloned());
                }
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

/// Every import cycle of a file graph, described.
fn file_cycles(graph: &Graph) -> Vec<String> {
    let cycles = find_cycles(graph);
    cycles.iter().map(|c| describe_cycle(graph, c)).collect()
}

/// Prints a graph, one line per edge: first use, number of uses.
fn print_graph(title: &str, graph: &Graph) {
    println!("{title} (first use, number of uses):");
    for (from, uses) in graph {
        for (to, sites) in uses {
            println!("  {from:>24} -> {to:<24} {} ({})", sites[0], sites.len());
        }
    }
}

/// The source tree `dir` of this checkout (`src`, `python/src`), read.
fn tree_of(dir: &str) -> Vec<(String, String)> {
    let tree = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir));
    assert!(tree.len() > 1, "too few files under {dir}/");
    tree
}

/// Fails, listing them, when the files of `dir` import each other in a cycle.
fn assert_no_file_cycle(dir: &str) {
    let graph = file_graph(&tree_of(dir));
    print_graph(
        &format!("file graph of {dir}/ (file -> file it uses)"),
        &graph,
    );
    let found = file_cycles(&graph);
    let n = found.len();
    assert!(
        n == 0,
        "{n} import cycle(s) between the files of {dir}/:\n  {}",
        found.join("\n  ")
    );
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

const TABLE: &str = "the layer table of tests/layers.rs";

fn table() -> impl Iterator<Item = &'static str> {
    LAYERS.iter().flat_map(|layer| layer.iter().copied())
}

/// Everything wrong with the module graph: modules missing from (or stale in) the table,
/// cycles, and edges going up the layers.
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
    let (modules, graph) = module_graph(&file_graph(&tree_of("src")));
    assert!(modules.len() > 1, "too few modules under src/: {modules:?}");
    print_graph("module graph of src/ (module -> module it uses)", &graph);
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
fn files_of_src_import_each_other_without_a_cycle() {
    assert_no_file_cycle("src");
}

/// torcpy's crate, checked the same way.
#[test]
fn files_of_python_src_import_each_other_without_a_cycle() {
    assert_no_file_cycle("python/src");
}

fn strings(v: &[&str]) -> ModPath {
    v.iter().map(|s| s.to_string()).collect()
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
    let found = paths_in(snippet, &[]);
    let want = [
        (vec!["a", "b"], 3),
        (vec!["c", "d"], 3),
        (vec!["c", "e"], 3),
        (vec![], 5),
        (vec!["h"], 6),
        (vec!["f", "g"], 14),
    ];
    let want: Vec<(ModPath, usize)> = want.iter().map(|(p, l)| (strings(p), *l)).collect();
    assert_eq!(found, want);
    assert_eq!(strip("x /* a\nb */ y // z\n"), "x     \n     y     \n");

    assert_eq!(module_of("sched/worker.rs").as_deref(), Some("sched"));
    assert_eq!(module_of("comm/wire/task.rs").as_deref(), Some("comm"));
    assert_eq!(module_of("runtime/mod.rs").as_deref(), Some("runtime"));
    assert_eq!(module_of("env.rs").as_deref(), Some("env"));
    assert_eq!(module_of("lib.rs"), None);
    assert_eq!(module_path("comm/wire/mod.rs"), strings(&["comm", "wire"]));
    assert_eq!(
        module_path("comm/wire/task.rs"),
        strings(&["comm", "wire", "task"])
    );
    assert_eq!(module_path("lib.rs"), ModPath::new());
}

#[test]
fn parser_resolves_super_self_child_modules_and_inline_modules() {
    let snippet = r#"
mod engine;
pub(crate) mod wire;
use super::node::Node;
use self::wire::{self, tag};
pub(super) fn f() -> engine::Progress { super::super::top(); x::y(); Foo::<u8>::new() }
struct S { a: crate::t::U }
fn g() { let v = crate::t::Arg { way: 1 }; v.engine::<u8>(); }
#[cfg(test)]
mod tests {
    use super::*;
    use super::engine::Thing;
    mod deeper { use super::super::wire::W; }
    fn h() { crate::q::r(); }
}
fn after() { super::late(); }
"#;
    let found = paths_in(snippet, &strings(&["comm", "mod_x"]));
    let found: Vec<(String, usize)> = found.into_iter().map(|(p, l)| (p.join("::"), l)).collect();
    let want = [
        ("comm::node::Node", 4),
        ("comm::mod_x::wire", 5),
        ("comm::mod_x::wire::tag", 5),
        ("comm::mod_x::engine::Progress", 6),
        ("top", 6),
        ("t::U", 7),
        ("t::Arg", 8),
        ("comm::mod_x", 11),
        ("comm::mod_x::engine::Thing", 12),
        ("comm::mod_x::wire::W", 13),
        ("q::r", 14),
        ("comm::late", 16),
    ];
    let want: Vec<(String, usize)> = want.iter().map(|(p, l)| (p.to_string(), *l)).collect();
    assert_eq!(found, want);
}

#[test]
fn file_graph_resolves_paths_to_the_file_of_their_longest_prefix() {
    let tree: Vec<(String, String)> = [
        ("lib.rs", "mod comm; mod sched; pub const X: u8 = 0;"),
        ("sched/mod.rs", "mod node; pub(crate) use node::Node;"),
        ("sched/node.rs", "use crate::X; pub struct Node;"),
        (
            "comm/mod.rs",
            "mod engine; use engine::Engine; pub struct Comm;",
        ),
        ("comm/engine.rs", "use super::Comm; use crate::sched::Node;"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let g = file_graph(&tree);
    let edges: Vec<(&str, &str)> = g
        .iter()
        .flat_map(|(f, uses)| uses.keys().map(move |t| (f.as_str(), t.as_str())))
        .collect();
    assert_eq!(
        edges,
        [
            ("comm/engine.rs", "comm/mod.rs"),
            ("comm/engine.rs", "sched/mod.rs"),
            ("comm/mod.rs", "comm/engine.rs"),
            ("sched/mod.rs", "sched/node.rs"),
            ("sched/node.rs", "lib.rs"),
        ]
    );
    assert_eq!(
        file_cycles(&g),
        [
            "import cycle: comm/engine.rs -> comm/mod.rs -> comm/engine.rs \
          (comm/engine.rs:1 uses comm/mod.rs, comm/mod.rs:1 uses comm/engine.rs)"
        ]
    );
    let (modules, m) = module_graph(&g);
    assert_eq!(modules, BTreeSet::from(["comm".into(), "sched".into()]));
    assert_eq!(m["comm"]["sched"], ["comm/engine.rs:1"]);
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
