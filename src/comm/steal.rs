//! Inter-node stealing (README.md, "Stealing"). The thief side: when its node is idle, the
//! engine asks the other nodes round-robin for work, one request at a time; after a full
//! round of refusals it backs off, longer each time, until work shows up again
//! ([`Thief`], a pure state machine driven by the engine). The victim side: [`serve`] answers
//! a request with the node's coarsest task or "none". And `torc_fetch_work`'s handshake: a
//! worker asks for one steal now and waits for its answer ([`fetch_for`]).

use super::outbox::keep_or_recycle;
use super::wire::{self, tag};
use super::Comm;
use crate::sched::{Node, WorkerCtx};
use crate::sync::backoff;
use crate::task::TaskRef;
use crate::trace;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const MIN_BACKOFF: Duration = Duration::from_micros(50);
const MAX_BACKOFF: Duration = Duration::from_millis(5);
/// The pause after a round in which every other node had nothing queued at all: the job is
/// idle but for running tasks, and each of those nodes owes this one a STEAL_HINT when work
/// shows up, so the pause only bounds how long a lost chance could go unnoticed.
const IDLE_BACKOFF: Duration = Duration::from_millis(50);

/// What workers share with the thief: whether a request is in flight, whether a worker asks
/// for one now, and how many answers came so far.
#[derive(Default)]
pub(super) struct StealState {
    /// A steal request of this node is unanswered.
    in_flight: AtomicBool,
    /// The node it was sent to (meaningful while `in_flight`).
    victim: AtomicUsize,
    /// A worker asks for a steal now (`torc_fetch_work`), idle or not.
    wanted: AtomicBool,
    /// Steal answers received so far (either kind).
    answers: AtomicUsize,
}

impl StealState {
    /// The victim of the request in flight, if one is.
    pub(super) fn in_flight_to(&self) -> Option<usize> {
        self.in_flight
            .load(Ordering::Acquire)
            .then(|| self.victim.load(Ordering::Relaxed))
    }

    /// An answer (a task or "none") to this node's request arrived.
    pub(super) fn answered(&self) {
        self.answers.fetch_add(1, Ordering::AcqRel);
        self.in_flight.store(false, Ordering::Release);
    }
}

/// What the node looks like to the thief when it considers asking.
#[derive(Clone, Copy, Debug)]
pub(super) struct Looks {
    /// Nodes in the job.
    pub(super) nodes: usize,
    /// This node.
    pub(super) me: usize,
    /// Stealing is on and the node does not shut down.
    pub(super) may_steal: bool,
    /// A request is unanswered.
    pub(super) in_flight: bool,
    /// A worker asked for a steal now (`torc_fetch_work`).
    pub(super) asked: bool,
    /// An idle worker asks, or some worker is parked.
    pub(super) idle: bool,
    /// A local queue holds a task.
    pub(super) has_work: bool,
}

/// The thief side's state, kept by the engine.
pub(super) struct Thief {
    next_victim: usize,
    refusals: usize,
    /// Every refusal of the current round said "nothing queued at all".
    all_empty: bool,
    backoff: Duration,
    not_before: Instant,
}

impl Thief {
    /// For node `me`.
    pub(super) fn new(me: usize) -> Thief {
        Thief {
            next_victim: me + 1,
            refusals: 0,
            all_empty: true,
            backoff: MIN_BACKOFF,
            not_before: Instant::now(),
        }
    }

    /// The victim to ask now, if this node should ask (`now` is the time): idle (or asked),
    /// stealing on, no request in flight, not backing off (unless asked).
    pub(super) fn decide(&mut self, l: Looks, now: Instant) -> Option<usize> {
        if l.nodes < 2 || !l.may_steal || l.in_flight {
            return None;
        }
        if !l.asked && (!l.idle || l.has_work || now < self.not_before) {
            return None;
        }
        let mut v = self.next_victim % l.nodes;
        if v == l.me {
            v = (v + 1) % l.nodes;
        }
        self.next_victim = v + 1;
        Some(v)
    }

