//! The safe face of the few raw MPI calls the runtime makes.
//!
//! When MPI grants less than `MPI_THREAD_MULTIPLE`, every call goes through [`with_mpi`],
//! which holds one process-wide lock, so no two threads are ever inside MPI at once.

pub(crate) mod datatype;
pub(crate) mod posted;

use mpi_sys as ffi;
use parking_lot::Mutex;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::{AtomicBool, Ordering};

/// The largest body sent on the control communicator (received into the buffers of
/// `posted.rs`).
/// cbindgen:ignore
pub(crate) const POSTED_MAX: usize = 128 << 10;

static SERIALIZE: AtomicBool = AtomicBool::new(true);
/// Set once the job is being stopped on purpose (`MPI_Abort`): exits from then on are not
/// early exits (see `runtime/signals.rs`).
static ABORTING: AtomicBool = AtomicBool::new(false);

/// Whether [`abort_job`] or [`abort_from_handler`] was called.
pub(crate) fn aborting() -> bool {
    ABORTING.load(Ordering::Acquire)
}

/// The path of the mark a process of `pid` leaves when it stops the job itself (a fatal error,
/// a crash, an early exit), NUL-terminated in `buf`; its length.
pub(crate) fn ended_mark(pid: u32, buf: &mut [u8; 64]) -> usize {
    let prefix = b"/dev/shm/torc-ended-";
    buf[..prefix.len()].copy_from_slice(prefix);
    let mut digits = [0u8; 10];
    let (mut n, mut k) = (pid, 0);
    loop {
        digits[k] = b'0' + (n % 10) as u8;
        k += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut at = prefix.len();
    for d in digits[..k].iter().rev() {
        buf[at] = *d;
        at += 1;
    }
    buf[at] = 0;
    at
}

/// Set when another process of the job on this host watches this one (`runtime/diag.rs`):
/// only then is a mark left.
static WATCHED: AtomicBool = AtomicBool::new(false);

/// Another process of the job watches this one from now on.
pub(crate) fn set_watched() {
    WATCHED.store(true, Ordering::Release);
}

/// Leaves this process's mark (see [`ended_mark`]) when another process watches it: that
/// process then knows that this end was reported, not a lost node, and takes the mark away.
/// No allocation: signal handlers call it.
pub(crate) fn mark_ended() {
    if !WATCHED.load(Ordering::Acquire) {
        return;
    }
    let mut buf = [0u8; 64];
    // SAFETY: getpid takes nothing and cannot fail.
    ended_mark(unsafe { libc::getpid() } as u32, &mut buf);
    // SAFETY: open/close of a NUL-terminated path in our buffer.
    unsafe {
        let fd = libc::open(
            buf.as_ptr() as *const libc::c_char,
            libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
            0o600,
        );
        if fd >= 0 {
            libc::close(fd);
        }
    }
}
static LOCK: Mutex<()> = Mutex::new(());

/// Runs `f`, which calls MPI, under the MPI lock when the thread level needs it.
pub(crate) fn with_mpi<R>(f: impl FnOnce() -> R) -> R {
    if SERIALIZE.load(Ordering::Relaxed) {
        let _g = LOCK.lock();
        f()
    } else {
        f()
    }
}

/// Whether MPI calls are serialised by the lock (MPI granted less than MULTIPLE).
pub(crate) fn serialized() -> bool {
    SERIALIZE.load(Ordering::Relaxed)
}

/// Runs `f`, which makes MPI calls of its own (the application's), holding the MPI lock when
/// MPI calls are serialised, so that none of the runtime's overlaps them.
pub(crate) fn hold(f: &mut dyn FnMut()) {
    with_mpi(f)
}

/// What `init` found or set up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct World {
    /// This process's rank in `MPI_COMM_WORLD`.
    pub(crate) rank: usize,
    /// Number of processes.
    pub(crate) size: usize,
    /// The runtime's private duplicate of `MPI_COMM_WORLD` for control messages (at most
    /// [`POSTED_MAX`] bytes each, received into posted buffers).
    pub(crate) comm: ffi::MPI_Comm,
    /// A second duplicate for bulk data (large arguments and long bodies), received only by
    /// blocking receives naming their source and tag, after a control message announced them.
    pub(crate) bulk: ffi::MPI_Comm,
}

// SAFETY: an MPI communicator handle is a plain value usable from any thread (MPI serialises
// access as the thread level requires, and `with_mpi` does the rest).
unsafe impl Send for World {}
// SAFETY: the handles are plain values, never mutated after `init`; MPI serialises calls on
// them as the thread level requires (and `with_mpi` does the rest).
unsafe impl Sync for World {}

