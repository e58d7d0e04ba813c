//! Start and end of the runtime: `torc_init` builds the node and its workers, makes the caller
//! worker 0 (running the primary task on node 0); `torc_finalize` drains and stops everything.

use crate::comm::mpi::{self, World};
use crate::env::Config;
use crate::error::fatal;
use crate::sched::registry::{Layout, Node, WorkerShared};
use crate::sched::wait::{wait_for, WaitMode};
use crate::sched::worker::{current_worker, set_current_task, WorkerCtx};
use crate::sched::Node as _NodeAlias;
use crate::stats::{report_line, NodeStats};
use crate::task::Task;
use crossbeam_deque::{Injector, Worker};
use parking_lot::Mutex;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::thread::JoinHandle;

const UNINIT: u8 = 0;
const STARTING: u8 = 1;
const RUNNING: u8 = 2;
const FINALIZED: u8 = 3;

/// Stack of each worker thread: deep nesting runs tasks on top of waiting ones.
const WORKER_STACK: usize = 64 << 20;

static STATE: AtomicU8 = AtomicU8::new(UNINIT);
static WORLD: OnceLock<World> = OnceLock::new();
static THREADS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
static PRIMARY: AtomicPtr<Task> = AtomicPtr::new(std::ptr::null_mut());
static WORKER0: AtomicPtr<WorkerCtx> = AtomicPtr::new(std::ptr::null_mut());
static REGISTERED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Whether the runtime runs (between `torc_init` and `torc_finalize`).
pub fn is_running() -> bool {
    STATE.load(Ordering::Acquire) == RUNNING
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

/// Registered task functions, in order.
pub fn registered() -> Vec<usize> {
    REGISTERED.lock().clone()
}

/// `torc_init`: a second call is a no-op.
pub fn init(argc: *mut c_int, argv: *mut *mut *mut c_char) {
    match STATE.compare_exchange(UNINIT, STARTING, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {}
        Err(FINALIZED) => fatal("torc_init", format_args!("called after torc_finalize")),
        Err(_) => return,
    }
    let config = Config::from_env().unwrap_or_else(|e| fatal("torc_init", format_args!("{e}")));
    let world = *WORLD.get_or_init(|| mpi::init(argc, argv));
    if world.size > 1 {
        fatal(
            "torc_init",
            format_args!(
                "{} MPI processes: multi-node execution is not built yet",
                world.size
            ),
        );
    }
    let layout = Layout::new(world.rank, vec![config.workers]);
    let deques: Vec<Worker<TaskRef>> = (0..config.workers).map(|_| Worker::new_lifo()).collect();
    let workers = deques
        .iter()
        .map(|d| WorkerShared {
            stealer: d.stealer(),
            mailbox: Injector::new(),
            stats: Default::default(),
        })
        .collect();
    let node = Node::install(Node {
        layout,
        workers,
        injector: Injector::new(),
        sleep: crate::sched::sleep::Sleep::new(config.workers),
        detached: crate::sched::latch::Latch::new(),
        terminate: AtomicBool::new(false),
        stealing: AtomicBool::new(config.stealing),
        rr_next: AtomicI32::new(0),
        config,
        stats: NodeStats::default(),
    });
    let mut deques = deques.into_iter();
    let deque0 = deques.next().expect("at least one worker");
    {
        let mut threads = THREADS.lock();
        for (i, deque) in deques.enumerate() {
            let index = i + 1;
            let h = std::thread::Builder::new()
                .name(format!("torc-worker-{index}"))
                .stack_size(WORKER_STACK)
                .spawn(move || {
                    let ctx = WorkerCtx::new(index, node, deque);
                    ctx.enter();
                    ctx.run_loop();
                    WorkerCtx::leave();
                })
                .unwrap_or_else(|e| fatal("torc_init", format_args!("cannot start a worker: {e}")));
            threads.push(h);
        }
    }
    // The calling thread becomes worker 0, running the primary task.
    let ctx = Box::into_raw(Box::new(WorkerCtx::new(0, node, deque0)));
    WORKER0.store(ctx, Ordering::Release);
    // SAFETY: just allocated; freed only in `finalize`, after `leave`.
    unsafe { (*ctx).enter() };
    let primary = Box::into_raw(Box::new(Task::new()));
    // SAFETY: just allocated; freed only in `finalize`.
    unsafe { (*primary).latch.set_owner(0) };
    PRIMARY.store(primary, Ordering::Release);
    set_current_task(primary);
    STATE.store(RUNNING, Ordering::Release);
}

use crate::task::TaskRef;

/// `torc_finalize`: waits for all outstanding work, stops the workers, prints statistics when
/// asked and finalises MPI. A second call is a no-op.
pub fn finalize() {
    match STATE.load(Ordering::Acquire) {
        RUNNING => {}
        FINALIZED => return,
        _ => fatal("torc_finalize", format_args!("called before torc_init")),
    }
    let ctx0 = WORKER0.load(Ordering::Acquire);
    let ctx = match current_worker() {
        Some(c) if std::ptr::eq(c, ctx0) => c,
        _ => fatal(
            "torc_finalize",
            format_args!("must be called by the primary task (the thread that called torc_init)"),
        ),
    };
    let node = ctx.node;
    let primary = PRIMARY.load(Ordering::Acquire);
    // SAFETY: the primary task lives until the end of this function.
    wait_for(ctx, unsafe { &(*primary).latch }, WaitMode::Help);
    wait_for(ctx, &node.detached, WaitMode::Help);
    node.terminate.store(true, Ordering::SeqCst);
    node.sleep.wake_all();
    for h in THREADS.lock().drain(..) {
        let _ = h.join();
    }
    STATE.store(FINALIZED, Ordering::Release);
    if node.config.stats {
        eprintln!("{}", stats_line(node));
    }
    set_current_task(std::ptr::null_mut());
    WorkerCtx::leave();
    // SAFETY: both were allocated in `init`; no thread uses them any more.
    unsafe {
        drop(Box::from_raw(primary));
        drop(Box::from_raw(ctx0));
    }
    if let Some(w) = world() {
        mpi::finalize(w);
    }
}

/// The statistics line of this node.
pub fn stats_line(node: &_NodeAlias) -> String {
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

/// `torc_reset_statistics`: zeroes this node's counters.
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
