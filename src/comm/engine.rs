//! The communication engine: the state of this node's MPI traffic and one round of progress
//! (send what is queued, gathering small messages per destination; receive and handle what
//! arrived; complete sends; ask for work when idle). Whoever holds the engine's lock drives
//! it: an idle worker (so that an idle node answers in microseconds without a thread switch),
//! or the communication thread (when every worker is busy or parked).

use crate::comm::channel::{Channel, Outgoing};
use crate::comm::dispatch::{self, Inbox};
use crate::comm::steal::Thief;
use crate::comm::wire::{self, tag};
use crate::mpi::posted::{Posted, POSTED_MAX};
use crate::mpi::{self, PendingSend, World};
use crate::sched::execute::execute;
use crate::sched::node::Node;
use crate::task::TaskRef;
use std::os::raw::c_int;
use std::sync::atomic::Ordering;

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
    let mut w = wire::Writer::with_capacity(16);
    w.u64(t as u64);
    w.u64(body.len() as u64);
    pending.push(mpi::isend(world, dest, tag::BIG, w.buf));
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
            let mut w = wire::Writer::with_capacity(g.bytes + 16 * g.msgs.len());
            for m in g.msgs.drain(..) {
                w.u64((m.tag as u64) << 32 | m.body.len() as u64);
                w.pad16();
                w.block(&m.body);
            }
            send(world, dest, tag::BATCH, w.buf, pending);
        }
    }
    g.bytes = 0;
}

/// Sends everything queued, gathering small messages per destination.
fn send_queued(
    node: &Node,
    world: &World,
    gather: &mut [Gather],
    pending: &mut Vec<PendingSend>,
) -> bool {
    let ch = node.comm.as_ref().expect("channel");
    let mut any = false;
    while let Some(m) = ch.pop() {
        any = true;
        let dest = m.dest;
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
        g.bytes += m.body.len() + 16;
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
pub struct Engine {
    posted: Posted,
    pending: Vec<PendingSend>,
    gather: Vec<Gather>,
    scratch: Vec<u8>,
    inbox: Inbox,
}

impl Engine {
    /// For node `world.rank` of `world.size`; posts the control receives.
    pub fn new(world: &World) -> Engine {
        let (me, nodes) = (world.rank, world.size);
        Engine {
            posted: Posted::new(world),
            pending: Vec::new(),
            gather: (0..nodes).map(|_| Gather::default()).collect(),
            scratch: Vec::new(),
            inbox: Inbox {
                thief: Thief::new(me),
                directs: Vec::new(),
                want_handoff: false,
                handoff: None,
                signalled: false,
            },
        }
    }

    /// Cancels the posted receives (at shutdown, once nothing more will arrive).
    pub fn close(&mut self) {
        self.posted.close();
    }

    /// Whether every send has completed.
    pub fn quiet(&self) -> bool {
        self.pending.is_empty()
    }

    /// One round of progress; returns whether anything happened. `idle` says the caller is an
    /// idle worker (so this node may ask others for work).
    fn poll(&mut self, node: &'static Node, ch: &Channel, idle: bool) -> bool {
        let world = &ch.world;
        self.inbox.signalled = false;
        let mut active = send_queued(node, world, &mut self.gather, &mut self.pending);
        for _ in 0..64 {
            match self.posted.test() {
                Some(a) => {
                    let body = self.posted.body(&a);
                    dispatch::receive(node, world, a, body, &mut self.scratch, &mut self.inbox);
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
        self.pending.retain_mut(|p| !p.test());
        // A large send moves only while somebody drives MPI: keep driving until it is done.
        // (Smaller ones above MPI's eager limit move at the next round of progress, whoever
        // makes it; spinning for them would take a core from the workers.)
        active |= self.pending.iter().any(|p| p.len() >= wire::OUT_OF_LINE);
        if let Some(victim) = self.inbox.thief.maybe_request(node, ch, idle) {
            self.pending
                .push(mpi::isend(world, victim, tag::STEAL_REQ, Vec::new()));
            active = true;
        }
        active
    }
}

/// What one call of [`progress`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Somebody else drives the engine right now.
    Busy,
    /// Nothing happened.
    Idle,
    /// Messages moved.
    Moved,
}

/// Drives the engine once if nobody else does; runs the direct tasks that arrived.
pub fn progress(node: &'static Node, idle: bool) -> Progress {
    let (p, task) = drive(node, idle, false);
    debug_assert!(task.is_none());
    p
}

/// As [`progress`], for an idle worker: also returns the first task that arrived for any
/// worker of this node, handed to the caller to run at once (no trip through the queues).
pub fn progress_for_worker(node: &'static Node) -> (Progress, Option<TaskRef>) {
    drive(node, true, true)
}

fn drive(node: &'static Node, idle: bool, handoff: bool) -> (Progress, Option<TaskRef>) {
    let Some(ch) = node.comm.as_ref() else {
        return (Progress::Idle, None);
    };
    let Some(mut e) = ch.engine.try_lock() else {
        return (Progress::Busy, None);
    };
    e.inbox.want_handoff = handoff;
    let moved = e.poll(node, ch, idle);
    e.inbox.want_handoff = false;
    let task = e.inbox.handoff.take();
    let directs = std::mem::take(&mut e.inbox.directs);
    drop(e);
    // On a worker's thread a direct task runs as that worker's (it may create children and
    // wait for them); on the communication thread, outside any worker.
    let ctx = crate::sched::worker::current_worker();
    for t in directs {
        execute(ctx, t);
    }
    let p = if moved {
        Progress::Moved
    } else {
        Progress::Idle
    };
    (p, task)
}

/// Blocks until `done()` holds, for a caller that waits for answers from other nodes
/// (broadcast, stealing switches): drives the engine itself while nobody else does, spins a
/// little, then naps briefly between looks.
pub fn drive_until(node: &'static Node, done: impl Fn() -> bool) {
    let mut backoff = crate::sync::backoff::Backoff::new();
    while !done() {
        if progress(node, false) == Progress::Moved {
            backoff.reset();
        } else if backoff.snooze() {
            std::thread::sleep(std::time::Duration::from_micros(20));
        }
    }
}

/// Whether the engine has nothing left to send (communication thread at shutdown).
pub fn drained(ch: &Channel) -> bool {
    let e = ch.engine.lock();
    e.quiet() && !ch.has_outgoing() && ch.stop.load(Ordering::Acquire)
}