/// Whether `MPI_Init` has run.
pub(crate) fn is_initialized() -> bool {
    let mut flag: c_int = 0;
    // SAFETY: MPI_Initialized may be called at any time, from any thread.
    unsafe { ffi::MPI_Initialized(&mut flag) };
    flag != 0
}

/// Whether `MPI_Finalize` has run.
pub(crate) fn is_finalized() -> bool {
    let mut flag: c_int = 0;
    // SAFETY: MPI_Finalized may be called at any time, from any thread.
    unsafe { ffi::MPI_Finalized(&mut flag) };
    flag != 0
}

/// OpenMPI yields the processor inside every `MPI_Test` that finds nothing once a host is
/// oversubscribed (`mpi_yield_when_idle`, which it turns on by itself then). torc's threads
/// park when idle, so the yields only cost: a worker testing for a message while it holds the
/// engine gives its core away, and a round trip took 20-60 us instead of 2-3. Unless the user
/// chose (`OMPI_MCA_mpi_yield_when_idle` set), torc asks OpenMPI not to; MPICH ignores it.
fn no_yield_in_mpi_unless_asked() {
    const VAR: &std::ffi::CStr = c"OMPI_MCA_mpi_yield_when_idle";
    if std::env::var_os("OMPI_MCA_mpi_yield_when_idle").is_some() {
        return;
    }
    // SAFETY: both strings are NUL-terminated; this runs in torc_init before MPI starts and
    // before torc starts any thread (setenv must not race with another thread's getenv).
    unsafe { libc::setenv(VAR.as_ptr(), c"0".as_ptr(), 0) };
}

/// Starts MPI unless the application did, asking for `MPI_THREAD_MULTIPLE`, and duplicates
/// `MPI_COMM_WORLD` twice for the runtime's traffic (control and bulk).
///
/// # Safety
/// `argc`/`argv` are NULL or the program's argument count and vector, as `MPI_Init` wants.
pub(crate) unsafe fn init(argc: *mut c_int, argv: *mut *mut *mut c_char) -> World {
    let mut provided: c_int = 0;
    let initialized_here = !is_initialized();
    // SAFETY: argc/argv are the application's (or NULL, which MPI accepts); MPI is initialised
    // at most once because we checked MPI_Initialized; the calls below need MPI initialised.
    unsafe {
        if initialized_here {
            no_yield_in_mpi_unless_asked();
            ffi::MPI_Init_thread(argc, argv, ffi::RSMPI_THREAD_MULTIPLE, &mut provided);
        } else {
            ffi::MPI_Query_thread(&mut provided);
        }
    }
    // SAFETY: reading an extern constant of the MPI library.
    let multiple = unsafe { ffi::RSMPI_THREAD_MULTIPLE };
    SERIALIZE.store(provided < multiple, Ordering::Relaxed);
    let (mut rank, mut size): (c_int, c_int) = (0, 0);
    let dup = || {
        let mut c = std::mem::MaybeUninit::<ffi::MPI_Comm>::uninit();
        // SAFETY: MPI is initialised; the out-pointer is valid for writing.
        unsafe {
            ffi::MPI_Comm_dup(ffi::RSMPI_COMM_WORLD, c.as_mut_ptr());
            c.assume_init()
        }
    };
    // SAFETY: MPI is initialised; the out-pointers are valid for writing.
    unsafe {
        ffi::MPI_Comm_rank(ffi::RSMPI_COMM_WORLD, &mut rank);
        ffi::MPI_Comm_size(ffi::RSMPI_COMM_WORLD, &mut size);
    }
    let comm = dup();
    let bulk = dup();
    World {
        rank: rank as usize,
        size: size as usize,
        comm,
        bulk,
    }
}

/// Frees the runtime's communicators and finalises MPI (unless already finalised).
pub(crate) fn finalize(world: &World) {
    if is_finalized() {
        return;
    }
    let (mut comm, mut bulk) = (world.comm, world.bulk);
    // SAFETY: MPI is initialised and not finalised; both are our duplicates, freed once.
    unsafe {
        ffi::MPI_Comm_free(&mut comm);
        ffi::MPI_Comm_free(&mut bulk);
        ffi::MPI_Finalize();
    }
}

