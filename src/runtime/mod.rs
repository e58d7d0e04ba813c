//! Start and end of the runtime. `torc_init` starts MPI, checks that every node runs the same
//! executable, builds the node, its workers and (with several nodes) its communication thread,
//! and makes the caller worker 0: on node 0 it returns as the primary task, elsewhere it serves
//! tasks until node 0 finalizes and then exits. `torc_finalize` waits until the whole job is
//! quiet, stops every node and finalizes MPI.

use crate::comm::channel::Channel;
use crate::comm::server;
use crate::comm::wire::tag;
use crate::env::Config;
use crate::error::fatal;
use crate::mpi::{self, World};
use crate::sched::execute::execute;
use crate::sched::levels::Levels;
use crate::sched::node::{Layout, Node, WorkerShared};
use crate::sched::wait::{wait_for, WaitMode};
use crate::sched::worker::{current_worker, set_current_task, WorkerCtx};
use crate::stats::{report_line, NodeStats};
use crate::symbol;
use crate::sync::latch::Latch;
use crate::sync::sleep::Sleep;
use crate::task::Task;
use crossbeam_deque::Injector;
use parking_lot::Mutex;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::Duration;

const UNINIT: u8 = 0;
const STARTING: u8 = 1;
const RUNNING: u8 = 2;
const FINALIZED: u8 = 3;

/// Stack of each worker thread: deep nesting runs tasks on top of waiting ones.
const WORKER_STACK: usize = 64 << 20;

static STATE: AtomicU8 = AtomicU8::new(UNINIT);
static WORLD: OnceLock<World> = OnceLock::new();
static THREADS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
static COMM_THREAD: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);
static PRIMARY: AtomicPtr<Task> = AtomicPtr::new(std::ptr::null_mut());
static WORKER0: AtomicPtr<WorkerCtx> = AtomicPtr::new(std::ptr::null_mut());
static REGISTERED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Whether the runtime runs (between `torc_init` and `torc_finalize`).
pub fn is_running() -> bool {
    STATE.load(Ordering::Acquire) == RUNNING
}

/// Whether the runtime ran and was finalized in this process.
pub fn is_finished() -> bool {
    STATE.load(Ordering::Acquire) == FINALIZED
}

/// The node, or a fatal error naming `api` when the runtime does not run.
pub fn running_node(api: &str) -> &'static Node {
    match STATE.load(Ordering::Acquire) {
        RUNNING => Node::get().expect("node installed before RUNNING"),
        FINALIZED => fatal(api, format_args!("called after torc_finalize")),
        _ => fatal(api, format_args!("called before torc_init")),
    }
}

/// The MPI world, once initialised.
pub fn world() -> Option<&'static World> {
    WORLD.get()
}

/// `torc_register_task`: records `f` (index = order of registration).
pub fn register(f: usize) {
    if f == 0 {
        crate::error::refuse("torc_register_task", format_args!("the function is NULL"));
        return;
    }
    if STATE.load(Ordering::Acquire) != UNINIT {
        crate::error::refuse(
            "torc_register_task",
            format_args!("called after torc_init (register every task function before it)"),
        );
        return;
    }
    let mut r = REGISTERED.lock();
    if !r.contains(&f) {
        r.push(f);
    }
}

/// `torc_init`: a second call is a no-op. Returns only on node 0.
///
/// # Safety
/// `argc`/`argv` are NULL or point to the program's argument count and vector.
pub unsafe fn init(argc: *mut c_int, argv: *mut *mut *mut c_char) {
    // SAFETY: passed on as the caller gave them.
    unsafe { init_with(argc, argv, None) };
}

