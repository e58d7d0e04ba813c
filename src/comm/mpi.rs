//! The safe face of the few raw MPI calls the runtime makes.
//!
//! When MPI grants less than `MPI_THREAD_MULTIPLE`, every call goes through [`with_mpi`],
//! which holds one process-wide lock, so no two threads are ever inside MPI at once.

use mpi_sys as ffi;
use parking_lot::Mutex;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::{AtomicBool, Ordering};

static SERIALIZE: AtomicBool = AtomicBool::new(true);
static LOCK: Mutex<()> = Mutex::new(());

/// Runs `f`, which calls MPI, under the MPI lock when the thread level needs it.
pub fn with_mpi<R>(f: impl FnOnce() -> R) -> R {
    if SERIALIZE.load(Ordering::Relaxed) {
        let _g = LOCK.lock();
        f()
    } else {
        f()
    }
}

/// What `init` found or set up.
#[derive(Clone, Copy, Debug)]
pub struct World {
    /// This process's rank in `MPI_COMM_WORLD`.
    pub rank: usize,
    /// Number of processes.
    pub size: usize,
    /// The runtime's private duplicate of `MPI_COMM_WORLD`.
    pub comm: ffi::MPI_Comm,
    /// The thread level MPI provides.
    pub thread_level: c_int,
    /// Whether torc called `MPI_Init_thread` (rather than the application).
    pub initialized_here: bool,
}

// SAFETY: an MPI communicator handle is a plain value usable from any thread (MPI serialises
// access as the thread level requires, and `with_mpi` does the rest).
unsafe impl Send for World {}
// SAFETY: as above; the handle is never mutated after `init`.
unsafe impl Sync for World {}

/// Whether `MPI_Init` has run.
pub fn is_initialized() -> bool {
    let mut flag: c_int = 0;
    // SAFETY: MPI_Initialized may be called at any time, from any thread.
    unsafe { ffi::MPI_Initialized(&mut flag) };
    flag != 0
}

/// Whether `MPI_Finalize` has run.
pub fn is_finalized() -> bool {
    let mut flag: c_int = 0;
    // SAFETY: MPI_Finalized may be called at any time, from any thread.
    unsafe { ffi::MPI_Finalized(&mut flag) };
    flag != 0
}

/// Starts MPI unless the application did, asking for `MPI_THREAD_MULTIPLE`, and duplicates
/// `MPI_COMM_WORLD` for the runtime's traffic.
pub fn init(argc: *mut c_int, argv: *mut *mut *mut c_char) -> World {
    let mut provided: c_int = 0;
    let initialized_here = !is_initialized();
    // SAFETY: argc/argv are the application's (or NULL, which MPI accepts); MPI is initialised
    // at most once because we checked MPI_Initialized; the calls below need MPI initialised.
    unsafe {
        if initialized_here {
            ffi::MPI_Init_thread(argc, argv, ffi::RSMPI_THREAD_MULTIPLE, &mut provided);
        } else {
            ffi::MPI_Query_thread(&mut provided);
        }
    }
    // SAFETY: reading an extern constant of the MPI library.
    let multiple = unsafe { ffi::RSMPI_THREAD_MULTIPLE };
    SERIALIZE.store(provided < multiple, Ordering::Relaxed);
    let (mut rank, mut size): (c_int, c_int) = (0, 0);
    let mut comm = std::mem::MaybeUninit::<ffi::MPI_Comm>::uninit();
    // SAFETY: MPI is initialised; the out-pointers are valid for writing.
    let comm = unsafe {
        ffi::MPI_Comm_rank(ffi::RSMPI_COMM_WORLD, &mut rank);
        ffi::MPI_Comm_size(ffi::RSMPI_COMM_WORLD, &mut size);
        ffi::MPI_Comm_dup(ffi::RSMPI_COMM_WORLD, comm.as_mut_ptr());
        comm.assume_init()
    };
    World {
        rank: rank as usize,
        size: size as usize,
        comm,
        thread_level: provided,
        initialized_here,
    }
}

/// Frees the runtime's communicator and finalises MPI (unless already finalised).
pub fn finalize(world: &World) {
    if is_finalized() {
        return;
    }
    let mut comm = world.comm;
    // SAFETY: MPI is initialised and not finalised; `comm` is our duplicate, freed once.
    unsafe {
        ffi::MPI_Comm_free(&mut comm);
        ffi::MPI_Finalize();
    }
}

/// Stops the whole job with `code`: `MPI_Abort` while MPI runs, else `exit`.
pub fn abort_job(code: c_int) -> ! {
    if is_initialized() && !is_finalized() {
        // SAFETY: MPI is running; MPI_Abort may be called from any thread at any level.
        unsafe { ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, code) };
    }
    std::process::exit(code)
}

/// Initialises MPI once for unit tests that need datatypes.
#[cfg(test)]
pub fn init_for_tests() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !is_initialized() {
            let mut provided = 0;
            // SAFETY: first and only initialisation in this test process.
            unsafe {
                ffi::MPI_Init_thread(
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    ffi::RSMPI_THREAD_MULTIPLE,
                    &mut provided,
                )
            };
        }
    });
}
