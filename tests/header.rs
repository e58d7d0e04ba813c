//! The C header: up to date with the Rust sources, valid C99/C11/C++ that declares everything
//! of SPEC 2 with TORC Lite's values, and every function it declares is exported by
//! `libtorc.so` (the variadic `torc_task*` included: they are naked Rust trampolines).

mod common;

use common::{build_c, lib_dir, root, run_plain, run_step, scratch};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Every function of SPEC 2 (and `torc_task_argv`, SPEC 3.3).
const SPEC_FUNCTIONS: &[&str] = &[
    "torc_init",
    "torc_finalize",
    "torc_register_task",
    "torc_task",
    "torc_task_ex",
    "torc_task_detached",
    "torc_task_direct",
    "torc_task_argv",
    "torc_waitall",
    "torc_waitall2",
    "torc_waitall3",
    "torc_tasksync",
    "torc_taskinit",
    "torc_scheduler_loop",
    "torc_fetch_work",
    "torc_broadcast",
    "torc_enable_stealing",
    "torc_disable_stealing",
    "torc_i_enable_stealing",
    "torc_i_disable_stealing",
    "torc_reset_statistics",
    "torc_node_id",
    "torc_num_nodes",
    "torc_i_worker_id",
    "torc_i_num_workers",
    "torc_worker_id",
    "torc_num_workers",
    "torc_getlevel",
    "torc_gettime",
    "torc_sched_nextcpu",
    "thread_sleep",
    "start_server_thread",
    "shutdown_server_thread",
    "torc_getarg_addr",
    "torc_getarg_count",
    "torc_getarg_callway",
    "torc_getarg_size",
    "torc_get_num_args",
];

/// The macros of SPEC 2 with their values (the `torc_create*` ones name functions).
const SPEC_MACROS: &[(&str, &str)] = &[
    ("TORC_LITE", "1"),
    ("MODE_MW", "0"),
    ("MODE_MS", "0"),
    ("CALL_BY_COP", "1"),
    ("CALL_BY_REF", "2"),
    ("CALL_BY_RES", "3"),
    ("CALL_BY_PTR", "4"),
    ("CALL_BY_VAL", "1"),
    ("CALL_BY_COP2", "5"),
    ("CALL_BY_VAD", "6"),
    ("torc_create", "torc_task"),
    ("torc_create_ex", "torc_task_ex"),
    ("torc_create_detached", "torc_task_detached"),
    ("torc_create_direct", "torc_task_direct"),
];

fn header_path() -> PathBuf {
    root().join("include").join("torc.h")
}

fn header_text() -> String {
    std::fs::read_to_string(header_path()).expect("read include/torc.h")
}

fn c_source(name: &str) -> PathBuf {
    root().join("tests").join("c").join(name)
}

