//! Fibonacci with nested tasks: each call above the cut-off creates two child tasks that may
//! run on any node, and waits for them; results come back through `Out` arguments.
//!
//! `mpirun -np 3 target/release/examples/fib [n] [cutoff]`

use torc::api::{self, In, Out};

fn seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        seq(n - 1) + seq(n - 2)
    }
}

fn fib(n: &u64, cutoff: &u64, result: &mut u64) {
    if *n <= *cutoff {
        *result = seq(*n);
        return;
    }
    let (mut a, mut b) = (0u64, 0u64);
    api::scope(|s| {
        s.spawn(fib, (In(&(n - 1)), In(cutoff), Out(&mut a)));
        s.spawn(fib, (In(&(n - 2)), In(cutoff), Out(&mut b)));
    })
    .unwrap();
    *result = a + b;
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(30);
    let cutoff = args.get(1).copied().unwrap_or(18);
    let r = api::run(|| {
        let mut result = 0u64;
        api::scope(|s| s.spawn(fib, (In(&n), In(&cutoff), Out(&mut result)))).unwrap();
        (
            result,
            api::num_nodes().unwrap(),
            api::num_workers().unwrap(),
        )
    })
    .expect("torc runs");
    let (result, nodes, workers) = r;
    let want = seq(n);
    println!("fib({n}) = {result} on {nodes} nodes x {workers} workers");
    if result != want {
        eprintln!("fib: FAIL: expected {want}");
        std::process::exit(1);
    }
}
