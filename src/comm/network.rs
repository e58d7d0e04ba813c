//! [`Comm`] as the scheduler's [`Network`]: shipping a task, sending a completion home,
//! driving the engine for a worker, keeping out of an `spmd` function's way, and the
//! network's part of the state report.

use super::drive::{self, Progress};
use super::outbox::keep_or_recycle;
use super::state::Comm;
use super::wire::{self, tag};
use crate::sched::node::Network;
use crate::sched::worker::current_worker;
use crate::sched::Node;
use crate::sync::latch::Latch;
use crate::task::TaskRef;

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
        if current_worker().is_some() {
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
        let (p, task) = drive::progress_for_worker(node, self);
        (p == Progress::Moved, task)
    }

    fn exclusive(&self, f: &mut dyn FnMut()) {
        if !crate::mpi::serialized() {
            return f();
        }
        // Hand MPI everything queued so far (this call's own spmd tasks among it), without
        // waiting for the sends to complete: `f`'s MPI calls drive them meanwhile, and a send
        // may complete only once its receiver, maybe inside its own instance already, is out.
        self.engine.lock().post_queued(&self.world, &self.outbox);
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

    fn away_for(&self, latch: *const Latch) -> Vec<(usize, usize)> {
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
