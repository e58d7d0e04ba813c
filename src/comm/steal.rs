//! Inter-node stealing (README.md, "Stealing"), what is sent: the victim side, where
//! [`serve`] answers a request with the node's coarsest task or "none", and hints thieves it
//! owed one once work is queued; and `torc_fetch_work`'s handshake: a worker asks for one
//! steal now and waits for its answer ([`fetch_for`]). The thief's state machine is
//! `thief.rs`.

use super::engine::{record, Lane};
use super::outbox::{keep_or_recycle, Keep};
use super::state::Comm;
use super::thief::Owed;
use super::wire::{self, tag};
use crate::sched::{Node, WorkerCtx};
use crate::sync::backoff;
use crate::task::TaskRef;
use crate::trace;
use std::sync::atomic::Ordering;
use std::sync::Arc;

impl Owed {
    /// Once per engine round: if work is queued now, sends every owed thief a STEAL_HINT and
    /// forgets them; returns whether it sent any.
    pub(super) fn settle(&mut self, node: &Node, comm: &Comm) -> bool {
        if self.to.is_empty() || !node.has_work() {
            return false;
        }
        for thief in self.to.drain(..) {
            comm.outbox.send(thief, tag::STEAL_HINT, Vec::new());
        }
        true
    }
}

/// The victim side: answers `thief`'s request with the coarsest task this node can give
/// (`Node::give_to_thief`), encoded, or STEAL_NONE.
pub(super) fn serve(node: &'static Node, comm: &Comm, thief: usize, owed: &mut Owed, lane: Lane) {
    let t0 = if trace::on() { trace::now() } else { 0 };
    let flow = match give(node, comm, thief) {
        Some((msg, keep, flow)) => {
            comm.outbox
                .send_encoded(thief, tag::STEAL_TASK, msg, keep, false);
            Some(flow)
        }
        None => {
            // Nothing queued at all (rather than only tasks that may not leave): promise a
            // hint, so that the thief may wait for it instead of asking again and again.
            let empty = !node.has_work();
            if empty {
                owed.record(thief);
            }
            comm.outbox
                .send(thief, tag::STEAL_NONE, vec![u8::from(empty)]);
            None
        }
    };
    if t0 != 0 {
        let (id, flag) = match flow {
            Some((id, starts, ended)) => {
                if let Some(old) = ended {
                    record(
                        lane,
                        trace::Record {
                            id: old,
                            ..trace::Record::span(trace::Kind::FlowEnd, t0, t0)
                        },
                    );
                }
                (id, starts as u8)
            }
            None => (0, 2),
        };
        record(
            lane,
            trace::Record {
                id,
                flag,
                a: thief as u32,
                ..trace::Record::span(trace::Kind::StealServed, t0, trace::now())
            },
        );
    }
}

/// A task for a thief: its message, what keeps its buffer alive, and its trace flow (the id,
/// whether the flow starts here, as the task leaves its home, and the flow that ends here: of
/// a task that had come back home unrun and leaves again under a new handle).
type Answer = (wire::Encoded, Option<Arc<Keep>>, (u64, bool, Option<u64>));

fn give(node: &'static Node, comm: &Comm, thief: usize) -> Option<Answer> {
    let mut t = node.give_to_thief()?;
    let Some(func) = wire::function_id(t.func, &node.registered) else {
        // Code outside every loaded module cannot run elsewhere: keep the task here.
        node.accept_task(t, None);
        return None;
    };
    // A task leaving its home gets a handle there; one from elsewhere keeps its home's.
    let at_home = t.home as usize == node.layout.node;
    let ended = (at_home && t.handle != 0).then(|| trace::flow_id(t.home, t.handle));
    let handle = if at_home {
        comm.outstanding.register_task(&mut t, thief)
    } else {
        t.handle
    };
    let flow = (trace::flow_id(t.home, handle), at_home, ended);
    t.input.settle_for_wire();
    let msg = wire::encode_task(&t, func, -1, handle);
    // Large blocks are sent from the descriptor's buffer: keep it until they are out.
    let keep = keep_or_recycle(t, &msg);
    node.stats.steals_served.add(1);
    Some((msg, keep, flow))
}

/// `torc_fetch_work` beyond the node's own queues: asks the engine for one steal now and waits
/// for its answer (or for local work, shutdown, or stealing switched off); the communication
/// thread, woken here, sends the request. Returns a task found, if any.
pub(crate) fn fetch_for(ctx: &WorkerCtx, comm: &Comm) -> Option<TaskRef> {
    let node = ctx.node;
    if !node.stealing() {
        return None;
    }
    let before = comm.steal.answers.load(Ordering::Acquire);
    comm.steal.wanted.store(true, Ordering::Release);
    comm.outbox.wake();
    let found = std::cell::RefCell::new(None);
    backoff::wait_until(
        || {
            found.borrow().is_some()
                || comm.steal.answers.load(Ordering::Acquire) != before
                || node.terminating()
                || !node.stealing()
        },
        || {
            let t = ctx.find_work();
            let any = t.is_some();
            *found.borrow_mut() = t;
            any
        },
    );
    found.into_inner().or_else(|| ctx.find_work())
}
