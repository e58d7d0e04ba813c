//! Scoped task creation for Rust: the borrows an argument takes last until the scope has
//! waited for its tasks, so the borrow checker stops a caller from touching an output early.
//! Also the tasks created outside any scope, whose arguments borrow nothing: [`submit`] and
//! its callbacks, [`spawn_detached`].

use super::arity::{failure_here, Args, CopiedArgs, TaskFn};
use super::codec::{self, Codec};
use super::error::{misuse, Error};
use super::future::Future;
use super::place::{create, spawn_closure, Place};
use super::wait::{take_failures, wait_children};
use crate::sched::worker::{current_task, current_worker};
use crate::task::descriptor::{flags, Task};
use crate::task::future::FutureCell;
use std::marker::PhantomData;

/// A scope in which tasks borrow from the caller; it waits for them before it returns.
///
/// # One thread, one task
///
/// The scope waits for the children of the task that called [`scope()`]; a task is counted
/// there only when that task creates it, on the thread that runs it. So a `Scope` is neither
/// `Send` nor `Sync`: its handle cannot reach another thread (a [`std::thread::scope`] thread,
/// a [`Scope::spawn_local`] closure), from where a task with borrowed arguments would be
/// counted nowhere the scope waits and could write into memory the caller has already
/// released. Every spawn through a `Scope` therefore comes from the task that opened it, and
/// the scope waits for all of them (direct tasks too: a local one runs to completion inside
/// [`Scope::spawn_direct`], a remote one is counted by the scope's task).
///
/// A task that creates tasks of its own opens its own scope: a task function or a
/// [`Scope::spawn_local`] closure may call [`scope()`], which waits for the tasks it created
/// before returning, so the enclosing task (and its scope) waits for them too.
///
/// # What the borrow checker refuses
///
/// Each snippet below does not compile, for the reason given; its twin, which does, follows it.
///
/// An [`Out`](super::Out) (or [`InOut`](super::InOut)) target cannot be read before the scope
/// has waited:
///
/// ```compile_fail,E0502
/// use torc::api::{self, In, Out};
/// fn square(x: &f64, y: &mut f64) { *y = x * x; }
/// api::run(|| {
///     let (x, mut y) = (3.0, 0.0);
///     api::scope(|s| {
///         s.spawn(square, (In(&x), Out(&mut y)));
///         println!("{y}"); // the task may not have written it yet
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, In, Out};
/// fn square(x: &f64, y: &mut f64) { *y = x * x; }
/// api::run(|| {
///     let (x, mut y) = (3.0, 0.0);
///     api::scope(|s| {
///         s.spawn(square, (In(&x), Out(&mut y)));
///     })
///     .unwrap();
///     println!("{y}"); // the scope has waited
/// })
/// .unwrap();
/// ```
///
/// A [`Borrow`](super::Borrow)ed slice cannot be changed while the scope lives:
///
/// ```compile_fail,E0502
/// use torc::api::{self, Borrow, Out};
/// fn sum(v: &[f64], t: &mut f64) { *t = v.iter().sum(); }
/// api::run(|| {
///     let (mut v, mut total) = (vec![1.0; 8], 0.0);
///     api::scope(|s| {
///         s.spawn(sum, (Borrow(&v[..]), Out(&mut total)));
///         v[0] = 2.0; // the task may be reading it
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, Borrow, Out};
/// fn sum(v: &[f64], t: &mut f64) { *t = v.iter().sum(); }
/// api::run(|| {
///     let (mut v, mut total) = (vec![1.0; 8], 0.0);
///     api::scope(|s| {
///         s.spawn(sum, (Borrow(&v[..]), Out(&mut total)));
///     })
///     .unwrap();
///     v[0] = 2.0; // the scope has waited
/// })
/// .unwrap();
/// ```
///
/// The handle cannot escape the closure [`scope()`] runs:
///
/// ```compile_fail,E0521
/// use torc::api::{self, Scope};
/// api::run(|| {
///     let mut kept: Option<&Scope> = None;
///     api::scope(|s| kept = Some(s)).unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, Scope};
/// api::run(|| {
///     api::scope(|s| {
///         let mut kept: Option<&Scope> = None;
///         kept = Some(s);
///         kept.is_some()
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// The handle cannot be used from another thread (`Scope` is not `Sync`):
///
/// ```compile_fail,E0277
/// use torc::api::{self, In, Out, Place};
/// fn square(x: &f64, y: &mut f64) { *y = x * x; }
/// api::run(|| {
///     let (x, mut y) = (3.0, 0.0);
///     api::scope(|s| {
///         std::thread::scope(|t| {
///             t.spawn(|| s.spawn_direct(Place::Any, square, (In(&x), Out(&mut y))));
///         });
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, In, Out, Place};
/// fn square(x: &f64, y: &mut f64) { *y = x * x; }
/// api::run(|| {
///     let (x, mut y) = (3.0, 0.0);
///     api::scope(|s| {
///         std::thread::scope(|t| {
///             t.spawn(|| println!("{x}"));
///         });
///         s.spawn_direct(Place::Any, square, (In(&x), Out(&mut y)))
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// nor from a [`Scope::spawn_local`] closure, which may run on another worker thread (open a
/// scope inside the closure instead):
///
/// ```compile_fail,E0277
/// use torc::api::{self, In, Out};
/// fn square(x: &f64, y: &mut f64) { *y = x * x; }
/// api::run(|| {
///     let (x, mut y) = (3.0, 0.0);
///     api::scope(|s| {
///         s.spawn_local(|| {
///             s.spawn(square, (In(&x), Out(&mut y)));
///         })
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, In, Out};
/// fn square(x: &f64, y: &mut f64) { *y = x * x; }
/// api::run(|| {
///     let (x, mut y) = (3.0, 0.0);
///     api::scope(|s| {
///         s.spawn_local(|| {
///             api::scope(|inner| inner.spawn(square, (In(&x), Out(&mut y))))
///                 .unwrap();
///         })
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
///
/// Only [`Data`](super::Data) (plain values without pointers) and slices of it travel as
/// arguments:
///
/// ```compile_fail,E0277
/// use torc::api::{self, In, Out};
/// fn first(v: &Vec<u32>, y: &mut u32) { *y = v[0]; }
/// api::run(|| {
///     let (v, mut y) = (vec![1u32, 2], 0);
///     api::scope(|s| s.spawn(first, (In(&v), Out(&mut y)))).unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, In, Out};
/// fn first(v: &[u32], y: &mut u32) { *y = v[0]; }
/// api::run(|| {
///     let (v, mut y) = (vec![1u32, 2], 0);
///     api::scope(|s| s.spawn(first, (In(&v[..]), Out(&mut y)))).unwrap();
/// })
/// .unwrap();
/// ```
///
/// A task function that captures something cannot be spawned to run anywhere; only
/// [`Scope::spawn_local`] takes capturing closures (the check is made when the program is
/// compiled to code, so `cargo build` reports it and `cargo check` does not):
///
/// ```compile_fail,E0080
/// use torc::api::{self, In, Out};
/// api::run(|| {
///     let (k, x, mut y) = (2.0, 3.0, 0.0);
///     api::scope(|s| s.spawn(move |x: &f64, y: &mut f64| *y = k * x, (In(&x), Out(&mut y))))
///         .unwrap();
/// })
/// .unwrap();
/// ```
///
/// ```no_run
/// use torc::api::{self, In, Out};
/// api::run(|| {
///     let (k, x, mut y, mut z) = (2.0, 3.0, 0.0, 0.0);
///     api::scope(|s| {
///         s.spawn(|x: &f64, y: &mut f64| *y = 2.0 * x, (In(&x), Out(&mut y)));
///         s.spawn_local(|| z = k * x)
///     })
///     .unwrap();
/// })
/// .unwrap();
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
    /// The task that opened the scope. A raw pointer, so that `Scope` is neither `Send` nor
    /// `Sync`: the soundness of borrowed arguments depends on it (see above).
    task: *const Task,
}

