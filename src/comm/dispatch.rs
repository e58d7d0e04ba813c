//! Handling received messages: tasks go to the queues (direct ones are run right after the
//! engine is released), completions write back and signal, protocol messages update state.

use crate::comm::outstanding::borrowed_of;
use crate::comm::steal::{self, Thief};
use crate::comm::wire::{self, tag};
use crate::error::fatal;
use crate::mpi::posted::Arrived;
use crate::mpi::{self, World};
use crate::sched::execute::signal;
use crate::sched::node::Node;
use crate::sched::worker::get_task;
use crate::task::descriptor::flags;
use crate::task::TaskRef;
use std::os::raw::c_int;
use std::sync::atomic::Ordering;

/// What message handling keeps between messages: the thief's state and the direct tasks
/// received but not run yet.
pub struct Inbox {
    /// The inter-node stealing state of this node.
    pub thief: Thief,
    /// Direct tasks to run once the engine is released.
    pub directs: Vec<TaskRef>,
    /// Set while an idle worker drives the engine: the first task for any worker is handed
    /// to it directly (no trip through the queues).
    pub want_handoff: bool,
    /// The task handed to the driving worker.
    pub handoff: Option<TaskRef>,
    /// A completion was signalled in this round (a waiting worker may be able to go on).
    pub signalled: bool,
}

fn protocol_error(node: &Node, source: usize, t: c_int, e: String) -> ! {
    fatal(
        &format!("node {}", node.layout.node),
        format_args!("bad message (tag {t}) from node {source}: {e}"),
    )
}

/// Acts on a control message that arrived in a posted buffer (`body`). Direct tasks are
/// collected in `directs`, to be run once the engine is released.
pub fn receive(
    node: &'static Node,
    world: &World,
    a: Arrived,
    body: &[u8],
    scratch: &mut Vec<u8>,
    inbox: &mut Inbox,
) {
    let source = a.source;
    match a.tag {
        tag::BATCH => dispatch_batch(node, world, source, body, inbox),
        tag::BIG => {
            // A long message follows on the bulk communicator.
            let mut r = wire::Reader::new(body);
            let head = r.u64().and_then(|t| Ok((t, r.u64()?)));
            let (t, len) = head.unwrap_or_else(|e| protocol_error(node, source, tag::BIG, e));
            let (t, len) = (t as c_int, len as usize);
            if t == tag::TASK || t == tag::STEAL_TASK {
                // Received straight into the descriptor's buffer, used where it lands.
                let mut task = get_task();
                task.buf.alloc_zeroed(len);
                let dst = task.buf.as_bytes_mut().as_mut_ptr();
                // SAFETY: the buffer has room for `len` bytes; the sender sent exactly that.
                unsafe { mpi::recv_raw(world, source, t, dst, len) };
                accept_task(node, world, task, len, source, t == tag::STEAL_TASK, inbox);
                return;
            }
            let mut big = std::mem::take(scratch);
            big.clear();
            big.resize(len, 0);
            // SAFETY: `big` has room for `len` bytes; the sender sent exactly that.
            unsafe { mpi::recv_raw(world, source, t, big.as_mut_ptr(), len) };
            if t == tag::BATCH {
                dispatch_batch(node, world, source, &big, inbox);
            } else {
                dispatch(node, world, t, source, &big, inbox);
            }
            *scratch = big;
        }
        t => dispatch(node, world, t, source, body, inbox),
    }
}

/// Acts on each message of a batch.
fn dispatch_batch(
    node: &'static Node,
    world: &World,
    source: usize,
    batch: &[u8],
    inbox: &mut Inbox,
) {
    let mut r = wire::Reader::new(batch);
    while let Ok(head) = r.u64() {
        let (t, len) = ((head >> 32) as c_int, (head & 0xffff_ffff) as usize);
        let body = r.block(0).and_then(|_| r.block(len)).map(|(_, b)| b);
        let body = body.unwrap_or_else(|e| protocol_error(node, source, tag::BATCH, e));
        dispatch(node, world, t, source, body, inbox);
    }
}

