//! `torc_init`: starts MPI, checks that every node runs the same program, builds the node, its
//! workers and (with several nodes) its communication thread, and makes the caller worker 0:
//! on node 0 it returns as the primary task, elsewhere it serves tasks until node 0 finalizes
//! and then exits ([`Serve::AndExit`], TORC's behaviour), or returns at once so that the
//! caller serves later with [`serve`] and goes on after it ([`Serve::Later`], for embedding
//! torc in another language's program: `torc::api::init`).

use super::checks::{check_same_executable, check_same_registrations};
use super::finish::{report_unobserved, stop_comm, stop_workers};
use super::state::{Runtime, FINALIZED, RUNNING, STARTING, UNINIT};
use super::{diag, signals, trace};
use crate::comm::{server, termination, Comm};
use crate::env::Config;
use crate::error::{fatal, fatal_on_panic, refuse};
use crate::mpi::{self, World};
use crate::sched::levels::Levels;
use crate::sched::node::Network;
use crate::sched::worker::set_current_task;
use crate::sched::{Node, WorkerCtx};
use crate::task::Task;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::Ordering;

/// `torc_register_task`: records `f` (index = order of registration).
pub(crate) fn register(f: usize) {
    if f == 0 {
        refuse("torc_register_task", format_args!("the function is NULL"));
        return;
    }
    let rt = Runtime::get();
    if rt.state() != UNINIT {
        refuse(
            "torc_register_task",
            format_args!("called after torc_init (register every task function before it)"),
        );
        return;
    }
    let mut r = rt.registered.lock();
    if !r.contains(&f) {
        r.push(f);
    }
}

/// What a node other than 0 does once the runtime has started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Serve {
    /// Serve tasks until node 0 finalizes, then exit the process (`torc_init`).
    AndExit,
    /// Return to the caller, which calls [`serve`] later on the same thread.
    Later,
}

/// `torc_init`: a second call is a no-op. Returns only on node 0.
///
/// # Safety
/// `argc`/`argv` are NULL or point to the program's argument count and vector.
pub(crate) unsafe fn init(argc: *mut c_int, argv: *mut *mut *mut c_char) {
    // SAFETY: `argc`/`argv` are NULL or the program's (this function's contract).
    unsafe { init_with(argc, argv, None, Serve::AndExit) };
}

