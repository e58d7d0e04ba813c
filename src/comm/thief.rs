//! The thief side of inter-node stealing (README.md, "Stealing"), as state: when its node is
//! idle, the engine asks the other nodes round-robin for work, one request at a time; after a
//! full round of refusals it backs off, longer each time, until work shows up again
//! ([`Thief`], a pure state machine driven by the engine). Also what workers share with it
//! ([`StealState`]) and the victim side's debts ([`Owed`]). What is sent and answered is
//! `steal.rs`.

use crate::sched::Node;
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
    pub(super) in_flight: AtomicBool,
    /// The node it was sent to (meaningful while `in_flight`).
    pub(super) victim: AtomicUsize,
    /// A worker asks for a steal now (`torc_fetch_work`), idle or not.
    pub(super) wanted: AtomicBool,
    /// Steal answers received so far (either kind).
    pub(super) answers: AtomicUsize,
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
    pub(super) to: Vec<usize>,
}

impl Owed {
    /// `thief` was refused with "nothing queued".
    pub(super) fn record(&mut self, thief: usize) {
        if !self.to.contains(&thief) {
            self.to.push(thief);
        }
    }
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