/// Starts the runtime with `config` (else read from the environment). Returns whether this
/// call started it (false: it already ran). Returns only on node 0.
///
/// # Safety
/// As [`init`].
pub unsafe fn init_with(
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    config: Option<Config>,
) -> bool {
    match STATE.compare_exchange(UNINIT, STARTING, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {}
        Err(FINALIZED) => fatal("torc_init", format_args!("called after torc_finalize")),
        Err(_) => return false,
    }
    // SAFETY: argc/argv as our caller guarantees; MPI starts at most once (OnceLock).
    let world = *WORLD.get_or_init(|| unsafe { mpi::init(argc, argv) });
    // Read after MPI started, so that a bad value stops the job through MPI_Abort.
    let config = match config {
        Some(c) => c,
        None => Config::from_env().unwrap_or_else(|e| fatal("torc_init", format_args!("{e}"))),
    };
    let mut workers = vec![config.workers];
    if world.size > 1 {
        check_same_executable(&world);
        check_same_registrations(&world, &REGISTERED.lock());
        workers = mpi::allgather_u64(&world, config.workers as u64)
            .into_iter()
            .map(|w| w as usize)
            .collect();
    }
    let layout = Layout::new(world.rank, workers);
    // One worker on a one-node job has no thieves: its queues need no atomic claims.
    let alone = world.size == 1 && config.workers == 1;
    let queues: Vec<Levels> = (0..config.workers)
        .map(|_| {
            if alone {
                Levels::private()
            } else {
                Levels::new()
            }
        })
        .collect();
    let shared = queues
        .iter()
        .map(|d| WorkerShared {
            stealer: d.stealer(),
            mailbox: Injector::new(),
            stats: Default::default(),
        })
        .collect();
    let node = Node::install(Node {
        comm: (world.size > 1).then(|| Channel::new(world)),
        layout,
        workers: shared,
        injector: Injector::new(),
        sleep: Sleep::new(config.workers),
        // Worker 0 waits on it at the end; other threads add to it.
        detached: Latch::shared(0),
        terminate: AtomicBool::new(false),
        stealing: AtomicBool::new(config.stealing),
        rr_next: AtomicI32::new(0),
        config,
        stats: NodeStats::default(),
        registered: REGISTERED.lock().clone(),
    });
    // From here on, tasks may arrive (from other nodes) and run: the runtime is running.
    STATE.store(RUNNING, Ordering::Release);
    if world.size > 1 {
        let h = std::thread::Builder::new()
            .name("torc-comm".into())
            .spawn(move || {
                crate::error::fatal_on_panic("torc communication thread", || server::run(node))
            })
            .unwrap_or_else(|e| fatal("torc_init", format_args!("cannot start a thread: {e}")));
        *COMM_THREAD.lock() = Some(h);
    }
    let mut queues = queues.into_iter();
    let queues0 = queues.next().expect("at least one worker");
    {
        let mut threads = THREADS.lock();
        for (i, levels) in queues.enumerate() {
            let index = i + 1;
            let h = std::thread::Builder::new()
                .name(format!("torc-worker-{index}"))
                .stack_size(WORKER_STACK)
                .spawn(move || {
                    crate::error::fatal_on_panic("torc worker thread", || {
                        let ctx = WorkerCtx::new(index, node, levels);
                        ctx.enter();
                        ctx.run_loop();
                        WorkerCtx::leave();
                    })
                })
                .unwrap_or_else(|e| fatal("torc_init", format_args!("cannot start a worker: {e}")));
            threads.push(h);
        }
    }
    // The calling thread becomes worker 0.
    let ctx = Box::into_raw(Box::new(WorkerCtx::new(0, node, queues0)));
    WORKER0.store(ctx, Ordering::Release);
    // SAFETY: just allocated; freed only in `finalize`, after `leave`.
    let ctx = unsafe { &*ctx };
    ctx.enter();
    if world.rank != 0 {
        serve(ctx, &world);
    }
    let primary = Box::into_raw(Box::new(Task::new()));
    // SAFETY: just allocated; freed only in `finalize`.
    unsafe { (*primary).latch.set_owner(0) };
    PRIMARY.store(primary, Ordering::Release);
    set_current_task(primary);
    true
}

