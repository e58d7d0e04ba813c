//! Acting on received messages: tasks reach the node through `Node::accept_task` (direct ones
//! are run right after the engine is released, and one may be handed to the driving worker),
//! completions write back and signal through `Node::complete_away`, protocol messages
//! update the state of their protocol. Every body is parsed by `wire`.

use super::awaited::Awaited;
use super::engine::{record, Inbox, Lane};
use super::health::Health;
use super::outstanding::borrowed_of;
use super::state::Comm;
use super::steal;
use super::watch::print_state;
use super::wire::{self, tag};
use crate::error::fatal;
use crate::mpi::posted::Arrived;
use crate::mpi::{self, World};
use crate::sched::Node;
use crate::symbol;
use crate::task::descriptor::flags;
use crate::task::pool::get_task;
use crate::task::value::Value;
use crate::task::TaskRef;
use crate::trace;
use std::os::raw::c_int;

/// Records the answer of `victim` to this node's steal request.
fn record_answer(lane: Lane, victim: usize, hit: bool) {
    if trace::on() {
        let t = trace::now();
        record(
            lane,
            trace::Record {
                a: victim as u32,
                flag: hit as u8,
                ..trace::Record::span(trace::Kind::StealAnswer, t, t)
            },
        );
    }
}

fn protocol_error(node: &Node, source: usize, t: c_int, e: String) -> ! {
    fatal(
        &format!("node {}", node.layout.node),
        format_args!("bad message (tag {t}) from node {source}: {e}"),
    )
}

/// Acts on a control message that arrived in a posted buffer (`body`). Direct tasks are
/// collected in `directs`, to be run once the engine is released.
pub(super) fn receive(
    node: &'static Node,
    comm: &Comm,
    a: Arrived,
    body: &[u8],
    scratch: &mut Vec<u8>,
    inbox: &mut Inbox,
) {
    let source = a.source;
    let world = &comm.world;
    match a.tag {
        tag::BATCH => dispatch_batch(node, comm, source, body, inbox),
        tag::BIG => {
            // A long message follows on the bulk communicator.
            let (t, len) = wire::decode_big(body)
                .unwrap_or_else(|e| protocol_error(node, source, tag::BIG, e));
            if t == tag::TASK || t == tag::STEAL_TASK {
                // Received straight into the descriptor's buffer, used where it lands.
                let mut task = get_task();
                task.mark_args();
                task.buf.alloc_zeroed(len);
                let dst = task.buf.as_bytes_mut().as_mut_ptr();
                let t0 = if trace::on() { trace::now() } else { 0 };
                // SAFETY: the buffer has room for `len` bytes; the sender sent exactly that.
                unsafe { mpi::recv_raw(world, source, t, dst, len) };
                accept_task(node, comm, task, len, source, t == tag::STEAL_TASK, inbox);
                if t0 != 0 {
                    record_recv(inbox.lane, t, source, len, t0);
                }
                return;
            }
            let mut big = std::mem::take(scratch);
            big.clear();
            big.resize(len, 0);
            // SAFETY: `big` has room for `len` bytes; the sender sent exactly that.
            unsafe { mpi::recv_raw(world, source, t, big.as_mut_ptr(), len) };
            if t == tag::BATCH {
                dispatch_batch(node, comm, source, &big, inbox);
            } else {
                dispatch(node, comm, t, source, &big, inbox);
            }
            *scratch = big;
        }
        t => dispatch(node, comm, t, source, body, inbox),
    }
}

/// Acts on each message of a batch.
fn dispatch_batch(
    node: &'static Node,
    comm: &Comm,
    source: usize,
    batch: &[u8],
    inbox: &mut Inbox,
) {
    for m in wire::decode_batch(batch) {
        let (t, body) = m.unwrap_or_else(|e| protocol_error(node, source, tag::BATCH, e));
        dispatch(node, comm, t, source, body, inbox);
    }
}

