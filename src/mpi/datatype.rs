//! Element sizes of MPI datatypes, with a process-wide cache so that task creation rarely
//! asks MPI. A datatype with holes (size != extent, or a non-zero lower bound) is refused: data
//! moves as `count * size` contiguous bytes.
//!
//! Only predefined datatypes (`MPI_DOUBLE`, `MPI_INT`, ...) are cached: they live as long as
//! MPI. A derived datatype's handle may be reused by another type once the first is freed
//! (OpenMPI's handles are addresses, MPICH's are table indices), so a cached size could belong
//! to a type that no longer exists; derived types are asked every time.

use crate::mpi::with_mpi;
use mpi_sys as ffi;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};

/// Predefined datatypes remembered (a program uses a handful).
const CACHE: usize = 16;

/// The cache: slot `i` holds a datatype's handle as a word in `KEYS[i]` (0: empty) and its
/// size in `SIZES[i]`. A slot is filled once: claimed through `NEXT`, its size stored, then
/// its key published (`Release`); a reader that sees the key (`Acquire`) sees the size. Two
/// threads may fill two slots with the same type: both are right. When full, MPI is asked.
static KEYS: [AtomicU64; CACHE] = [const { AtomicU64::new(0) }; CACHE];
static SIZES: [AtomicU64; CACHE] = [const { AtomicU64::new(0) }; CACHE];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A datatype handle as a word (a pointer in OpenMPI, an int in MPICH).
fn key(dt: ffi::MPI_Datatype) -> u64 {
    const { assert!(std::mem::size_of::<ffi::MPI_Datatype>() <= 8) };
    let mut k = 0u64;
    // SAFETY: copies the handle's bytes (at most 8, checked above) into a word.
    unsafe {
        std::ptr::copy_nonoverlapping(
            &dt as *const ffi::MPI_Datatype as *const u8,
            &mut k as *mut u64 as *mut u8,
            std::mem::size_of::<ffi::MPI_Datatype>(),
        )
    };
    k
}

/// Bytes per element of `dt`, or why it cannot be used.
///
/// # Safety
/// `dt` must be a datatype handle MPI gave out (predefined or committed, not freed),
/// `MPI_DATATYPE_NULL` or all zeros: MPI reads through any other value (with OpenMPI a handle
/// is a pointer), and MPI must be initialised.
#[inline]
pub(crate) unsafe fn element_size(dt: ffi::MPI_Datatype) -> Result<usize, String> {
    if let Some(s) = cached_size(dt) {
        return Ok(s);
    }
    // SAFETY: `dt` is a handle MPI gave out, NULL or zeros, and MPI runs (this function's
    // contract).
    unsafe { element_size_slow(dt, key(dt)) }
}

/// The size of `dt` if it is a predefined datatype the cache already knows (no MPI call; any
/// handle value may be asked).
#[inline(always)]
pub(crate) fn cached_size(dt: ffi::MPI_Datatype) -> Option<usize> {
    let k = key(dt);
    if k == 0 {
        return None;
    }
    for (key, size) in KEYS.iter().zip(&SIZES) {
        // Acquire: the size stored before the key was published is visible.
        match key.load(Ordering::Acquire) {
            0 => return None,
            x if x == k => return Some(size.load(Ordering::Relaxed) as usize),
            _ => {}
        }
    }
    None
}

/// [`element_size`] when the cache does not know `dt` (key `k`): asks MPI, and remembers a
/// predefined type.
///
/// # Safety
/// As for [`element_size`].
#[cold]
#[inline(never)]
unsafe fn element_size_slow(dt: ffi::MPI_Datatype, k: u64) -> Result<usize, String> {
    let (s, predefined) = query(dt)?;
    if predefined && k != 0 {
        let i = NEXT.fetch_add(1, Ordering::Relaxed);
        if i < CACHE {
            SIZES[i].store(s as u64, Ordering::Relaxed);
            // Release: publishes the size with the key.
            KEYS[i].store(k, Ordering::Release);
        }
    }
    Ok(s)
}

/// MPI's `MPI_COMBINER_NAMED` (its value differs between MPI implementations, and mpi-sys
/// does not export it): the combiner of a predefined type, learnt from `MPI_BYTE` once.
fn combiner_named() -> c_int {
    static NAMED: AtomicI32 = AtomicI32::new(-1);
    let c = NAMED.load(Ordering::Relaxed);
    if c != -1 {
        return c;
    }
    // SAFETY: reading an extern constant of the MPI library.
    let c = combiner(unsafe { ffi::RSMPI_UINT8_T });
    NAMED.store(c, Ordering::Relaxed);
    c
}

/// The combiner of `dt` (a valid, non-null datatype handle; MPI is initialised).
fn combiner(dt: ffi::MPI_Datatype) -> c_int {
    let (mut ints, mut addrs, mut types, mut comb): (c_int, c_int, c_int, c_int) = (0, 0, 0, -1);
    // SAFETY: `dt` is a valid handle (the caller checked it with MPI_Type_size); the
    // out-pointers are valid for writing.
    with_mpi(|| unsafe {
        ffi::MPI_Type_get_envelope(dt, &mut ints, &mut addrs, &mut types, &mut comb)
    });
    comb
}