/// Refuses to run when the nodes run different programs (task functions and broadcast
/// variables are identified by their place in the executable).
fn check_same_executable(world: &World) {
    let all = mpi::allgather_u64(world, symbol::executable_fingerprint());
    if let Some(other) = all.iter().position(|&f| f != all[0]) {
        if world.rank == other || world.rank == 0 {
            fatal(
                "torc_init",
                format_args!(
                    "node {other} runs a different executable than node 0 (this is node {}, \
                     running {}); all nodes must run the same program",
                    world.rank,
                    symbol::executable_path()
                ),
            );
        }
        // The reporting nodes stop the job; wait for that.
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// Refuses to run when the nodes registered different task functions, or the same ones in
/// another order (registered functions travel as their index: the wrong one would run).
/// Compares every node's list of (module, offset) with node 0's; node 0 names the first
/// difference.
fn check_same_registrations(world: &World, registered: &[usize]) {
    let ids: Vec<(u64, u64)> = registered
        .iter()
        .map(|&f| symbol::to_portable(f).unwrap_or((u64::MAX, f as u64)))
        .collect();
    let mut digest = Vec::with_capacity(16 * ids.len() + 8);
    digest.extend_from_slice(&(ids.len() as u64).to_ne_bytes());
    for (k, o) in &ids {
        digest.extend_from_slice(&k.to_ne_bytes());
        digest.extend_from_slice(&o.to_ne_bytes());
    }
    let all = mpi::allgather_u64(world, symbol::fnv1a(&digest));
    if all.iter().all(|&d| d == all[0]) {
        return;
    }
    // Rare: exchange the lists themselves, one entry per round, to name the first difference.
    let counts = mpi::allgather_u64(world, ids.len() as u64);
    let longest = counts.iter().copied().max().unwrap_or(0) as usize;
    let mut lists: Vec<Vec<(u64, u64)>> = vec![Vec::new(); world.size];
    for i in 0..longest {
        let (k, o) = ids.get(i).copied().unwrap_or((0, 0));
        let keys = mpi::allgather_u64(world, k);
        let offs = mpi::allgather_u64(world, o);
        for n in 0..world.size {
            if (i as u64) < counts[n] {
                lists[n].push((keys[n], offs[n]));
            }
        }
    }
    if world.rank == 0 {
        let describe = |id: Option<&(u64, u64)>| match id {
            None => "nothing".to_string(),
            Some(&(k, o)) => match symbol::from_portable(k, o) {
                Some(addr) => symbol::describe_code(addr),
                None => format!("offset {o:#x} of module {k:#x}"),
            },
        };
        let first = (1..world.size)
            .flat_map(|n| (0..longest).map(move |i| (i, n)))
            .find(|&(i, n)| lists[n].get(i) != lists[0].get(i));
        if let Some((i, n)) = first {
            fatal(
                "torc_init",
                format_args!(
                    "node {n} registered task function #{i} as {}, node 0 as {} ({} and {} \
                     registered); every node must call torc_register_task for the same \
                     functions in the same order",
                    describe(lists[n].get(i)),
                    describe(lists[0].get(i)),
                    counts[n],
                    counts[0]
                ),
            );
        }
    }
    // Node 0 stops the job; wait for that.
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Nodes other than 0: run tasks until node 0 says stop, then shut down and exit.
fn serve(ctx: &WorkerCtx, world: &World) -> ! {
    ctx.run_loop();
    let node = ctx.node;
    stop_workers(node);
    if let Some(ch) = &node.comm {
        ch.send(0, tag::STATS, stats_line(node).into_bytes());
    }
    stop_comm(node);
    mpi::barrier(world);
    STATE.store(FINALIZED, Ordering::Release);
    mpi::finalize(world);
    std::process::exit(0)
}

fn stop_workers(node: &Node) {
    node.terminate.store(true, Ordering::SeqCst);
    node.sleep.wake_all();
    for h in THREADS.lock().drain(..) {
        let _ = h.join();
    }
}

fn stop_comm(node: &Node) {
    if let Some(ch) = &node.comm {
        ch.stop.store(true, Ordering::SeqCst);
        ch.wake();
    }
    if let Some(h) = COMM_THREAD.lock().take() {
        let _ = h.join();
    }
    if let Some(ch) = &node.comm {
        // Nothing more will arrive: withdraw the posted receives before MPI shuts down.
        ch.engine.lock().close();
    }
}

/// Runs local work (or naps) until `done` says so; used while node 0 waits for other nodes.
fn help_until(ctx: &WorkerCtx, done: impl Fn() -> bool) {
    while !done() {
        match ctx.find_work() {
            Some(t) => execute(Some(ctx), t),
            None => std::thread::sleep(Duration::from_micros(20)),
        }
    }
}

/// Node 0: waits until no detached work is left anywhere. Each round asks every node for its
/// (created, completed) detached counters; two identical rounds with equal sums mean quiet.
fn quiesce(ctx: &WorkerCtx, ch: &Channel) {
    let node = ctx.node;
    let nodes = node.layout.nodes();
    let mut previous = None;
    loop {
        wait_for(ctx, &node.detached, 0, WaitMode::Help);
        ch.query.lock().iter_mut().for_each(|q| *q = None);
        for n in 1..nodes {
            ch.send(n, tag::QUERY, Vec::new());
        }
        help_until(ctx, || ch.query.lock().iter().skip(1).all(Option::is_some));
        let (c, d) = node.detached.counts();
        let (mut created, mut completed) = (c as u64, d as u64);
        for (c, d) in ch.query.lock().iter().skip(1).flatten() {
            created += c;
            completed += d;
        }
        let now = (created, completed);
        if created == completed && previous == Some(now) {
            return;
        }
        previous = Some(now);
    }
}

/// `torc_finalize`: waits for all outstanding work on every node, stops every node, prints
/// statistics when asked and finalizes MPI. A second call is a no-op.
pub fn finalize() {
    match STATE.load(Ordering::Acquire) {
        RUNNING => {}
        FINALIZED => return,
        _ => fatal("torc_finalize", format_args!("called before torc_init")),
    }
    let ctx0 = WORKER0.load(Ordering::Acquire);
    let primary = PRIMARY.load(Ordering::Acquire);
    let ctx = match current_worker() {
        Some(c) if std::ptr::eq(c, ctx0) && c.current() == primary && !primary.is_null() => c,
        Some(c) if !c.current().is_null() => fatal(
            "torc_finalize",
            format_args!(
                "called from inside a task (level {}, node {}); only the primary task may call it",
                // SAFETY: the current task is alive while it runs on this thread, which is now.
                unsafe { (*c.current()).level },
                c.node.layout.node
            ),
        ),
        _ => fatal(
            "torc_finalize",
            format_args!("must be called by the primary task (the thread that called torc_init)"),
        ),
    };
    let node = ctx.node;
    // SAFETY: the primary task lives until the end of this function.
    wait_for(ctx, unsafe { &(*primary).latch }, 0, WaitMode::Help);
    wait_for(ctx, &node.detached, 0, WaitMode::Help);
    let nodes = node.layout.nodes();
    if let Some(ch) = &node.comm {
        quiesce(ctx, ch);
        for n in 1..nodes {
            ch.send(n, tag::TERMINATE, Vec::new());
        }
    }
    stop_workers(node);
    let mut lines = vec![stats_line(node)];
    if let Some(ch) = &node.comm {
        help_until(ctx, || ch.stats.lock().iter().skip(1).all(Option::is_some));
        lines.extend(ch.stats.lock().iter().skip(1).flatten().cloned());
    }
    stop_comm(node);
    if node.config.stats {
        for l in &lines {
            eprintln!("{l}");
        }
    }
    STATE.store(FINALIZED, Ordering::Release);
    set_current_task(std::ptr::null_mut());
    WorkerCtx::leave();
    // SAFETY: both were allocated in `init`; no thread uses them any more.
    unsafe {
        drop(Box::from_raw(primary));
        drop(Box::from_raw(ctx0));
    }
    if let Some(w) = world() {
        if nodes > 1 {
            mpi::barrier(w);
        }
        mpi::finalize(w);
    }
}

/// The statistics line of this node.
pub fn stats_line(node: &Node) -> String {
    let executed: Vec<u64> = node
        .workers
        .iter()
        .map(|w| w.stats.executed.get())
        .collect();
    let created: u64 = node
        .workers
        .iter()
        .map(|w| w.stats.created.get())
        .sum::<u64>()
        + node.stats.created_elsewhere.get();
    report_line(node.layout.node, created, &executed, &node.stats)
}

/// Zeroes this node's counters.
pub fn reset_statistics() {
    if let Some(node) = Node::get() {
        for w in node.workers.iter() {
            w.stats.created.reset();
            w.stats.executed.reset();
        }
        let s = &node.stats;
        for c in [
            &s.created_elsewhere,
            &s.steals_attempted,
            &s.steals_served,
            &s.steals_hit,
        ] {
            c.reset();
        }
    }
}