/// Runs `f` with a [`Scope`]; before returning (or unwinding), waits for every child task of
/// the calling task, so that all borrows the tasks took have ended.
pub fn scope<'env, F, T>(f: F) -> Result<T, Error>
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    if !crate::runtime::is_running() {
        return Err(Error::NotRunning);
    }
    if current_worker().is_none() || current_task().is_null() {
        return Err(Error::NotInTask);
    }
    struct WaitOnDrop;
    impl Drop for WaitOnDrop {
        fn drop(&mut self) {
            wait_children();
        }
    }
    let s = Scope {
        scope: PhantomData,
        env: PhantomData,
        task: current_task(),
    };
    let guard = WaitOnDrop;
    let r = f(&s);
    drop(guard);
    match take_failures() {
        Some(e) => Err(e),
        None => Ok(r),
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Checks (in debug builds) that the caller is the task that opened the scope, which the
    /// types guarantee: a `Scope` never leaves its thread, and the thread runs other tasks
    /// only inside waits, from where the handle cannot be reached.
    #[inline]
    fn owned(&self) {
        debug_assert!(
            std::ptr::eq(current_task(), self.task),
            "a torc::api::Scope was used outside the task that opened it"
        );
    }

    /// Creates a task running `f(args...)` on any worker of the job (round-robin). A panic
    /// in it makes [`scope()`] return [`Error::Task`].
    ///
    /// # Panics
    /// On misuse: a [`Place`] naming no worker, an argument too large to move.
    pub fn spawn<A: Args<'scope>, F: TaskFn<A::Kinds>>(&'scope self, f: F, args: A) {
        self.owned();
        create("torc::Scope::spawn", Place::Any, 0, f, args, None)
    }

    /// Creates a task at `place`.
    ///
    /// # Panics
    /// As [`Scope::spawn`].
    pub fn spawn_at<A: Args<'scope>, F: TaskFn<A::Kinds>>(
        &'scope self,
        place: Place,
        f: F,
        args: A,
    ) {
        self.owned();
        create("torc::Scope::spawn_at", place, 0, f, args, None)
    }

    /// Creates a task running `f(args...)` on any worker of the job and returns the handle
    /// of its result (PEP 3148's `submit`). `R` is any [`Codec`] type: a [`Data`](super::Data)
    /// value, a vector of them, a `String`, a byte vector, ... A result made on this node is
    /// handed over as it is; one from another node travels with the completion.
    ///
    /// # Panics
    /// As [`Scope::spawn`].
    pub fn submit<A: Args<'scope>, R: Codec, F: TaskFn<A::Kinds, R>>(
        &'scope self,
        f: F,
        args: A,
    ) -> Future<R> {
        self.submit_at(Place::Any, f, args)
    }

    /// [`Scope::submit`] at `place`.
    ///
    /// # Panics
    /// As [`Scope::spawn`].
    pub fn submit_at<A: Args<'scope>, R: Codec, F: TaskFn<A::Kinds, R>>(
        &'scope self,
        place: Place,
        f: F,
        args: A,
    ) -> Future<R> {
        self.owned();
        let spare = current_worker().map(|c| &c.cells);
        let cell = FutureCell::new_in(spare, Some(codec::decode_value::<R>), None);
        create("torc::Scope::submit", place, 0, f, args, Some(cell.clone()));
        Future::new(cell)
    }

    /// [`Scope::submit`] with a callback: `callback(&future)` runs on this node when the task
    /// completes, before the handle reports it done and before the scope's wait returns
    /// (torcpy's `callback=`). The callback may create tasks (open a [`scope()`] inside it);
    /// a panic in it makes [`scope()`] return [`Error::Task`] naming the callback.
    ///
    /// # Panics
    /// As [`Scope::spawn`].
    pub fn submit_then<A, R, F, C>(&'scope self, f: F, args: A, callback: C) -> Future<R>
    where
        A: Args<'scope>,
        R: Codec,
        F: TaskFn<A::Kinds, R>,
        C: FnOnce(&Future<R>) + Send + 'scope,
    {
        self.owned();
        let cb = boxed_callback::<R, F, C>(callback);
        // SAFETY: only the lifetime is changed: the callback runs before the parent's wait
        // returns (see `sched/complete.rs`), and the scope waits for its tasks before `'scope`
        // ends, so nothing it borrows is gone when it runs.
        let cb: crate::task::future::Callback = unsafe { std::mem::transmute(cb) };
        let cell = FutureCell::new(Some(codec::decode_value::<R>), Some(cb));
        create(
            "torc::Scope::submit_then",
            Place::Any,
            0,
            f,
            args,
            Some(cell.clone()),
        );
        Future::new(cell)
    }

    /// Creates a direct task: it runs promptly on `place`'s node outside the worker queues
    /// (keep it short). On this node it runs to completion before this returns; on another
    /// node it is counted by the scope's task, so the scope waits for it (and for its
    /// [`Out`](super::Out) / [`InOut`](super::InOut) results) like for any other task.
    ///
    /// # Panics
    /// As [`Scope::spawn`].
    pub fn spawn_direct<A: Args<'scope>, F: TaskFn<A::Kinds>>(
        &'scope self,
        place: Place,
        f: F,
        args: A,
    ) {
        self.owned();
        create(
            "torc::Scope::spawn_direct",
            place,
            flags::DIRECT,
            f,
            args,
            None,
        )
    }

    /// Creates a task that captures its environment; it runs on this node's workers only.
    /// The closure cannot capture the scope (a `Scope` is not `Sync`); to create tasks from
    /// it, open a scope inside it with [`scope()`].
    ///
    /// # Panics
    /// As [`Scope::spawn`].
    pub fn spawn_local<C: FnOnce() + Send + 'scope>(&'scope self, c: C) {
        self.owned();
        spawn_closure(Box::new(c), None).unwrap_or_else(|e| misuse("torc::Scope::spawn_local", e))
    }
}

