//! Benchmark runner: compiles the small C programs in `benches/c/` against the freshly built
//! `libtorc.so` and the Rust program `benches/empty_rust.rs` (with `cargo build --bench`), runs
//! each configuration several times, and prints a table comparing torc with its peer (OpenMP
//! tasks, rayon, raw MPI, or an ideal figure) and with the goals of SPEC section 5. The table
//! also goes to `target/bench/results.csv`, and, when python3 can import matplotlib, a chart of
//! it to `target/bench/results.png` (`benches/chart.py`).
//!
//! * `cargo bench --bench runner` measures (release profile). `TORC_BENCH_RUNS` sets the runs
//!   per configuration (default 5; the median is reported; torc's and the peer's runs
//!   alternate, so that a change of the machine's load hits both); `cargo bench --bench runner
//!   -- WORD` keeps only the rows whose measure contains WORD.
//! * Under `cargo test --all-targets` (no `--bench` argument) it is a smoke test instead: it
//!   compiles every program and runs each configuration once, on tiny sizes.
//!
//! Timings are reported, never asserted: the runner fails only when a program does not build or
//! does not run. To add a measurement, add a [`Row`] in [`rows`] (and, when it needs a new
//! program, a [`Program`] constant and its source).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// How a benchmark program is built and started.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A torc program in C: `mpicc ... -ltorc`, started with `mpirun`, workers from
    /// `TORC_WORKERS`.
    Torc,
    /// An OpenMP program in C: `gcc -fopenmp`, started directly, threads from `OMP_NUM_THREADS`.
    Omp,
    /// A raw MPI program in C: `mpicc`, started with `mpirun`.
    Mpi,
    /// A torc program in Rust, the `[[bench]]` target `name` (`cargo build --bench`), started
    /// with `mpirun`, workers from `TORC_WORKERS`.
    RustTorc,
    /// The same kind of Rust target started directly, threads from `RAYON_NUM_THREADS`.
    Rayon,
}

impl Kind {
    fn is_rust(self) -> bool {
        matches!(self, Kind::RustTorc | Kind::Rayon)
    }

    fn uses_mpirun(self) -> bool {
        matches!(self, Kind::Torc | Kind::Mpi | Kind::RustTorc)
    }

    fn is_torc(self) -> bool {
        matches!(self, Kind::Torc | Kind::RustTorc)
    }
}

/// A benchmark program: `benches/c/<name>.c`, or for the Rust kinds the bench target `name`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Program {
    name: &'static str,
    kind: Kind,
}

const EMPTY_TORC: Program = Program {
    name: "empty_torc",
    kind: Kind::Torc,
};
const EMPTY_OMP: Program = Program {
    name: "empty_omp",
    kind: Kind::Omp,
};
const EMPTY_RUST_TORC: Program = Program {
    name: "empty_rust",
    kind: Kind::RustTorc,
};
const EMPTY_RUST_RAYON: Program = Program {
    name: "empty_rust",
    kind: Kind::Rayon,
};
const ARGS_TORC: Program = Program {
    name: "args_torc",
    kind: Kind::Torc,
};
const ARGS_OMP: Program = Program {
    name: "args_omp",
    kind: Kind::Omp,
};
const TMCMC_TORC: Program = Program {
    name: "tmcmc_torc",
    kind: Kind::Torc,
};
const PINGPONG_MPI: Program = Program {
    name: "pingpong_mpi",
    kind: Kind::Mpi,
};
const ROUNDTRIP_TORC: Program = Program {
    name: "roundtrip_torc",
    kind: Kind::Torc,
};
const UNEVEN_TORC: Program = Program {
    name: "uneven_torc",
    kind: Kind::Torc,
};
const FIB_TORC: Program = Program {
    name: "fib_torc",
    kind: Kind::Torc,
};
const FIB_OMP: Program = Program {
    name: "fib_omp",
    kind: Kind::Omp,
};
const BIGARG_TORC: Program = Program {
    name: "bigarg_torc",
    kind: Kind::Torc,
};
const BIGARG_MPI: Program = Program {
    name: "bigarg_mpi",
    kind: Kind::Mpi,
};
const IDLE_TORC: Program = Program {
    name: "idle_torc",
    kind: Kind::Torc,
};
const IDLE_MPI: Program = Program {
    name: "idle_mpi",
    kind: Kind::Mpi,
};
const BUSY_ANSWER_TORC: Program = Program {
    name: "busy_answer_torc",
    kind: Kind::Torc,
};
const FUTURE_TORC: Program = Program {
    name: "future_torc",
    kind: Kind::Torc,
};
const RES_TORC: Program = Program {
    name: "res_torc",
    kind: Kind::Torc,
};
const FUTURE_RUST: Program = Program {
    name: "future_rust",
    kind: Kind::RustTorc,
};
const MAP_RUST_TORC: Program = Program {
    name: "map_rust",
    kind: Kind::RustTorc,
};
const MAP_RUST_RAYON: Program = Program {
    name: "map_rust",
    kind: Kind::Rayon,
};

const PROGRAMS: &[Program] = &[
    EMPTY_TORC,
    EMPTY_OMP,
    ARGS_TORC,
    ARGS_OMP,
    TMCMC_TORC,
    EMPTY_RUST_TORC,
    EMPTY_RUST_RAYON,
    PINGPONG_MPI,
    ROUNDTRIP_TORC,
    UNEVEN_TORC,
    FIB_TORC,
    FIB_OMP,
    BIGARG_TORC,
    BIGARG_MPI,
    IDLE_TORC,
    IDLE_MPI,
    BUSY_ANSWER_TORC,
    FUTURE_TORC,
    RES_TORC,
    FUTURE_RUST,
    MAP_RUST_TORC,
    MAP_RUST_RAYON,
];

