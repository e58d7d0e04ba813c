//! The communication thread: after start-up it alone calls MPI. It sends what workers queue,
//! receives and dispatches messages, drives inter-node stealing, and backs off (spin, yield,
//! then ever longer naps) only while nothing arrives; it naps briefly while answers are due
//! and up to `TORC_YIELDTIME` when nothing is outstanding.

use crate::comm::channel::Outgoing;
use crate::comm::mpi::{self, PendingSend, Probed, World};
use crate::comm::steal::{self, Thief};
use crate::comm::wire::{self, tag};
use crate::error::fatal;
use crate::sched::execute::{execute, signal};
use crate::sched::registry::Node;
use crate::task::descriptor::flags;
use crate::task::{pool, TaskRef};
use std::os::raw::c_int;
use std::sync::atomic::Ordering;
use std::time::Duration;

const SPIN_ROUNDS: u32 = 50;
const YIELD_ROUNDS: u32 = 100;
/// Longest nap while this node waits for answers.
const BUSY_NAP: Duration = Duration::from_micros(200);

/// Messages up to this size are gathered per destination into one MPI message.
const SMALL: usize = 8 << 10;
/// A gathered message is sent once it reaches this size.
const BATCH_BYTES: usize = 64 << 10;

/// Messages waiting to be sent to one node in the current round.
#[derive(Default)]
struct Gather {
    msgs: Vec<Outgoing>,
    bytes: usize,
}

/// Sends what `g` gathered for `dest`: alone when it is one message, else as one BATCH.
fn flush(world: &World, dest: usize, g: &mut Gather, pending: &mut Vec<PendingSend>) {
    match g.msgs.len() {
        0 => {}
        1 => {
            let m = g.msgs.pop().expect("one message");
            pending.push(mpi::isend(world, dest, m.tag, m.body));
        }
        _ => {
            let mut w = wire::Writer::with_capacity(g.bytes + 16 * g.msgs.len());
            for m in g.msgs.drain(..) {
                w.u64((m.tag as u64) << 32 | m.body.len() as u64);
                w.pad16();
                w.block(&m.body);
            }
            pending.push(mpi::isend(world, dest, tag::BATCH, w.buf));
        }
    }
    g.bytes = 0;
}

/// Sends everything queued, gathering small messages per destination.
fn send_queued(
    node: &Node,
    world: &World,
    gather: &mut [Gather],
    pending: &mut Vec<PendingSend>,
) -> bool {
    let ch = node.comm.as_ref().expect("channel");
    let mut any = false;
    while let Some(m) = ch.pop() {
        any = true;
        let dest = m.dest;
        let g = &mut gather[dest];
        if m.body.len() > SMALL {
            // Keep the order per destination: what was gathered goes first.
            flush(world, dest, g, pending);
            pending.push(mpi::isend(world, dest, m.tag, m.body));
            continue;
        }
        g.bytes += m.body.len() + 16;
        g.msgs.push(m);
        if g.bytes >= BATCH_BYTES {
            flush(world, dest, g, pending);
        }
    }
    for (dest, g) in gather.iter_mut().enumerate() {
        flush(world, dest, g, pending);
    }
    any
}

/// Runs the communication loop of `node` until told to stop.
pub fn run(node: &'static Node, world: World) {
    let ch = node.comm.as_ref().expect("a channel on multi-node runs");
    ch.register_current();
    let mut pending: Vec<PendingSend> = Vec::new();
    let mut gather: Vec<Gather> = (0..node.layout.nodes())
        .map(|_| Gather::default())
        .collect();
    let mut scratch: Vec<u8> = Vec::new();
    let mut thief = Thief::new(node.layout.node);
    let mut idle: u32 = 0;
    loop {
        let mut active = send_queued(node, &world, &mut gather, &mut pending);
        for _ in 0..64 {
            match mpi::iprobe(&world) {
                Some(p) => {
                    receive(node, &world, &p, &mut scratch, &mut thief);
                    active = true;
                }
                None => break,
            }
        }
        pending.retain_mut(|p| !p.test());
        if let Some(victim) = thief.maybe_request(node, ch) {
            pending.push(mpi::isend(&world, victim, tag::STEAL_REQ, Vec::new()));
            active = true;
        }
        if ch.stop.load(Ordering::Acquire) && pending.is_empty() && !ch.has_outgoing() {
            break;
        }
        if active {
            idle = 0;
            continue;
        }
        idle += 1;
        if idle < SPIN_ROUNDS {
            std::hint::spin_loop();
        } else if idle < SPIN_ROUNDS + YIELD_ROUNDS {
            std::thread::yield_now();
        } else {
            let waiting = !pending.is_empty()
                || ch.awaiting.load(Ordering::Relaxed) > 0
                || ch.steal_in_flight.load(Ordering::Relaxed)
                || ch.bcast_acks.load(Ordering::Relaxed) > 0;
            let cap = if waiting {
                BUSY_NAP.min(node.config.yield_time)
            } else {
                node.config.yield_time
            };
            let k = (idle - SPIN_ROUNDS - YIELD_ROUNDS).min(20);
            ch.sleep(Duration::from_micros(1u64 << k).min(cap));
        }
    }
}