/// The element size of `dt` and whether it is a predefined datatype.
fn query(dt: ffi::MPI_Datatype) -> Result<(usize, bool), String> {
    // SAFETY: reading an extern constant of the MPI library.
    let null = unsafe { ffi::RSMPI_DATATYPE_NULL };
    // SAFETY: an all-zero handle (a NULL pointer in OpenMPI, handle 0 in MPICH) is no datatype
    // in either; zeroing a plain handle value is sound.
    let zero: ffi::MPI_Datatype = unsafe { std::mem::zeroed() };
    if dt == null || dt == zero {
        return Err("the datatype is MPI_DATATYPE_NULL".into());
    }
    let (mut size, mut lb, mut extent): (c_int, ffi::MPI_Aint, ffi::MPI_Aint) = (0, 0, 0);
    // SAFETY: `dt` is a non-null datatype handle from the caller; out-pointers are valid.
    let (r1, r2) = with_mpi(|| unsafe {
        (
            ffi::MPI_Type_size(dt, &mut size),
            ffi::MPI_Type_get_extent(dt, &mut lb, &mut extent),
        )
    });
    if r1 != 0 || r2 != 0 {
        return Err("the datatype is not a valid MPI datatype".into());
    }
    if size <= 0 {
        return Err(format!("the datatype has size {size}"));
    }
    if lb != 0 || extent != size as ffi::MPI_Aint {
        return Err(format!(
            "the datatype has holes (size {size}, lower bound {lb}, extent {extent}); \
             only contiguous datatypes are supported"
        ));
    }
    Ok((size as usize, combiner(dt) == combiner_named()))
}

/// `MPI_BYTE`, for tests and internal records.
pub(crate) fn byte_type() -> ffi::MPI_Datatype {
    #[cfg(test)]
    crate::mpi::init_for_tests();
    // SAFETY: reading an extern static handle provided by the MPI library.
    unsafe { ffi::RSMPI_UINT8_T }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_of_predefined_and_refusal_of_holes() {
        crate::mpi::init_for_tests();
        // SAFETY: MPI is initialised; every handle is predefined or made here; the out-handles
        // are valid for writing.
        unsafe {
            assert_eq!(element_size(ffi::RSMPI_DOUBLE), Ok(8));
            assert_eq!(element_size(ffi::RSMPI_INT32_T), Ok(4));
            assert_eq!(element_size(ffi::RSMPI_DOUBLE), Ok(8), "cached answer");
            let mut vec = std::mem::zeroed::<ffi::MPI_Datatype>();
            ffi::MPI_Type_vector(2, 1, 2, ffi::RSMPI_DOUBLE, &mut vec);
            ffi::MPI_Type_commit(&mut vec);
            let e = element_size(vec).unwrap_err();
            assert!(e.contains("has holes"), "{e}");
            let mut contig = std::mem::zeroed::<ffi::MPI_Datatype>();
            ffi::MPI_Type_contiguous(3, ffi::RSMPI_DOUBLE, &mut contig);
            ffi::MPI_Type_commit(&mut contig);
            assert_eq!(element_size(contig), Ok(24));
            assert!(element_size(ffi::RSMPI_DATATYPE_NULL).is_err());
            ffi::MPI_Type_free(&mut vec);
            ffi::MPI_Type_free(&mut contig);
        }
    }

    #[test]
    fn a_freed_type_whose_handle_is_reused_gets_its_own_size() {
        crate::mpi::init_for_tests();
        // SAFETY: MPI is initialised; the out-handles are valid for writing.
        unsafe {
            let mut three = std::mem::zeroed::<ffi::MPI_Datatype>();
            ffi::MPI_Type_contiguous(3, ffi::RSMPI_DOUBLE, &mut three);
            ffi::MPI_Type_commit(&mut three);
            assert_eq!(element_size(three), Ok(24));
            assert_eq!(element_size(three), Ok(24), "asked twice");
            let old = three;
            ffi::MPI_Type_free(&mut three);
            // MPI usually hands the freed handle out again (same address or table slot).
            let mut one = std::mem::zeroed::<ffi::MPI_Datatype>();
            ffi::MPI_Type_contiguous(1, ffi::RSMPI_DOUBLE, &mut one);
            ffi::MPI_Type_commit(&mut one);
            assert_eq!(
                element_size(one),
                Ok(8),
                "contiguous 1 double (handle reused: {})",
                one == old
            );
            ffi::MPI_Type_free(&mut one);
        }
    }

    #[test]
    fn predefined_types_are_told_from_derived_ones() {
        crate::mpi::init_for_tests();
        // SAFETY: MPI is initialised; the out-handle is valid for writing.
        unsafe {
            assert_eq!(query(ffi::RSMPI_DOUBLE), Ok((8, true)));
            assert_eq!(query(ffi::RSMPI_UINT8_T), Ok((1, true)));
            let mut dup = std::mem::zeroed::<ffi::MPI_Datatype>();
            ffi::MPI_Type_dup(ffi::RSMPI_INT32_T, &mut dup);
            assert_eq!(query(dup), Ok((4, false)));
            ffi::MPI_Type_free(&mut dup);
        }
    }
}