/// Turns a received task into a queued one (direct ones wait in the inbox to be run).
fn accept_task(
    node: &'static Node,
    comm: &Comm,
    mut task: TaskRef,
    len: usize,
    source: usize,
    stolen: bool,
    inbox: &mut Inbox,
) {
    let world = &comm.world;
    // SAFETY: every large block is received right below, before anything reads the buffer.
    let hdr = unsafe { wire::decode_task(&mut task, len, node.layout.node as u32) }
        .unwrap_or_else(|e| protocol_error(node, source, tag::TASK, e));
    for &(off, bytes) in &hdr.ool {
        // SAFETY: decode_task reserved `bytes` bytes at `off` for this block, which the sender
        // sent right after the task message.
        let base = task.buf.addr(off);
        for (o, n) in wire::pieces(bytes) {
            // SAFETY: within the reserved block; pieces are cut as the sender cut them.
            unsafe { mpi::recv_raw(world, source, tag::DATA, base.add(o), n) };
        }
    }
    if let Some(n) = hdr.input_ool {
        task.input = Value::Bytes(receive_bytes(world, source, n));
        task.mark_extended();
    }
    if task.home == node.layout.node as u32 {
        // Back home unrun (stolen back): its handle gives its latch, and the creator's memory
        // it will use directly must be exactly the arguments it left with.
        let away = comm
            .outstanding
            .take(task.handle)
            .unwrap_or_else(|e| protocol_error(node, source, tag::TASK, e));
        if borrowed_of(&task.args) != away.borrowed {
            protocol_error(
                node,
                source,
                tag::TASK,
                "a task back home names other arguments than it left with".into(),
            );
        }
        task.parent = away.latch;
        if away.future.is_some() {
            task.future = away.future;
            task.mark_extended();
        }
    }
    task.func = wire::function_addr(hdr.func.0, hdr.func.1, &node.registered).unwrap_or_else(|e| {
        fatal(
            &format!("node {}", node.layout.node),
            format_args!("task from node {source}: {e}"),
        )
    });
    if stolen {
        comm.steal.answered();
        node.stats.steals_hit.add(1);
        inbox.thief.hit();
        record_answer(inbox.lane, source, true);
    }
    let named = usize::try_from(hdr.target).ok();
    if task.flags & flags::DIRECT != 0 {
        inbox.directs.push(task);
    } else if named.is_none() && inbox.want_handoff && inbox.handoff.is_none() {
        inbox.handoff = Some(task);
    } else {
        node.accept_task(task, named);
    }
}

/// Receives a block of `n` bytes from `source`'s DATA messages into a new buffer.
fn receive_bytes(world: &World, source: usize, n: usize) -> Vec<u8> {
    let mut v: Vec<u8> = Vec::with_capacity(n);
    for (o, len) in wire::pieces(n) {
        // SAFETY: within the capacity reserved above; pieces are cut as the sender cut them.
        unsafe { mpi::recv_raw(world, source, tag::DATA, v.as_mut_ptr().add(o), len) };
    }
    // SAFETY: every byte up to `n` was received just above.
    unsafe { v.set_len(n) };
    v
}

/// Acts on one message (alone or out of a batch) with body `body`.
fn dispatch(
    node: &'static Node,
    comm: &Comm,
    t: c_int,
    source: usize,
    body: &[u8],
    inbox: &mut Inbox,
) {
    if trace::on() {
        let t0 = trace::now();
        act(node, comm, t, source, body, inbox);
        record_recv(inbox.lane, t, source, body.len(), t0);
    } else {
        act(node, comm, t, source, body, inbox);
    }
}

/// Records the receipt of a message (tag `t`, `len` bytes from `source`) handled since `t0`.
#[cold]
fn record_recv(lane: Lane, t: c_int, source: usize, len: usize, t0: u64) {
    record(
        lane,
        trace::Record {
            a: source as u32,
            b: t as u16,
            bytes: len as u64,
            ..trace::Record::span(trace::Kind::Recv, t0, trace::now())
        },
    );
}

