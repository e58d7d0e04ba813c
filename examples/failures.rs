//! Errors reach the waiter: a panicking task completes with an error naming the task
//! function, node and worker and carrying the panic's message; the other tasks are unaffected.
//!
//! * (a) one bad task among 1,000 futures spread over all nodes: its handle's `result()` is
//!   `Err(Error::Task(..))`, every other result is there and right (also through
//!   `as_completed`, and for a bad task placed on the last worker);
//! * (b) the same with plain `spawn` and `Out` arguments: `scope()` returns the error and every
//!   good output was written;
//! * (c) `api::map` with panicking items returns the error of their chunks;
//! * (d) a panic in a `submit_then` callback: the scope returns an error naming
//!   `callback of ...`, on node 0 where callbacks run;
//! * (e) an spmd instance that panics on the last node: `spmd` returns its error;
//! * (f) a detached task that panics is reported at the end of the run, on stderr
//!   (`torc: node N: nobody waited for a failed task: ...`), and the exit status stays 0.
//!
//! Checks (a)-(e) itself and prints `failures: ok` on node 0; (f)'s line is checked by
//! `tests/futures.rs`. The default panic hook's report of the deliberate panics is silenced.
//!
//! `mpirun -np 3 target/release/examples/failures`

use torc::api::{self, as_completed, Error, In, Out, Place, TaskError};

const TASKS: u64 = 1000;
const BAD: u64 = 617;

fn maybe_fail(i: &u64) -> u64 {
    if *i == BAD {
        panic!("deliberate failure of item {i}");
    }
    3 * i + 1
}

fn triple_into(i: &u64, out: &mut u64) {
    if *i == BAD {
        panic!("deliberate failure of item {i}");
    }
    *out = 3 * i + 1;
}

fn map_item(i: &u64) -> u64 {
    if *i == 123 || *i == 456 {
        panic!("deliberate failure of item {i}");
    }
    3 * i + 1
}

fn square(x: &u64) -> u64 {
    x * x
}

fn spmd_fail(who: &usize) {
    if api::node_id() == Some(*who) {
        panic!("deliberate failure of the spmd instance on node {who}");
    }
}

fn detached_boom(x: &u64) {
    panic!("deliberate failure of the detached task {x}");
}

/// The failed tasks of `e`, which must be [`Error::Task`].
fn task_errors(e: Error, what: &str) -> Vec<TaskError> {
    match e {
        Error::Task(v) => v,
        other => panic!("{what}: expected Error::Task, got {other:?}"),
    }
}

/// Checks that `t` names a task run by a worker of the job at level `level`.
fn check_where(t: &TaskError, nodes: usize, level: u32) {
    assert!(t.node < nodes, "{t}");
    let w = t.worker.unwrap_or_else(|| panic!("no worker in {t}"));
    assert_eq!(api::node_of_worker(w), Some(t.node), "{t}");
    assert_eq!(t.level, level, "{t}");
}

/// Silences the default hook's report of the deliberate panics (the others still print).
fn quiet_deliberate_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = info.payload();
        let msg = p
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| p.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("");
        if !msg.starts_with("deliberate failure") {
            default(info);
        }
    }));
}

