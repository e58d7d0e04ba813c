//! The communication engine's state: this node's MPI traffic (posted receives, sends in
//! flight, messages gathered per destination), what message handling keeps between messages
//! ([`Inbox`]), and the sending of what is queued (small messages gathered per destination
//! into one BATCH, long ones announced by BIG). One round of progress and who drives it are
//! `drive.rs`. See README.md, "The engine driver" and "Two communicators, and the order of
//! messages".

use super::outbox::{Outbox, Outgoing};
use super::thief::{Owed, Thief};
use super::wire::{self, tag};
use crate::mpi::posted::Posted;
use crate::mpi::{self, PendingSend, World, POSTED_MAX};
use crate::task::TaskRef;
use crate::trace;
use std::os::raw::c_int;

/// The communication lane's trace buffer (`None`: not tracing). Only the holder of the engine
/// lock records on it.
pub(super) type Lane = Option<&'static crate::trace::Buffer>;

/// Records `r` on the communication lane; the caller holds the engine lock.
#[inline]
pub(super) fn record(lane: Lane, r: crate::trace::Record) {
    if let Some(b) = lane {
        // SAFETY: the lane is the engine's, written only by the holder of the engine lock,
        // which the caller is (every caller runs inside `Engine::poll`).
        unsafe { b.push(r) };
    }
}

/// Messages up to this size are gathered per destination into one MPI message.
const SMALL: usize = 8 << 10;
/// A gathered message is sent once it reaches this size.
const BATCH_BYTES: usize = 64 << 10;

/// Messages waiting to be sent to one node in the current round.
#[derive(Default)]
pub(super) struct Gather {
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
fn record_send(lane: Lane, dest: usize, t: c_int, bytes: usize, t0: u64) {
    record(
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
pub(super) fn send_queued(
    world: &World,
    outbox: &Outbox,
    gather: &mut [Gather],
    pending: &mut Vec<PendingSend>,
    lane: Lane,
) -> bool {
    let mut any = false;
    while let Some(m) = outbox.pop() {
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

/// What message handling keeps between messages: the thief's state and the direct tasks
/// received but not run yet.
pub(super) struct Inbox {
    /// The inter-node stealing state of this node.
    pub(super) thief: Thief,
    /// Thieves this node refused with "nothing queued", owed a hint (`steal.rs`).
    pub(super) owed: Owed,
    /// Direct tasks to run once the engine is released.
    pub(super) directs: Vec<TaskRef>,
    /// Set while an idle worker drives the engine: the first task for any worker is handed
    /// to it directly (no trip through the queues).
    pub(super) want_handoff: bool,
    /// The task handed to the driving worker.
    pub(super) handoff: Option<TaskRef>,
    /// A completion was signalled in this round (a waiting worker may be able to go on).
    pub(super) signalled: bool,
    /// The communication lane of the trace.
    pub(super) lane: Lane,
}

/// The state of this node's MPI traffic.
pub(super) struct Engine {
    pub(super) posted: Posted,
    pub(super) pending: Vec<PendingSend>,
    pub(super) gather: Vec<Gather>,
    pub(super) scratch: Vec<u8>,
    pub(super) inbox: Inbox,
    /// Rounds driven by idle or waiting workers so far, and the count the communication
    /// thread saw at its last round: if they differ, a worker drives the engine regularly.
    pub(super) worker_rounds: u64,
    pub(super) worker_rounds_seen: u64,
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

    /// Posts every message queued in `outbox` (gathered ones too) without waiting for the
    /// sends.
    pub(super) fn post_queued(&mut self, world: &World, outbox: &Outbox) {
        send_queued(
            world,
            outbox,
            &mut self.gather,
            &mut self.pending,
            self.inbox.lane,
        );
    }

    /// Whether every send has completed.
    pub(super) fn quiet(&self) -> bool {
        self.pending.is_empty()
    }
}
