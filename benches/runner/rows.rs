//! The rows of the table: what each row measures. A [`Row`] names its torc [`Probe`] (the
//! program, its ranks and workers, environment, arguments when measuring and when
//! smoke-testing, and the output token holding the value), its peer (another probe measured in
//! the same run, or a fixed figure) and its goal from SPEC section 5. Comments in [`rows`]
//! explain the sizes and goals that need it.

/// How a benchmark program is built and started.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
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
    pub fn is_rust(self) -> bool {
        matches!(self, Kind::RustTorc | Kind::Rayon)
    }

    pub fn uses_mpirun(self) -> bool {
        matches!(self, Kind::Torc | Kind::Mpi | Kind::RustTorc)
    }

    pub fn is_torc(self) -> bool {
        matches!(self, Kind::Torc | Kind::RustTorc)
    }
}

/// A benchmark program: `benches/c/<name>.c`, or for the Rust kinds the bench target `name`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Program {
    pub name: &'static str,
    pub kind: Kind,
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

pub const PROGRAMS: &[Program] = &[
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
pub struct Probe {
    pub program: Program,
    /// MPI ranks (ignored when the program is started directly).
    pub np: usize,
    /// Workers per rank (`TORC_WORKERS`), or OpenMP / rayon threads.
    pub workers: usize,
    /// Further environment variables (also exported to every rank).
    pub env: &'static [(&'static str, &'static str)],
    /// Arguments when measuring.
    pub args: &'static [&'static str],
    /// Arguments for the smoke test (small sizes).
    pub smoke_args: &'static [&'static str],
    /// The output token holding the value, e.g. `median_ns`.
    pub metric: &'static str,
}

impl Probe {
    pub fn label(&self) -> String {
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
pub enum Peer {
    /// Measured by a probe, in the same run as torc's.
    Probe(Probe),
    /// A fixed figure (the ideal).
    Fixed(f64),
}

/// What the torc value must satisfy.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
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
    pub fn target(self, peer: Option<f64>) -> Option<f64> {
        match self {
            Goal::AtMost(g) | Goal::AtLeast(g) => Some(g),
            Goal::FractionOfPeer(f) | Goal::TimesPeerAtMost(f) => peer.map(|p| f * p),
            Goal::PeerPlusAtMost(d) => peer.map(|p| p + d),
        }
    }

    pub fn met(self, v: f64, peer: Option<f64>) -> Option<bool> {
        let t = self.target(peer)?;
        Some(match self {
            Goal::AtMost(_) | Goal::TimesPeerAtMost(_) | Goal::PeerPlusAtMost(_) => v <= t,
            Goal::AtLeast(_) | Goal::FractionOfPeer(_) => v >= t,
        })
    }

    /// For the CSV: `at_most` or `at_least`.
    pub fn direction(self) -> &'static str {
        match self {
            Goal::AtMost(_) | Goal::TimesPeerAtMost(_) | Goal::PeerPlusAtMost(_) => "at_most",
            Goal::AtLeast(_) | Goal::FractionOfPeer(_) => "at_least",
        }
    }
}

