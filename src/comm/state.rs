//! [`Comm`], one node's communication state, shared by its workers and its communication
//! thread: the MPI world, the outgoing queue, the engine, the tasks away, the thief's state,
//! the answers awaited. What it does as the scheduler's network is `network.rs`.

use super::awaited::Awaited;
use super::engine::Engine;
use super::outbox::Outbox;
use super::outstanding::Outstanding;
use super::thief::StealState;
use crate::mpi::World;
use parking_lot::Mutex;
use std::os::raw::c_int;

/// One node's communication state, shared by its workers and its communication thread.
pub(crate) struct Comm {
    /// The MPI world the engine talks on.
    pub(super) world: World,
    /// Messages queued for the engine, and the communication thread's sleep.
    pub(super) outbox: Outbox,
    /// The state of this node's MPI traffic; whoever holds the lock drives it.
    pub(super) engine: Mutex<Engine>,
    /// Tasks this node sent away whose completion has not come back, by handle.
    pub(super) outstanding: Outstanding,
    /// The thief side of inter-node stealing, as workers see it.
    pub(super) steal: StealState,
    /// Answers expected from other nodes.
    pub(super) awaited: Awaited,
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
    pub(super) fn send_to_others(&self, t: c_int, body: &[u8]) {
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
