//! Switching to SPMD (the torcpy paper's Listing 2): the primary task fills the global array
//! `A` on node 0, then `api::spmd(bcast, (In(&root),))` runs `bcast` on every node at once,
//! which broadcasts `A` with `MPI_Bcast` on `MPI_COMM_WORLD`. Checked on every node twice: by
//! a second spmd function reducing a checksum with `MPI_Allreduce`, and by a task placed on
//! each node returning its copy through a future. Also spmd functions with `MPI_Barrier` and
//! `MPI_Allreduce` called twice in a row, with a borrowed slice argument, and between ordinary
//! tasks. Self-checking; prints `spmd: ok` on node 0.
//!
//! `mpirun -np 3 target/release/examples/spmd`

use mpi_sys as mpi;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use torc::api::{self, Borrow, Data, In, Place};

const N: usize = 1000;

/// The global array: one per process, as a module-level numpy array is in the Python original.
static A: Mutex<[f64; N]> = Mutex::new([0.0; N]);

/// What the last `check_copy` reduced, on this node: [sum of checksums, nodes whose copy was
/// right, sum of node ids, nodes].
static REDUCED: Mutex<[f64; 4]> = Mutex::new([0.0; 4]);

/// What the last `barrier_round` reduced, on this node.
static ROUND_SUM: AtomicU64 = AtomicU64::new(0);
/// Nodes whose spmd arguments were wrong, as the last `check_args` reduced it.
static BAD_ARGS: AtomicU64 = AtomicU64::new(u64::MAX);

fn fill(round: u32) -> [f64; N] {
    let mut a = [0.0; N];
    for (i, v) in a.iter_mut().enumerate() {
        *v = 100.0 * i as f64 + f64::from(round);
    }
    a
}

fn checksum(a: &[f64]) -> f64 {
    a.iter()
        .enumerate()
        .map(|(i, v)| (1 + i % 7) as f64 * v)
        .sum()
}

fn check(rc: c_int, what: &str) {
    assert_eq!(rc, 0, "{what} failed with MPI error {rc}");
}

fn rank() -> usize {
    let mut r: c_int = -1;
    // SAFETY: MPI is initialised while torc runs; `r` is a valid out-parameter.
    check(
        unsafe { mpi::MPI_Comm_rank(mpi::RSMPI_COMM_WORLD, &mut r) },
        "MPI_Comm_rank",
    );
    r as usize
}

/// Sums `v` element-wise over all nodes (`MPI_Allreduce` on `MPI_COMM_WORLD`).
fn allreduce_f64(v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    // SAFETY: both buffers hold `v.len()` doubles; every node calls this with the same count.
    check(
        unsafe {
            mpi::MPI_Allreduce(
                v.as_ptr().cast(),
                out.as_mut_ptr().cast(),
                v.len() as c_int,
                mpi::RSMPI_DOUBLE,
                mpi::RSMPI_SUM,
                mpi::RSMPI_COMM_WORLD,
            )
        },
        "MPI_Allreduce",
    );
    out
}

fn allreduce_u64(v: u64) -> u64 {
    let mut out = 0u64;
    // SAFETY: one u64 in, one out; every node calls this with the same count.
    check(
        unsafe {
            mpi::MPI_Allreduce(
                (&v as *const u64).cast(),
                (&mut out as *mut u64).cast(),
                1,
                mpi::RSMPI_UINT64_T,
                mpi::RSMPI_SUM,
                mpi::RSMPI_COMM_WORLD,
            )
        },
        "MPI_Allreduce",
    );
    out
}

fn barrier() {
    // SAFETY: a collective on MPI_COMM_WORLD, called by every node's instance.
    check(
        unsafe { mpi::MPI_Barrier(mpi::RSMPI_COMM_WORLD) },
        "MPI_Barrier",
    );
}

/// Listing 2's `bcast_task`: broadcasts `A` from `root`.
fn bcast(root: &i32) {
    let mut a = A.lock().unwrap();
    // SAFETY: `A` holds N doubles on every node; every node's instance calls this.
    check(
        unsafe {
            mpi::MPI_Bcast(
                a.as_mut_ptr().cast(),
                N as c_int,
                mpi::RSMPI_DOUBLE,
                *root,
                mpi::RSMPI_COMM_WORLD,
            )
        },
        "MPI_Bcast",
    );
}

/// Every node compares its copy of `A` with the checksum node 0 expects; the verdicts are
/// reduced (nothing panics before the collective, so a wrong copy cannot hang the others).
fn check_copy(want: &f64) {
    let sum = checksum(&A.lock().unwrap()[..]);
    let node = api::node_id().expect("runs inside torc");
    let right = if sum == *want && rank() == node {
        1.0
    } else {
        0.0
    };
    let r = allreduce_f64(&[sum, right, node as f64, 1.0]);
    *REDUCED.lock().unwrap() = [r[0], r[1], r[2], r[3]];
}

/// A barrier, a reduction of `1000 * round + rank`, and another barrier.
fn barrier_round(round: &u64) {
    barrier();
    let total = allreduce_u64(1000 * round + rank() as u64);
    barrier();
    ROUND_SUM.store(total, Ordering::Release);
}