/// Starts the runtime with `config` (else read from the environment). Returns whether this
/// call started it (false: it already ran). With [`Serve::AndExit`] it returns only on node 0.
///
/// # Safety
/// As [`init`].
pub(crate) unsafe fn init_with(
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    config: Option<Config>,
    mode: Serve,
) -> bool {
    let rt = Runtime::get();
    match rt
        .state
        .compare_exchange(UNINIT, STARTING, Ordering::AcqRel, Ordering::Acquire)
    {
        Ok(_) => {}
        Err(FINALIZED) => fatal("torc_init", format_args!("called after torc_finalize")),
        Err(_) => return false,
    }
    // SAFETY: `argc`/`argv` are NULL or the program's (this function's contract); MPI
    // starts at most once (OnceLock).
    let world = *rt.world.get_or_init(|| unsafe { mpi::init(argc, argv) });
    // Read after MPI started, so that a bad value stops the job through MPI_Abort.
    let config = match config {
        Some(c) => c,
        None => Config::from_env().unwrap_or_else(|e| fatal("torc_init", format_args!("{e}"))),
    };
    let mut config = config;
    let extra = match config.caller {
        crate::env::CallerWorker::Counted => false,
        crate::env::CallerWorker::ExtraOnNode0 => world.rank == 0,
        crate::env::CallerWorker::ExtraEverywhere => true,
    };
    if extra {
        config.workers += 1;
    }
    let registered = rt.registered.lock().clone();
    let mut workers = vec![config.workers];
    if world.size > 1 {
        check_same_executable(&world);
        check_same_registrations(&world, &registered);
        workers = mpi::allgather_u64(&world, config.workers as u64)
            .into_iter()
            .map(|w| w as usize)
            .collect();
    }
    // Both collective, before the control receives are posted and other threads start.
    let peers = diag::find_peers(&world);
    if let Some(t) = trace::setup(&world, &config) {
        let _ = rt.tracing.set(t);
    }
    let layout = crate::sched::layout::Layout::new(world.rank, workers);
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
    // Both live for the rest of the process: threads of this node hold references to them.
    let comm: Option<&'static Comm> =
        (world.size > 1).then(|| &*Box::leak(Box::new(Comm::new(world))));
    let net = comm.map(|c| c as &'static dyn Network);
    let node: &'static Node = Box::leak(Box::new(Node::new(
        layout, config, &queues, registered, net,
    )));
    let _ = rt.node.set(node);
    let usr1 = if node.config.signals {
        signals::install(world.rank)
    } else {
        None
    };
    if let Some(c) = comm {
        let _ = rt.comm.set(c);
    }
    // From here on, tasks may arrive (from other nodes) and run: the runtime is running.
    rt.state.store(RUNNING, Ordering::Release);
    *rt.diag.lock() = diag::start(node, comm, peers, usr1);
    if let Some(comm) = comm {
        let h = std::thread::Builder::new()
            .name("torc-comm".into())
            .spawn(move || {
                signals::thread_start();
                fatal_on_panic("torc communication thread", || server::run(node, comm))
            })
            .unwrap_or_else(|e| fatal("torc_init", format_args!("cannot start a thread: {e}")));
        *rt.comm_thread.lock() = Some(h);
    }
    let mut queues = queues.into_iter();
    let queues0 = queues.next().expect("at least one worker");
    {
        let mut threads = rt.threads.lock();
        for (i, levels) in queues.enumerate() {
            let index = i + 1;
            let h = std::thread::Builder::new()
                .name(format!("torc-worker-{index}"))
                .stack_size(crate::sched::worker::WORKER_STACK)
                .spawn(move || {
                    signals::thread_start();
                    fatal_on_panic("torc worker thread", || {
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
    rt.worker0.store(ctx, Ordering::Release);
    // SAFETY: just allocated; freed only in `finalize`, after `leave`.
    let ctx = unsafe { &*ctx };
    ctx.enter();
    if world.rank != 0 {
        if mode == Serve::Later {
            return true;
        }
        serve_here(ctx, &world);
        std::process::exit(0)
    }
    let primary = Box::into_raw(Box::new(Task::new()));
    // SAFETY: just allocated; freed only in `finalize`.
    unsafe { (*primary).latch.set_owner(0) };
    rt.primary.store(primary, Ordering::Release);
    set_current_task(primary);
    true
}

/// On a node other than 0 started with [`Serve::Later`], on the thread that started it: runs
/// tasks until node 0 finalizes, then shuts this node down (MPI included) and returns. False
/// when there is nothing to serve (node 0, not started that way, or already served).
pub(crate) fn serve() -> bool {
    let Some((ctx, world)) = serving_thread() else {
        return false;
    };
    let rt = Runtime::get();
    let ctx0 = rt.worker0.load(Ordering::Acquire);
    serve_here(ctx, world);
    WorkerCtx::leave();
    rt.worker0.store(std::ptr::null_mut(), Ordering::Release);
    // SAFETY: allocated in `init_with`; this thread, which ran it, has left it and no other
    // thread uses it (the node's other workers have stopped).
    unsafe { drop(Box::from_raw(ctx0)) };
    true
}

/// On a node other than 0 started with [`Serve::Later`], on the thread that started it: runs
/// tasks as worker 0 until `stop()` holds (asked between tasks, at least every
/// `TORC_YIELDTIME`) or node 0 ends the job, and returns without shutting down: the thread
/// may serve again later, and ends with [`serve`]. False when there is nothing to serve here
/// (as [`serve`]).
pub(crate) fn serve_until(stop: &dyn Fn() -> bool) -> bool {
    let Some((ctx, _)) = serving_thread() else {
        return false;
    };
    ctx.run_loop_until(stop);
    true
}

/// Worker 0 and the world, when the calling thread may serve: the runtime runs, this is not
/// node 0, and the thread is the one that started the runtime (worker 0).
fn serving_thread() -> Option<(&'static WorkerCtx, &'static World)> {
    let rt = Runtime::get();
    if rt.state() != RUNNING {
        return None;
    }
    let ctx0 = rt.worker0.load(Ordering::Acquire);
    let (Some(ctx), Some(world)) = (crate::sched::worker::current_worker(), rt.world.get()) else {
        return None;
    };
    if world.rank == 0 || !std::ptr::eq(ctx, ctx0) {
        return None;
    }
    Some((ctx, world))
}

/// Nodes other than 0: run tasks until node 0 says stop, then shut down.
fn serve_here(ctx: &WorkerCtx, world: &World) {
    let rt = Runtime::get();
    ctx.run_loop();
    signals::ending();
    diag::stop(rt.diag.lock().take());
    let node = ctx.node;
    stop_workers(node);
    report_unobserved(node);
    if let Some(comm) = rt.comm() {
        termination::send_stats(node, comm);
    }
    stop_comm();
    if let Some(t) = rt.tracing.get() {
        trace::finish(t, node, world);
    }
    mpi::barrier(world);
    rt.state.store(FINALIZED, Ordering::Release);
    mpi::finalize(world);
}
