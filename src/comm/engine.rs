//! The communication engine: the state of this node's MPI traffic and one round of progress
//! (send what is queued, gathering small messages per destination; receive and handle what
//! arrived; complete sends; ask for work when idle). Whoever holds the engine's lock drives
//! it: an idle worker (so that an idle node answers in microseconds without a thread switch),
//! or the communication thread (when every worker is busy or parked). See README.md, "The
//! engine driver" and "Two communicators, and the order of messages".

use super::dispatch::{self, Inbox};
use super::outbox::Outgoing;
use super::steal::Thief;
use super::wire::{self, tag};
use super::Comm;
use crate::mpi::posted::{Posted, POSTED_MAX};
use crate::mpi::{self, PendingSend, World};
use crate::sched::execute::execute;
use crate::sched::worker::current_worker;
use crate::sched::Node;
use crate::sync::backoff;
use crate::task::TaskRef;
use crate::trace;
use std::os::raw::c_int;

/// Messages up to this size are gathered per destination into one MPI message.
const SMALL: usize = 8 << 10;
/// A gathered message is sent once it reaches this size.
const BATCH_BYTES: usize = 64 << 10;

/// Messages waiting to be sent to one node in the current round.
#[derive(Default)]
struct Gather {
    msgs: Vec<Outgoing>,
    bytes: usize,
}

/// Sends one message: on the control communicator when it fits the receiver's posted
/// buffers, else announced there by a BIG message and sent on the bulk communicator.
fn send(world: &World, dest: usize, t: c_int, body: Vec<u8>, pending: &mut Vec<PendingSend>) {
    if body.len() <= POSTED_MAX {
        pending.push(mpi::isend(world, dest, t, body));
        return;
    }
    pending.push(mpi::isend(
        world,
        dest,
        tag::BIG,
        wire::encode_big(t, body.len()),
    ));
    pending.push(mpi::isend_bulk(world, dest, t, body));
}

/// Sends what `g` gathered for `dest`: alone when it is one message, else as one BATCH.
fn flush(world: &World, dest: usize, g: &mut Gather, pending: &mut Vec<PendingSend>) {
    match g.msgs.len() {
        0 => {}
        1 => {
            let m = g.msgs.pop().expect("one message");
            send(world, dest, m.tag, m.body, pending);
        }
        _ => {
            let msgs = g.msgs.iter().map(|m| (m.tag, &m.body[..]));
            let batch = wire::encode_batch(msgs, g.bytes);
            g.msgs.clear();
            send(world, dest, tag::BATCH, batch, pending);
        }
    }
    g.bytes = 0;
}

/// Records the sending of a message on the communication lane.
#[cold]
fn record_send(lane: super::Lane, dest: usize, t: c_int, bytes: usize, t0: u64) {
    super::record(
        lane,
        trace::Record {
            a: dest as u32,
            b: t as u16,
            bytes: bytes as u64,
            ..trace::Record::span(trace::Kind::Send, t0, trace::now())
        },
    );
}

/// Sends everything queued, gathering small messages per destination.
fn send_queued(
    comm: &Comm,
    gather: &mut [Gather],
    pending: &mut Vec<PendingSend>,
    lane: super::Lane,
) -> bool {
    let world = &comm.world;
    let mut any = false;
    while let Some(m) = comm.outbox.pop() {
        any = true;
        let dest = m.dest;
        if lane.is_some() {
            let bytes = m.body.len() + m.blocks.iter().map(|b| b.1).sum::<usize>();
            let t = trace::now();
            record_send(lane, dest, m.tag, bytes, t);
        }
        let g = &mut gather[dest];
        if m.body.len() > SMALL || !m.blocks.is_empty() {
            // Keep the order per destination: what was gathered goes first; then the message,
            // then its large blocks, which the receiver takes right after it.
            flush(world, dest, g, pending);
            send(world, dest, m.tag, m.body, pending);
            for &(ptr, len) in &m.blocks {
                for (off, n) in wire::pieces(len) {
                    let keep = m.keep.clone().map(|k| Box::new(k) as Box<dyn Send>);
                    let p = (ptr + off) as *const u8;
                    // SAFETY: the block is the task's buffer (kept alive by `keep`) or a
                    // creator's argument, which stays valid until the task's completion
                    // comes back.
                    pending
                        .push(unsafe { mpi::isend_borrowed(world, dest, tag::DATA, p, n, keep) });
                }
            }
            continue;
        }
        g.bytes += wire::batch_room(m.body.len());
        g.msgs.push(m);
        if g.bytes >= BATCH_BYTES {
            flush(world, dest, g, pending);
        }
    }
    for (dest, g) in gather.iter_mut().enumerate() {
        flush(world, dest, g, pending);
    }
    any
}

/// The state of this node's MPI traffic.
pub(super) struct Engine {
    posted: Posted,
    pending: Vec<PendingSend>,
    gather: Vec<Gather>,
    scratch: Vec<u8>,
    inbox: Inbox,
    /// Rounds driven by idle or waiting workers so far, and the count the communication
    /// thread saw at its last round: if they differ, a worker drives the engine regularly.
    worker_rounds: u64,
    worker_rounds_seen: u64,
}

impl Engine {
    /// For node `world.rank` of `world.size`; posts the control receives.
    pub(super) fn new(world: &World) -> Engine {
        let (me, nodes) = (world.rank, world.size);
        Engine {
            posted: Posted::new(world),
            pending: Vec::new(),
            gather: (0..nodes).map(|_| Gather::default()).collect(),
            scratch: Vec::new(),
            worker_rounds: 0,
            worker_rounds_seen: 0,
            inbox: Inbox {
                thief: Thief::new(me),
                owed: Default::default(),
                directs: Vec::new(),
                want_handoff: false,
                handoff: None,
                signalled: false,
                lane: trace::on().then(|| trace::Buffer::new(trace::Lane::Comm)),
            },
        }
    }

    /// Cancels the posted receives (at shutdown, once nothing more will arrive).
    pub(super) fn close(&mut self) {
        self.posted.close();
    }

    /// Posts every queued message (gathered ones too) without waiting for the sends.
    pub(super) fn post_queued(&mut self, comm: &Comm) {
        send_queued(comm, &mut self.gather, &mut self.pending, self.inbox.lane);
    }

    /// Whether every send has completed.
    pub(super) fn quiet(&self) -> bool {
        self.pending.is_empty()
    }

    /// One round of progress; returns whether anything happened. `idle` says the caller is an
    /// idle worker (so this node may ask others for work).
    fn poll(&mut self, node: &'static Node, comm: &Comm, idle: bool) -> bool {
        let world = &comm.world;
        self.inbox.signalled = false;
        let lane = self.inbox.lane;
        let mut active = send_queued(comm, &mut self.gather, &mut self.pending, lane);
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
            send_queued(comm, &mut self.gather, &mut self.pending, lane);
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
                super::record(
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