    /// The node's side of [`Thief::decide`]: returns the victim to send a request to, and
    /// marks the request in flight. `idle` says an idle worker asks (besides parked ones).
    pub(super) fn maybe_request(
        &mut self,
        node: &Node,
        state: &StealState,
        idle: bool,
    ) -> Option<usize> {
        if node.layout.nodes() < 2 || !node.stealing() || node.terminating() {
            return None;
        }
        if state.in_flight.load(Ordering::Acquire) {
            return None;
        }
        let asked = state.wanted.swap(false, Ordering::AcqRel);
        let idle = idle || node.idle_workers() > 0;
        // The common case of a busy node: nothing more to look at (every round of the engine
        // comes here, so the queue scan and the clock are read only when they can matter).
        if !asked && !idle {
            return None;
        }
        let looks = Looks {
            nodes: node.layout.nodes(),
            me: node.layout.node,
            may_steal: true,
            in_flight: false,
            asked,
            idle,
            has_work: !asked && node.has_work(),
        };
        if !asked && looks.has_work {
            return None;
        }
        let v = self.decide(looks, Instant::now())?;
        state.victim.store(v, Ordering::Relaxed);
        state.in_flight.store(true, Ordering::Release);
        node.stats.steals_attempted.add(1);
        Some(v)
    }

    /// A victim had nothing (`empty`: nothing queued at all); `nodes` is the job's size.
    pub(super) fn refused(&mut self, nodes: usize, empty: bool) {
        self.refused_at(nodes, empty, Instant::now());
    }

    fn refused_at(&mut self, nodes: usize, empty: bool, now: Instant) {
        self.refusals += 1;
        self.all_empty &= empty;
        if self.refusals >= nodes - 1 {
            self.refusals = 0;
            if self.all_empty {
                // Nobody has anything queued: wait for a hint (or, at the latest, IDLE_BACKOFF).
                self.not_before = now + IDLE_BACKOFF;
            } else {
                self.not_before = now + self.backoff;
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
            }
            self.all_empty = true;
        }
    }

    /// A victim gave a task.
    pub(super) fn hit(&mut self) {
        self.start_over(Instant::now());
    }

    /// `victim`, which had refused with "nothing queued", has work now: ask it next, at once.
    pub(super) fn hinted(&mut self, victim: usize) {
        self.next_victim = victim;
        self.start_over(Instant::now());
    }

    fn start_over(&mut self, now: Instant) {
        self.refusals = 0;
        self.all_empty = true;
        self.backoff = MIN_BACKOFF;
        self.not_before = now;
    }
}

/// The victim side's debts: thieves told "nothing queued at all", to be told once work is
/// queued here (README.md, "Stealing"). Kept by the engine.
#[derive(Default)]
pub(super) struct Owed {
    to: Vec<usize>,
}