/// Stops the whole job with `code` through `MPI_Abort`, starting MPI first when it has not
/// started yet (as `torc_init` would, asking for `MPI_THREAD_MULTIPLE`): a process that just
/// exits before `MPI_Init` leaves some launchers (MPICH's hydra) waiting forever for the
/// ranks that did start. After `MPI_Finalize` it exits.
pub(crate) fn abort_job(code: c_int) -> ! {
    ABORTING.store(true, Ordering::Release);
    mark_ended();
    if !is_initialized() {
        init_without_arguments();
    }
    if !is_finalized() {
        // SAFETY: MPI is running; MPI_Abort may be called from any thread at any level.
        unsafe { ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, code) };
    }
    std::process::exit(code)
}

/// Stops the whole job with `code` through `MPI_Abort` from a signal or exit handler: never
/// starts MPI and never runs exit handlers (`_exit` when MPI is not running or returns).
pub(crate) fn abort_from_handler(code: c_int) -> ! {
    ABORTING.store(true, Ordering::Release);
    mark_ended();
    if is_initialized() && !is_finalized() {
        // SAFETY: MPI is running; MPI_Abort may be called from any thread at any level.
        unsafe { ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, code) };
    }
    // SAFETY: _exit ends the process at once; it takes a plain integer.
    unsafe { libc::_exit(code) }
}

/// Starts MPI without the program's arguments, asking for `MPI_THREAD_MULTIPLE` (the caller
/// checked that it has not started).
fn init_without_arguments() {
    let mut provided: c_int = 0;
    // SAFETY: MPI has not been initialised (the caller checked); MPI accepts NULL argc/argv.
    unsafe {
        ffi::MPI_Init_thread(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            ffi::RSMPI_THREAD_MULTIPLE,
            &mut provided,
        )
    };
}

/// Initialises MPI once for unit tests that need datatypes.
#[cfg(test)]
pub(crate) fn init_for_tests() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !is_initialized() {
            init_without_arguments();
        }
    });
}

/// Sends one `u64` to `dest` with `tag` on the control communicator (blocking; only before
/// the control receives are posted: start-up).
pub(crate) fn send_u64(world: &World, dest: usize, tag: c_int, v: u64) {
    // SAFETY: a buffer of one u64, valid for the call.
    with_mpi(|| unsafe {
        ffi::MPI_Send(
            &v as *const u64 as *const std::os::raw::c_void,
            1,
            ffi::RSMPI_UINT64_T,
            dest as c_int,
            tag,
            world.comm,
        )
    });
}

/// Receives one `u64` from `source` with `tag` (blocking; as [`send_u64`]).
pub(crate) fn recv_u64(world: &World, source: usize, tag: c_int) -> u64 {
    let mut v = 0u64;
    // SAFETY: room for one u64, valid for the call.
    with_mpi(|| unsafe {
        ffi::MPI_Recv(
            &mut v as *mut u64 as *mut std::os::raw::c_void,
            1,
            ffi::RSMPI_UINT64_T,
            source as c_int,
            tag,
            world.comm,
            ffi::RSMPI_STATUS_IGNORE,
        )
    });
    v
}

/// Gathers every process's `data` on node 0 (blocking; only after the communication thread
/// stopped and the control receives were withdrawn). Empty on other nodes.
pub(crate) fn gather_bytes(world: &World, data: &[u8]) -> Vec<Vec<u8>> {
    assert!(
        data.len() <= c_int::MAX as usize,
        "{} bytes to gather",
        data.len()
    );
    let mut lens = vec![0 as c_int; world.size];
    let mine = data.len() as c_int;
    // SAFETY: one int sent, `size` ints received on the root, buffers valid for the call.
    with_mpi(|| unsafe {
        ffi::MPI_Gather(
            &mine as *const c_int as *const std::os::raw::c_void,
            1,
            ffi::RSMPI_INT32_T,
            lens.as_mut_ptr() as *mut std::os::raw::c_void,
            1,
            ffi::RSMPI_INT32_T,
            0,
            world.comm,
        )
    });
    let root = world.rank == 0;
    let mut displs = vec![0 as c_int; world.size];
    let mut total: usize = 0;
    if root {
        for (d, &l) in displs.iter_mut().zip(&lens) {
            *d = c_int::try_from(total).expect("the gathered records fit 2 GiB");
            total += l as usize;
        }
    }
    let mut all = vec![0u8; total];
    // SAFETY: `data` is sent; on the root `all` has room for every length gathered above at
    // its displacement; the arrays are valid for the call.
    with_mpi(|| unsafe {
        ffi::MPI_Gatherv(
            data.as_ptr() as *const std::os::raw::c_void,
            mine,
            ffi::RSMPI_UINT8_T,
            all.as_mut_ptr() as *mut std::os::raw::c_void,
            lens.as_ptr(),
            displs.as_ptr(),
            ffi::RSMPI_UINT8_T,
            0,
            world.comm,
        )
    });
    if !root {
        return Vec::new();
    }
    (0..world.size)
        .map(|k| all[displs[k] as usize..displs[k] as usize + lens[k] as usize].to_vec())
        .collect()
}

