//! The C interface and the Rust API in one job:
//! * `extern "C"` task functions created through the variadic C entry point `torc_task`, with
//!   MPI datatypes from `mpi-sys` (`MPI_INT32_T`, `MPI_INT64_T`, `MPI_DOUBLE`) and with raw
//!   bytes (`MPI_BYTE` counts for a `#[repr(C)]` struct), waited for with `torc_waitall`;
//! * typed Rust tasks (`Scope::spawn`) created next to C tasks in the same scope (the scope
//!   waits for both kinds);
//! * a C task that uses the Rust API inside (a scope with Rust child tasks), and a Rust task
//!   that creates C tasks and waits with `torc_waitall`.
//!
//! `mpirun -np 3 target/release/examples/mixed [n]`

use std::os::raw::c_int;
use torc::api::{self, Borrow, In, Out};
use torc::ffi::constants::{CALL_BY_COP, CALL_BY_PTR, CALL_BY_REF, CALL_BY_RES};

use mpi_sys::MPI_Datatype;

extern "C" {
    fn torc_task(qid: c_int, f: extern "C" fn(), narg: c_int, ...);
    fn torc_waitall();
}

fn double() -> MPI_Datatype {
    // SAFETY: reading an extern static handle of the MPI library.
    unsafe { mpi_sys::RSMPI_DOUBLE }
}
fn int32() -> MPI_Datatype {
    // SAFETY: as above.
    unsafe { mpi_sys::RSMPI_INT32_T }
}
fn int64() -> MPI_Datatype {
    // SAFETY: as above.
    unsafe { mpi_sys::RSMPI_INT64_T }
}
fn bytes() -> MPI_Datatype {
    // SAFETY: as above.
    unsafe { mpi_sys::RSMPI_UINT8_T }
}

/// A worker to send the `i`-th task to (spreads C tasks over all nodes).
fn qid(i: usize) -> c_int {
    (i % api::num_workers().expect("torc runs")) as c_int
}

// ---- C-style task functions (one pointer per argument) ----

/// `y[k] += a * x[k]` for `k < n` (n: COP int32, a: COP double, x: PTR doubles, y: REF doubles).
extern "C" fn c_axpy(n: *const i32, a: *const f64, x: *const f64, y: *mut f64) {
    // SAFETY: the runtime passes the argument buffers described at creation.
    unsafe {
        let n = *n as usize;
        let x = std::slice::from_raw_parts(x, n);
        let y = std::slice::from_raw_parts_mut(y, n);
        for k in 0..n {
            y[k] += *a * x[k];
        }
    }
}
type Axpy = extern "C" fn(*const i32, *const f64, *const f64, *mut f64);

/// `*v = value(i)` (i: COP int32, v: RES double).
extern "C" fn c_fill(i: *const i32, v: *mut f64) {
    // SAFETY: as above.
    unsafe { *v = value(*i as i64) }
}
type Fill = extern "C" fn(*const i32, *mut f64);

/// A C task that uses the Rust API: the sum of `square(j)` for `j < k`, by Rust child tasks
/// (k: COP int64, sum: RES int64).
extern "C" fn c_parent(k: *const i64, sum: *mut i64) {
    // SAFETY: as above.
    let k = unsafe { *k } as usize;
    let mut parts = vec![0i64; k];
    api::scope(|s| {
        for (j, p) in parts.iter_mut().enumerate() {
            s.spawn(square, (In(&(j as i64)), Out(p)));
        }
    })
    .expect("a C task may use the Rust API");
    // SAFETY: as above.
    unsafe { *sum = parts.iter().sum() }
}
type Parent = extern "C" fn(*const i64, *mut i64);

/// A struct passed as raw bytes (`MPI_BYTE` counts).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pair {
    a: i64,
    b: f64,
}

/// Swaps the roles of the fields (p: REF bytes).
extern "C" fn c_pair(p: *mut Pair) {
    // SAFETY: as above; the bytes were a `Pair` on the creating node.
    unsafe {
        let q = *p;
        *p = Pair {
            a: q.b as i64 * 3,
            b: q.a as f64 / 2.0,
        };
    }
}
type PairFn = extern "C" fn(*mut Pair);

fn erase<F: Copy>(f: F) -> extern "C" fn() {
    assert_eq!(
        std::mem::size_of::<F>(),
        std::mem::size_of::<extern "C" fn()>()
    );
    // SAFETY: `F` is an `extern "C" fn` pointer type; the runtime calls it with the
    // argument words it was created with, matching its real signature.
    unsafe { std::mem::transmute_copy(&f) }
}

// ---- Rust task functions ----

fn value(i: i64) -> f64 {
    (i as f64) * 0.5 + 1.0 / (i as f64 + 1.0)
}

fn square(j: &i64, out: &mut i64) {
    *out = j * j;
}

fn dot(x: &[f64], y: &[f64], out: &mut f64) {
    *out = x.iter().zip(y).map(|(a, b)| a * b).sum();
}

