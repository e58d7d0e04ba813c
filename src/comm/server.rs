//! The communication thread: after start-up it alone calls MPI. It sends what workers queue,
//! receives and dispatches messages, drives inter-node stealing, and backs off (spin, yield,
//! then ever longer naps) only while nothing arrives; it naps briefly while answers are due
//! and up to `TORC_YIELDTIME` when nothing is outstanding.

use crate::comm::mpi::{self, PendingSend, Probed, World};
use crate::comm::steal::{self, Thief};
use crate::comm::wire::{self, tag};
use crate::error::fatal;
use crate::sched::execute::{execute, signal};
use crate::sched::registry::Node;
use crate::task::descriptor::flags;
use crate::task::pool;
use std::sync::atomic::Ordering;
use std::time::Duration;

const SPIN_ROUNDS: u32 = 2000;
const YIELD_ROUNDS: u32 = 200;
/// Longest nap while this node waits for answers.
const BUSY_NAP: Duration = Duration::from_micros(200);

/// Runs the communication loop of `node` until told to stop.
pub fn run(node: &'static Node, world: World) {
    let ch = node.comm.as_ref().expect("a channel on multi-node runs");
    ch.register_current();
    let mut pending: Vec<PendingSend> = Vec::new();
    let mut scratch: Vec<u8> = Vec::new();
    let mut thief = Thief::new(node.layout.node);
    let mut idle: u32 = 0;
    loop {
        let mut active = false;
        while let Some(m) = ch.pop() {
            pending.push(mpi::isend(&world, m.dest, m.tag, m.body));
            active = true;
        }
        for _ in 0..64 {
            match mpi::iprobe(&world) {
                Some(p) => {
                    handle(node, &world, &p, &mut scratch, &mut thief);
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

fn protocol_error(node: &Node, p: &Probed, e: String) -> ! {
    fatal(
        &format!("node {}", node.layout.node),
        format_args!("bad message (tag {}) from node {}: {e}", p.tag, p.source),
    )
}

fn handle(
    node: &'static Node,
    world: &World,
    p: &Probed,
    scratch: &mut Vec<u8>,
    thief: &mut Thief,
) {
    let ch = node.comm.as_ref().expect("channel");
    match p.tag {
        tag::TASK | tag::STEAL_TASK => {
            let mut task = pool::get();
            task.buf.alloc_zeroed(p.bytes);
            mpi::recv_into(world, p, &mut task.buf.as_bytes_mut()[..p.bytes]);
            let hdr = wire::decode_task(&mut task, p.bytes, node.layout.node as u32)
                .unwrap_or_else(|e| protocol_error(node, p, e));
            task.func = wire::function_addr(hdr.func.0, hdr.func.1, &node.registered)
                .unwrap_or_else(|e| {
                    fatal(
                        &format!("node {}", node.layout.node),
                        format_args!("task from node {}: {e}", p.source),
                    )
                });
            if p.tag == tag::STEAL_TASK {
                ch.answers.fetch_add(1, Ordering::AcqRel);
                ch.steal_in_flight.store(false, Ordering::Release);
                node.stats.steals_hit.add(1);
                thief.hit();
            }
            let t = task;
            // SAFETY: `t` owns its descriptor.
            let direct = unsafe { (*t.as_ptr()).flags } & flags::DIRECT != 0;
            if direct {
                execute(None, t);
            } else if hdr.target >= 0 && (hdr.target as usize) < node.num_workers() {
                let w = hdr.target as usize;
                node.workers[w].mailbox.push(t);
                node.sleep.wake(w);
                node.sleep.notify_one();
            } else {
                node.injector.push(t);
                node.sleep.notify_one();
            }
        }
        tag::DONE => {
            receive_small(world, p, scratch);
            // SAFETY: completions come only for tasks this node created and still waits for.
            let latch =
                unsafe { wire::apply_done(scratch) }.unwrap_or_else(|e| protocol_error(node, p, e));
            ch.awaiting.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: the latch of a task this node created, completed exactly once.
            unsafe { signal(latch as *const _) };
        }
        tag::STEAL_REQ => {
            receive_small(world, p, scratch);
            let answer = steal::serve(node);
            let found = answer.is_some();
            ch.send(
                p.source,
                steal::answer_tag(found),
                answer.unwrap_or_default(),
            );
        }
        tag::STEAL_NONE => {
            receive_small(world, p, scratch);
            ch.answers.fetch_add(1, Ordering::AcqRel);
            ch.steal_in_flight.store(false, Ordering::Release);
            thief.refused(node.layout.nodes());
        }
        tag::STEALING => {
            receive_small(world, p, scratch);
            let on = wire::Reader::new(scratch)
                .u64()
                .unwrap_or_else(|e| protocol_error(node, p, e));
            node.stealing.store(on != 0, Ordering::SeqCst);
        }
        tag::RESET_STATS => {
            receive_small(world, p, scratch);
            crate::runtime::reset_statistics();
        }
        tag::BCAST => {
            receive_small(world, p, scratch);
            let (key, off, data) =
                wire::decode_bcast(scratch).unwrap_or_else(|e| protocol_error(node, p, e));
            match crate::comm::symbol::from_portable(key, off) {
                // SAFETY: node 0 checked that the range lies in the module's data; all nodes
                // run the same executable, so the same variable is at this address here.
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
            ch.send(p.source, tag::BCAST_ACK, Vec::new());
        }
        tag::BCAST_ACK => {
            receive_small(world, p, scratch);
            ch.bcast_acks.fetch_sub(1, Ordering::AcqRel);
        }
        tag::QUERY => {
            receive_small(world, p, scratch);
            let (c, d) = node.detached.counts();
            let mut w = wire::Writer::default();
            w.u64(c as u64).u64(d as u64);
            ch.send(p.source, tag::QUERY_REPLY, w.buf);
        }
        tag::QUERY_REPLY => {
            receive_small(world, p, scratch);
            let mut r = wire::Reader::new(scratch);
            let c = r.u64().unwrap_or_else(|e| protocol_error(node, p, e));
            let d = r.u64().unwrap_or_else(|e| protocol_error(node, p, e));
            ch.query.lock()[p.source] = Some((c, d));
        }
        tag::TERMINATE => {
            receive_small(world, p, scratch);
            node.stealing.store(false, Ordering::SeqCst);
            node.terminate.store(true, Ordering::SeqCst);
            node.sleep.wake_all();
        }
        tag::STATS => {
            receive_small(world, p, scratch);
            ch.stats.lock()[p.source] = Some(String::from_utf8_lossy(scratch).into_owned());
        }
        other => {
            receive_small(world, p, scratch);
            protocol_error(node, p, format!("unknown tag {other}"));
        }
    }
}