/// Turns a received task into a queued one (direct ones wait in the inbox to be run).
fn accept_task(
    node: &'static Node,
    world: &World,
    mut task: TaskRef,
    len: usize,
    source: usize,
    stolen: bool,
    inbox: &mut Inbox,
) {
    let ch = node.comm.as_ref().expect("channel");
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
    if task.home == node.layout.node as u32 {
        // Back home unrun (stolen back): its handle gives its latch, and the creator's memory
        // it will use directly must be exactly the arguments it left with.
        let away = ch
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
    }
    task.func = wire::function_addr(hdr.func.0, hdr.func.1, &node.registered).unwrap_or_else(|e| {
        fatal(
            &format!("node {}", node.layout.node),
            format_args!("task from node {source}: {e}"),
        )
    });
    if stolen {
        ch.answers.fetch_add(1, Ordering::AcqRel);
        ch.steal_in_flight.store(false, Ordering::Release);
        node.stats.steals_hit.add(1);
        inbox.thief.hit();
    }
    if task.flags & flags::DIRECT != 0 {
        inbox.directs.push(task);
    } else if hdr.target >= 0 && (hdr.target as usize) < node.num_workers() {
        let w = hdr.target as usize;
        node.workers[w].mailbox.push(task);
        node.sleep.wake(w);
        node.sleep.notify_one();
    } else if inbox.want_handoff && inbox.handoff.is_none() {
        inbox.handoff = Some(task);
    } else {
        node.injector.push(task);
        node.sleep.notify_one();
    }
}

/// Acts on one message (alone or out of a batch) with body `body`.
fn dispatch(
    node: &'static Node,
    world: &World,
    t: c_int,
    source: usize,
    body: &[u8],
    inbox: &mut Inbox,
) {
    let ch = node.comm.as_ref().expect("channel");
    let bad = |e: String| -> ! { protocol_error(node, source, t, e) };
    match t {
        tag::TASK | tag::STEAL_TASK => {
            let mut task = get_task();
            task.buf.push_bytes(body);
            accept_task(
                node,
                world,
                task,
                body.len(),
                source,
                t == tag::STEAL_TASK,
                inbox,
            );
        }
        tag::DONE => {
            let (handle, wb) = wire::decode_done(body).unwrap_or_else(|e| bad(e));
            // Nothing from the wire is an address until the table says so.
            let away = ch
                .outstanding
                .take(handle)
                .unwrap_or_else(|e| bad(format!("completion refused: {e}")));
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
            unsafe { wire::apply_write_backs(&wb, receive) };
            inbox.signalled = true;
            // SAFETY: the latch of a task this node created, completed exactly once (its
            // entry is gone from the table now).
            unsafe { signal(away.latch) };
        }
        tag::STEAL_REQ => match steal::serve(node) {
            Some((m, keep)) => ch.send_encoded(source, tag::STEAL_TASK, m, keep, false),
            None => ch.send(source, tag::STEAL_NONE, Vec::new()),
        },
        tag::STEAL_NONE => {
            ch.answers.fetch_add(1, Ordering::AcqRel);
            ch.steal_in_flight.store(false, Ordering::Release);
            inbox.thief.refused(node.layout.nodes());
        }
        tag::STEALING => {
            let on = wire::Reader::new(body).u64().unwrap_or_else(|e| bad(e));
            node.stealing.store(on != 0, Ordering::SeqCst);
            ch.send(source, tag::STEALING_ACK, Vec::new());
        }
        tag::STEALING_ACK => {
            ch.stealing_acks.fetch_sub(1, Ordering::AcqRel);
        }
        tag::RESET_STATS => crate::runtime::reset_statistics(),
        tag::BCAST => {
            let (key, off, data) = wire::decode_bcast(body).unwrap_or_else(|e| bad(e));
            match crate::symbol::from_portable(key, off) {
                Some(addr) => {
                    // Not trusted: the range must be writable data of that module here too.
                    if let Err(e) = crate::symbol::check_writable(addr, data.len()) {
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
                        crate::symbol::module_name(key),
                        node.layout.node
                    ),
                ),
            }
            ch.send(source, tag::BCAST_ACK, Vec::new());
        }
        tag::BCAST_ACK => {
            ch.bcast_acks.fetch_sub(1, Ordering::AcqRel);
        }
        tag::QUERY => {
            let (c, d) = node.detached.counts();
            let mut w = wire::Writer::default();
            w.u64(c as u64).u64(d as u64);
            ch.send(source, tag::QUERY_REPLY, w.buf);
        }
        tag::QUERY_REPLY => {
            let mut r = wire::Reader::new(body);
            let c = r.u64().unwrap_or_else(|e| bad(e));
            let d = r.u64().unwrap_or_else(|e| bad(e));
            ch.query.lock()[source] = Some((c, d));
        }
        tag::TERMINATE => {
            node.stealing.store(false, Ordering::SeqCst);
            node.terminate.store(true, Ordering::SeqCst);
            node.sleep.wake_all();
        }
        tag::STATS => {
            ch.stats.lock()[source] = Some(String::from_utf8_lossy(body).into_owned());
        }
        other => bad(format!("unknown tag {other}")),
    }
}