/// Gathers one `u64` from every process (blocking; only before the communication thread
/// starts or after it stopped).
pub(crate) fn allgather_u64(world: &World, v: u64) -> Vec<u64> {
    let mut all = vec![0u64; world.size];
    // SAFETY: send buffer of 1 u64, receive buffer of `size` u64s, both valid for the call.
    with_mpi(|| unsafe {
        ffi::MPI_Allgather(
            &v as *const u64 as *const std::os::raw::c_void,
            1,
            ffi::RSMPI_UINT64_T,
            all.as_mut_ptr() as *mut std::os::raw::c_void,
            1,
            ffi::RSMPI_UINT64_T,
            world.comm,
        )
    });
    all
}

/// Waits until every process reached this point (blocking, as `allgather_u64`).
pub(crate) fn barrier(world: &World) {
    // SAFETY: a collective on our own communicator.
    with_mpi(|| unsafe { ffi::MPI_Barrier(world.comm) });
}

/// A message being sent: it owns its buffer until MPI is done with it.
///
/// Dropping one before [`PendingSend::test`] reported completion never frees memory MPI may
/// still read: `Drop` tests the request once more and, if the send is still in flight, hands
/// the request back to MPI with `MPI_Request_free` (the send still completes, as MPI
/// specifies) and leaks the buffer and whatever keeps a borrowed one alive. It does not wait:
/// `MPI_Wait` on a send whose receiver never posts the receive (or is gone) would hang, and
/// cancelling sends is deprecated and not supported by every MPI. The runtime completes its
/// sends before it shuts down, so the leak happens only on paths that stop the job anyway.
pub(crate) struct PendingSend {
    buf: Vec<u8>,
    bytes: usize,
    req: ffi::MPI_Request,
    /// What keeps a borrowed buffer alive until the send completes (see [`isend_borrowed`]).
    _keep: Option<Box<dyn Send>>,
}

// SAFETY: the request handle and the owned buffer move together; MPI accesses the buffer
// only until the request completes, and `test` is called under `with_mpi`.
unsafe impl Send for PendingSend {}

impl PendingSend {
    /// Whether MPI finished with the buffer.
    pub(crate) fn test(&mut self) -> bool {
        let mut flag: c_int = 0;
        // SAFETY: `req` is an active request from MPI_Isend; MPI_Test updates it in place.
        with_mpi(|| unsafe { ffi::MPI_Test(&mut self.req, &mut flag, ffi::RSMPI_STATUS_IGNORE) });
        flag != 0
    }

    /// The bytes being sent.
    pub(crate) fn len(&self) -> usize {
        self.bytes
    }
}

impl Drop for PendingSend {
    fn drop(&mut self) {
        // SAFETY: reading an extern constant of the MPI library.
        let null = unsafe { ffi::RSMPI_REQUEST_NULL };
        // MPI sets a completed request to MPI_REQUEST_NULL: nothing uses the buffer any more.
        if self.req == null || is_finalized() || self.test() {
            return;
        }
        // SAFETY: `req` is an active send request of ours and MPI is running; after
        // MPI_Request_free the send goes on, so its buffer must outlive it: leak it below.
        with_mpi(|| unsafe { ffi::MPI_Request_free(&mut self.req) });
        std::mem::forget(std::mem::take(&mut self.buf));
        std::mem::forget(self._keep.take());
    }
}

/// Starts sending `buf` (at most [`POSTED_MAX`] bytes) to `dest` with `tag` on the
/// control communicator.
pub(crate) fn isend(world: &World, dest: usize, tag: c_int, buf: Vec<u8>) -> PendingSend {
    debug_assert!(buf.len() <= POSTED_MAX);
    isend_on(world.comm, dest, tag, buf)
}

/// Starts sending `buf` to `dest` with `tag` on the bulk communicator.
pub(crate) fn isend_bulk(world: &World, dest: usize, tag: c_int, buf: Vec<u8>) -> PendingSend {
    isend_on(world.bulk, dest, tag, buf)
}