/// One configuration to run: a program, its process/worker counts, environment and arguments,
/// and the `key=value` token of its output that holds the measured value.
#[derive(Clone, Copy, Debug)]
struct Probe {
    program: Program,
    /// MPI ranks (ignored when the program is started directly).
    np: usize,
    /// Workers per rank (`TORC_WORKERS`), or OpenMP / rayon threads.
    workers: usize,
    /// Further environment variables (also exported to every rank).
    env: &'static [(&'static str, &'static str)],
    /// Arguments when measuring.
    args: &'static [&'static str],
    /// Arguments for the smoke test (small sizes).
    smoke_args: &'static [&'static str],
    /// The output token holding the value, e.g. `median_ns`.
    metric: &'static str,
}

impl Probe {
    fn label(&self) -> String {
        // A first argument that is a word is the program's mode.
        let mode = match self.args.first() {
            Some(a) if a.starts_with(|c: char| c.is_ascii_alphabetic()) => format!("{a} "),
            _ => String::new(),
        };
        let env: String = self.env.iter().map(|(k, v)| format!(" {k}={v}")).collect();
        match self.program.kind {
            Kind::Omp => format!("{} threads={}", self.program.name, self.workers),
            Kind::Rayon => format!("{} {mode}threads={}", self.program.name, self.workers),
            Kind::Torc | Kind::RustTorc => format!(
                "{} {mode}np={} workers={}{env}",
                self.program.name, self.np, self.workers
            ),
            Kind::Mpi => format!("{} {mode}np={}", self.program.name, self.np),
        }
    }
}

/// Where the peer's figure comes from.
#[derive(Clone, Copy, Debug)]
enum Peer {
    /// Measured by a probe, in the same run as torc's.
    Probe(Probe),
    /// A fixed figure (the ideal).
    Fixed(f64),
}

/// What the torc value must satisfy.
#[derive(Clone, Copy, Debug)]
enum Goal {
    AtMost(f64),
    AtLeast(f64),
    /// At least this fraction of the peer's value (measured in the same run).
    FractionOfPeer(f64),
    /// At most this multiple of the peer's value (measured in the same run).
    TimesPeerAtMost(f64),
    /// At most the peer's value plus this much (a cost added to the peer's path).
    PeerPlusAtMost(f64),
}

impl Goal {
    /// The figure torc must reach (needs the peer's value for [`Goal::FractionOfPeer`]).
    fn target(self, peer: Option<f64>) -> Option<f64> {
        match self {
            Goal::AtMost(g) | Goal::AtLeast(g) => Some(g),
            Goal::FractionOfPeer(f) | Goal::TimesPeerAtMost(f) => peer.map(|p| f * p),
            Goal::PeerPlusAtMost(d) => peer.map(|p| p + d),
        }
    }

    fn met(self, v: f64, peer: Option<f64>) -> Option<bool> {
        let t = self.target(peer)?;
        Some(match self {
            Goal::AtMost(_) | Goal::TimesPeerAtMost(_) | Goal::PeerPlusAtMost(_) => v <= t,
            Goal::AtLeast(_) | Goal::FractionOfPeer(_) => v >= t,
        })
    }

    /// For the CSV: `at_most` or `at_least`.
    fn direction(self) -> &'static str {
        match self {
            Goal::AtMost(_) | Goal::TimesPeerAtMost(_) | Goal::PeerPlusAtMost(_) => "at_most",
            Goal::AtLeast(_) | Goal::FractionOfPeer(_) => "at_least",
        }
    }
}

