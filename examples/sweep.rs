//! A parameter sweep: one task per point of a grid of parameters. Each task gets its
//! parameters as a copied `In` struct and a shared coefficient table as a `Borrow`ed slice,
//! and returns a result struct and a histogram array through `Out` arguments. The results are
//! compared (bit for bit) with a sequential computation on node 0.
//!
//! `mpirun -np 3 target/release/examples/sweep [rates] [starts] [steps]`

use torc::api::{self, Borrow, In, Out};

/// The parameters of one point of the grid.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Params {
    /// Growth rate of the logistic map.
    rate: f64,
    /// Starting value in (0, 1).
    x0: f64,
    /// Iterations.
    steps: u32,
    /// Index of the point in the grid (explicit padding, so that no byte is uninitialised).
    index: u32,
}

// SAFETY: a `#[repr(C)]` struct of numbers without padding: plain bytes, no pointers.
unsafe impl api::Data for Params {}

/// What one point of the grid produces.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Outcome {
    /// The last value of the orbit.
    last: f64,
    /// The mean of the orbit, weighted by the coefficient table.
    weighted: f64,
    /// Largest value seen.
    max: f64,
    /// The grid index the task saw (checks that the right parameters arrived).
    index: u32,
    /// Node that ran the task.
    node: u32,
}

// SAFETY: as for `Params`.
unsafe impl api::Data for Outcome {}

const BINS: usize = 8;

/// The computation of one point, shared by the tasks and the sequential check.
fn compute(p: &Params, coeffs: &[f64]) -> (Outcome, [u32; BINS]) {
    let mut x = p.x0;
    let mut weighted = 0.0;
    let mut max = f64::MIN;
    let mut hist = [0u32; BINS];
    for i in 0..p.steps as usize {
        x = p.rate * x * (1.0 - x);
        weighted += coeffs[i % coeffs.len()] * x;
        max = max.max(x);
        let bin = ((x * BINS as f64) as usize).min(BINS - 1);
        hist[bin] += 1;
    }
    let out = Outcome {
        last: x,
        weighted: weighted / p.steps.max(1) as f64,
        max,
        index: p.index,
        node: 0,
    };
    (out, hist)
}

/// The task: runs anywhere; its outputs start zeroed on another node.
fn point(p: &Params, coeffs: &[f64], out: &mut Outcome, hist: &mut [u32; BINS]) {
    let (o, h) = compute(p, coeffs);
    *out = Outcome {
        node: api::node_id().expect("runs inside torc") as u32,
        ..o
    };
    *hist = h;
}

fn grid(rates: usize, starts: usize, steps: u32) -> Vec<Params> {
    let mut v = Vec::with_capacity(rates * starts);
    for r in 0..rates {
        for s in 0..starts {
            v.push(Params {
                rate: 2.5 + 1.5 * r as f64 / rates.max(2).saturating_sub(1) as f64,
                x0: (s as f64 + 1.0) / (starts as f64 + 1.0),
                steps,
                index: (r * starts + s) as u32,
            });
        }
    }
    v
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rates = args.first().copied().unwrap_or(16);
    let starts = args.get(1).copied().unwrap_or(8);
    let steps = args.get(2).copied().unwrap_or(2000) as u32;

    let params = grid(rates, starts, steps);
    let coeffs: Vec<f64> = (0..37).map(|i| 1.0 + (i as f64 * 0.7).sin()).collect();

    let r = api::run(|| {
        let mut outcomes = vec![
            Outcome {
                last: 0.0,
                weighted: 0.0,
                max: 0.0,
                index: 0,
                node: 0,
            };
            params.len()
        ];
        let mut hists = vec![[0u32; BINS]; params.len()];
        api::scope(|s| {
            for ((p, o), h) in params.iter().zip(outcomes.iter_mut()).zip(hists.iter_mut()) {
                s.spawn(point, (In(p), Borrow(&coeffs[..]), Out(o), Out(h)));
            }
        })
        .unwrap();
        (
            outcomes,
            hists,
            api::num_nodes().unwrap(),
            api::num_workers().unwrap(),
        )
    })
    .expect("torc runs");
    let (outcomes, hists, nodes, workers) = r;

    let mut mismatches = 0;
    let mut per_node = vec![0usize; nodes];
    for (i, p) in params.iter().enumerate() {
        let (want, want_hist) = compute(p, &coeffs);
        let got = outcomes[i];
        let same = got.last.to_bits() == want.last.to_bits()
            && got.weighted.to_bits() == want.weighted.to_bits()
            && got.max.to_bits() == want.max.to_bits()
            && got.index == want.index
            && hists[i] == want_hist;
        if !same {
            mismatches += 1;
            eprintln!(
                "sweep: point {i} ({p:?}): got {got:?} {:?}, expected {want:?} {want_hist:?}",
                hists[i]
            );
        }
        match per_node.get_mut(got.node as usize) {
            Some(c) => *c += 1,
            None => {
                mismatches += 1;
                eprintln!("sweep: point {i} reports node {} of {nodes}", got.node);
            }
        }
    }
    let checksum: f64 = outcomes.iter().map(|o| o.weighted).sum();
    println!(
        "sweep: {} points ({rates} x {starts}, {steps} steps) on {nodes} nodes x {workers} workers: \
         mismatches={mismatches} checksum={checksum:.6} per-node={per_node:?}",
        params.len()
    );
    if mismatches != 0 {
        eprintln!("sweep: FAIL");
        std::process::exit(1);
    }
}