/// Creates a task counted in the calling task and returns the handle of its result, outside
/// any [`Scope`]: for arguments that borrow nothing (owned [`Moved`](super::Moved) payloads,
/// copies of `'static` data), so the handle may outlive the calling frame. The calling task
/// waits for it with [`wait_all`](super::wait_all) or the handle, and in any case before it
/// completes itself (a task is complete only when its children are). `place` as in
/// [`Scope::spawn_at`].
///
/// Any thread of a running node may call it, not only a task: a task created by a thread that
/// runs no task (a thread the program started, a worker between tasks) is counted in its
/// node, as detached work is, so the job waits for it before it ends; its handle works as any
/// other (waiting on it outside a worker naps between looks).
///
/// # Panics
/// When the runtime does not run on this node, and on misuse as [`Scope::spawn`].
pub fn submit<A, R, F>(place: Place, f: F, args: A) -> Future<R>
where
    A: Args<'static>,
    R: Codec,
    F: TaskFn<A::Kinds, R>,
{
    const API: &str = "torc::api::submit";
    if !crate::runtime::is_running() {
        misuse(API, Error::NotRunning);
    }
    let spare = current_worker().map(|c| &c.cells);
    let cell = FutureCell::new_in(spare, Some(codec::decode_value::<R>), None);
    create(API, place, 0, f, args, Some(cell.clone()));
    Future::new(cell)
}