/// Acts on one message.
fn act(node: &'static Node, comm: &Comm, t: c_int, source: usize, body: &[u8], inbox: &mut Inbox) {
    let world: &World = &comm.world;
    let out = &comm.outbox;
    let bad = |e: String| -> ! { protocol_error(node, source, t, e) };
    match t {
        tag::TASK | tag::STEAL_TASK => {
            let mut task = get_task();
            task.mark_args();
            task.buf.push_bytes(body);
            accept_task(
                node,
                comm,
                task,
                body.len(),
                source,
                t == tag::STEAL_TASK,
                inbox,
            );
        }
        tag::DONE => {
            let done = wire::decode_done(body).unwrap_or_else(|e| bad(e));
            // Nothing from the wire is an address until the table says so.
            let away = comm
                .outstanding
                .take(done.handle)
                .unwrap_or_else(|e| bad(format!("completion refused: {e}")));
            let wb = &done.write_backs;
            if let Err(e) = away.check_write_backs(wb.iter().map(|w| (w.addr, w.bytes))) {
                bad(format!("completion refused: {e}"));
            }
            // Large blocks are received straight into the creator's memory.
            let receive = |addr: usize, bytes: usize| {
                for (o, n) in wire::pieces(bytes) {
                    // SAFETY: `addr` is the creator's live REF/RES argument of `bytes` bytes
                    // (checked above); pieces are cut as the sender cut them.
                    unsafe { mpi::recv_raw(world, source, tag::DATA, (addr + o) as *mut u8, n) }
                }
            };
            // SAFETY: every address was checked above against the arguments of a task of this
            // node that still waits for its completion.
            unsafe { wire::apply_write_backs(wb, receive) };
            // The result, received straight into the buffer the handle will own.
            let output = match done.output {
                wire::Output::None => Value::Empty,
                wire::Output::Inline(b) => Value::Bytes(b.to_vec()),
                wire::Output::Follows(n) => Value::Bytes(receive_bytes(world, source, n)),
            };
            inbox.signalled = true;
            // SAFETY: the latch of a task this node created, completed exactly once (its
            // entry is gone from the table now).
            unsafe {
                node.complete_away(away.latch, away.level, away.future, output, done.failures)
            };
        }
        tag::STEAL_REQ => steal::serve(node, comm, source, &mut inbox.owed, inbox.lane),
        tag::STEAL_NONE => {
            comm.steal.answered();
            let empty = body.first() == Some(&1);
            inbox.thief.refused(node.layout.nodes(), empty);
            record_answer(inbox.lane, source, false);
        }
        tag::STEAL_HINT => inbox.thief.hinted(source),
        tag::STEALING => {
            node.set_stealing(wire::decode_stealing(body).unwrap_or_else(|e| bad(e)));
            out.send(source, tag::STEALING_ACK, Vec::new());
        }
        tag::STEALING_ACK => Awaited::acked(&comm.awaited.stealing_acks),
        tag::RESET_STATS => node.reset_statistics(),
        tag::BCAST => {
            let (key, off, data) = wire::decode_bcast(body).unwrap_or_else(|e| bad(e));
            match symbol::from_portable(key, off) {
                Some(addr) => {
                    // Not trusted: the range must be writable data of that module here too.
                    if let Err(e) = symbol::check_writable(addr, data.len()) {
                        bad(format!("broadcast into {e}"));
                    }
                    // SAFETY: checked just above to lie in writable data of a loaded module;
                    // all nodes run the same executable, so it is the same variable.
                    unsafe {
                        std::ptr::copy_nonoverlapping(data.as_ptr(), addr as *mut u8, data.len())
                    }
                }
                None => fatal(
                    "torc_broadcast",
                    format_args!(
                        "module {} is not loaded on node {}",
                        symbol::module_name(key),
                        node.layout.node
                    ),
                ),
            }
            out.send(source, tag::BCAST_ACK, Vec::new());
        }
        tag::BCAST_ACK => Awaited::acked(&comm.awaited.bcast_acks),
        tag::QUERY => {
            let (c, d) = node.detached_counts();
            out.send(
                source,
                tag::QUERY_REPLY,
                wire::encode_counts(c as u64, d as u64),
            );
        }
        tag::QUERY_REPLY => {
            let counts = wire::decode_counts(body).unwrap_or_else(|e| bad(e));
            comm.awaited.query.lock()[source] = Some(counts);
        }
        tag::TERMINATE => node.terminate(),
        tag::WATCH => out.send(source, tag::WATCH_REPLY, Health::of(node).encode()),
        tag::WATCH_REPLY => {
            let h = Health::decode(body).unwrap_or_else(|e| bad(e));
            if let Some(slot) = comm.awaited.watch.lock().get_mut(source) {
                *slot = Some(h);
            }
        }
        tag::DUMP => {
            print_state(node);
            out.send(source, tag::DUMP_DONE, Vec::new());
        }
        tag::DUMP_DONE => {
            if let Some(d) = comm.awaited.dumped.lock().get_mut(source) {
                *d = true;
            }
            comm.awaited
                .dumps
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        tag::STATS => comm.awaited.stats.lock()[source] = Some(wire::decode_stats(body)),
        other => bad(format!("unknown tag {other}")),
    }
}