fn receive_small(world: &World, p: &Probed, scratch: &mut Vec<u8>) {
    scratch.clear();
    scratch.resize(p.bytes, 0);
    mpi::recv_into(world, p, scratch);
}

fn protocol_error(node: &Node, source: usize, t: c_int, e: String) -> ! {
    fatal(
        &format!("node {}", node.layout.node),
        format_args!("bad message (tag {t}) from node {source}: {e}"),
    )
}

/// Receives the probed message and acts on it.
fn receive(
    node: &'static Node,
    world: &World,
    p: &Probed,
    scratch: &mut Vec<u8>,
    thief: &mut Thief,
) {
    match p.tag {
        tag::TASK | tag::STEAL_TASK => {
            // Received straight into the descriptor's buffer: the data is used where it lands.
            let mut task = pool::get();
            task.buf.alloc_zeroed(p.bytes);
            mpi::recv_into(world, p, &mut task.buf.as_bytes_mut()[..p.bytes]);
            accept_task(
                node,
                task,
                p.bytes,
                p.source,
                p.tag == tag::STEAL_TASK,
                thief,
            );
        }
        tag::BATCH => {
            receive_small(world, p, scratch);
            let batch = std::mem::take(scratch);
            let mut r = wire::Reader::new(&batch);
            while let Ok(head) = r.u64() {
                let (t, len) = ((head >> 32) as c_int, (head & 0xffff_ffff) as usize);
                let body = r.block(0).and_then(|_| r.block(len)).map(|(_, b)| b);
                let body = body.unwrap_or_else(|e| protocol_error(node, p.source, p.tag, e));
                dispatch(node, t, p.source, body, thief);
            }
            *scratch = batch;
        }
        t => {
            receive_small(world, p, scratch);
            let body = std::mem::take(scratch);
            dispatch(node, t, p.source, &body, thief);
            *scratch = body;
        }
    }
}

/// Turns a received task into a queued one (or runs it, when direct).
fn accept_task(
    node: &'static Node,
    mut task: TaskRef,
    len: usize,
    source: usize,
    stolen: bool,
    thief: &mut Thief,
) {
    let ch = node.comm.as_ref().expect("channel");
    let hdr = wire::decode_task(&mut task, len, node.layout.node as u32)
        .unwrap_or_else(|e| protocol_error(node, source, tag::TASK, e));
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
        thief.hit();
    }
    if task.flags & flags::DIRECT != 0 {
        execute(None, task);
    } else if hdr.target >= 0 && (hdr.target as usize) < node.num_workers() {
        let w = hdr.target as usize;
        node.workers[w].mailbox.push(task);
        node.sleep.wake(w);
        node.sleep.notify_one();
    } else {
        node.injector.push(task);
        node.sleep.notify_one();
    }
}

/// Acts on one message (alone or out of a batch) with body `body`.
fn dispatch(node: &'static Node, t: c_int, source: usize, body: &[u8], thief: &mut Thief) {
    let ch = node.comm.as_ref().expect("channel");
    let bad = |e: String| -> ! { protocol_error(node, source, t, e) };
    match t {
        tag::TASK | tag::STEAL_TASK => {
            let mut task = pool::get();
            task.buf.alloc_zeroed(body.len());
            task.buf.as_bytes_mut()[..body.len()].copy_from_slice(body);
            accept_task(node, task, body.len(), source, t == tag::STEAL_TASK, thief);
        }
        tag::DONE => {
            // SAFETY: completions come only for tasks this node created and still waits for.
            let latch = unsafe { wire::apply_done(body) }.unwrap_or_else(|e| bad(e));
            ch.awaiting.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: the latch of a task this node created, completed exactly once.
            unsafe { signal(latch as *const _) };
        }
        tag::STEAL_REQ => {
            let answer = steal::serve(node);
            let found = answer.is_some();
            ch.send(source, steal::answer_tag(found), answer.unwrap_or_default());
        }
        tag::STEAL_NONE => {
            ch.answers.fetch_add(1, Ordering::AcqRel);
            ch.steal_in_flight.store(false, Ordering::Release);
            thief.refused(node.layout.nodes());
        }
        tag::STEALING => {
            let on = wire::Reader::new(body).u64().unwrap_or_else(|e| bad(e));
            node.stealing.store(on != 0, Ordering::SeqCst);
        }
        tag::RESET_STATS => crate::runtime::reset_statistics(),
        tag::BCAST => {
            let (key, off, data) = wire::decode_bcast(body).unwrap_or_else(|e| bad(e));
            match crate::comm::symbol::from_portable(key, off) {
                // SAFETY: the sender checked that the range lies in the module's data; all
                // nodes run the same executable, so the same variable is at this address here.
                Some(addr) => unsafe {
                    std::ptr::copy_nonoverlapping(data.as_ptr(), addr as *mut u8, data.len())
                },
                None => fatal(
                    "torc_broadcast",
                    format_args!(
                        "module {} is not loaded on node {}",
                        crate::comm::symbol::module_name(key),
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
