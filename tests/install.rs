//! Installing torc and building programs against the installation, as users do (issue 6):
//!
//! - `cmake --install` (with the prefix given at install time) of the library cargo just built
//!   (`-DTORC_LIB_DIR`) into a scratch prefix: the documented layout, SONAME and symlinks, the
//!   headers, `torc_cflags`/`torc_libs`, `torc.pc`, the CMake package;
//! - `tests/consumer/consumer.c` built three ways (a Makefile using `torc_cflags`/`torc_libs`, a
//!   CMake project using `find_package(torc)`, pkg-config) plus statically, each run at 2 ranks
//!   with its results checked;
//! - the Fortran examples (`f_examples/`) built with `mpif90 $(torc_cflags) ... $(torc_libs)`
//!   and run at 1 and 2 ranks, one of them also through a Fortran-only CMake project;
//! - the Fortran interface: every name exported, `torcf.h`'s constants equal to `torc.h`'s, a
//!   misuse reported by its Fortran name.

mod common;

use common::{lib_dir, mpirun, root, run_output, run_plain, scratch, Run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Timeout of each run at 2 ranks (oversubscribed, other tests may run at the same time).
const TIMEOUT: Duration = Duration::from_secs(120);

/// The Fortran interface (`src/ffi/fortran.rs`): TORC Lite's names plus their older aliases.
const FORTRAN_SYMBOLS: &[&str] = &[
    "torc_initf_",
    "torc_init_",
    "torc_finalize_",
    "torc_register_task_",
    "torc_createf_",
    "torc_create_",
    "torc_taskf_",
    "torc_task_",
    "torc_waitall_",
    "torc_waitall2_",
    "torc_waitall3_",
    "torc_taskinit_",
    "torc_broadcastf_",
    "torc_broadcast_",
    "torc_enable_stealing_",
    "torc_disable_stealing_",
    "torc_i_enable_stealing_",
    "torc_i_disable_stealing_",
    "torc_sleep_",
    "torc_worker_id_",
    "torc_num_workers_",
    "torc_i_worker_id_",
    "torc_i_num_workers_",
    "torc_node_id_",
    "torc_num_nodes_",
    "torc_getlevel_",
    "torc_sched_nextcpu_",
    "torc_gettime_",
];

/// A shell command line (`sh -c`), as a Makefile recipe or a user would type it.
fn sh(line: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(line);
    cmd
}

/// `MPIFC ARGS` (the MPI Fortran wrapper: `mpif90` unless `MPIFC` names another) as a shell
/// line with the installation's `bin/` first on `PATH`, so that `$(torc_cflags)` and
/// `$(torc_libs)` in `ARGS` are its scripts.
fn fortran(inst: &Install, args: &str) -> Command {
    let fc = std::env::var("MPIFC").unwrap_or_else(|_| "mpif90".into());
    let mut cmd = sh(&format!("{fc} {args}"));
    cmd.env("PATH", inst.path_env());
    cmd
}

/// `make TARGET` of a fresh copy of `tests/consumer` in scratch directory `name`, with the
/// installation's `bin/` first on `PATH`; returns the program it built (`EXE` there) and its
/// `readelf -d`.
fn make_consumer(name: &str, target: &str, exe: &str) -> (PathBuf, String) {
    let inst = install();
    let dir = consumer_copy(name);
    run_output(
        &format!("make {target}"),
        Command::new("make")
            .arg(target)
            .current_dir(&dir)
            .env("PATH", inst.path_env()),
    );
    let exe = dir.join(exe);
    let dynamic = dynamic_section(&exe);
    (exe, dynamic)
}

/// The crate's version (Cargo.toml), which the installation carries.
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// A torc installation in a scratch prefix.
struct Install {
    prefix: PathBuf,
    libdir: PathBuf,
}

impl Install {
    fn bin(&self, name: &str) -> PathBuf {
        self.prefix.join("bin").join(name)
    }

    /// `PATH` with the installation's `bin/` first.
    fn path_env(&self) -> String {
        let old = std::env::var("PATH").unwrap_or_default();
        format!("{}:{old}", self.prefix.join("bin").display())
    }

    /// Runs the installed program `line` (`NAME ARGS...`) from `/`; returns its stdout.
    fn run(&self, line: &str) -> String {
        let mut words = line.split_whitespace();
        let name = words.next().expect("a program");
        run_output(
            line,
            Command::new(self.bin(name)).args(words).current_dir("/"),
        )
    }

    fn pkg_config_path(&self) -> PathBuf {
        self.libdir.join("pkgconfig")
    }
}

/// Configures the project with CMake against the library cargo built and installs it into a
/// fresh scratch prefix, once per test binary.
fn install() -> &'static Install {
    static INSTALL: OnceLock<Install> = OnceLock::new();
    INSTALL.get_or_init(|| {
        let lib = lib_dir();
        for f in ["libtorc.so", "libtorc.a"] {
            assert!(
                lib.join(f).exists(),
                "{} has no {f}: build the library first (cargo build)",
                lib.display()
            );
        }
        let dir = scratch("install");
        let build = dir.join("build");
        let prefix = dir.join("prefix");
        let _ = std::fs::remove_dir_all(&prefix);
        run_output(
            "cmake configure",
            Command::new("cmake")
                .arg("-S")
                .arg(root())
                .arg("-B")
                .arg(&build)
                .arg(format!("-DTORC_LIB_DIR={}", lib.display())),
        );
        // The prefix is chosen at install time: every installed file must find the
        // installation from where it is.
        run_output(
            "cmake --install",
            Command::new("cmake")
                .arg("--install")
                .arg(&build)
                .arg("--prefix")
                .arg(&prefix),
        );
        let libdir = ["lib", "lib64"]
            .iter()
            .map(|d| prefix.join(d))
            .chain(
                std::fs::read_dir(prefix.join("lib"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            )
            .find(|d| d.join("libtorc.so").exists())
            .unwrap_or_else(|| panic!("no libtorc.so installed under {}", prefix.display()));
        Install { prefix, libdir }
    })
}

/// A fresh copy of `tests/consumer` (sources, Makefile) in scratch directory `name`.
fn consumer_copy(name: &str) -> PathBuf {
    let dir = scratch(name);
    for f in ["consumer.c", "Makefile"] {
        std::fs::copy(root().join("tests/consumer").join(f), dir.join(f))
            .unwrap_or_else(|e| panic!("copy tests/consumer/{f}: {e}"));
    }
    let _ = std::fs::remove_file(dir.join("consumer"));
    let _ = std::fs::remove_file(dir.join("consumer_static"));
    let _ = std::fs::remove_file(dir.join("consumer_pc"));
    dir
}

/// `readelf -d` of `file`.
fn dynamic_section(file: &Path) -> String {
    run_output("readelf -d", Command::new("readelf").arg("-d").arg(file))
}

/// Asserts that the `remote=` count `r` printed is not 0: a task ran on node 1.
fn assert_remote_tasks(r: &Run, what: &str) {
    assert!(
        !r.stdout.contains("remote=0"),
        "{what}: no task ran on node 1:\n{}",
        r.stdout
    );
}

/// Runs the consumer at 2 ranks x 2 workers and checks its report.
fn run_consumer(exe: &Path, what: &str) -> Run {
    let r = mpirun(exe, 2, 2, &["40"], &[], TIMEOUT);
    r.assert_ok_with(what, "consumer: ok tasks=40 nodes=2 workers=4");
    assert_remote_tasks(&r, what);
    r
}

#[test]
fn installs_the_documented_layout() {
    let inst = install();
    let lib = &inst.libdir;
    let real = format!("libtorc.so.{}", version());
    let major = version().split('.').next().unwrap();
    let soname = format!("libtorc.so.{major}");
    for (link, target) in [(&soname, &real), (&"libtorc.so".to_string(), &soname)] {
        let t = std::fs::read_link(lib.join(link))
            .unwrap_or_else(|e| panic!("{link} is not a symlink: {e}"));
        assert_eq!(t, Path::new(target), "{link} points to {}", t.display());
    }
    let dynamic = dynamic_section(&lib.join(&real));
    assert!(
        dynamic.contains(&format!("Library soname: [{soname}]")),
        "{real} has no SONAME {soname}:\n{dynamic}"
    );
    assert!(lib.join("libtorc.a").is_file(), "libtorc.a not installed");

    let include = inst.prefix.join("include");
    for h in ["torc.h", "torcf.h"] {
        let installed = std::fs::read_to_string(include.join(h))
            .unwrap_or_else(|e| panic!("include/{h} not installed: {e}"));
        let source = std::fs::read_to_string(root().join("include").join(h)).unwrap();
        assert_eq!(installed, source, "installed {h} differs from include/{h}");
    }

    // The trace tool (tools/trace) comes from the library's directory.
    assert!(
        inst.bin("torc-trace").is_file(),
        "bin/torc-trace not installed: build it first (cargo build -p torc-trace puts it in {})",
        lib_dir().display()
    );
    for s in ["torc_cflags", "torc_libs", "torc-trace"] {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(inst.bin(s)).unwrap_or_else(|e| panic!("bin/{s}: {e}"));
        assert!(
            meta.permissions().mode() & 0o111 != 0,
            "bin/{s} is not executable"
        );
    }
    let help = inst.run("torc-trace --help");
    assert!(
        help.contains("torc-trace check FILE") && help.contains("torc-trace png FILE"),
        "torc-trace --help:\n{help}"
    );

    let pc = std::fs::read_to_string(inst.pkg_config_path().join("torc.pc")).expect("torc.pc");
    assert!(
        pc.contains(&format!("Version: {}", version())),
        "torc.pc:\n{pc}"
    );

    let cmake = lib.join("cmake").join("torc");
    let config = std::fs::read_to_string(cmake.join("torcConfig.cmake")).expect("torcConfig");
    assert!(config.contains("torc::torc"), "torcConfig.cmake:\n{config}");
    let cv = std::fs::read_to_string(cmake.join("torcConfigVersion.cmake")).expect("version");
    assert!(cv.contains(version()), "torcConfigVersion.cmake:\n{cv}");
}

#[test]
fn scripts_print_the_flags_of_the_installation_from_anywhere() {
    let inst = install();
    let include = inst.prefix.join("include");
    let lib = &inst.libdir;
    let cflags = inst.run("torc_cflags");
    assert!(
        cflags.contains(&format!("-I{}", include.display())),
        "torc_cflags: {cflags}"
    );
    let libs = inst.run("torc_libs");
    for want in [
        format!("-L{}", lib.display()),
        format!("-Wl,-rpath,{}", lib.display()),
        "-ltorc".to_string(),
    ] {
        assert!(libs.contains(&want), "torc_libs lacks {want}: {libs}");
    }
    let no_rpath = inst.run("torc_libs --no-rpath");
    assert!(
        !no_rpath.contains("rpath") && no_rpath.contains("-ltorc"),
        "torc_libs --no-rpath: {no_rpath}"
    );
    let stat = inst.run("torc_libs --static");
    assert!(
        stat.contains(&format!("{}/libtorc.a", lib.display())),
        "torc_libs --static: {stat}"
    );
    for s in ["torc_cflags", "torc_libs"] {
        let v = inst.run(&format!("{s} --version"));
        assert_eq!(v.trim(), version(), "{s} --version");
        let bad = Command::new(inst.bin(s)).arg("--bogus").output().unwrap();
        assert!(!bad.status.success(), "{s} --bogus must fail");
    }

    // Found through PATH, and through a symlink in another directory.
    let via_path = run_output(
        "torc_cflags on PATH",
        sh("torc_cflags")
            .env("PATH", inst.path_env())
            .current_dir("/"),
    );
    assert_eq!(via_path, cflags);
    let other = scratch("install-symlink");
    let link = other.join("torc_cflags");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(inst.bin("torc_cflags"), &link).unwrap();
    assert_eq!(
        run_output("symlinked torc_cflags", &mut Command::new(&link)),
        cflags
    );

    // A moved installation: the scripts report where they are now.
    let moved = scratch("install-moved");
    std::fs::create_dir_all(moved.join("bin")).unwrap();
    for s in ["torc_cflags", "torc_libs"] {
        std::fs::copy(inst.bin(s), moved.join("bin").join(s)).unwrap();
    }
    let moved_flags = run_output(
        "moved torc_cflags",
        &mut Command::new(moved.join("bin/torc_cflags")),
    );
    assert!(
        moved_flags.contains(&format!("-I{}/include", moved.display())),
        "moved torc_cflags: {moved_flags}"
    );
}

#[test]
fn makefile_with_torc_cflags_and_torc_libs_builds_a_program_that_runs_at_2_ranks() {
    let (exe, dynamic) = make_consumer("install-make", "consumer", "consumer");
    assert!(
        dynamic.contains("Shared library: [libtorc.so.0]"),
        "the program must record the SONAME libtorc.so.0:\n{dynamic}"
    );
    // The rpath of torc_libs finds the library: no LD_LIBRARY_PATH.
    run_consumer(&exe, "Makefile consumer at 2 ranks");
}

#[test]
fn makefile_static_build_runs_at_2_ranks() {
    let (exe, dynamic) = make_consumer("install-static", "static", "consumer_static");
    assert!(
        !dynamic.contains("libtorc"),
        "the static build must not need libtorc.so:\n{dynamic}"
    );
    run_consumer(&exe, "static consumer at 2 ranks");
}

#[test]
fn pkg_config_builds_a_program_that_runs_at_2_ranks() {
    let inst = install();
    let dir = consumer_copy("install-pkgconfig");
    let pc_path = inst.pkg_config_path();
    let version_out = run_output(
        "pkg-config --modversion torc",
        Command::new("pkg-config")
            .args(["--modversion", "torc"])
            .env("PKG_CONFIG_PATH", &pc_path),
    );
    assert_eq!(version_out.trim(), version());
    // Plain cc (no MPI wrapper): torc.pc brings MPI's flags.
    run_output(
        "make pkgconfig",
        Command::new("make")
            .arg("pkgconfig")
            .current_dir(&dir)
            .env("PKG_CONFIG_PATH", &pc_path),
    );
    run_consumer(&dir.join("consumer_pc"), "pkg-config consumer at 2 ranks");
}

#[test]
fn cmake_find_package_builds_programs_that_run_at_2_ranks() {
    let inst = install();
    let build = scratch("install-cmake").join("build");
    let _ = std::fs::remove_dir_all(&build);
    let conf = run_output(
        "cmake configure consumer",
        Command::new("cmake")
            .arg("-S")
            .arg(root().join("tests/consumer"))
            .arg("-B")
            .arg(&build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", inst.prefix.display())),
    );
    assert!(
        conf.contains(&format!("torc {}:", version())),
        "find_package(torc) output:\n{conf}"
    );
    run_output(
        "cmake --build consumer",
        Command::new("cmake").arg("--build").arg(&build),
    );
    let exe = build.join("consumer");
    let dynamic = dynamic_section(&exe);
    assert!(
        dynamic.contains("Shared library: [libtorc.so.0]"),
        "torc::torc must link libtorc.so.0:\n{dynamic}"
    );
    run_consumer(&exe, "CMake consumer (torc::torc) at 2 ranks");
    run_consumer(
        &build.join("consumer_static"),
        "CMake consumer (torc::torc_static) at 2 ranks",
    );
}

/// Builds `f_examples/<file>` with the MPI Fortran wrapper and the installed scripts, exactly as
/// the documentation says.
fn build_fortran_example(inst: &Install, file: &str) -> PathBuf {
    let src = root().join("f_examples").join(file);
    let exe = scratch("install-fortran").join(file.split('.').next().unwrap());
    run_output(
        &format!("build {file}"),
        &mut fortran(
            inst,
            &format!(
                "-O2 -Wall $(torc_cflags) '{}' -o '{}' $(torc_libs)",
                src.display(),
                exe.display()
            ),
        ),
    );
    exe
}

#[test]
fn fortran_examples_run_at_1_and_2_ranks() {
    let inst = install();
    for (file, ok) in [("tasks.f90", "tasks: ok"), ("nested.f", "nested: ok")] {
        let exe = build_fortran_example(inst, file);
        for np in [1, 2] {
            let r = mpirun(&exe, np, 2, &[], &[], TIMEOUT);
            let what = format!("{file} at {np} rank(s)");
            r.assert_ok_with(&what, ok)
                .assert_stdout_has(&what, &format!("nodes={np}"));
            assert!(!r.stdout.contains("FAIL"), "{what}:\n{}", r.stdout);
            if np == 2 && file == "tasks.f90" {
                assert_remote_tasks(&r, &what);
            }
        }
    }
}

#[test]
fn fortran_only_cmake_project_uses_torc_torc() {
    let inst = install();
    let build = scratch("install-cmake-fortran").join("build");
    let _ = std::fs::remove_dir_all(&build);
    run_output(
        "cmake configure Fortran consumer",
        Command::new("cmake")
            .arg("-S")
            .arg(root().join("tests/consumer/fortran"))
            .arg("-B")
            .arg(&build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", inst.prefix.display()))
            .arg(format!(
                "-DTORC_F_SOURCE={}",
                root().join("f_examples/tasks.f90").display()
            )),
    );
    run_output(
        "cmake --build Fortran consumer",
        Command::new("cmake").arg("--build").arg(&build),
    );
    let r = mpirun(&build.join("consumer_f"), 2, 1, &["10"], &[], TIMEOUT);
    r.assert_ok_with(
        "Fortran CMake consumer at 2 ranks",
        "tasks: ok tasks=10 nodes=2",
    );
}

#[test]
fn fortran_example_reports_wrong_input_and_fails() {
    // tasks.f90 refuses a task count out of range: prints FAIL and stops with status 1.
    let inst = install();
    let exe = build_fortran_example(inst, "tasks.f90");
    let r = mpirun(&exe, 2, 1, &["1000"], &[], TIMEOUT);
    assert!(!r.timed_out, "timed out:\n{}\n{}", r.stdout, r.stderr);
    assert_ne!(r.code, Some(0), "must exit non-zero:\n{}", r.stdout);
    assert!(r.stdout.contains("tasks: FAIL"), "{}", r.stdout);
}

#[test]
fn fortran_misuse_names_the_fortran_function() {
    let inst = install();
    let dir = scratch("install-fortran-misuse");
    let src = dir.join("misuse.f90");
    std::fs::write(
        &src,
        "subroutine work(x)\n  integer x\n  x = 1\nend subroutine\n\
         program misuse\n  implicit none\n  include 'torcf.h'\n  external work\n  integer x\n\
         \x20 call torc_initf()\n  call torc_createf(-1, work, 40, x)\n  call torc_waitall()\n\
         \x20 call torc_finalize()\nend program\n",
    )
    .unwrap();
    let exe = dir.join("misuse");
    run_output(
        "build misuse.f90",
        &mut fortran(
            inst,
            &format!(
                "$(torc_cflags) '{}' -o '{}' $(torc_libs)",
                src.display(),
                exe.display()
            ),
        ),
    );
    let r = run_plain(&exe, &[], &[], TIMEOUT);
    assert!(!r.timed_out, "timed out:\n{}", r.stderr);
    assert_ne!(r.code, Some(0), "must fail:\n{}", r.stderr);
    assert!(
        r.stderr.contains("torc_createf: narg = 40 is out of range"),
        "stderr must name torc_createf and the value:\n{}",
        r.stderr
    );
}

#[test]
fn library_exports_the_fortran_interface_and_torc_h_does_not_declare_it() {
    let inst = install();
    let lib = inst.libdir.join(format!("libtorc.so.{}", version()));
    let nm = run_output(
        "nm -D",
        Command::new("nm").args(["-D", "--defined-only"]).arg(&lib),
    );
    let exported: Vec<&str> = nm
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let missing: Vec<_> = FORTRAN_SYMBOLS
        .iter()
        .filter(|s| !exported.contains(s))
        .collect();
    assert!(missing.is_empty(), "not exported: {missing:?}");
    let header = std::fs::read_to_string(root().join("include/torc.h")).unwrap();
    let leaked: Vec<_> = FORTRAN_SYMBOLS
        .iter()
        .filter(|s| header.contains(&format!("{s}(")))
        .collect();
    assert!(
        leaked.is_empty(),
        "torc.h declares Fortran names {leaked:?}"
    );
}

/// `NAME = VALUE` pairs of torcf.h's `PARAMETER (NAME = VALUE)` lines.
fn fortran_parameters(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let inner = l
                .strip_prefix("PARAMETER")?
                .trim()
                .strip_prefix('(')?
                .strip_suffix(')')?;
            let (name, value) = inner.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

#[test]
fn torcf_h_constants_equal_torc_h_and_compile_in_both_source_forms() {
    let inst = install();
    let torcf = std::fs::read_to_string(root().join("include/torcf.h")).unwrap();
    let torc = std::fs::read_to_string(root().join("include/torc.h")).unwrap();
    let params = fortran_parameters(&torcf);
    for name in [
        "TORC_LITE",
        "MODE_MW",
        "MODE_MS",
        "CALL_BY_COP",
        "CALL_BY_REF",
        "CALL_BY_RES",
        "CALL_BY_PTR",
        "CALL_BY_VAL",
        "CALL_BY_COP2",
        "CALL_BY_VAD",
        "TORC_MAX_ARGS",
    ] {
        let f = params
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("torcf.h does not define {name}"));
        let c = torc
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some("#define") && w.next() == Some(name)).then(|| w.next())?
            })
            .unwrap_or_else(|| panic!("torc.h does not define {name}"));
        assert_eq!(f.1, c, "{name}: torcf.h says {}, torc.h says {c}", f.1);
    }
    // Fixed form (columns 7-72) and free form, with warnings as errors.
    let dir = scratch("install-torcf");
    let body = "      PROGRAM T\n      IMPLICIT NONE\n      INCLUDE 'torcf.h'\n      \
                PRINT *, CALL_BY_RES, MPI_DOUBLE_PRECISION, torc_num_nodes()\n      END\n";
    for (file, std) in [("fixed.f", "-std=legacy"), ("free.f90", "-std=f2008")] {
        let src = dir.join(file);
        std::fs::write(&src, body).unwrap();
        run_output(
            &format!("compile {file} with torcf.h"),
            &mut fortran(
                inst,
                &format!(
                    "{std} -Wall -Werror $(torc_cflags) -c '{}' -o '{}.o'",
                    src.display(),
                    src.display()
                ),
            ),
        );
    }
}