impl Owed {
    /// `thief` was refused with "nothing queued".
    fn record(&mut self, thief: usize) {
        if !self.to.contains(&thief) {
            self.to.push(thief);
        }
    }

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
pub(super) fn serve(
    node: &'static Node,
    comm: &Comm,
    thief: usize,
    owed: &mut Owed,
    lane: super::Lane,
) {
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
                    super::record(
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
        super::record(
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
type Answer = (
    wire::Encoded,
    Option<std::sync::Arc<super::outbox::Keep>>,
    (u64, bool, Option<u64>),
);

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

#[cfg(test)]
mod tests {
    use super::*;

    fn idle(nodes: usize, me: usize) -> Looks {
        Looks {
            nodes,
            me,
            may_steal: true,
            in_flight: false,
            asked: false,
            idle: true,
            has_work: false,
        }
    }

    #[test]
    fn an_idle_node_asks_the_others_round_robin_skipping_itself() {
        let mut t = Thief::new(1);
        let now = Instant::now();
        let asked: Vec<_> = (0..5).map(|_| t.decide(idle(3, 1), now)).collect();
        assert_eq!(asked, vec![Some(2), Some(0), Some(2), Some(0), Some(2)]);
    }

    #[test]
    fn a_busy_or_switched_off_node_does_not_ask_unless_a_worker_asks() {
        let mut t = Thief::new(0);
        let now = Instant::now();
        let busy = Looks {
            idle: false,
            ..idle(2, 0)
        };
        assert_eq!(t.decide(busy, now), None);
        let with_work = Looks {
            has_work: true,
            ..idle(2, 0)
        };
        assert_eq!(t.decide(with_work, now), None);
        let asked = Looks {
            asked: true,
            ..busy
        };
        assert_eq!(t.decide(asked, now), Some(1), "torc_fetch_work asks anyway");
        for l in [
            Looks {
                may_steal: false,
                ..asked
            },
            Looks {
                in_flight: true,
                ..asked
            },
            idle(1, 0),
        ] {
            assert_eq!(t.decide(l, now), None, "{l:?}");
        }
    }

    #[test]
    fn a_full_round_of_refusals_backs_off_doubling_up_to_the_limit() {
        // Refusals from nodes that had tasks queued (only ones that may not leave).
        let mut t = Thief::new(0);
        let now = Instant::now();
        assert!(t.decide(idle(3, 0), now).is_some());
        t.refused_at(3, false, now);
        assert!(
            t.decide(idle(3, 0), now).is_some(),
            "one refusal of two: ask the next"
        );
        t.refused_at(3, false, now);
        assert_eq!(t.decide(idle(3, 0), now), None, "a full round: back off");
        assert_eq!(
            t.decide(idle(3, 0), now + MIN_BACKOFF - Duration::from_micros(1)),
            None
        );
        assert!(t.decide(idle(3, 0), now + MIN_BACKOFF).is_some());
        let asked = Looks {
            asked: true,
            ..idle(3, 0)
        };
        assert!(
            t.decide(asked, now).is_some(),
            "a worker's ask ignores the back-off"
        );
        // The back-off doubles with every full round, up to MAX_BACKOFF.
        let mut waits = Vec::new();
        for _ in 0..10 {
            t.refused_at(3, false, now);
            t.refused_at(3, false, now);
            waits.push(t.not_before - now);
        }
        assert_eq!(waits[0], MIN_BACKOFF * 2);
        assert_eq!(waits[1], MIN_BACKOFF * 4);
        assert_eq!(*waits.last().unwrap(), MAX_BACKOFF);
        // A hit starts over.
        t.hit();
        assert_eq!(t.backoff, MIN_BACKOFF);
        assert!(t.decide(idle(3, 0), Instant::now()).is_some());
    }

    #[test]
    fn when_every_victim_had_nothing_queued_the_thief_waits_for_a_hint() {
        let mut t = Thief::new(0);
        let now = Instant::now();
        assert_eq!(t.decide(idle(4, 0), now), Some(1));
        t.refused_at(4, true, now);
        assert_eq!(t.decide(idle(4, 0), now), Some(2));
        t.refused_at(4, true, now);
        assert_eq!(t.decide(idle(4, 0), now), Some(3));
        t.refused_at(4, true, now);
        // The whole job had nothing queued: the long pause, not the short back-off.
        assert_eq!(t.not_before - now, IDLE_BACKOFF);
        assert_eq!(t.decide(idle(4, 0), now + MAX_BACKOFF), None);
        // A round with one node that had something (pinned) queued backs off as usual.
        let later = now + IDLE_BACKOFF;
        assert!(t.decide(idle(4, 0), later).is_some());
        t.refused_at(4, true, later);
        t.refused_at(4, false, later);
        t.refused_at(4, true, later);
        assert_eq!(t.not_before - later, MIN_BACKOFF);
        // A hint ends any pause and names the node to ask.
        t.refused_at(4, true, later);
        t.refused_at(4, true, later);
        t.refused_at(4, true, later);
        assert!(t.decide(idle(4, 0), Instant::now()).is_none());
        t.hinted(2);
        assert_eq!(t.decide(idle(4, 0), Instant::now()), Some(2));
    }
}
