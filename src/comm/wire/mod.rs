//! The wire format: every message kind's tag and byte layout, built and parsed here only.
//!
//! All words are `u64` in native byte order (every node of a job runs the same executable on
//! the same architecture); "pad" zero-fills to the next multiple of 16 bytes, so that data
//! blocks inside a message are 16-byte aligned where the receiver uses them in place.
//! Messages travel on the control communicator (`World::comm`), received into posted buffers
//! of `POSTED_MAX` bytes; longer ones are announced there by BIG and sent on the bulk
//! communicator (`World::bulk`), as is every DATA message (README.md, "Two communicators").
//!
//! | tag | name         | body                                                                  | built / parsed in |
//! |-----|--------------|-----------------------------------------------------------------------|-------------------|
//! | 1   | TASK         | task header, argument records, inline data (below)                    | `task.rs`         |
//! | 2   | DONE         | handle, n \| has result << 32 \| failures << 40, result length \| OOL bit 63, n x (addr, bytes \| OOL bit 63, inline data + pad), result + pad, failures | `task.rs` |
//! | 3   | STEAL_REQ    | empty                                                                 | -                 |
//! | 4   | STEAL_NONE   | 1 byte: 1 when the victim had no task queued at all (it then owes a STEAL_HINT) | `steal.rs` |
//! | 5   | STEAL_TASK   | as TASK                                                               | `task.rs`         |
//! | 6   | STEALING     | on (0 / 1)                                                            | `control.rs`      |
//! | 7   | RESET_STATS  | empty                                                                 | -                 |
//! | 8   | BCAST        | module key, offset, n, pad, n bytes + pad                             | `control.rs`      |
//! | 9   | BCAST_ACK    | empty                                                                 | -                 |
//! | 10  | QUERY        | empty                                                                 | -                 |
//! | 11  | QUERY_REPLY  | created, completed                                                    | `control.rs`      |
//! | 12  | TERMINATE    | empty                                                                 | -                 |
//! | 13  | STATS        | the statistics line, UTF-8                                            | `control.rs`      |
//! | 14  | BATCH        | per message: (tag << 32 \| length), pad, body + pad                    | `control.rs`      |
//! | 15  | DATA         | raw bytes of one large block (piece), on the bulk communicator        | `pieces`          |
//! | 16  | BIG          | tag, length of the message that follows on the bulk communicator      | `control.rs`      |
//! | 17  | STEALING_ACK | empty                                                                 | -                 |
//! | 18  | WATCH        | empty                                                                 | -                 |
//! | 19  | WATCH_REPLY  | created, finished, starts and ends, outstanding (0 / 1)               | `watch.rs`        |
//! | 20  | DUMP         | empty                                                                 | -                 |
//! | 21  | DUMP_DONE    | empty                                                                 | -                 |
//! | 22  | STEAL_HINT   | empty: the node that refused with "nothing queued" has work now       | -                 |
//!
//! A task (TASK, STEAL_TASK) is one message: the header `flags | nargs << 8 | has input << 16 |
//! level << 32`, `target (u32) | home << 32`, handle, function key, function offset, input
//! payload length (`| OOL bit 63` when it follows in DATA messages) (48 bytes); one
//! 32-byte record per argument: `call-way | 0x100 when its data follows in DATA messages`,
//! count, element size, the creator's address; then the data of every argument that carries
//! data (COP, REF, PTR with count > 0) and is smaller than `OUT_OF_LINE`, each block padded.
//! The receiver takes the whole message as the task's argument buffer, so data is used where
//! it landed. Larger blocks follow as DATA messages, in argument order, each cut into
//! `pieces`; a large input payload follows them, in its own DATA messages. A DONE is followed
//! the same way by the DATA of its large write-backs, then of a large result (received into
//! the buffer the creator's handle will own). Its failures (a task's panic, and those of its
//! descendants nobody took) close it: per failure `node | worker << 32`, level, the lengths of
//! the function name and of the message, then both texts, padded.

mod bytes;
mod control;
mod task;

pub(crate) use bytes::{pieces, Encoded, Reader, Writer, OUT_OF_LINE};
pub(super) use control::*;
pub(super) use task::*;