/// One line of the table.
pub struct Row {
    pub measure: String,
    /// Unit of the torc and peer values ("" for a plain number).
    pub unit: &'static str,
    pub torc: Probe,
    /// The peer's name and figure.
    pub peer: Option<(&'static str, Peer)>,
    /// SPEC section 5's goal for torc, if it has one.
    pub goal: Option<Goal>,
}

/// The peer `name`, measured by `probe` in the same run as torc.
fn vs(name: &'static str, probe: Probe) -> Option<(&'static str, Peer)> {
    Some((name, Peer::Probe(probe)))
}

/// The rows `<what>, 1 node x 1 worker` and `<what>, 1 node x 2 workers` (times in ns):
/// `probes(w)` is torc's probe and the peer's with `w` workers (threads), `goals` the rows'
/// goals.
fn one_and_two_workers(
    what: &str,
    peer: &'static str,
    probes: impl Fn(usize) -> (Probe, Probe),
    goals: [Option<Goal>; 2],
) -> [Row; 2] {
    let row = |workers: usize, goal| {
        let (torc, peer_probe) = probes(workers);
        let s = if workers == 1 { "" } else { "s" };
        Row {
            measure: format!("{what}, 1 node x {workers} worker{s}"),
            unit: "ns",
            torc,
            peer: vs(peer, peer_probe),
            goal,
        }
    };
    [row(1, goals[0]), row(2, goals[1])]
}

/// The table. Add rows here.
pub fn rows() -> Vec<Row> {
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
    let uneven = |np, workers| uneven_env(np, workers, STEALING);
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
    let mut rows = Vec::new();
    rows.extend(one_and_two_workers(
        "empty task",
        "OpenMP tasks (gcc)",
        |w| (empty_torc(1, w, EMPTY_ARGS), empty_omp(w)),
        [Some(Goal::AtMost(25.0)), None],
    ));
    rows.extend(one_and_two_workers(
        "empty task, Rust API scope.spawn",
        "rayon scope.spawn",
        |w| (empty_rust(w), empty_rayon(w)),
        [Some(Goal::AtMost(25.0)), None],
    ));
    rows.extend(one_and_two_workers(
        "task with 1 COP int (torc_task)",
        "OpenMP task firstprivate(i)",
        |w| {
            (
                args_c(ARGS_TORC, 1, w, false),
                args_c(ARGS_OMP, 1, w, false),
            )
        },
        [Some(Goal::AtMost(20.0)), Some(Goal::TimesPeerAtMost(1.0))],
    ));
    rows.extend(one_and_two_workers(
        "task with 4 args (COP int, COP 3 doubles, REF, RES)",
        "OpenMP task firstprivate(i, v) shared(ref, res)",
        |w| (args_c(ARGS_TORC, 1, w, true), args_c(ARGS_OMP, 1, w, true)),
        [Some(Goal::AtMost(35.0)), Some(Goal::TimesPeerAtMost(1.0))],
    ));
    rows.extend(one_and_two_workers(
        "task with 1 copied i32, Rust API In",
        "rayon spawn(move)",
        |w| {
            (
                args_rust(EMPTY_RUST_TORC, w, "torc-cop1"),
                args_rust(EMPTY_RUST_RAYON, w, "rayon-cop1"),
            )
        },
        [Some(Goal::AtMost(20.0)), Some(Goal::TimesPeerAtMost(1.0))],
    ));
    rows.extend(one_and_two_workers(
        "task with 4 args, Rust API (In, In, Borrow, Out)",
        "rayon spawn(move)",
        |w| {
            (
                args_rust(EMPTY_RUST_TORC, w, "torc-args4"),
                args_rust(EMPTY_RUST_RAYON, w, "rayon-args4"),
            )
        },
        [Some(Goal::AtMost(35.0)), Some(Goal::TimesPeerAtMost(1.0))],
    ));
    rows.extend([
        Row {
            measure: "empty task, TORC_TRACE on (records every run), 1 node x 1 worker".into(),
            unit: "ns",
            torc: Probe {
                env: TRACE_ON,
                ..empty_torc(1, 1, TRACE_ARGS)
            },
            peer: vs("the same, tracing off", empty_torc(1, 1, TRACE_ARGS)),
            goal: Some(Goal::PeerPlusAtMost(100.0)),
        },
        Row {
            measure: "empty task qid -1, 2 nodes x 1 worker".into(),
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
            measure: "remote task round trip, 2 nodes".into(),
            unit: "us",
            torc: roundtrip(2, 1, &[]),
            peer: vs("MPI ping-pong (half round trip)", pingpong_half),
            goal: Some(Goal::AtMost(3.0)),
        },
        Row {
            measure: "uneven tasks (400, exp. mean 2 ms), stealing, 2 nodes x 1 worker: efficiency".into(),
            unit: "",
            torc: uneven(2, 1),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "uneven tasks (400, exp. mean 2 ms), stealing, 1 node x 2 workers: efficiency".into(),
            unit: "",
            torc: uneven(1, 2),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.98)),
        },
        Row {
            measure: "remote task round trip, 2 nodes, OMPI_MCA_mpi_yield_when_idle=1".into(),
            unit: "us",
            torc: roundtrip(2, 1, YIELD),
            peer: vs("MPI ping-pong (half round trip)", pingpong_half),
            goal: Some(Goal::AtMost(5.0)),
        },
        Row {
            measure: "remote task round trip, 4 ranks x 2 workers on 2 cores".into(),
            unit: "us",
            torc: roundtrip(4, 2, &[]),
            peer: vs("MPI ping-pong (half round trip)", pingpong_half),
            goal: Some(Goal::AtMost(5.0)),
        },
        Row {
            measure: "uneven tasks, stealing, 2 nodes x 1 worker, OMPI_MCA_mpi_yield_when_idle=1: efficiency".into(),
            unit: "",
            torc: uneven_env(2, 1, YIELD_STEALING),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "uneven tasks, stealing, 4 ranks x 2 workers on 2 cores: efficiency".into(),
            unit: "",
            torc: uneven_env(4, 2, STEALING),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "TMCMC-shaped sampler (5 generations x 2000 tasks of 50-500 us), 1 node x 2 workers: efficiency".into(),
            unit: "",
            torc: tmcmc(1, 2),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "TMCMC-shaped sampler (5 generations x 2000 tasks of 50-500 us), 2 nodes x 1 worker: efficiency".into(),
            unit: "",
            torc: tmcmc(2, 1),
            peer: Some(("ideal", Peer::Fixed(1.0))),
            goal: Some(Goal::AtLeast(0.95)),
        },
        Row {
            measure: "nested Fibonacci fib(34) cut-off 20, 1 node x 2 workers: speed-up".into(),
            unit: "x",
            torc: fib_torc(1, 2),
            peer: vs("OpenMP tasks (gcc), 2 threads", fib_omp),
            goal: Some(Goal::AtLeast(1.9)),
        },
        Row {
            measure: "nested Fibonacci fib(34) cut-off 20, 2 nodes x 1 worker: speed-up".into(),
            unit: "x",
            torc: fib_torc(2, 1),
            peer: vs("OpenMP tasks (gcc), 2 threads", fib_omp),
            goal: Some(Goal::AtLeast(1.7)),
        },
        Row {
            measure: "nested Fibonacci as above, 2 nodes x 1 worker, TORC_SUSPEND=0 (waits run deeper tasks only)".into(),
            unit: "x",
            torc: Probe {
                env: NO_SUSPEND,
                ..fib_torc(2, 1)
            },
            peer: vs("suspended waits (the row above)", fib_torc(2, 1)),
            goal: None,
        },
        Row {
            measure: "16 MiB CALL_BY_REF round trip, 2 nodes: bandwidth".into(),
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
            measure: "idle cost: node 0 waits 2 s for a remote task, 2 nodes x 1 worker: CPU, max over processes".into(),
            unit: "% core",
            torc: probe(IDLE_TORC, 2, 1, IDLE_ARGS, IDLE_SMOKE, "max_pct"),
            peer: vs("MPI blocking MPI_Recv", probe(IDLE_MPI, 2, 1, IDLE_ARGS, IDLE_SMOKE, "max_pct")),
            goal: Some(Goal::AtMost(10.0)),
        },
        Row {
            measure: "idle cost with stealing on: node 0 computes 2 s, 3 idle nodes of 4 x 1 worker: CPU per idle node, max".into(),
            unit: "% core",
            torc: Probe {
                env: STEALING,
                ..probe(IDLE_TORC, 4, 1, IDLE_BUSY0_ARGS, IDLE_BUSY0_SMOKE, "max_pct")
            },
            peer: vs("the same, stealing off", probe(IDLE_TORC, 4, 1, IDLE_BUSY0_ARGS, IDLE_BUSY0_SMOKE, "max_pct")),
            goal: Some(Goal::AtMost(2.0)),
        },
        Row {
            // Issue 10, item 12(a): a direct task is answered within 100 us while the target
            // node's only worker runs a 1 s task (20 probes, 5 ms apart, inside that task).
            measure: "direct task answered while the target's only worker runs a 1 s task, 2 nodes x 1 worker: round trip".into(),
            unit: "us",
            torc: probe(
                BUSY_ANSWER_TORC,
                2,
                1,
                &["1000", "20", "5000"],
                &["200", "3", "2000"],
                "median_us",
            ),
            peer: vs("MPI ping-pong (half round trip)", pingpong_half),
            goal: Some(Goal::AtMost(100.0)),
        },
        Row {
            // A future must cost no more than 1.2 times a task with a CALL_BY_RES argument.
            measure: "8-byte result by future (torc_task_future, _wait, _copy, _free), local, 1 node x 1 worker".into(),
            unit: "ns",
            torc: future_c(FUTURE_TORC, false, "median_ns"),
            peer: vs(RES_PEER, future_c(RES_TORC, false, "median_ns")),
            goal: Some(Goal::TimesPeerAtMost(1.2)),
        },
        Row {
            measure: "8-byte result by future, round trip to node 1, 2 nodes x 1 worker".into(),
            unit: "us",
            torc: future_c(FUTURE_TORC, true, "median_us"),
            peer: vs(RES_PEER, future_c(RES_TORC, true, "median_us")),
            goal: Some(Goal::TimesPeerAtMost(1.2)),
        },
        Row {
            measure: "u64 result by future, Rust API s.submit + .result(), scope per task, 1 node x 1 worker".into(),
            unit: "ns",
            torc: future_rust("submit"),
            peer: vs("s.spawn with Out(&mut y), scope per task", future_rust("spawn")),
            goal: None,
        },
    ]);
    for workers in [2, 1] {
        let s = if workers == 1 { "" } else { "s" };
        let peer = if workers == 1 {
            "rayon par_iter().map().collect(), 1 thread"
        } else {
            "rayon par_iter().map().collect(), 2 threads"
        };
        for chunk1 in [true, false] {
            let chunksize = if chunk1 { 1 } else { 64 };
            rows.push(Row {
                measure: format!(
                    "api::map of 100,000 trivial items, chunksize {chunksize}, \
                     1 node x {workers} worker{s}: per item"
                ),
                unit: "ns",
                torc: map_torc(chunk1, workers),
                peer: vs(peer, map_rayon(workers)),
                goal: None,
            });
        }
    }
    rows
}