/// Every node checks the arguments it received (a borrowed slice and a copied value).
fn check_args(v: &[u64], n: &u64) {
    let right = v.len() as u64 == *n && v.iter().enumerate().all(|(i, &x)| x == 3 * i as u64);
    BAD_ARGS.store(allreduce_u64(u64::from(!right)), Ordering::Release);
}

/// One node's copy of `A`, and which node it is.
#[derive(Clone, Copy)]
#[repr(C)]
struct Snapshot {
    node: u64,
    a: [f64; N],
}

// SAFETY: a u64 and doubles: plain bytes, no pointers, valid for any bit pattern.
unsafe impl Data for Snapshot {}

fn snapshot() -> Snapshot {
    Snapshot {
        node: api::node_id().expect("runs inside torc") as u64,
        a: *A.lock().unwrap(),
    }
}

/// Each node's copy of `A`, read by a task placed on the node's first worker.
fn copies(nodes: usize, workers: usize) -> Vec<Snapshot> {
    let first: Vec<usize> = (0..nodes)
        .map(|k| {
            (0..workers)
                .find(|&w| api::node_of_worker(w) == Some(k))
                .expect("every node has a worker")
        })
        .collect();
    api::scope(|s| {
        let fs: Vec<_> = first
            .iter()
            .map(|&w| s.submit_at(Place::Worker(w), snapshot, ()))
            .collect();
        fs.into_iter()
            .map(|f| f.result().expect("snapshot task"))
            .collect::<Vec<_>>()
    })
    .expect("scope")
}

fn square(x: &u64) -> u64 {
    x * x
}

/// Ordinary tasks over all workers (between the spmd calls).
fn ordinary_tasks(n: u64) {
    let items: Vec<u64> = (0..n).collect();
    let got = api::map(square, &items, 3).expect("map");
    assert_eq!(got, items.iter().map(square).collect::<Vec<_>>());
    let total: u64 = api::scope(|s| {
        let fs: Vec<_> = (0..n).map(|i| s.submit(square, (In(&i),))).collect();
        fs.into_iter().map(|f| f.result().unwrap()).sum()
    })
    .unwrap();
    assert_eq!(total, items.iter().map(square).sum::<u64>());
}

fn main() {
    api::run(|| {
        let nodes = api::num_nodes().unwrap();
        let workers = api::num_workers().unwrap();
        // Tasks placed on a node stay there.
        api::set_stealing(false).unwrap();

        // The primary task initialises A on node 0; the other nodes still hold zeros.
        *A.lock().unwrap() = fill(0);
        for c in copies(nodes, workers) {
            let want = if c.node == 0 { fill(0) } else { [0.0; N] };
            assert!(c.a == want, "node {}: A before the broadcast", c.node);
        }
        ordinary_tasks(24);

        // Switch to SPMD: broadcast A from this node (Listing 2).
        let root = api::node_id().unwrap() as i32;
        api::spmd(bcast, (In(&root),)).expect("spmd(bcast)");

        // Checked on every node: by a reduction in SPMD mode, then by ordinary tasks.
        let want = checksum(&fill(0));
        api::spmd(check_copy, (In(&want),)).expect("spmd(check_copy)");
        let r = *REDUCED.lock().unwrap();
        let n = nodes as f64;
        assert_eq!(r, [n * want, n, n * (n - 1.0) / 2.0, n], "reduced");
        for (k, c) in copies(nodes, workers).into_iter().enumerate() {
            assert_eq!(c.node, k as u64, "the snapshot task placed on node {k}");
            assert!(c.a == fill(0), "node {k}: A after the broadcast");
        }

        // Barriers and reductions, twice in a row, then between ordinary tasks.
        let ranks = (nodes * (nodes - 1) / 2) as u64;
        for round in [1u64, 2] {
            api::spmd(barrier_round, (In(&round),)).expect("spmd(barrier_round)");
            assert_eq!(
                ROUND_SUM.load(Ordering::Acquire),
                nodes as u64 * 1000 * round + ranks
            );
        }
        ordinary_tasks(31);
        api::spmd(barrier_round, (In(&3u64),)).expect("spmd(barrier_round)");
        assert_eq!(
            ROUND_SUM.load(Ordering::Acquire),
            nodes as u64 * 3000 + ranks
        );
        ordinary_tasks(9);

        // A borrowed slice and a copied value reach every node.
        let v: Vec<u64> = (0..5000u64).map(|i| 3 * i).collect();
        api::spmd(check_args, (Borrow(&v[..]), In(&(v.len() as u64)))).expect("spmd(check_args)");
        assert_eq!(
            BAD_ARGS.load(Ordering::Acquire),
            0,
            "nodes with wrong arguments"
        );

        // A second broadcast with new values replaces every copy.
        *A.lock().unwrap() = fill(7);
        api::spmd(bcast, (In(&root),)).expect("spmd(bcast) again");
        let want = checksum(&fill(7));
        api::spmd(check_copy, (In(&want),)).expect("spmd(check_copy) again");
        assert_eq!(REDUCED.lock().unwrap()[1], n, "nodes with the second copy");
        for (k, c) in copies(nodes, workers).into_iter().enumerate() {
            assert!(c.a == fill(7), "node {k}: A after the second broadcast");
        }
        ordinary_tasks(16);

        println!(
            "spmd: A[{}] = {} on all {nodes} nodes",
            N - 1,
            fill(7)[N - 1]
        );
        println!("spmd: ok");
    })
    .unwrap();
}