/// Message tags on the runtime's communicators (see the table above).
/// cbindgen:ignore
pub(crate) mod tag {
    use std::os::raw::c_int;
    /// A task to run (body: task encoding).
    pub(crate) const TASK: c_int = 1;
    /// A task completed (body: latch + write-backs).
    pub(crate) const DONE: c_int = 2;
    /// An idle node asks for work (empty body).
    pub(crate) const STEAL_REQ: c_int = 3;
    /// Answer to a steal request: nothing to give (body: one byte, 1 when nothing at all was
    /// queued: the victim then sends STEAL_HINT once it has work).
    pub(crate) const STEAL_NONE: c_int = 4;
    /// Answer to a steal request: a task (body: task encoding).
    pub(crate) const STEAL_TASK: c_int = 5;
    /// Switch inter-node stealing (body: u64 0/1).
    pub(crate) const STEALING: c_int = 6;
    /// Zero the statistics (empty body).
    pub(crate) const RESET_STATS: c_int = 7;
    /// Write data into a global variable (body: key, offset, bytes, data).
    pub(crate) const BCAST: c_int = 8;
    /// A broadcast was applied (empty body).
    pub(crate) const BCAST_ACK: c_int = 9;
    /// Node 0 asks for the detached-work counters (termination detection; empty body).
    pub(crate) const QUERY: c_int = 10;
    /// Answer to QUERY (body: u64 created, u64 completed).
    pub(crate) const QUERY_REPLY: c_int = 11;
    /// Shut down (empty body).
    pub(crate) const TERMINATE: c_int = 12;
    /// A node's statistics line, sent to node 0 at shutdown (body: text).
    pub(crate) const STATS: c_int = 13;
    /// Several small messages for one node (body: per message a 16-byte header with its tag
    /// and length, then its body padded to 16 bytes).
    pub(crate) const BATCH: c_int = 14;
    /// The data of a large argument, right after the message that announced it (body: the
    /// bytes, received straight into place; on the bulk communicator).
    pub(crate) const DATA: c_int = 15;
    /// A message too long for the control communicator's posted buffers (body: u64 its tag,
    /// u64 its length); the message itself follows on the bulk communicator with its own tag.
    pub(crate) const BIG: c_int = 16;
    /// A STEALING switch was applied (empty body).
    pub(crate) const STEALING_ACK: c_int = 17;
    /// Node 0's watchdog or progress report asks how the node is doing (empty body).
    pub(crate) const WATCH: c_int = 18;
    /// Answer to WATCH (body: u64 tasks created, u64 finished, u64 task starts and ends,
    /// u64 1 when work is outstanding here).
    pub(crate) const WATCH_REPLY: c_int = 19;
    /// The watchdog fired: print this node's state (empty body).
    pub(crate) const DUMP: c_int = 20;
    /// The state was printed (empty body).
    pub(crate) const DUMP_DONE: c_int = 21;
    /// A node that refused a steal with "nothing queued" has work now (empty body).
    pub(crate) const STEAL_HINT: c_int = 22;
}

#[cfg(test)]
mod tag_tests {
    use super::tag;

    #[test]
    fn the_trace_names_every_tag() {
        use crate::trace::chrome::tag_name;
        let all = [
            (tag::TASK, "TASK"),
            (tag::DONE, "DONE"),
            (tag::STEAL_REQ, "STEAL_REQ"),
            (tag::STEAL_NONE, "STEAL_NONE"),
            (tag::STEAL_TASK, "STEAL_TASK"),
            (tag::STEALING, "STEALING"),
            (tag::RESET_STATS, "RESET_STATS"),
            (tag::BCAST, "BCAST"),
            (tag::BCAST_ACK, "BCAST_ACK"),
            (tag::QUERY, "QUERY"),
            (tag::QUERY_REPLY, "QUERY_REPLY"),
            (tag::TERMINATE, "TERMINATE"),
            (tag::STATS, "STATS"),
            (tag::BATCH, "BATCH"),
            (tag::DATA, "DATA"),
            (tag::BIG, "BIG"),
            (tag::STEALING_ACK, "STEALING_ACK"),
            (tag::WATCH, "WATCH"),
            (tag::WATCH_REPLY, "WATCH_REPLY"),
            (tag::DUMP, "DUMP"),
            (tag::DUMP_DONE, "DUMP_DONE"),
            (tag::STEAL_HINT, "STEAL_HINT"),
        ];
        for (t, name) in all {
            assert_eq!(tag_name(t as u16), name);
        }
    }
}