fn isend_on(comm: ffi::MPI_Comm, dest: usize, tag: c_int, buf: Vec<u8>) -> PendingSend {
    assert!(
        buf.len() <= c_int::MAX as usize,
        "message of {} bytes is too large",
        buf.len()
    );
    let mut p = PendingSend {
        bytes: buf.len(),
        buf,
        // SAFETY: reading an extern constant of the MPI library.
        req: unsafe { ffi::RSMPI_REQUEST_NULL },
        _keep: None,
    };
    // SAFETY: the buffer is owned by `p` and stays put (a Vec's heap block does not move when
    // the Vec does) until `test` reports completion; `p.req` receives the request handle.
    with_mpi(|| unsafe {
        ffi::MPI_Isend(
            p.buf.as_ptr() as *const std::os::raw::c_void,
            p.buf.len() as c_int,
            ffi::RSMPI_UINT8_T,
            dest as c_int,
            tag,
            comm,
            &mut p.req,
        )
    });
    p
}

/// Starts sending `len` bytes at `ptr` on the bulk communicator, which `keep` keeps alive (or
/// which lives at least until the receiver has the data), without copying them.
///
/// # Safety
/// The `len` bytes at `ptr` must stay valid and unchanged until the returned send completes:
/// either `keep` owns them, or they belong to a task argument whose creator waits until the
/// receiver has answered (which it can only do after receiving them).
pub(crate) unsafe fn isend_borrowed(
    world: &World,
    dest: usize,
    tag: c_int,
    ptr: *const u8,
    len: usize,
    keep: Option<Box<dyn Send>>,
) -> PendingSend {
    assert!(
        len <= c_int::MAX as usize,
        "message of {len} bytes is too large"
    );
    let mut p = PendingSend {
        buf: Vec::new(),
        bytes: len,
        // SAFETY: reading an extern constant of the MPI library.
        req: unsafe { ffi::RSMPI_REQUEST_NULL },
        _keep: keep,
    };
    // SAFETY: the `len` bytes at `ptr` stay valid until the send completes (this function's
    // contract); `p.req` receives the request handle.
    with_mpi(|| unsafe {
        ffi::MPI_Isend(
            ptr as *const std::os::raw::c_void,
            len as c_int,
            ffi::RSMPI_UINT8_T,
            dest as c_int,
            tag,
            world.bulk,
            &mut p.req,
        )
    });
    p
}

/// Receives the next bulk message with `tag` from `source` straight into `len` bytes at `ptr`
/// (blocking: for data the sender has already started to send).
///
/// # Safety
/// `ptr` must be valid for writing `len` bytes, and the message must be exactly that long.
pub(crate) unsafe fn recv_raw(world: &World, source: usize, tag: c_int, ptr: *mut u8, len: usize) {
    assert!(
        len <= c_int::MAX as usize,
        "message of {len} bytes is too large"
    );
    // SAFETY: `ptr` is valid for writing `len` bytes and the message is that long (this
    // function's contract).
    with_mpi(|| unsafe {
        ffi::MPI_Recv(
            ptr as *mut std::os::raw::c_void,
            len as c_int,
            ffi::RSMPI_UINT8_T,
            source as c_int,
            tag,
            world.bulk,
            ffi::RSMPI_STATUS_IGNORE,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private duplicate of `MPI_COMM_SELF` as a one-process world (unit tests run in
    /// parallel threads of one process: each test gets its own communicator).
    pub(super) fn self_world() -> World {
        init_for_tests();
        let mut c = std::mem::MaybeUninit::<ffi::MPI_Comm>::uninit();
        // SAFETY: MPI is initialised; the out-pointer is valid for writing.
        let comm = unsafe {
            ffi::MPI_Comm_dup(ffi::RSMPI_COMM_SELF, c.as_mut_ptr());
            c.assume_init()
        };
        World {
            rank: 0,
            size: 1,
            comm,
            bulk: comm,
        }
    }

    #[test]
    fn a_send_dropped_before_its_receive_was_posted_still_delivers_its_bytes() {
        let w = self_world();
        // Larger than any eager limit: MPI reads the buffer only once the receive matches.
        let n = 4 << 20;
        let data: Vec<u8> = (0..n).map(|i| (i * 7 + i / 4099) as u8).collect();
        let send = isend_bulk(&w, 0, 5, data.clone());
        drop(send);
        // Whatever the allocator hands out now must not be what MPI sends.
        let scribble: Vec<Vec<u8>> = (0..4).map(|_| vec![0xA5u8; n]).collect();
        let mut got = vec![0u8; n];
        // SAFETY: `got` has room for the `n` bytes sent.
        unsafe { recv_raw(&w, 0, 5, got.as_mut_ptr(), n) };
        assert!(got == data, "the received bytes differ from those sent");
        drop(scribble);
        let mut c = w.comm;
        // SAFETY: our duplicate, freed once.
        unsafe { ffi::MPI_Comm_free(&mut c) };
    }
}