/// A Rust task that creates C tasks and waits for them with `torc_waitall`.
fn rust_parent(base: &i32, out: &mut [f64; 8]) {
    let idx: Vec<i32> = (0..8).map(|i| base + i).collect();
    for (i, v) in out.iter_mut().enumerate() {
        // SAFETY: arguments described as (1 int32, COP) and (1 double, RES); both live until
        // `torc_waitall` below returns.
        unsafe {
            torc_task(
                qid(i),
                erase::<Fill>(c_fill),
                2,
                1,
                int32(),
                CALL_BY_COP,
                1,
                double(),
                CALL_BY_RES,
                &idx[i] as *const i32,
                v as *mut f64,
            );
        }
    }
    // SAFETY: called from a task.
    unsafe { torc_waitall() };
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let x: Vec<f64> = (0..n).map(|i| value(i as i64)).collect();
    let a = 2.5f64;
    let chunks = 6usize;

    let r = api::run(|| {
        // Phase 1: C tasks only, waited for with torc_waitall. Each updates one chunk of y.
        let mut y: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let len = n.div_ceil(chunks);
        let counts: Vec<i32> = y.chunks(len).map(|c| c.len() as i32).collect();
        for (c, (yc, xc)) in y.chunks_mut(len).zip(x.chunks(len)).enumerate() {
            // SAFETY: four arguments as described; `counts`, `a`, `x` and `y` outlive the
            // torc_waitall below, and the chunks do not overlap.
            unsafe {
                torc_task(
                    qid(c),
                    erase::<Axpy>(c_axpy),
                    4,
                    1,
                    int32(),
                    CALL_BY_COP,
                    1,
                    double(),
                    CALL_BY_COP,
                    counts[c],
                    double(),
                    CALL_BY_PTR,
                    counts[c],
                    double(),
                    CALL_BY_REF,
                    &counts[c] as *const i32,
                    &a as *const f64,
                    xc.as_ptr(),
                    yc.as_mut_ptr(),
                );
            }
        }
        // SAFETY: called from the primary task.
        unsafe { torc_waitall() };

        // Phase 2: C and Rust tasks in one scope.
        let mut d = 0.0f64;
        let mut sums = [0i64; 3];
        let ks = [10i64, 20, 33];
        let mut filled = [[0.0f64; 8]; 2];
        let mut pair = Pair { a: 7, b: 11.0 };
        api::scope(|s| {
            s.spawn(dot, (Borrow(&x[..]), Borrow(&y[..]), Out(&mut d)));
            for (i, (k, sum)) in ks.iter().zip(sums.iter_mut()).enumerate() {
                // SAFETY: (1 int64, COP) and (1 int64, RES); `ks` and `sums` outlive the scope,
                // which waits for every child of this task, C-created ones included.
                unsafe {
                    torc_task(
                        qid(i + 1),
                        erase::<Parent>(c_parent),
                        2,
                        1,
                        int64(),
                        CALL_BY_COP,
                        1,
                        int64(),
                        CALL_BY_RES,
                        k as *const i64,
                        sum as *mut i64,
                    );
                }
            }
            for (b, f) in filled.iter_mut().enumerate() {
                s.spawn(rust_parent, (In(&(b as i32 * 8)), Out(f)));
            }
            // SAFETY: one REF argument of size_of::<Pair>() bytes; `pair` outlives the scope.
            unsafe {
                torc_task(
                    qid(5),
                    erase::<PairFn>(c_pair),
                    1,
                    std::mem::size_of::<Pair>() as c_int,
                    bytes(),
                    CALL_BY_REF,
                    &mut pair as *mut Pair,
                );
            }
        })
        .unwrap();
        // Nothing is left to wait for; must return at once.
        // SAFETY: called from the primary task.
        unsafe { torc_waitall() };
        (
            y,
            d,
            sums,
            filled,
            pair,
            api::num_nodes().unwrap(),
            api::num_workers().unwrap(),
        )
    })
    .expect("torc runs");
    let (y, d, sums, filled, pair, nodes, workers) = r;

    let mut bad = 0;
    let want_y: Vec<f64> = (0..n).map(|i| i as f64 + a * x[i]).collect();
    let y_bad = (0..n)
        .filter(|&i| y[i].to_bits() != want_y[i].to_bits())
        .count();
    if y_bad != 0 {
        bad += 1;
        eprintln!("mixed: axpy: {y_bad} of {n} elements wrong");
    }
    let want_d: f64 = x.iter().zip(&want_y).map(|(a, b)| a * b).sum();
    if d.to_bits() != want_d.to_bits() {
        bad += 1;
        eprintln!("mixed: dot = {d}, expected {want_d}");
    }
    let want_sums = [10i64, 20, 33].map(|k| (0..k).map(|j| j * j).sum::<i64>());
    if sums != want_sums {
        bad += 1;
        eprintln!("mixed: sums of squares {sums:?}, expected {want_sums:?}");
    }
    for (b, f) in filled.iter().enumerate() {
        let want: Vec<f64> = (0..8).map(|i| value((b * 8 + i) as i64)).collect();
        if f[..] != want[..] {
            bad += 1;
            eprintln!("mixed: filled[{b}] = {f:?}, expected {want:?}");
        }
    }
    let want_pair = Pair { a: 33, b: 3.5 };
    if pair != want_pair {
        bad += 1;
        eprintln!("mixed: pair = {pair:?}, expected {want_pair:?}");
    }
    println!(
        "mixed: {chunks} C axpy tasks, 1 Rust dot, 3 C parents of Rust tasks, 2 Rust parents of \
         C tasks, 1 byte-typed C task on {nodes} nodes x {workers} workers: dot={d:.3} bad={bad}"
    );
    if bad != 0 {
        eprintln!("mixed: FAIL");
        std::process::exit(1);
    }
}