/// Removes `/* */` and `//` comments and preprocessor lines.
fn strip_comments_and_directives(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |e| &r[e + 2..]);
            out.push(' ');
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |e| &r[e..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names of the functions the header declares (declarations at file scope, not typedefs).
fn declared_functions(header: &str) -> Vec<String> {
    let code = strip_comments_and_directives(header);
    let mut names = Vec::new();
    for stmt in code.split([';', '{', '}']) {
        let stmt = stmt.trim();
        if stmt.starts_with("typedef") || stmt.starts_with("extern \"C\"") {
            continue;
        }
        let Some(paren) = stmt.find('(') else {
            continue;
        };
        let before = stmt[..paren].trim_end();
        let name: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The value of `#define NAME VALUE` in the header, if any.
fn macro_value(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        if w.next() == Some("#define") && w.next() == Some(name) {
            Some(w.collect::<Vec<_>>().join(" "))
        } else {
            None
        }
    })
}

/// Runs `exe` without the launcher with `TORC_WORKERS=workers`; checks it exited 0 and printed
/// `want`.
fn run_workers(exe: &Path, workers: &str, want: &str) {
    let run = run_plain(
        exe,
        &[],
        &[("TORC_WORKERS", workers)],
        Duration::from_secs(60),
    );
    let what = format!("{} with TORC_WORKERS={workers}", exe.display());
    run.assert_ok_with(&what, want);
}

/// `compiler flags -I include -c src -o obj`.
fn compile_only(compiler_env: &str, compiler: &str, flags: &[&str], src: &Path, obj: &Path) {
    let mut cmd = Command::new(std::env::var(compiler_env).unwrap_or_else(|_| compiler.into()));
    cmd.args(flags).arg("-I").arg(root().join("include"));
    cmd.arg("-c").arg(src).arg("-o").arg(obj);
    run_step(
        &format!("{compiler} {} -c {}", flags.join(" "), src.display()),
        &mut cmd,
    );
}

fn lib_path() -> PathBuf {
    lib_dir().join("libtorc.so")
}

#[test]
fn checked_in_header_is_current() {
    let checked_in = header_text();
    if torc::GENERATED_HEADER != checked_in {
        let first_diff = torc::GENERATED_HEADER
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "one file is a prefix of the other".to_string(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!(
            "include/torc.h is stale ({first_diff}): regenerate it with \
             `TORC_UPDATE_HEADER=1 cargo build` and commit the result"
        );
    }
}

#[test]
fn header_declares_the_whole_spec_api() {
    let h = header_text();
    let declared = declared_functions(&h);
    let missing: Vec<_> = SPEC_FUNCTIONS
        .iter()
        .filter(|f| !declared.iter().any(|d| d == *f))
        .collect();
    assert!(
        missing.is_empty(),
        "torc.h does not declare {missing:?} (declared: {declared:?})"
    );
    for (name, value) in SPEC_MACROS {
        assert_eq!(
            macro_value(&h, name).as_deref(),
            Some(*value),
            "#define {name} {value} expected in torc.h"
        );
    }
    assert!(
        h.contains("#include <mpi.h>"),
        "torc.h must include <mpi.h>"
    );
    assert!(
        h.contains("typedef double torc_time_t;"),
        "torc_time_t must be double"
    );
    assert!(
        h.contains("extern \"C\""),
        "torc.h must declare C linkage for C++"
    );
    let max: i64 = macro_value(&h, "TORC_MAX_ARGS")
        .expect("TORC_MAX_ARGS defined")
        .parse()
        .expect("TORC_MAX_ARGS is a number");
    assert!(
        max >= 24,
        "at least 24 task arguments, TORC_MAX_ARGS = {max}"
    );
}

/// Whether a name the header defines belongs to torc's (or TORC Lite's) namespace.
fn is_torc_name(name: &str) -> bool {
    const PREFIXES: &[&str] = &["torc_", "TORC_", "CALL_BY_", "MODE_"];
    const LEGACY: &[&str] = &[
        "thread_sleep",
        "start_server_thread",
        "shutdown_server_thread",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || LEGACY.contains(&name)
}

/// Names the header `#define`s (except its include guard) or `typedef`s.
fn defined_names(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    for l in header.lines() {
        let mut w = l.split_whitespace();
        if w.next() == Some("#define") {
            if let Some(n) = w.next() {
                let n = n.split('(').next().unwrap_or(n);
                if n != "TORC_H" {
                    names.push(n.to_string());
                }
            }
        }
    }
    let code = strip_comments_and_directives(header);
    let mut rest = code.as_str();
    while let Some(pos) = rest.find("typedef") {
        // The statement runs to the first `;` outside braces.
        let body = &rest[pos..];
        let mut depth = 0i32;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ';' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let stmt = &body[..end];
        // `typedef ... NAME` or `typedef ret (*NAME)(...)`
        let name = if let Some(p) = stmt.find("(*") {
            stmt[p + 2..]
                .split(')')
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        } else {
            stmt.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
                .to_string()
        };
        names.push(name);
        rest = &body[end..];
    }
    names
}

#[test]
fn header_defines_only_torc_names() {
    // A public header is included by applications: internal constants (message tags, limits)
    // leaking into it as short macros like `TASK` or `DONE` would break their code.
    for (which, text) in [
        ("include/torc.h", header_text()),
        (
            "the freshly generated header",
            torc::GENERATED_HEADER.to_string(),
        ),
    ] {
        let mut names = defined_names(&text);
        names.extend(declared_functions(&text));
        let foreign: Vec<_> = names.iter().filter(|n| !is_torc_name(n)).collect();
        assert!(
            foreign.is_empty(),
            "{which} defines names outside torc's namespace: {foreign:?} \
             (exclude them in cbindgen.toml or make them private)"
        );
    }
}

#[test]
fn header_alone_is_pedantic_c() {
    let dir = scratch("header");
    let src = dir.join("only_header.c");
    std::fs::write(&src, "#include <torc.h>\nint main(void) { return 0; }\n").unwrap();
    for std in ["-std=c99", "-std=c11", "-std=c17"] {
        compile_only(
            "MPICC",
            "mpicc",
            &[std, "-Wall", "-Wextra", "-Werror", "-pedantic-errors"],
            &src,
            &dir.join(format!("only_header{std}.o")),
        );
    }
}

#[test]
fn c99_program_using_every_name_compiles() {
    // torc_register_task takes a function as `void *`, which ISO C calls a pedantic error:
    // the program is checked with -Wall -Wextra -Werror instead.
    let dir = scratch("header");
    compile_only(
        "MPICC",
        "mpicc",
        &["-std=c99", "-Wall", "-Wextra", "-Werror"],
        &c_source("header_c.c"),
        &dir.join("header_c99.o"),
    );
}

#[test]
fn c11_program_using_every_name_links_and_runs() {
    let dir = scratch("header");
    let exe = dir.join("header_c11");
    build_c(
        &[&c_source("header_c.c")],
        &exe,
        &["-std=c11", "-Wextra", "-Werror"],
    );
    for workers in ["1", "2", "4"] {
        run_workers(&exe, workers, &format!("header_c: ok workers={workers}"));
    }
    let run = common::mpirun(&exe, 1, 2, &[], &[], Duration::from_secs(60));
    run.assert_ok_with("header_c11 under mpirun -np 1", "header_c: ok workers=2");
}

#[test]
fn cxx_program_using_every_name_links_and_runs() {
    let dir = scratch("header");
    let src = c_source("header_cxx.cpp");
    // With OpenMPI's C++ bindings (pulled in by mpi.h) -Wextra fails inside mpi.h itself, so
    // -Wextra is checked with them skipped.
    compile_only(
        "MPICXX",
        "mpicxx",
        &[
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-DOMPI_SKIP_MPICXX=1",
        ],
        &src,
        &dir.join("header_cxx11.o"),
    );
    let exe = dir.join("header_cxx17");
    let lib = lib_dir();
    let mut cmd = Command::new(std::env::var("MPICXX").unwrap_or_else(|_| "mpicxx".into()));
    cmd.args(["-std=c++17", "-Wall", "-Werror", "-O1", "-g"]);
    cmd.arg("-I")
        .arg(root().join("include"))
        .arg(&src)
        .arg("-o")
        .arg(&exe);
    cmd.arg(format!("-L{}", lib.display())).arg("-ltorc");
    cmd.arg(format!("-Wl,-rpath,{}", lib.display()));
    run_step("mpicxx -std=c++17 header_cxx.cpp", &mut cmd);
    for workers in ["1", "3"] {
        run_workers(&exe, workers, "header_cxx: ok total=328350");
    }
}

#[test]
fn every_declared_function_is_exported() {
    let lib = lib_path();
    assert!(lib.exists(), "{} not built", lib.display());
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("run nm");
    assert!(
        out.status.success(),
        "nm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // "address type name": exported functions are in the text section (T).
    let exported: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[1], f[2]))
        })
        .collect();
    let declared = declared_functions(&header_text());
    assert!(
        declared.len() >= SPEC_FUNCTIONS.len(),
        "parsed only {declared:?}"
    );
    let mut missing = Vec::new();
    for name in &declared {
        match exported.iter().find(|(_, n)| n == name) {
            Some((kind, _)) => assert_eq!(*kind, "T", "{name} is exported as {kind}, not code"),
            None => missing.push(name.clone()),
        }
    }
    assert!(
        missing.is_empty(),
        "libtorc.so does not export {missing:?}, declared in torc.h"
    );
}

