//! Inter-node stealing: when its node is idle, the communication thread asks the other nodes
//! round-robin for work, one request at a time; a victim answers with its coarsest task (the
//! oldest one) or "none". After a full round of refusals it backs off, longer each time, until
//! work shows up again.

use crate::comm::channel::{Channel, Keep};
use crate::comm::wire;
use crate::sched::node::Node;
use crate::sched::worker::put_task;
use crate::sync::queue::settle;
use crate::task::descriptor::flags;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIN_BACKOFF: Duration = Duration::from_micros(50);
const MAX_BACKOFF: Duration = Duration::from_millis(5);

/// The thief side's state, kept by the communication thread.
pub struct Thief {
    next_victim: usize,
    refusals: usize,
    backoff: Duration,
    not_before: Instant,
}

impl Thief {
    /// For node `me`.
    pub fn new(me: usize) -> Thief {
        Thief {
            next_victim: me + 1,
            refusals: 0,
            backoff: MIN_BACKOFF,
            not_before: Instant::now(),
        }
    }

    /// Sends a steal request if this node is idle, stealing is on and none is in flight.
    /// Returns the message to send, if any.
    /// `idle` says an idle worker asks (besides parked ones).
    pub fn maybe_request(&mut self, node: &Node, ch: &Channel, idle: bool) -> Option<usize> {
        let nodes = node.layout.nodes();
        if nodes < 2
            || !node.stealing.load(Ordering::Relaxed)
            || ch.steal_in_flight.load(Ordering::Acquire)
        {
            return None;
        }
        if node.terminate.load(Ordering::Relaxed) {
            return None;
        }
        let asked = ch.want_steal.swap(false, Ordering::AcqRel);
        if !asked && ((!idle && node.sleep.idle_count() == 0) || node.has_work()) {
            return None;
        }
        let now = Instant::now();
        if !asked && now < self.not_before {
            return None;
        }
        let me = node.layout.node;
        let mut v = self.next_victim % nodes;
        if v == me {
            v = (v + 1) % nodes;
        }
        self.next_victim = v + 1;
        ch.steal_in_flight.store(true, Ordering::Release);
        node.stats.steals_attempted.add(1);
        Some(v)
    }

    /// A victim had nothing.
    pub fn refused(&mut self, nodes: usize) {
        self.refusals += 1;
        if self.refusals >= nodes - 1 {
            self.refusals = 0;
            self.not_before = Instant::now() + self.backoff;
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// A victim gave a task.
    pub fn hit(&mut self) {
        self.refusals = 0;
        self.backoff = MIN_BACKOFF;
        self.not_before = Instant::now();
    }
}

/// The victim side: the coarsest task this node can give (the injector's oldest, then each
/// worker's lowest level, oldest first), encoded for the thief. Pinned tasks (placed on a
/// named worker, or Rust closures) stay; a node with stealing off gives nothing, so that once
/// `torc_disable_stealing` has returned no task moves between nodes by stealing.
pub fn serve(node: &Node) -> Option<(wire::Encoded, Option<Arc<Keep>>)> {
    if !node.stealing.load(Ordering::SeqCst) {
        return None;
    }
    // Pinned tasks met on the way, put back once a task is found (or none is).
    let mut pinned = Vec::new();
    let mut t = None;
    for _ in 0..64 {
        let Some(c) = settle(|| node.injector.steal()).or_else(|| {
            node.workers
                .iter()
                .find_map(|w| settle(|| w.stealer.steal()))
        }) else {
            break;
        };
        if c.flags & flags::LOCAL != 0 {
            pinned.push(c);
            continue;
        }
        t = Some(c);
        break;
    }
    let put_back = !pinned.is_empty();
    for c in pinned {
        node.injector.push(c);
    }
    if put_back {
        node.sleep.notify_one();
    }
    let t = t?;
    let me = node.layout.node as u32;
    // SAFETY: `t` owns its descriptor.
    let task = unsafe { &*t.as_ptr() };
    let Some(func) = wire::function_id(task.func, &node.registered) else {
        // Code outside every loaded module cannot run elsewhere: keep the task here.
        node.injector.push(t);
        return None;
    };
    // A task leaving its home gets a handle there; one from elsewhere keeps its home's.
    let handle = match node.comm.as_ref() {
        Some(ch) if task.home == me => ch.outstanding.register_task(task),
        _ => task.handle,
    };
    let msg = wire::encode_task(task, func, -1, handle);
    // Large blocks are sent from the descriptor's buffer: keep it until they are out.
    let keep = if msg.blocks.is_empty() {
        put_task(t);
        None
    } else {
        Some(Keep::new(t))
    };
    node.stats.steals_served.add(1);
    Some((msg, keep))
}
