//! Communication between nodes, above the scheduler: the wire format, the engine that moves
//! messages over MPI and acts on what arrives, the communication thread, inter-node stealing,
//! termination detection, broadcast and the job-wide switches. [`Comm`] holds one node's
//! communication state and implements the scheduler's [`Network`]. The protocols are written
//! down in `src/comm/README.md`.

mod awaited;
pub(crate) mod broadcast;
pub(crate) mod control;
mod dispatch;
mod engine;
mod outbox;
mod outstanding;
pub(crate) mod server;
pub(crate) mod steal;
pub(crate) mod termination;
pub(crate) mod watch;
mod wire;

use crate::mpi::World;
use crate::sched::network::Network;
use crate::sched::Node;
use crate::task::TaskRef;
use awaited::Awaited;
use engine::Engine;
use outbox::{keep_or_recycle, Outbox};
use outstanding::Outstanding;
use parking_lot::Mutex;
use std::os::raw::c_int;
use steal::StealState;
use wire::tag;

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

/// One node's communication state, shared by its workers and its communication thread.
pub(crate) struct Comm {
    /// The MPI world the engine talks on.
    world: World,
    /// Messages queued for the engine, and the communication thread's sleep.
    outbox: Outbox,
    /// The state of this node's MPI traffic; whoever holds the lock drives it.
    engine: Mutex<Engine>,
    /// Tasks this node sent away whose completion has not come back, by handle.
    outstanding: Outstanding,
    /// The thief side of inter-node stealing, as workers see it.
    steal: StealState,
    /// Answers expected from other nodes.
    awaited: Awaited,
}

impl Comm {
    /// For node `world.rank` of a job of `world.size` nodes; posts the control receives.
    pub(crate) fn new(world: World) -> Comm {
        Comm {
            world,
            outbox: Outbox::new(),
            engine: Mutex::new(Engine::new(&world)),
            outstanding: Outstanding::default(),
            steal: StealState::default(),
            awaited: Awaited::new(world.size),
        }
    }

    /// Sends the same small control message to every other node.
    fn send_to_others(&self, t: c_int, body: &[u8]) {
        for n in (0..self.world.size).filter(|&n| n != self.world.rank) {
            self.outbox.send(n, t, body.to_vec());
        }
    }

    /// Stops the communication thread once everything queued is sent.
    pub(crate) fn stop(&self) {
        self.outbox.stop();
    }

    /// Withdraws the posted receives (at shutdown, once nothing more will arrive).
    pub(crate) fn close(&self) {
        self.engine.lock().close();
    }
}

impl Network for Comm {
    fn ship(
        &self,
        node: &'static Node,
        mut task: TaskRef,
        dest: usize,
        worker: Option<usize>,
    ) -> Result<(), String> {
        let func = wire::function_id(task.func, &node.registered).ok_or_else(|| {
            format!(
                "task function {:#x} is not inside any loaded module",
                task.func
            )
        })?;
        let handle = self.outstanding.register_task(&mut task, dest);
        crate::trace::flow_start(crate::trace::flow_id(node.layout.node as u32, handle));
        task.input.settle_for_wire();
        let target = worker.map_or(-1, |w| w as i32);
        let msg = wire::encode_task(&task, func, target, handle);
        // Large blocks are sent from where they are (a COP copy lives in the descriptor's
        // buffer): keep the descriptor until they are out.
        let keep = keep_or_recycle(task, &msg);
        if crate::sched::worker::current_worker().is_some() {
            // A worker creating tasks is busy, so the communication thread naps at most
            // BUSY_NAP (or it is in a long nap, which this ends); and a creator that waits next
            // sends the task itself. Waking the thread for every task would hand it the
            // creator's processor (OpenMPI yields inside MPI_Test when oversubscribed).
            self.outbox.send_encoded(dest, tag::TASK, msg, keep, true);
            self.outbox.wake_if_napping_long();
        } else {
            self.outbox.send_encoded(dest, tag::TASK, msg, keep, false);
        }
        Ok(())
    }

    fn send_done(&self, mut task: TaskRef, lazy: bool) {
        task.output.settle_for_wire();
        let msg = wire::encode_done(&task);
        let home = task.home as usize;
        // Large write-backs are sent from the task's buffer: keep it until they are out.
        let keep = keep_or_recycle(task, &msg);
        self.outbox.send_encoded(home, tag::DONE, msg, keep, lazy);
    }

    fn poll(&self, node: &'static Node) -> (bool, Option<TaskRef>) {
        let (p, task) = engine::progress_for_worker(node, self);
        (p == engine::Progress::Moved, task)
    }

    fn exclusive(&self, f: &mut dyn FnMut()) {
        if !crate::mpi::serialized() {
            return f();
        }
        // Hand MPI everything queued so far (this call's own spmd tasks among it), without
        // waiting for the sends to complete: `f`'s MPI calls drive them meanwhile, and a send
        // may complete only once its receiver, maybe inside its own instance already, is out.
        self.engine.lock().post_queued(self);
        crate::mpi::hold(f);
    }

    fn going_idle(&self) {
        self.outbox.wake();
    }

    fn leaving_engine(&self) {
        self.outbox.wake_if_napping_long();
    }

    fn away(&self) -> usize {
        self.outstanding.len()
    }

    fn away_for(&self, latch: *const crate::sync::latch::Latch) -> Vec<(usize, usize)> {
        self.outstanding.by_destination(Some(latch))
    }

    fn state_lines(&self, me: usize) -> Vec<String> {
        let away = self.outstanding.by_destination(None);
        let total: usize = away.iter().map(|(_, k)| k).sum();
        let per: Vec<String> = away
            .iter()
            .map(|(n, k)| format!("{k} sent to node {n}"))
            .collect();
        let mut out = vec![format!(
            "torc: node {me}: remote tasks sent and not answered: {total}{}",
            if per.is_empty() {
                String::new()
            } else {
                format!(" ({})", per.join(", "))
            }
        )];
        out.push(match self.steal.in_flight_to() {
            Some(v) => format!("torc: node {me}: steal request in flight to node {v}"),
            None => format!("torc: node {me}: no steal request in flight"),
        });
        out
    }
}