#[test]
fn header_parser_finds_declarations() {
    // Guards the parser used above, so that the export check cannot pass vacuously.
    let h = "/* c */\n#define X 1\ntypedef void (*fp_t)();\n// int not_me(void);\n\
             #ifdef __cplusplus\nextern \"C\" {\n#endif\nvoid a(int x, void (*f)(), ...);\n\
             void *b(int i);\ntypedef struct { int q; } s_t;\ndouble c(void);\n}\n";
    assert_eq!(declared_functions(h), vec!["a", "b", "c"]);
    assert_eq!(defined_names(h), vec!["X", "fp_t", "s_t"]);
}

/// TORC Lite programs use pthread and time.h names through torc.h alone, and some declare and
/// call `_torc_scheduler_loop` themselves: compiles as C99, C11 and C++17, links and runs.
#[test]
fn torc_lite_programs_find_pthread_time_and_the_internal_scheduler_loop() {
    let dir = scratch("header");
    let src = c_source("lite_compat.c");
    let mut exes = Vec::new();
    for std in ["c99", "c11"] {
        let exe = dir.join(format!("lite_compat_{std}"));
        build_c(&[&src], &exe, &[&format!("-std={std}"), "-Werror"]);
        exes.push(exe);
    }
    let exe = dir.join("lite_compat_cxx17");
    let lib = lib_dir();
    let mut cmd = Command::new(std::env::var("MPICXX").unwrap_or_else(|_| "mpicxx".into()));
    cmd.args(["-x", "c++", "-std=c++17", "-Wall", "-Werror", "-O1"]);
    cmd.arg("-I")
        .arg(root().join("include"))
        .arg(&src)
        .args(["-x", "none", "-o"])
        .arg(&exe);
    cmd.arg(format!("-L{}", lib.display())).arg("-ltorc");
    cmd.arg(format!("-Wl,-rpath,{}", lib.display()));
    run_step("mpicxx -std=c++17 lite_compat.c", &mut cmd);
    exes.push(exe);
    for exe in &exes {
        for workers in ["1", "2"] {
            run_workers(exe, workers, "lite_compat: ok");
        }
    }
}
