//! One node's health as the watchdog and the progress report see it ([`Health`], the body of
//! WATCH_REPLY; README.md, "Watching the job").

use super::wire::{Reader, Writer};
use crate::sched::Node;

/// One node's answer to WATCH.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Health {
    /// Visible tasks created there so far.
    pub(crate) created: u64,
    /// Visible tasks executed there so far.
    pub(crate) finished: u64,
    /// Task starts and ends there so far.
    pub(crate) steps: u64,
    /// Whether work is outstanding there.
    pub(crate) busy: bool,
}

impl Health {
    /// This node's counters now.
    pub(crate) fn of(node: &Node) -> Health {
        let (created, finished) = node.task_counts();
        Health {
            created,
            finished,
            steps: node.steps(),
            busy: node.has_outstanding_work(),
        }
    }

    /// The WATCH_REPLY body.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(32);
        w.u64(self.created)
            .u64(self.finished)
            .u64(self.steps)
            .u64(self.busy as u64);
        w.buf
    }

    /// Parses a WATCH_REPLY body.
    pub(super) fn decode(body: &[u8]) -> Result<Health, String> {
        let mut r = Reader::new(body);
        Ok(Health {
            created: r.u64()?,
            finished: r.u64()?,
            steps: r.u64()?,
            busy: r.u64()? != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_round_trips() {
        let h = Health {
            created: 5,
            finished: 3,
            steps: 11,
            busy: true,
        };
        assert_eq!(Health::decode(&h.encode()), Ok(h));
        assert!(Health::decode(&[0u8; 8]).is_err());
    }
}