/// One line of the table.
struct Row {
    measure: &'static str,
    /// Unit of the torc and peer values ("" for a plain number).
    unit: &'static str,
    torc: Probe,
    /// The peer's name and figure.
    peer: Option<(&'static str, Peer)>,
    /// SPEC section 5's goal for torc, if it has one.
    goal: Option<Goal>,
}

/// The table. Add rows here.
fn rows() -> Vec<Row> {
    const EMPTY_ARGS: &[&str] = &["200000", "11"];
    const EMPTY_SMOKE: &[&str] = &["1000", "2"];
    let probe = |program, np, workers, args, smoke_args, metric| Probe {
        program,
        np,
        workers,
        env: &[],
        args,
        smoke_args,
        metric,
    };
    let empty_torc =
        |np, workers, args| probe(EMPTY_TORC, np, workers, args, EMPTY_SMOKE, "median_ns");
    let empty_omp = |threads| probe(EMPTY_OMP, 1, threads, EMPTY_ARGS, EMPTY_SMOKE, "median_ns");
    let empty_rust = |workers| {
        probe(
            EMPTY_RUST_TORC,
            1,
            workers,
            &["torc", "200000", "11"],
            &["torc", "1000", "2"],
            "median_ns",
        )
    };
    // Tasks with arguments (issue 15): one COP int, or COP int + COP 3 doubles + REF + RES.
    let args_c = |program, np, workers, four: bool| {
        let (args, smoke): (&'static [&'static str], &'static [&'static str]) = if four {
            (&["args4", "200000", "11"], &["args4", "1000", "2"])
        } else {
            (&["cop1", "200000", "11"], &["cop1", "1000", "2"])
        };
        probe(program, np, workers, args, smoke, "median_ns")
    };
    let args_rust = |program, workers, mode: &'static str| {
        let (args, smoke): (&'static [&'static str], &'static [&'static str]) = match mode {
            "torc-cop1" => (&["torc-cop1", "200000", "11"], &["torc-cop1", "1000", "2"]),
            "torc-args4" => (
                &["torc-args4", "200000", "11"],
                &["torc-args4", "1000", "2"],
            ),
            "rayon-cop1" => (
                &["rayon-cop1", "200000", "11"],
                &["rayon-cop1", "1000", "2"],
            ),
            _ => (
                &["rayon-args4", "200000", "11"],
                &["rayon-args4", "1000", "2"],
            ),
        };
        probe(program, 1, workers, args, smoke, "median_ns")
    };
    let empty_rayon = |threads| {
        probe(
            EMPTY_RUST_RAYON,
            1,
            threads,
            &["rayon", "200000", "11"],
            &["rayon", "1000", "2"],
            "median_ns",
        )
    };
    const STEALING: &[(&str, &str)] = &[("TORC_STEALING", "1")];
    // OpenMPI's own choice when a node is oversubscribed (issue 15): idle MPI calls yield.
    const YIELD: &[(&str, &str)] = &[("OMPI_MCA_mpi_yield_when_idle", "1")];
    const YIELD_STEALING: &[(&str, &str)] = &[
        ("OMPI_MCA_mpi_yield_when_idle", "1"),
        ("TORC_STEALING", "1"),
    ];
    let roundtrip = |np, workers, env| Probe {
        env,
        ..probe(
            ROUNDTRIP_TORC,
            np,
            workers,
            &["2000", "11"],
            &["50", "2"],
            "median_us",
        )
    };
    let uneven_env = |np, workers, env| Probe {
        env,
        ..probe(
            UNEVEN_TORC,
            np,
            workers,
            &["400", "2000", "3", "12345"],
            &["20", "200", "1", "12345"],
            "median_eff",
        )
    };
    let tmcmc = |np, workers| {
        probe(
            TMCMC_TORC,
            np,
            workers,
            &["5", "2000", "3"],
            &["2", "50", "1"],
            "median_eff",
        )
    };
    // 11 rounds of 50,000 tasks stay within TORC_TRACE_EVENTS' default of 1,000,000.
    const TRACE_ON: &[(&str, &str)] = &[("TORC_TRACE", "/tmp/torc-bench-trace.json")];
    const TRACE_ARGS: &[&str] = &["50000", "11"];
    let uneven = |np, workers| Probe {
        env: STEALING,
        ..probe(
            UNEVEN_TORC,
            np,
            workers,
            &["400", "2000", "3", "12345"],
            &["20", "200", "1", "12345"],
            "median_eff",
        )
    };
    // 21 rounds: one round is ~30 ms, and the machine's noise is larger than that.
    const FIB_ARGS: &[&str] = &["34", "20", "21"];
    const FIB_SMOKE: &[&str] = &["20", "15", "1"];
    let fib_torc = |np, workers| probe(FIB_TORC, np, workers, FIB_ARGS, FIB_SMOKE, "speedup");
    const NO_SUSPEND: &[(&str, &str)] = &[("TORC_SUSPEND", "0")];
    let fib_omp = probe(FIB_OMP, 1, 2, FIB_ARGS, FIB_SMOKE, "speedup");
    const BIGARG_ARGS: &[&str] = &["16", "10", "5"];
    const BIGARG_SMOKE: &[&str] = &["1", "2", "1"];
    const IDLE_ARGS: &[&str] = &["2000"];
    const IDLE_SMOKE: &[&str] = &["50"];
    const IDLE_BUSY0_ARGS: &[&str] = &["2000", "busy0"];
    const IDLE_BUSY0_SMOKE: &[&str] = &["50", "busy0"];
    let pingpong_half = probe(
        PINGPONG_MPI,
        2,
        1,
        &["pingpong", "100000", "11"],
        &["pingpong", "1000", "2"],
        "median_us",
    );
    // A task with an 8-byte result: through a future against a CALL_BY_RES argument.
    type Strs = &'static [&'static str];
    let future_c = |program, remote: bool, metric| {
        let (np, args, smoke): (usize, Strs, Strs) = if remote {
            (2, &["remote", "2000", "11"], &["remote", "50", "2"])
        } else {
            (1, &["local", "200000", "11"], &["local", "200", "2"])
        };
        probe(program, np, 1, args, smoke, metric)
    };
    let future_rust = |mode| {
        let (args, smoke): (Strs, Strs) = match mode {
            "submit" => (&["submit", "200000", "11"], &["submit", "200", "2"]),
            _ => (&["spawn", "200000", "11"], &["spawn", "200", "2"]),
        };
        probe(FUTURE_RUST, 1, 1, args, smoke, "median_ns")
    };
    let map_torc = |chunk1: bool, workers| {
        let (args, smoke): (Strs, Strs) = if chunk1 {
            (&["chunk1", "100000", "11"], &["chunk1", "1000", "2"])
        } else {
            (&["chunk64", "100000", "11"], &["chunk64", "1000", "2"])
        };
        probe(MAP_RUST_TORC, 1, workers, args, smoke, "median_ns")
    };
    let map_rayon = |threads| {
        probe(
            MAP_RUST_RAYON,
            1,
            threads,
            &["rayon", "100000", "11"],
            &["rayon", "1000", "2"],
            "median_ns",
        )
    };
    const RES_PEER: &str = "torc_task, CALL_BY_RES, torc_waitall";
    vec![
        Row {
            measure: "empty task, 1 node x 1 worker",
            unit: "ns",
            torc: empty_torc(1, 1, EMPTY_ARGS),
            peer: Some(("OpenMP tasks (gcc)", Peer::Probe(empty_omp(1)))),
            goal: Some(Goal::AtMost(25.0)),
        },
        Row {
            measure: "empty task, 1 node x 2 workers",
            unit: "ns",
            torc: empty_torc(1, 2, EMPTY_ARGS),
            peer: Some(("OpenMP tasks (gcc)", Peer::Probe(empty_omp(2)))),
            goal: None,
        },
        Row {
            measure: "empty task, Rust API scope.spawn, 1 node x 1 worker",
            unit: "ns",
            torc: empty_rust(1),
            peer: Some(("rayon scope.spawn", Peer::Probe(empty_rayon(1)))),
            goal: Some(Goal::AtMost(25.0)),
        },
        Row {
            measure: "empty task, Rust API scope.spawn, 1 node x 2 workers",
            unit: "ns",
            torc: empty_rust(2),
            peer: Some(("rayon scope.spawn", Peer::Probe(empty_rayon(2)))),
            goal: None,
        },
        Row {
            measure: "task with 1 COP int (torc_task), 1 node x 1 worker",
            unit: "ns",
            torc: args_c(ARGS_TORC, 1, 1, false),
            peer: Some(("OpenMP task firstprivate(i)", Peer::Probe(args_c(ARGS_OMP, 1, 1, false)))),
            goal: Some(Goal::AtMost(20.0)),
        },
        Row {
            measure: "task with 1 COP int (torc_task), 1 node x 2 workers",
            unit: "ns",
            torc: args_c(ARGS_TORC, 1, 2, false),
            peer: Some(("OpenMP task firstprivate(i)", Peer::Probe(args_c(ARGS_OMP, 1, 2, false)))),
            goal: Some(Goal::TimesPeerAtMost(1.0)),
        },
        Row {
            measure: "task with 4 args (COP int, COP 3 doubles, REF, RES), 1 node x 1 worker",
            unit: "ns",
            torc: args_c(ARGS_TORC, 1, 1, true),
            peer: Some((
                "OpenMP task firstprivate(i, v) shared(ref, res)",
                Peer::Probe(args_c(ARGS_OMP, 1, 1, true)),
            )),
            goal: Some(Goal::AtMost(35.0)),
        },
        Row {
            measure: "task with 4 args (COP int, COP 3 doubles, REF, RES), 1 node x 2 workers",
            unit: "ns",
            torc: args_c(ARGS_TORC, 1, 2, true),
            peer: Some((
                "OpenMP task firstprivate(i, v) shared(ref, res)",
                Peer::Probe(args_c(ARGS_OMP, 1, 2, true)),
            )),
            goal: Some(Goal::TimesPeerAtMost(1.0)),
        },
        Row {
            measure: "task with 1 copied i32, Rust API In, 1 node x 1 worker",
            unit: "ns",
            torc: args_rust(EMPTY_RUST_TORC, 1, "torc-cop1"),
            peer: Some(("rayon spawn(move)", Peer::Probe(args_rust(EMPTY_RUST_RAYON, 1, "rayon-cop1")))),
            goal: Some(Goal::AtMost(20.0)),
        },
        Row {
            measure: "task with 1 copied i32, Rust API In, 1 node x 2 workers",
            unit: "ns",
            torc: args_rust(EMPTY_RUST_TORC, 2, "torc-cop1"),
            peer: Some(("rayon spawn(move)", Peer::Probe(args_rust(EMPTY_RUST_RAYON, 2, "rayon-cop1")))),
            goal: Some(Goal::TimesPeerAtMost(1.0)),
        },
        Row {
            measure: "task with 4 args, Rust API (In, In, Borrow, Out), 1 node x 1 worker",
            unit: "ns",
            torc: args_rust(EMPTY_RUST_TORC, 1, "torc-args4"),
            peer: Some(("rayon spawn(move)", Peer::Probe(args_rust(EMPTY_RUST_RAYON, 1, "rayon-args4")))),
            goal: Some(Goal::AtMost(35.0)),
        },
        Row {
            measure: "task with 4 args, Rust API (In, In, Borrow, Out), 1 node x 2 workers",
            unit: "ns",
            torc: args_rust(EMPTY_RUST_TORC, 2, "torc-args4"),
            peer: Some(("rayon spawn(move)", Peer::Probe(args_rust(EMPTY_RUST_RAYON, 2, "rayon-args4")))),
            goal: Some(Goal::TimesPeerAtMost(1.0)),
        },
        Row {
            measure: "empty task, TORC_TRACE on (records every run), 1 node x 1 worker",
            unit: "ns",
            torc: Probe {
                env: TRACE_ON,
                ..empty_torc(1, 1, TRACE_ARGS)
            },
            peer: Some(("the same, tracing off", Peer::Probe(empty_torc(1, 1, TRACE_ARGS)))),
            goal: Some(Goal::PeerPlusAtMost(100.0)),
        },
        Row {
            measure: "empty task qid -1, 2 nodes x 1 worker",
            unit: "ns",
            torc: empty_torc(2, 1, &["20000", "11"]),
            peer: Some((
                "MPI message (one-way stream)",
                Peer::Probe(probe(
                    PINGPONG_MPI,
                    2,
                    1,
                    &["stream", "200000", "11"],
                    &["stream", "1000", "2"],
                    "median_ns",
                )),
            )),
            goal: Some(Goal::AtMost(2000.0)),
        },
        Row {
            measure: "remote task round trip, 2 nodes",
            unit: "us",
            torc: probe(
                ROUNDTRIP_TORC,
                2,
                1,
                &["2000", "11"],
                &["50", "2"],
                "median_us",
            ),
            peer: Some((
                "MPI ping-pong (half round trip)",
                Peer::Probe(probe(
                    PINGPONG_MPI,
                    2,
                    1,
                    &["pingpong", "100000", "11"],
                    &["pingpong", "1000", "2"],
                    "median_us",
                )),
            )),
            goal: Some(Goal::AtMost(3.0)),
        },
        Row {
            measure: "uneven tasks (400, exp. mean 2 ms), stealing, 2 nodes x 1 worker: efficiency",
            unit: "",
            torc: uneven(2, 1),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "uneven tasks (400, exp. mean 2 ms), stealing, 1 node x 2 workers: efficiency",
            unit: "",
            torc: uneven(1, 2),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.98)),
        },
        Row {
            measure: "remote task round trip, 2 nodes, OMPI_MCA_mpi_yield_when_idle=1",
            unit: "us",
            torc: roundtrip(2, 1, YIELD),
            peer: Some(("MPI ping-pong (half round trip)", Peer::Probe(pingpong_half))),
            goal: Some(Goal::AtMost(5.0)),
        },
        Row {
            measure: "remote task round trip, 4 ranks x 2 workers on 2 cores",
            unit: "us",
            torc: roundtrip(4, 2, &[]),
            peer: Some(("MPI ping-pong (half round trip)", Peer::Probe(pingpong_half))),
            goal: Some(Goal::AtMost(5.0)),
        },
        Row {
            measure: "uneven tasks, stealing, 2 nodes x 1 worker, OMPI_MCA_mpi_yield_when_idle=1: efficiency",
            unit: "",
            torc: uneven_env(2, 1, YIELD_STEALING),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "uneven tasks, stealing, 4 ranks x 2 workers on 2 cores: efficiency",
            unit: "",
            torc: uneven_env(4, 2, STEALING),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "TMCMC-shaped sampler (5 generations x 2000 tasks of 50-500 us), 1 node x 2 workers: efficiency",
            unit: "",
            torc: tmcmc(1, 2),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "TMCMC-shaped sampler (5 generations x 2000 tasks of 50-500 us), 2 nodes x 1 worker: efficiency",
            unit: "",
            torc: tmcmc(2, 1),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "nested Fibonacci fib(34) cut-off 20, 1 node x 2 workers: speed-up",
            unit: "x",
            torc: fib_torc(1, 2),
            peer: Some(("OpenMP tasks (gcc), 2 threads", Peer::Probe(fib_omp))),
            goal: Some(Goal::AtLeast(1.9)),
        },
        Row {
            measure: "nested Fibonacci fib(34) cut-off 20, 2 nodes x 1 worker: speed-up",
            unit: "x",
            torc: fib_torc(2, 1),
            peer: Some(("OpenMP tasks (gcc), 2 threads", Peer::Probe(fib_omp))),
            goal: Some(Goal::AtLeast(1.7)),
        },
        Row {
            measure: "nested Fibonacci as above, 2 nodes x 1 worker, TORC_SUSPEND=0 (waits run deeper tasks only)",
            unit: "x",
            torc: Probe {
                env: NO_SUSPEND,
                ..fib_torc(2, 1)
            },
            peer: Some(("suspended waits (the row above)", Peer::Probe(fib_torc(2, 1)))),
            goal: None,
        },
        Row {
            measure: "16 MiB CALL_BY_REF round trip, 2 nodes: bandwidth",
            unit: "GB/s",
            torc: probe(BIGARG_TORC, 2, 1, BIGARG_ARGS, BIGARG_SMOKE, "median_gbs"),
            peer: Some((
                "MPI ping-pong, 16 MiB",
                Peer::Probe(probe(
                    BIGARG_MPI,
                    2,
                    1,
                    BIGARG_ARGS,
                    BIGARG_SMOKE,
                    "median_gbs",
                )),
            )),
            goal: Some(Goal::FractionOfPeer(0.8)),
        },
        Row {
            measure: "idle cost: node 0 waits 2 s for a remote task, 2 nodes x 1 worker: CPU, max over processes",
            unit: "% core",
            torc: probe(IDLE_TORC, 2, 1, IDLE_ARGS, IDLE_SMOKE, "max_pct"),
            peer: Some((
                "MPI blocking MPI_Recv",
                Peer::Probe(probe(IDLE_MPI, 2, 1, IDLE_ARGS, IDLE_SMOKE, "max_pct")),
            )),
            goal: Some(Goal::AtMost(10.0)),
        },
        Row {
            measure: "idle cost with stealing on: node 0 computes 2 s, 3 idle nodes of 4 x 1 worker: CPU per idle node, max",
            unit: "% core",
            torc: Probe {
                env: STEALING,
                ..probe(IDLE_TORC, 4, 1, IDLE_BUSY0_ARGS, IDLE_BUSY0_SMOKE, "max_pct")
            },
            peer: Some((
                "the same, stealing off",
                Peer::Probe(probe(IDLE_TORC, 4, 1, IDLE_BUSY0_ARGS, IDLE_BUSY0_SMOKE, "max_pct")),
            )),
            goal: Some(Goal::AtMost(2.0)),
        },
        Row {
            // Issue 10, item 12(a): a direct task is answered within 100 us while the target
            // node's only worker runs a 1 s task (20 probes, 5 ms apart, inside that task).
            measure: "direct task answered while the target's only worker runs a 1 s task, 2 nodes x 1 worker: round trip",
            unit: "us",
            torc: probe(
                BUSY_ANSWER_TORC,
                2,
                1,
                &["1000", "20", "5000"],
                &["200", "3", "2000"],
                "median_us",
            ),
            peer: Some((
                "MPI ping-pong (half round trip)",
                Peer::Probe(pingpong_half),
            )),
            goal: Some(Goal::AtMost(100.0)),
        },
        Row {
            // A future must cost no more than 1.2 times a task with a CALL_BY_RES argument.
            measure: "8-byte result by future (torc_task_future, _wait, _copy, _free), local, 1 node x 1 worker",
            unit: "ns",
            torc: future_c(FUTURE_TORC, false, "median_ns"),
            peer: Some((RES_PEER, Peer::Probe(future_c(RES_TORC, false, "median_ns")))),
            goal: Some(Goal::TimesPeerAtMost(1.2)),
        },
        Row {
            measure: "8-byte result by future, round trip to node 1, 2 nodes x 1 worker",
            unit: "us",
            torc: future_c(FUTURE_TORC, true, "median_us"),
            peer: Some((RES_PEER, Peer::Probe(future_c(RES_TORC, true, "median_us")))),
            goal: Some(Goal::TimesPeerAtMost(1.2)),
        },
        Row {
            measure: "u64 result by future, Rust API s.submit + .result(), scope per task, 1 node x 1 worker",
            unit: "ns",
            torc: future_rust("submit"),
            peer: Some((
                "s.spawn with Out(&mut y), scope per task",
                Peer::Probe(future_rust("spawn")),
            )),
            goal: None,
        },
        Row {
            measure: "api::map of 100,000 trivial items, chunksize 1, 1 node x 2 workers: per item",
            unit: "ns",
            torc: map_torc(true, 2),
            peer: Some((
                "rayon par_iter().map().collect(), 2 threads",
                Peer::Probe(map_rayon(2)),
            )),
            goal: None,
        },
        Row {
            measure: "api::map of 100,000 trivial items, chunksize 64, 1 node x 2 workers: per item",
            unit: "ns",
            torc: map_torc(false, 2),
            peer: Some((
                "rayon par_iter().map().collect(), 2 threads",
                Peer::Probe(map_rayon(2)),
            )),
            goal: None,
        },
        Row {
            measure: "api::map of 100,000 trivial items, chunksize 1, 1 node x 1 worker: per item",
            unit: "ns",
            torc: map_torc(true, 1),
            peer: Some((
                "rayon par_iter().map().collect(), 1 thread",
                Peer::Probe(map_rayon(1)),
            )),
            goal: None,
        },
        Row {
            measure: "api::map of 100,000 trivial items, chunksize 64, 1 node x 1 worker: per item",
            unit: "ns",
            torc: map_torc(false, 1),
            peer: Some((
                "rayon par_iter().map().collect(), 1 thread",
                Peer::Probe(map_rayon(1)),
            )),
            goal: None,
        },
    ]
}