fn main() {
    quiet_deliberate_panics();
    api::run(|| {
        let nodes = api::num_nodes().unwrap();
        let workers = api::num_workers().unwrap();
        let last = workers - 1;
        // Tasks placed on a node stay there (so that (a) knows where its last one ran).
        api::set_stealing(false).unwrap();

        // (a) Futures, spread over all nodes.
        let bad_msg = format!("deliberate failure of item {BAD}");
        api::scope(|s| {
            let fs: Vec<_> = (0..TASKS)
                .map(|i| s.submit(maybe_fail, (In(&i),)))
                .collect();
            for (i, f) in fs.into_iter().enumerate() {
                let i = i as u64;
                if i != BAD {
                    assert_eq!(f.result().unwrap(), 3 * i + 1, "task {i}");
                    continue;
                }
                assert!(f.get().is_err(), "get() of the bad task");
                assert!(f.is_done());
                assert!(
                    matches!(f.error(), Some(Error::Task(_))),
                    "error() of the bad task"
                );
                let e = task_errors(f.result().unwrap_err(), "(a) result()");
                assert_eq!(e.len(), 1, "{e:?}");
                assert_eq!(e[0].function, "failures::maybe_fail");
                assert_eq!(e[0].message, bad_msg);
                check_where(&e[0], nodes, 1);
                println!("failures: (a) {}", e[0]);
            }
            // A bad task placed on the last worker fails on that worker's node.
            let f = s.submit_at(Place::Worker(last), maybe_fail, (In(&BAD),));
            let e = task_errors(f.result().unwrap_err(), "(a) on the last worker");
            assert_eq!(e[0].node, api::node_of_worker(last).unwrap(), "{}", e[0]);
            check_where(&e[0], nodes, 1);
            // as_completed yields the bad one once, with its error.
            let fs: Vec<_> = (BAD - 50..BAD + 50)
                .map(|i| s.submit(maybe_fail, (In(&i),)))
                .collect();
            let (mut good, mut bad) = (0u64, 0);
            for f in as_completed(fs) {
                match f.result() {
                    Ok(v) => good += v,
                    Err(e) => {
                        let e = task_errors(e, "(a) as_completed");
                        assert_eq!(e[0].message, bad_msg);
                        bad += 1;
                    }
                }
            }
            let want: u64 = (BAD - 50..BAD + 50)
                .filter(|&i| i != BAD)
                .map(|i| 3 * i + 1)
                .sum();
            assert_eq!((good, bad), (want, 1));
        })
        .expect("(a): the handles took their failures, the scope has none");

        // (b) Plain spawns with outputs.
        let mut outs = vec![0u64; TASKS as usize];
        let r = api::scope(|s| {
            for (i, o) in outs.iter_mut().enumerate() {
                s.spawn(triple_into, (In(&(i as u64)), Out(o)));
            }
        });
        let e = task_errors(r.unwrap_err(), "(b) scope");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].function, "failures::triple_into");
        assert_eq!(e[0].message, bad_msg);
        check_where(&e[0], nodes, 1);
        for (i, o) in outs.iter().enumerate() {
            if i as u64 != BAD {
                assert_eq!(*o, 3 * i as u64 + 1, "output {i}");
            }
        }
        println!("failures: (b) {}", e[0]);

        // (c) map with two panicking items (in different chunks); then a good map.
        let items: Vec<u64> = (0..600).collect();
        let e = task_errors(
            api::map(map_item, &items, 4).unwrap_err(),
            "(c) map with bad items",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        let mut msgs: Vec<&str> = e.iter().map(|t| t.message.as_str()).collect();
        msgs.sort();
        assert_eq!(
            msgs,
            [
                "deliberate failure of item 123",
                "deliberate failure of item 456"
            ]
        );
        for t in &e {
            assert!(
                t.function.contains("chunk") && t.function.contains("failures::map_item"),
                "{t}"
            );
            check_where(t, nodes, 1);
        }
        let ok = api::map(map_item, &items[..100], 4).expect("(c) a good map");
        assert_eq!(ok, (0..100).map(|i| 3 * i + 1).collect::<Vec<_>>());
        println!("failures: (c) {}", e[0]);

        // (d) Callbacks that panic (the odd ones): each is reported, naming the callback;
        // the even ones did their work.
        let count = 2 * workers.max(2);
        let mut slots = vec![0u64; count];
        let r = api::scope(|s| {
            for (i, slot) in slots.iter_mut().enumerate() {
                s.submit_then(square, (In(&(i as u64)),), move |f| {
                    let v = *f.get().unwrap();
                    if i % 2 == 1 {
                        panic!("deliberate failure in the callback of {i}");
                    }
                    *slot = v + 1;
                });
            }
        });
        let e = task_errors(r.unwrap_err(), "(d) scope");
        assert_eq!(e.len(), count / 2, "{e:?}");
        let mut msgs: Vec<String> = e.iter().map(|t| t.message.clone()).collect();
        msgs.sort();
        let mut want: Vec<String> = (1..count)
            .step_by(2)
            .map(|i| format!("deliberate failure in the callback of {i}"))
            .collect();
        want.sort();
        assert_eq!(msgs, want);
        for t in &e {
            assert_eq!(t.function, "callback of failures::square", "{t}");
            assert_eq!(t.node, 0, "callbacks run on the creating node: {t}");
        }
        for (i, v) in slots.iter().enumerate() {
            let want = if i % 2 == 0 { (i * i) as u64 + 1 } else { 0 };
            assert_eq!(*v, want, "slot {i}");
        }
        println!("failures: (d) {}", e[0]);

        // (e) An spmd instance that panics on the last node.
        let who = nodes - 1;
        let e = task_errors(api::spmd(spmd_fail, (In(&who),)).unwrap_err(), "(e) spmd");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].function, "failures::spmd_fail");
        assert_eq!(e[0].node, who);
        assert_eq!(
            e[0].message,
            format!("deliberate failure of the spmd instance on node {who}")
        );
        api::spmd(spmd_fail, (In(&nodes),)).expect("(e) an spmd without failures");
        println!("failures: (e) {}", e[0]);

        // (f) A detached task that panics: nobody waits for it; reported at the end.
        api::spawn_detached(Place::Worker(last), detached_boom, (In(&99u64),));

        // Everything still works after the failures.
        let items: Vec<u64> = (0..50).collect();
        assert_eq!(
            api::map(square, &items, 3).unwrap(),
            items.iter().map(square).collect::<Vec<_>>()
        );
        println!("failures: ok");
    })
    .unwrap();
}