/// [`submit`] with a callback: `callback(&future)` runs on this node when the task completes,
/// before the handle reports it done and before the calling task's wait returns (see
/// [`Scope::submit_then`]).
///
/// # Panics
/// As [`submit`].
pub fn submit_then<A, R, F, C>(place: Place, f: F, args: A, callback: C) -> Future<R>
where
    A: Args<'static>,
    R: Codec,
    F: TaskFn<A::Kinds, R>,
    C: FnOnce(&Future<R>) + Send + 'static,
{
    with_callback("torc::api::submit_then", place, f, args, callback, false)
}

/// [`submit_then`] for a brief callback: `callback(&future)` runs on the thread that completes
/// the task, at once: the worker that ran it, or, for a task that ran on another node,
/// whichever thread receives its completion (possibly the communication thread), instead of
/// waiting for a worker of this node to be free to run it. It must be brief: it must not
/// block, wait for tasks, create tasks, or take locks held long (hand heavier work to another
/// thread). A panic in it is a failure filed under the calling task.
///
/// # Panics
/// As [`submit`].
pub fn submit_notify<A, R, F, C>(place: Place, f: F, args: A, callback: C) -> Future<R>
where
    A: Args<'static>,
    R: Codec,
    F: TaskFn<A::Kinds, R>,
    C: FnOnce(&Future<R>) + Send + 'static,
{
    with_callback("torc::api::submit_notify", place, f, args, callback, true)
}

/// [`submit_then`] and [`submit_notify`] (`inline`: the callback is brief).
fn with_callback<A, R, F, C>(
    api: &str,
    place: Place,
    f: F,
    args: A,
    callback: C,
    inline: bool,
) -> Future<R>
where
    A: Args<'static>,
    R: Codec,
    F: TaskFn<A::Kinds, R>,
    C: FnOnce(&Future<R>) + Send + 'static,
{
    if !crate::runtime::is_running() {
        misuse(api, Error::NotRunning);
    }
    let cb = boxed_callback::<R, F, C>(callback);
    let spare = current_worker().map(|c| &c.cells);
    let mut cell = FutureCell::new_in(spare, Some(codec::decode_value::<R>), Some(cb));
    if inline {
        std::sync::Arc::get_mut(&mut cell)
            .expect("a new cell has no other reference")
            .inline_callback = true;
    }
    create(api, place, 0, f, args, Some(cell.clone()));
    Future::new(cell)
}

/// The runtime's callback that shows the finished cell to `callback` as a [`Future`]; a panic
/// in it becomes a failure named after the task function `F`'s callback.
fn boxed_callback<'s, R: Codec, F, C: FnOnce(&Future<R>) + Send + 's>(
    callback: C,
) -> crate::task::future::CallbackIn<'s> {
    Box::new(move |cell: &std::sync::Arc<FutureCell>| {
        let fut = Future::<R>::borrowed(cell.clone());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(&fut)));
        // (The name is made only for a failure: a callback per task must not format one.)
        r.err().map(|p| {
            let name = format!("callback of {}", std::any::type_name::<F>());
            failure_here(name, crate::error::panic_message(&*p))
        })
    })
}

/// Creates a detached task: nobody waits for it (the job waits for it before ending). Only
/// copied arguments are allowed, since nothing outlives the call. If it panics, the failure is
/// reported when the run ends.
///
/// # Panics
/// As [`Scope::spawn`].
pub fn spawn_detached<A: CopiedArgs, F: TaskFn<A::Kinds>>(place: Place, f: F, args: A) {
    create(
        "torc::spawn_detached",
        place,
        flags::DETACHED,
        f,
        args,
        None,
    )
}