/// Paths and mode of this run.
struct Ctx {
    /// The crate root (sources of `benches/`, `include/`).
    root: PathBuf,
    /// The cargo profile directory holding `libtorc.so` (target/release under `cargo bench`).
    lib_dir: PathBuf,
    /// Where compiled programs go: target/bench/<profile>.
    bin_dir: PathBuf,
    /// target/bench (the CSV and the chart).
    out_dir: PathBuf,
    /// Measuring (`--bench`) rather than smoke-testing.
    bench: bool,
    /// When measuring: only the rows whose measure contains one of these words.
    filters: Vec<String>,
    runs: usize,
    timeout_s: u64,
}

impl Ctx {
    fn new() -> Ctx {
        let bench = std::env::args().skip(1).any(|a| a == "--bench");
        let filters = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let exe = std::env::current_exe().expect("runner path");
        // target/<profile>/deps/runner-<hash>
        let lib_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("profile dir")
            .to_path_buf();
        let target = lib_dir.parent().expect("target dir").to_path_buf();
        let profile = lib_dir.file_name().unwrap().to_string_lossy().into_owned();
        let out_dir = target.join("bench");
        let runs = std::env::var("TORC_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0)
            .unwrap_or(5);
        Ctx {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            bin_dir: out_dir.join(profile),
            out_dir,
            lib_dir,
            bench,
            filters,
            runs: if bench { runs } else { 1 },
            timeout_s: if bench { 120 } else { 60 },
        }
    }

    fn exe(&self, p: Program) -> PathBuf {
        self.bin_dir.join(p.name)
    }

    fn target_dir(&self) -> &Path {
        self.lib_dir.parent().expect("target dir")
    }

    fn release(&self) -> bool {
        self.lib_dir.file_name().is_some_and(|n| n != "debug")
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The Rust bench targets among [`PROGRAMS`], once each.
fn rust_targets() -> Vec<&'static str> {
    let mut v: Vec<&str> = Vec::new();
    for p in PROGRAMS.iter().filter(|p| p.kind.is_rust()) {
        if !v.contains(&p.name) {
            v.push(p.name);
        }
    }
    v
}

/// What [`ensure_lib`] built: each Rust bench target's executable, or why it did not build.
type RustBuilds = Vec<(&'static str, Result<PathBuf, String>)>;

/// Makes `<profile dir>/libtorc.so` current with `cargo build --lib`, and builds the Rust bench
/// programs in the same cargo call. Cargo builds the cdylib for this binary only under `deps/`
/// and does not copy it up to the profile directory (where an older copy may sit), so the
/// runner asks for it; that takes a fraction of a second when everything is built already.
///
/// The library and the bench targets are built together on purpose: with the dev-dependencies
/// (rayon) in the build, cargo unifies some features of shared dependencies differently than
/// for `cargo build --lib` alone, and the two configurations would rebuild the library in turn;
/// together they match the `cargo test` / `cargo bench` build that started the runner. If the
/// bench targets fail to build, the library is built alone and the C rows still run.
fn ensure_lib(ctx: &Ctx) -> Result<RustBuilds, String> {
    let targets = rust_targets();
    let build = |with_rust: bool| -> Result<Output, String> {
        let mut cmd = cargo();
        cmd.args(["build", "--lib", "--quiet"]);
        if with_rust {
            for t in &targets {
                cmd.args(["--bench", t]);
            }
        }
        cmd.args([
            "--message-format",
            "json-render-diagnostics",
            "--target-dir",
        ])
        .arg(ctx.target_dir())
        .current_dir(&ctx.root)
        .stderr(std::process::Stdio::piped());
        if ctx.release() {
            cmd.arg("--release");
        }
        cmd.output().map_err(|e| format!("cannot run cargo: {e}"))
    };
    let so = ctx.lib_dir.join("libtorc.so");
    let out = build(true)?;
    let rust = if out.status.success() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        targets
            .iter()
            .map(|&t| {
                let exe = artifact_executable(&stdout, t)
                    .ok_or_else(|| format!("cargo named no executable for the bench target {t}"));
                (t, exe)
            })
            .collect()
    } else {
        let why = format!(
            "building the bench targets {} failed: {}",
            targets.join(", "),
            first_lines(&String::from_utf8_lossy(&out.stderr), 4)
        );
        let lib = build(false)?;
        if !lib.status.success() {
            return Err(format!(
                "could not build {}: {}",
                so.display(),
                first_lines(&String::from_utf8_lossy(&lib.stderr), 4)
            ));
        }
        targets.iter().map(|&t| (t, Err(why.clone()))).collect()
    };
    if !so.exists() {
        return Err(format!("cargo did not make {}", so.display()));
    }
    Ok(rust)
}

/// The executable that cargo's JSON messages name for the bench target `name`.
fn artifact_executable(json: &str, name: &str) -> Option<PathBuf> {
    let tag = format!("\"name\":\"{name}\"");
    let key = "\"executable\":\"";
    json.lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\"") && l.contains(&tag))
        .find_map(|l| {
            let start = l.find(key)? + key.len();
            let len = l[start..].find('"')?;
            Some(PathBuf::from(&l[start..start + len]))
        })
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(n)
        .collect();
    let mut s = lines.join(" / ");
    if s.len() > 300 {
        let mut cut = 300;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Copies the Rust program's executable (built by [`ensure_lib`]) to `ctx.exe(p)`.
fn install_rust(ctx: &Ctx, p: Program, builds: &RustBuilds) -> Result<(), String> {
    let exe = builds
        .iter()
        .find(|(t, _)| *t == p.name)
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| Err(format!("{} was not built", p.name)))?;
    let dest = ctx.exe(p);
    // Remove first: overwriting a file that a leftover process still runs fails.
    let _ = std::fs::remove_file(&dest);
    std::fs::copy(&exe, &dest)
        .map_err(|e| format!("cannot copy {} to {}: {e}", exe.display(), dest.display()))?;
    Ok(())
}

/// Compiles a C program.
fn compile(ctx: &Ctx, p: Program) -> Result<(), String> {
    let src = ctx.root.join("benches/c").join(format!("{}.c", p.name));
    let mut cmd = match p.kind {
        Kind::Omp => Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".into())),
        _ => Command::new(std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into())),
    };
    cmd.args(["-O2", "-Wall", "-std=gnu11"])
        .arg(&src)
        .arg("-o")
        .arg(ctx.exe(p));
    match p.kind {
        Kind::Torc => {
            let lib = ctx.lib_dir.display();
            cmd.arg("-I").arg(ctx.root.join("include"));
            cmd.arg(format!("-L{lib}"))
                .arg("-ltorc")
                .arg(format!("-Wl,-rpath,{lib}"));
        }
        Kind::Omp => {
            cmd.arg("-fopenmp");
        }
        _ => {}
    }
    cmd.arg("-lm");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run the compiler for {}: {e}", p.name))?;
    if !out.status.success() {
        return Err(format!(
            "compiling {} failed: {}",
            p.name,
            first_lines(&String::from_utf8_lossy(&out.stderr), 4)
        ));
    }
    Ok(())
}

