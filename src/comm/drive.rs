//! One round of progress of the communication engine (send what is queued; receive and
//! handle what arrived; complete sends; ask for work when idle), and who drives it: whoever
//! holds the engine's lock, an idle worker (so that an idle node answers in microseconds
//! without a thread switch) or the communication thread (when every worker is busy or
//! parked). See README.md, "The engine driver".

use super::dispatch;
use super::engine::{record, send_queued, Engine};
use super::state::Comm;
use super::wire::{self, tag};
use crate::mpi;
use crate::sched::run::execute;
use crate::sched::worker::current_worker;
use crate::sched::Node;
use crate::sync::backoff;
use crate::task::TaskRef;
use crate::trace;

impl Engine {
    /// One round of progress; returns whether anything happened. `idle` says the caller is an
    /// idle worker (so this node may ask others for work).
    fn poll(&mut self, node: &'static Node, comm: &Comm, idle: bool) -> bool {
        let world = &comm.world;
        self.inbox.signalled = false;
        let lane = self.inbox.lane;
        let mut active = self.send_queued(comm);
        for _ in 0..64 {
            match self.posted.test() {
                Some(a) => {
                    let body = self.posted.body(&a);
                    dispatch::receive(node, comm, a, body, &mut self.scratch, &mut self.inbox);
                    self.posted.repost(world);
                    active = true;
                    if self.inbox.handoff.is_some() || self.inbox.signalled {
                        // Somebody may go on now: the driving worker with its task, or a
                        // waiter whose child completed. Probe again next round.
                        break;
                    }
                }
                None => {
                    break;
                }
            }
        }
        // Answers queued by the messages just handled (DONE, STEAL_NONE, ...) leave in this
        // round, not in the next one (which may be long in coming on an idle node).
        // Thieves owed a hint hear of work queued here.
        active |= self.inbox.owed.settle(node, comm);
        if active {
            self.send_queued(comm);
        }
        self.pending.retain_mut(|p| !p.test());
        // A large send moves only while somebody drives MPI: keep driving until it is done.
        // (Smaller ones above MPI's eager limit move at the next round of progress, whoever
        // makes it; spinning for them would take a core from the workers.)
        active |= self.pending.iter().any(|p| p.len() >= wire::OUT_OF_LINE);
        if let Some(victim) = self.inbox.thief.maybe_request(node, &comm.steal, idle) {
            self.pending
                .push(mpi::isend(world, victim, tag::STEAL_REQ, Vec::new()));
            active = true;
            if lane.is_some() {
                let t = trace::now();
                record(
                    lane,
                    trace::Record {
                        a: victim as u32,
                        ..trace::Record::span(trace::Kind::StealRequest, t, t)
                    },
                );
            }
        }
        active
    }

    /// Sends everything `comm` queued (see `engine::send_queued`); whether there was any.
    fn send_queued(&mut self, comm: &Comm) -> bool {
        let lane = self.inbox.lane;
        send_queued(
            &comm.world,
            &comm.outbox,
            &mut self.gather,
            &mut self.pending,
            lane,
        )
    }
}

/// What one call of [`progress`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Progress {
    /// Somebody else drives the engine right now.
    Busy,
    /// Nothing happened, and a worker drove the engine since the communication thread's
    /// previous round (it spins in its idle loop or a wait): no need for this thread to.
    Driven,
    /// Nothing happened.
    Idle,
    /// Messages moved.
    Moved,
}

/// Drives the engine once if nobody else does; runs the direct tasks that arrived.
pub(super) fn progress(node: &'static Node, comm: &Comm, idle: bool) -> Progress {
    let (p, task) = drive(node, comm, By::Other { idle });
    debug_assert!(task.is_none());
    p
}

/// As [`progress`], for an idle worker: also returns the first task that arrived for any
/// worker of this node, handed to the caller to run at once (no trip through the queues).
pub(super) fn progress_for_worker(node: &'static Node, comm: &Comm) -> (Progress, Option<TaskRef>) {
    drive(node, comm, By::Worker)
}

/// As [`progress`], for the communication thread: `Driven` (and no round, so no MPI call)
/// when a worker drove the engine since this thread's previous look.
pub(super) fn progress_comm_thread(node: &'static Node, comm: &Comm) -> Progress {
    drive(node, comm, By::CommThread).0
}

/// Who drives the engine: what a round does differs only in these points.
#[derive(Clone, Copy)]
enum By {
    /// An idle or waiting worker: it may be handed a task; its rounds are counted.
    Worker,
    /// The communication thread: it leaves the engine to a worker that drove it lately.
    CommThread,
    /// Anybody else (waiting for answers); `idle` as for the thief's decision.
    Other { idle: bool },
}

fn drive(node: &'static Node, comm: &Comm, by: By) -> (Progress, Option<TaskRef>) {
    let Some(mut e) = comm.engine.try_lock() else {
        return (Progress::Busy, None);
    };
    match by {
        By::Worker => e.worker_rounds += 1,
        By::CommThread if e.worker_rounds != e.worker_rounds_seen => {
            e.worker_rounds_seen = e.worker_rounds;
            return (Progress::Driven, None);
        }
        _ => {}
    }
    let handoff = matches!(by, By::Worker);
    let idle = matches!(by, By::Worker | By::Other { idle: true });
    e.inbox.want_handoff = handoff;
    let moved = e.poll(node, comm, idle);
    e.inbox.want_handoff = false;
    let task = e.inbox.handoff.take();
    let directs = std::mem::take(&mut e.inbox.directs);
    drop(e);
    // On a worker's thread a direct task runs as that worker's (it may create children and
    // wait for them); on the communication thread, outside any worker.
    let ctx = current_worker();
    for t in directs {
        execute(node, ctx, t);
    }
    let p = if moved {
        Progress::Moved
    } else {
        Progress::Idle
    };
    (p, task)
}

/// Blocks until `done()` holds, for a caller that waits for answers from other nodes
/// (broadcast, stealing switches, termination queries): drives the engine itself while nobody
/// else does, backing off as `sync::backoff::wait_until` does.
pub(super) fn drive_until(node: &'static Node, comm: &Comm, done: impl FnMut() -> bool) {
    backoff::wait_until(done, || progress(node, comm, false) == Progress::Moved);
}

/// Whether the engine has nothing left to send (communication thread at shutdown).
pub(super) fn drained(comm: &Comm) -> bool {
    let e = comm.engine.lock();
    e.quiet() && !comm.outbox.has_outgoing() && comm.outbox.stopping()
}
