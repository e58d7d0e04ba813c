//! `map(f, items, chunksize)`: `f` over every item, in chunks of `chunksize` items spread over
//! all workers of all nodes (round robin, as `qid == -1`; stealing applies), results in input
//! order; [`map_with`] takes [`MapOptions`] (chunk size, a progress line on stderr).
//!
//! Each chunk is one task that reads its items where they are ([`Borrow`], `CALL_BY_PTR`: no
//! copy on this node, sent along to another) and writes its results straight into their
//! place in the output ([`Out`], `CALL_BY_RES`: written back from another node).

use super::args::{Borrow, Out};
use super::arity::conjure;
use super::data::Data;
use super::error::misuse;
use super::error::Error;
use super::scope::scope;
use crate::sched::worker::{current_task, current_worker};
use std::time::{Duration, Instant};

/// The task of one chunk: `f` over `items` into `out`.
fn chunk<F: Fn(&T) -> R + Copy, T: Data, R: Data>(items: &[T], out: &mut [R]) {
    let f: F = conjure();
    for (x, y) in items.iter().zip(out.iter_mut()) {
        *y = f(x);
    }
}

/// How [`map_with`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapOptions {
    /// Items per task (at least 1).
    pub chunksize: usize,
    /// Print `torc::api::map: D/N items done (P%), R items/s` on stderr at most this often
    /// while the map runs, and once at its end (`None`: print nothing).
    pub progress: Option<Duration>,
}

impl Default for MapOptions {
    /// One item per task, no progress line.
    fn default() -> Self {
        MapOptions {
            chunksize: 1,
            progress: None,
        }
    }
}

/// `f` over every item of `items`, in chunks of `chunksize` items run as tasks over all
/// workers of the job; the results in input order. `f` is a plain `fn` item or a closure that
/// captures nothing (it runs on any node). A panic in `f` makes the call return
/// [`Error::Task`] naming the chunk's task; the other chunks still run.
///
/// # Panics
/// With `chunksize == 0`, or outside a task of a running runtime.
pub fn map<T, R, F>(f: F, items: &[T], chunksize: usize) -> Result<Vec<R>, Error>
where
    T: Data,
    R: Data,
    F: Fn(&T) -> R + Copy + Send + 'static,
{
    map_with(
        f,
        items,
        MapOptions {
            chunksize,
            progress: None,
        },
    )
}

/// The progress line: `done` of `total` items after `elapsed`.
fn progress_line(done: usize, total: usize, elapsed: Duration) -> String {
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let rate = if rate >= 100.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    };
    format!("torc::api::map: {done}/{total} items done ({pct}%), {rate} items/s")
}

/// [`map`] with options: the chunk size, and a progress line while it runs.
///
/// # Panics
/// As [`map`].
pub fn map_with<T, R, F>(f: F, items: &[T], options: MapOptions) -> Result<Vec<R>, Error>
where
    T: Data,
    R: Data,
    F: Fn(&T) -> R + Copy + Send + 'static,
{
    let _ = f;
    let chunksize = options.chunksize;
    if chunksize == 0 {
        misuse(
            "torc::api::map",
            Error::Config("chunksize = 0 (at least 1)".into()),
        );
    }
    let n = items.len();
    let mut out: Vec<R> = Vec::with_capacity(n);
    // SAFETY: room for n values; all-zero bytes are a valid Data value (Data is valid for
    // any bytes); every one is overwritten by its chunk's task before it is read.
    unsafe {
        std::ptr::write_bytes(out.as_mut_ptr(), 0, n);
        out.set_len(n);
    }
    let started = Instant::now();
    let done = scope(|s| {
        // Children of the calling task completed before this map's chunks.
        // SAFETY: the current task is alive while it runs on this thread (scope checked
        // that there is one).
        let before = unsafe { current_task().as_ref() }.map_or(0, |t| t.latch.counts().1);
        for (xs, ys) in items.chunks(chunksize).zip(out.chunks_mut(chunksize)) {
            s.spawn(chunk::<F, T, R>, (Borrow(xs), Out(ys)));
        }
        if let (Some(every), Some(ctx)) = (options.progress, current_worker()) {
            // Only when the count moved: a zero interval prints once per finished chunk.
            let mut last = usize::MAX;
            let mut tick = |completed: usize| {
                let items_done = (completed.saturating_sub(before) * chunksize).min(n);
                if items_done != last && items_done < n {
                    last = items_done;
                    eprintln!("{}", progress_line(items_done, n, started.elapsed()));
                }
            };
            crate::sched::wait::wait_ticking(ctx, every, &mut tick);
            eprintln!("{}", progress_line(n, n, started.elapsed()));
        }
    });
    match done {
        Ok(()) => Ok(out),
        Err(e @ Error::Task(_)) => Err(e),
        Err(other) => misuse("torc::api::map", other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_says_items_percent_and_rate() {
        let l = progress_line(50, 200, Duration::from_secs(2));
        assert_eq!(l, "torc::api::map: 50/200 items done (25%), 25.0 items/s");
        let l = progress_line(200, 200, Duration::from_millis(500));
        assert_eq!(l, "torc::api::map: 200/200 items done (100%), 400 items/s");
        assert!(progress_line(0, 0, Duration::ZERO).contains("0/0 items done (100%)"));
    }
}