/// `f` over `items` on up to `jobs` threads; the results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("every item is done"))
        .collect()
}

/// Makes every program ready: installs the Rust ones that [`ensure_lib`] built and compiles
/// the C ones (in parallel); returns each one's result.
fn compile_all(ctx: &Ctx, rust: &RustBuilds) -> Vec<(Program, Result<(), String>)> {
    let results = parallel_map(PROGRAMS, 4, |&p| {
        if p.kind.is_rust() {
            install_rust(ctx, p, rust)
        } else {
            compile(ctx, p)
        }
    });
    PROGRAMS.iter().copied().zip(results).collect()
}

/// Environment that lets OpenMPI run as root and share two cores between ranks.
fn mpi_env(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
}

/// Runs a probe once; returns its value and the output line that holds it.
fn run_once(ctx: &Ctx, probe: &Probe) -> Result<(f64, String), String> {
    let args = if ctx.bench {
        probe.args
    } else {
        probe.smoke_args
    };
    let mut cmd = Command::new("timeout");
    cmd.arg("--kill-after=5").arg(ctx.timeout_s.to_string());
    let kind = probe.program.kind;
    if kind.uses_mpirun() {
        cmd.args(["mpirun", "--oversubscribe", "--bind-to", "none", "-np"]);
        cmd.arg(probe.np.to_string());
        let mut env: Vec<(String, String)> = probe
            .env
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if kind.is_torc() {
            env.push(("TORC_WORKERS".into(), probe.workers.to_string()));
        }
        for (k, v) in &env {
            cmd.arg("-x").arg(format!("{k}={v}"));
            cmd.env(k, v);
        }
        cmd.arg(ctx.exe(probe.program));
        mpi_env(&mut cmd);
    } else {
        cmd.arg(ctx.exe(probe.program));
        let threads = if kind == Kind::Rayon {
            "RAYON_NUM_THREADS"
        } else {
            "OMP_NUM_THREADS"
        };
        cmd.env(threads, probe.workers.to_string());
        for &(k, v) in probe.env {
            cmd.env(k, v);
        }
    }
    cmd.args(args);
    let out: Output = cmd
        .output()
        .map_err(|e| format!("cannot start {}: {e}", probe.label()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    if code == Some(124) || code == Some(137) {
        return Err(format!("timed out after {} s", ctx.timeout_s));
    }
    if !out.status.success() {
        let why = if stderr.trim().is_empty() {
            &stdout
        } else {
            &stderr
        };
        return Err(format!("exit {:?}: {}", code, first_lines(why, 2)));
    }
    let key = format!("{}=", probe.metric);
    stdout
        .lines()
        .find_map(|line| {
            line.split_whitespace()
                .find_map(|tok| tok.strip_prefix(key.as_str()))
                .and_then(|v| v.parse::<f64>().ok())
                .map(|v| (v, line.trim().to_string()))
        })
        .ok_or_else(|| {
            format!(
                "no `{}` in its output: {}",
                probe.metric,
                first_lines(&stdout, 2)
            )
        })
}

/// A probe's result over several runs: the median, every run's value, and the output line of
/// the run closest to the median.
#[derive(Clone, Debug)]
struct Measured {
    median: f64,
    runs: Vec<f64>,
    detail: String,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Runs of one probe as they come in.
#[derive(Default)]
struct Series {
    values: Vec<f64>,
    lines: Vec<String>,
    error: Option<String>,
}

impl Series {
    fn record(&mut self, r: Result<(f64, String), String>) {
        match r {
            Ok((v, line)) => {
                self.values.push(v);
                self.lines.push(line);
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn finish(self) -> Result<Measured, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut sorted = self.values.clone();
        let m = median(&mut sorted);
        let closest = (0..self.values.len())
            .min_by(|&a, &b| {
                (self.values[a] - m)
                    .abs()
                    .total_cmp(&(self.values[b] - m).abs())
            })
            .unwrap_or(0);
        Ok(Measured {
            median: m,
            detail: self.lines.get(closest).cloned().unwrap_or_default(),
            runs: self.values,
        })
    }
}

/// A probe's measurement over its runs, or its first error; `None` when it did not run.
type Outcome = Option<Result<Measured, String>>;

/// Runs torc's probe and the peer's probe (those given) `ctx.runs` times each, alternating (a
/// probe stops at its first failure).
fn measure_pair(ctx: &Ctx, torc: Option<&Probe>, peer: Option<&Probe>) -> (Outcome, Outcome) {
    let mut t = Series::default();
    let mut p = Series::default();
    for _ in 0..ctx.runs {
        if let Some(torc) = torc {
            if t.error.is_none() {
                t.record(run_once(ctx, torc));
            }
        }
        if let Some(peer) = peer {
            if p.error.is_none() {
                p.record(run_once(ctx, peer));
            }
        }
    }
    (torc.map(|_| t.finish()), peer.map(|_| p.finish()))
}

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
struct Line {
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
fn bench_row(ctx: &Ctx, row: &Row, compiled: &[Program], notes: &mut Vec<String>) -> Line {
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

fn load_note() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().take(3).collect();
            format!("load average {}", f.join(" "))
        })
        .unwrap_or_default()
}

fn bench(ctx: &Ctx, rust: &RustBuilds) -> i32 {
    println!(
        "torc benchmark runner: {} runs per configuration (median), library {}, {} cores, {}",
        ctx.runs,
        ctx.lib_dir.join("libtorc.so").display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_note()
    );
    let mut notes: Vec<String> = Vec::new();
    let mut compiled = Vec::new();
    for (p, r) in compile_all(ctx, rust) {
        match r {
            Ok(()) => compiled.push(p),
            Err(e) => {
                if !notes.contains(&e) {
                    notes.push(e);
                }
            }
        }
    }

    let mut lines = Vec::new();
    let rows = rows().into_iter().filter(|r| {
        ctx.filters.is_empty() || ctx.filters.iter().any(|f| r.measure.contains(f.as_str()))
    });
    for row in rows {
        lines.push(bench_row(ctx, &row, &compiled, &mut notes));
    }

    println!();
    print!("{}", print_table(&lines));
    println!("\nAfter the runs: {}", load_note());
    if !notes.is_empty() {
        println!();
        for (i, n) in notes.iter().enumerate() {
            println!("[{}] {n}", i + 1);
        }
    }
    println!("\nOutput of the median runs:");
    for l in &lines {
        for d in &l.details {
            println!("  {d}");
        }
    }

    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for l in &lines {
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
    if !notes.is_empty() {
        eprintln!(
            "runner: {} problem(s), see the notes under the table",
            notes.len()
        );
        1
    } else {
        0
    }
}

/// `cargo test` mode: build everything, run each configuration once on tiny sizes, and report
/// in libtest's format.
fn smoke(ctx: &Ctx, rust: &RustBuilds) -> i32 {
    let start = Instant::now();
    let mut checks: Vec<(String, Result<(), String>)> = Vec::new();
    let mut ok_programs = Vec::new();
    for (p, r) in compile_all(ctx, rust) {
        if r.is_ok() {
            ok_programs.push(p);
        }
        let what = if p.kind.is_rust() {
            format!(
                "build {} ({})",
                p.name,
                if p.kind == Kind::Rayon {
                    "rayon"
                } else {
                    "torc"
                }
            )
        } else {
            format!("compile {}", p.name)
        };
        checks.push((what, r));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut probes = Vec::new();
    for row in rows() {
        let peer = match row.peer {
            Some((_, Peer::Probe(p))) => Some(p),
            _ => None,
        };
        for probe in std::iter::once(row.torc).chain(peer) {
            let label = probe.label();
            if seen.contains(&label) || !ok_programs.contains(&probe.program) {
                continue;
            }
            seen.push(label);
            probes.push(probe);
        }
    }
    // Timings do not matter here: several runs at once.
    let results = parallel_map(&probes, 4, |p| run_once(ctx, p).map(|_| ()));
    for (probe, r) in probes.iter().zip(results) {
        checks.push((format!("run {}", probe.label()), r));
    }
    println!("\nrunning {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, r) in &checks {
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

fn main() {
    let ctx = Ctx::new();
    if let Err(e) = std::fs::create_dir_all(&ctx.bin_dir) {
        eprintln!("runner: cannot create {}: {e}", ctx.bin_dir.display());
        std::process::exit(1);
    }
    let rust = match ensure_lib(&ctx) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runner: {e}");
            std::process::exit(1);
        }
    };
    let code = if ctx.bench {
        bench(&ctx, &rust)
    } else {
        smoke(&ctx, &rust)
    };
    std::process::exit(code);
}
