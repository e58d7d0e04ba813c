//! Spawning through scopes, one line per check (used by the tests): a direct task on the last
//! node with `Borrow` and `Out` arguments is waited for by the scope that created it; a
//! `spawn_local` closure opens a scope of its own; a task function running on another node
//! opens one too; the outer scope used inside a nested one. Every line ends in `ok` or
//! `WRONG`; the last line is `scopes: done, wrong=N`.
//!
//! `mpirun -np 2 target/release/examples/scopes`

use std::time::Duration;
use torc::api::{self, Borrow, In, Out, Place};

/// Slow on purpose, so that a scope that did not wait would see the output unwritten.
fn slow_sum(v: &[u64], total: &mut u64) {
    std::thread::sleep(Duration::from_millis(200));
    *total = v.iter().sum();
}

fn square(x: &u64, y: &mut u64) {
    std::thread::sleep(Duration::from_millis(20));
    *y = x * x;
}

/// A task that opens its own scope on whichever node runs it.
fn sum_of_squares(n: &u64, total: &mut u64) {
    let xs: Vec<u64> = (0..*n).collect();
    let mut ys = vec![0; xs.len()];
    api::scope(|s| {
        for (x, y) in xs.iter().zip(ys.iter_mut()) {
            s.spawn(square, (In(x), Out(y)));
        }
    })
    .unwrap();
    *total = ys.iter().sum();
}

fn report(wrong: &mut usize, what: &str, got: u64, want: u64) {
    let ok = got == want;
    *wrong += usize::from(!ok);
    println!(
        "scopes: {what}: {got} (want {want}) {}",
        if ok { "ok" } else { "WRONG" }
    );
}

fn main() {
    let wrong = api::run(|| {
        let mut wrong = 0;
        let last = api::num_workers().unwrap() - 1;
        let squares = |n: u64| (0..n).map(|i| i * i).sum::<u64>();

        // A direct task on the last worker's node, with a borrowed input and an output.
        let v: Vec<u64> = (1..=1000).collect();
        let mut total = 0;
        api::scope(|s| {
            s.spawn_direct(
                Place::Worker(last),
                slow_sum,
                (Borrow(&v[..]), Out(&mut total)),
            )
        })
        .unwrap();
        report(
            &mut wrong,
            "spawn_direct to the last worker",
            total,
            500_500,
        );

        // A spawn_local closure that creates tasks through a scope of its own.
        let mut from_closure = 0;
        api::scope(|s| {
            s.spawn_local(|| {
                let xs: Vec<u64> = (0..16).collect();
                let mut ys = [0u64; 16];
                api::scope(|inner| {
                    for (x, y) in xs.iter().zip(ys.iter_mut()) {
                        inner.spawn(square, (In(x), Out(y)));
                    }
                })
                .unwrap();
                from_closure = ys.iter().sum();
            })
        })
        .unwrap();
        report(
            &mut wrong,
            "scope inside spawn_local",
            from_closure,
            squares(16),
        );

        // Task functions on every worker, each opening a scope where it runs.
        let mut totals = vec![0u64; last + 1];
        api::scope(|s| {
            for (w, t) in totals.iter_mut().enumerate() {
                s.spawn_at(Place::Worker(w), sum_of_squares, (In(&8u64), Out(t)));
            }
        })
        .unwrap();
        report(
            &mut wrong,
            "scope inside tasks on every worker",
            totals.iter().sum(),
            (last as u64 + 1) * squares(8),
        );

        // The outer scope used inside a nested one (same task): both wait.
        let (mut a, mut b) = (0, 0);
        api::scope(|outer| {
            api::scope(|inner| {
                outer.spawn_direct(
                    Place::Worker(last),
                    slow_sum,
                    (Borrow(&v[..10]), Out(&mut a)),
                );
                inner.spawn(square, (In(&7u64), Out(&mut b)));
            })
            .unwrap();
        })
        .unwrap();
        report(&mut wrong, "outer scope in a nested one", a + b, 55 + 49);
        wrong
    })
    .unwrap();
    println!("scopes: done, wrong={wrong}");
    if wrong != 0 {
        std::process::exit(1);
    }
}
