//! How the Rust API refuses misuse around `api::run`, one line per check (used by the tests):
//! calls before the runtime starts, a bad setting, a nested `run`, calls from a thread that is
//! not a worker, a worker id out of range (a programming error: the spawn panics, naming it),
//! calls and queries after `run` returned (they say the
//! runtime does not run), and a second `run`.
//! Every line ends in `ok` or `WRONG`; the last line is `run_twice: done, wrong=N`.
//!
//! `mpirun -np 2 target/release/examples/run_twice`

use std::fmt::Debug;
use torc::api::{self, Builder, Error, In, Place};

fn noop(_x: &u32) {}

static SHARED: api::Global<u32> = api::Global::new(0);

fn check<T: Debug>(wrong: &mut usize, what: &str, got: Result<T, Error>, want: &Error) {
    let ok = matches!(&got, Err(e) if e == want);
    if !ok {
        *wrong += 1;
    }
    println!(
        "run_twice: {what}: {got:?} {}",
        if ok { "ok" } else { "WRONG" }
    );
}

/// Runs `f`, which should panic because of the misuse `want` (a programming error): `Err(want)`
/// when its panic message names it, else what happened.
fn misuse<T: Debug>(f: impl FnOnce() -> T, want: &Error) -> Result<T, Error> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    match r {
        Ok(v) => Ok(v),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if msg.ends_with(&want.to_string()) {
                Err(want.clone())
            } else {
                Err(Error::Config(msg))
            }
        }
    }
}

fn main() {
    let mut wrong = 0;
    // Before the runtime starts (every rank prints these).
    check(
        &mut wrong,
        "scope before run",
        api::scope(|_| ()),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "set_stealing before run",
        api::set_stealing(true),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "statistics before run",
        api::statistics(),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "spawn_detached before run",
        misuse(
            || api::spawn_detached(Place::Any, noop, (In(&1u32),)),
            &Error::NotRunning,
        ),
        &Error::NotRunning,
    );
    let bad = Builder::new().workers(0).run(|| ());
    let bad_ok = matches!(bad, Err(Error::Config(_)));
    wrong += usize::from(!bad_ok);
    println!(
        "run_twice: workers(0): {bad:?} {}",
        if bad_ok { "ok" } else { "WRONG" }
    );

    // The first run: only node 0 runs the closure and comes back.
    let first = api::run(|| {
        let mut wrong = 0;
        check(
            &mut wrong,
            "nested run",
            api::run(|| 1),
            &Error::AlreadyStarted,
        );
        let (from_thread, wait_thread) =
            std::thread::spawn(|| (api::scope(|_| ()), api::wait_all()))
                .join()
                .unwrap();
        check(
            &mut wrong,
            "scope on a non-worker thread",
            from_thread,
            &Error::NotInTask,
        );
        check(
            &mut wrong,
            "wait_all on a non-worker thread",
            wait_thread,
            &Error::NotInTask,
        );
        let n = api::num_workers().unwrap();
        let want = Error::NoSuchWorker {
            worker: n,
            workers: n,
        };
        let far =
            api::scope(|s| misuse(|| s.spawn_at(Place::Worker(n), noop, (In(&1u32),)), &want))
                .unwrap();
        check(
            &mut wrong,
            "spawn_at(Worker(num_workers))",
            far,
            &Error::NoSuchWorker {
                worker: n,
                workers: n,
            },
        );
        (7, wrong)
    });
    match &first {
        Ok((v, w)) => {
            wrong += w;
            println!("run_twice: first run: Ok({v}) ok");
        }
        Err(e) => {
            wrong += 1;
            println!("run_twice: first run: Err({e:?}) WRONG");
        }
    }

    // After run returned (node 0 only).
    check(
        &mut wrong,
        "scope after run",
        api::scope(|_| ()),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "set_stealing after run",
        api::set_stealing(false),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "reset_statistics after run",
        api::reset_statistics(),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "statistics after run",
        api::statistics(),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "broadcast after run",
        api::broadcast(&SHARED),
        &Error::NotRunning,
    );
    check(
        &mut wrong,
        "spawn_detached after run",
        misuse(
            || api::spawn_detached(Place::Any, noop, (In(&1u32),)),
            &Error::NotRunning,
        ),
        &Error::NotRunning,
    );
    let ids = [
        ("node_id", api::node_id()),
        ("num_nodes", api::num_nodes()),
        ("worker_id", api::worker_id()),
        ("num_workers", api::num_workers()),
        ("local_workers", api::local_workers()),
        ("node_of_worker(0)", api::node_of_worker(0)),
        ("level", api::level().map(|l| l as usize)),
    ];
    let ids_ok = ids.iter().all(|(_, v)| v.is_none());
    wrong += usize::from(!ids_ok);
    let shown: Vec<String> = ids.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
    println!(
        "run_twice: ids after run: {} {}",
        shown.join(" "),
        if ids_ok { "ok" } else { "WRONG" }
    );
    check(
        &mut wrong,
        "second run",
        api::run(|| 2),
        &Error::AlreadyStarted,
    );
    println!("run_twice: done, wrong={wrong}");
    if wrong != 0 {
        std::process::exit(1);
    }
}
