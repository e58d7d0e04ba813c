//! How the rest of the process talks to the communication thread: an outgoing queue it drains,
//! a wake-up when it sleeps, and the little shared state of the inter-node protocols.

use crate::comm::engine::Engine;
use crate::comm::wire::Encoded;
use crate::mpi::World;
use crate::sync::queue::settle;
use crate::task::TaskRef;
use crossbeam_deque::Injector;
use once_cell::sync::OnceCell;
use parking_lot::Mutex;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::Thread;
use std::time::Duration;

/// A message for another node.
pub struct Outgoing {
    /// Destination rank.
    pub dest: usize,
    /// Message tag (see `wire::tag`).
    pub tag: c_int,
    /// Encoded body.
    pub body: Vec<u8>,
    /// Large blocks sent after it as DATA messages, from where they are.
    pub blocks: Vec<(usize, usize)>,
    /// Keeps the blocks' memory alive until they are sent.
    pub keep: Option<Arc<Keep>>,
}

/// Holds a task descriptor (whose buffer large blocks are sent from) until every send that
/// reads it has completed; then returns it to a pool.
pub struct Keep(Mutex<Option<TaskRef>>);

impl Keep {
    /// Keeps `t` alive.
    pub fn new(t: TaskRef) -> Arc<Keep> {
        Arc::new(Keep(Mutex::new(Some(t))))
    }
}

impl Drop for Keep {
    fn drop(&mut self) {
        if let Some(t) = self.0.get_mut().take() {
            crate::sched::worker::put_task(t);
        }
    }
}

/// Shared between workers and the communication thread of one node.
pub struct Channel {
    /// The MPI world the engine talks on.
    pub world: World,
    /// The state of this node's MPI traffic; whoever holds it drives it.
    pub engine: Mutex<Engine>,
    outbox: Injector<Outgoing>,
    /// once_cell's rather than std's OnceLock: the same code, but compiled with torc, so
    /// ThreadSanitizer sees the store that publishes the handle (std's is in the precompiled,
    /// uninstrumented std, and every unpark was reported as racing with the handle's creation).
    thread: OnceCell<Thread>,
    sleeping: AtomicBool,
    /// Set while the communication thread naps longer than `server::BUSY_NAP`.
    napping_long: AtomicBool,
    /// Tasks this node sent away whose completion has not come back, by handle.
    pub(crate) outstanding: crate::comm::outstanding::Outstanding,
    /// A steal request of this node is unanswered.
    pub steal_in_flight: AtomicBool,
    /// Broadcast acknowledgements still expected.
    pub bcast_acks: AtomicUsize,
    /// Acknowledgements of stealing switches still expected.
    pub stealing_acks: AtomicUsize,
    /// Answers to node 0's termination query: (created, completed) detached tasks per node.
    pub query: Mutex<Vec<Option<(u64, u64)>>>,
    /// Statistics lines received at shutdown (node 0).
    pub stats: Mutex<Vec<Option<String>>>,
    /// Set when the communication thread should stop once everything is sent.
    pub stop: AtomicBool,
    /// A worker asks for a steal now (`torc_fetch_work`), idle or not.
    pub want_steal: AtomicBool,
    /// Steal answers received so far (either kind).
    pub answers: AtomicUsize,
}

impl Channel {
    /// For node `world.rank` of a job of `world.size` nodes.
    pub fn new(world: World) -> Channel {
        let nodes = world.size;
        Channel {
            world,
            engine: Mutex::new(Engine::new(&world)),
            outbox: Injector::new(),
            thread: OnceCell::new(),
            sleeping: AtomicBool::new(false),
            napping_long: AtomicBool::new(false),
            outstanding: Default::default(),
            steal_in_flight: AtomicBool::new(false),
            bcast_acks: AtomicUsize::new(0),
            stealing_acks: AtomicUsize::new(0),
            query: Mutex::new(vec![None; nodes]),
            stats: Mutex::new(vec![None; nodes]),
            stop: AtomicBool::new(false),
            want_steal: AtomicBool::new(false),
            answers: AtomicUsize::new(0),
        }
    }

    /// Queues a message and makes sure the communication thread sees it soon.
    pub fn send(&self, dest: usize, tag: c_int, body: Vec<u8>) {
        self.queue(dest, tag, body);
        self.wake();
    }

    /// Queues an encoded message with its large blocks (kept alive by `keep`) and makes sure the
    /// communication thread sees it soon, unless `lazy` (the caller drives the engine next).
    pub fn send_encoded(
        &self,
        dest: usize,
        tag: c_int,
        m: Encoded,
        keep: Option<Arc<Keep>>,
        lazy: bool,
    ) {
        self.outbox.push(Outgoing {
            dest,
            tag,
            body: m.body,
            blocks: m.blocks,
            keep,
        });
        if !lazy {
            self.wake();
        }
    }

    /// Queues a message without waking the communication thread: for a caller that drives the
    /// engine itself right after (an idle worker), saving a thread switch.
    pub fn queue(&self, dest: usize, tag: c_int, body: Vec<u8>) {
        self.outbox.push(Outgoing {
            dest,
            tag,
            body,
            blocks: Vec::new(),
            keep: None,
        });
    }

    /// Wakes the communication thread if it sleeps.
    pub fn wake(&self) {
        crate::sync::fence::full();
        if self.sleeping.load(Ordering::SeqCst) {
            if let Some(t) = self.thread.get() {
                t.unpark();
            }
        }
    }

    /// Wakes the communication thread only if it is in a long nap (it wakes from a short one
    /// soon enough by itself): cheap enough for the path of every remote task.
    pub fn wake_if_napping_long(&self) {
        crate::sync::fence::full();
        if self.napping_long.load(Ordering::SeqCst) {
            self.wake();
        }
    }

    /// The next queued message (communication thread only).
    pub fn pop(&self) -> Option<Outgoing> {
        settle(|| self.outbox.steal())
    }

    /// Records the calling thread as the communication thread.
    pub fn register_current(&self) {
        let _ = self.thread.set(std::thread::current());
    }

    /// Sleeps for at most `d` unless a message is queued (communication thread only).
    pub fn sleep(&self, d: Duration) {
        let long = d > crate::comm::server::BUSY_NAP;
        if long {
            self.napping_long.store(true, Ordering::SeqCst);
        }
        self.sleeping.store(true, Ordering::SeqCst);
        // Dekker with `wake`: the flag before the look at the outbox, as the sender's message
        // before its look at the flag.
        crate::sync::fence::full();
        if self.outbox.is_empty() && !self.stop.load(Ordering::SeqCst) {
            std::thread::park_timeout(d);
        }
        self.sleeping.store(false, Ordering::SeqCst);
        if long {
            self.napping_long.store(false, Ordering::SeqCst);
        }
    }

    /// Whether messages wait to be sent.
    pub fn has_outgoing(&self) -> bool {
        !self.outbox.is_empty()
    }
}
