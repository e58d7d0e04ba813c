//! `TORC_TRACE` across the job (`src/trace/README.md`): node 0's setting decides for every
//! node; at start-up each node measures its clock's offset to node 0's (round trips with
//! node 0, keeping the fastest of `ROUNDS`, the offset taken at its midpoint; none under node
//! 0's kernel, whose clock it shares); at the end every node turns its records into Chrome
//! trace events (naming its own function addresses) and node 0 gathers them over MPI and
//! writes the file.

use crate::env::Config;
use crate::mpi::{self, World};
use crate::sched::Node;
use crate::trace::{self, chrome};

/// Round trips per node for the clock offset.
const ROUNDS: usize = 16;
/// The tag of the clock messages (before the control receives are posted).
const CLOCK_TAG: i32 = 900;

/// What a tracing node keeps from start-up to the end.
#[derive(Clone, Debug)]
pub(crate) struct Tracing {
    /// Where node 0 writes the file.
    path: String,
    /// Node 0's start-up time on this node's clock (ns): time 0 of the file.
    origin: i128,
    /// When the primary task started (node 0), on this node's clock.
    started: u64,
}

/// Decides whether the job traces (node 0's `TORC_TRACE`), aligns the clocks and switches
/// recording on. Collective on a job of several nodes; call it before the control receives
/// are posted and before any other thread starts.
pub(crate) fn setup(world: &World, config: &Config) -> Option<Tracing> {
    let on = if world.size > 1 {
        mpi::allgather_u64(world, config.trace.is_some() as u64)[0] != 0
    } else {
        config.trace.is_some()
    };
    if !on {
        return None;
    }
    let offset = clock_offset(world);
    let started = trace::now();
    // Node 0's start on this node's clock: its clock reads `local - offset`.
    let origin = if world.rank == 0 {
        started as i128
    } else {
        mpi::recv_u64(world, 0, CLOCK_TAG + 1) as i128 + offset
    };
    if world.rank == 0 {
        for k in 1..world.size {
            mpi::send_u64(world, k, CLOCK_TAG + 1, started);
        }
    }
    trace::start(config.trace_events, config.workers + 2);
    Some(Tracing {
        path: config.trace.clone().unwrap_or_default(),
        origin,
        started,
    })
}

/// Names the running kernel (a hash of `/proc/sys/kernel/random/boot_id`; 0 when unknown):
/// processes under one kernel read one `CLOCK_MONOTONIC`.
fn kernel_id() -> u64 {
    let Ok(id) = std::fs::read("/proc/sys/kernel/random/boot_id") else {
        return 0;
    };
    // FNV-1a: any fixed hash that both sides compute alike will do.
    let h = id.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    h.max(1)
}

/// This node's clock minus node 0's (ns); 0 on node 0, and 0 on a node that runs under node
/// 0's kernel (the same clock: measuring would only add the error of the round trips, up to
/// half of one, and put a steal's flow step after the stolen task's start).
fn clock_offset(world: &World) -> i128 {
    if world.rank == 0 {
        let me = kernel_id();
        for k in 1..world.size {
            mpi::send_u64(world, k, CLOCK_TAG, me);
            for _ in 0..ROUNDS {
                let t = mpi::recv_u64(world, k, CLOCK_TAG);
                mpi::send_u64(world, k, CLOCK_TAG, trace::now());
                let _ = t;
            }
        }
        return 0;
    }
    let zero = mpi::recv_u64(world, 0, CLOCK_TAG);
    let same_kernel = zero != 0 && zero == kernel_id();
    let mut best: Option<(u64, i128)> = None;
    for _ in 0..ROUNDS {
        let t1 = trace::now();
        mpi::send_u64(world, 0, CLOCK_TAG, t1);
        let t0 = mpi::recv_u64(world, 0, CLOCK_TAG);
        let t2 = trace::now();
        let rtt = t2 - t1;
        // Node 0 read its clock about halfway through the round trip.
        let offset = (t1 as i128 + t2 as i128) / 2 - t0 as i128;
        if best.is_none_or(|(r, _)| rtt < r) {
            best = Some((rtt, offset));
        }
    }
    if same_kernel {
        return 0;
    }
    best.map_or(0, |b| b.1)
}

/// At the end, after the node's threads stopped and its communication thread ended:
/// collects this node's records and, on node 0, writes the file (collective on a job of
/// several nodes). `workers` is every node's worker count.
pub(crate) fn finish(t: &Tracing, node: &Node, world: &World) {
    if node.layout.node == 0 {
        trace::push(trace::Record::span(
            trace::Kind::Primary,
            t.started,
            trace::now(),
        ));
    }
    trace::stop();
    let lanes = trace::take_all();
    let dropped: u64 = lanes.iter().map(|l| l.2).sum();
    let name = |f: usize| crate::symbol::function_name(f);
    let part = chrome::NodePart {
        node: node.layout.node,
        workers: node.num_workers(),
        comm: world.size > 1,
        origin: t.origin,
        name: &name,
    };
    let mine = chrome::node_events(&part, &lanes).into_bytes();
    let (parts, drops) = if world.size > 1 {
        let parts = mpi::gather_bytes(world, &mine);
        let drops = mpi::allgather_u64(world, dropped);
        (parts, drops)
    } else {
        (vec![mine], vec![dropped])
    };
    if node.layout.node != 0 {
        return;
    }
    let file = chrome::file(
        &parts,
        &node.layout.workers,
        &drops,
        node.config.trace_events,
    );
    if let Err(e) = std::fs::write(&t.path, file) {
        eprintln!("torc: TORC_TRACE={}: cannot write the trace: {e}", t.path);
        return;
    }
    let lost: u64 = drops.iter().sum();
    if lost > 0 {
        eprintln!(
            "torc: TORC_TRACE={}: {lost} events were dropped (at most TORC_TRACE_EVENTS={} a node)",
            t.path, node.config.trace_events
        );
    }
}
