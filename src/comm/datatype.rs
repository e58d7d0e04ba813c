//! Element sizes of MPI datatypes, with a per-thread cache so that task creation rarely asks
//! MPI. A datatype with holes (size != extent, or a non-zero lower bound) is refused: data
//! moves as `count * size` contiguous bytes.

use super::mpi::with_mpi;
use mpi_sys as ffi;
use std::cell::Cell;
use std::os::raw::c_int;

const CACHE: usize = 8;

thread_local! {
    static SIZES: [Cell<(usize, usize)>; CACHE] = const { [const { Cell::new((0, 0)) }; CACHE] };
    static NEXT: Cell<usize> = const { Cell::new(0) };
}

/// Bytes per element of `dt`, or why it cannot be used.
pub fn element_size(dt: ffi::MPI_Datatype) -> Result<usize, String> {
    let key = dt.0 as usize;
    let hit = SIZES.with(|c| c.iter().map(|e| e.get()).find(|&(k, _)| k == key && k != 0));
    if let Some((_, s)) = hit {
        return Ok(s);
    }
    let s = query(dt)?;
    SIZES.with(|c| {
        NEXT.with(|n| {
            let i = n.get();
            c[i].set((key, s));
            n.set((i + 1) % CACHE);
        })
    });
    Ok(s)
}

fn query(dt: ffi::MPI_Datatype) -> Result<usize, String> {
    // SAFETY: reading an extern static handle provided by the MPI library.
    let null = unsafe { ffi::RSMPI_DATATYPE_NULL };
    if dt == null || dt.0.is_null() {
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
    Ok(size as usize)
}

/// `MPI_BYTE`, for tests and internal records.
pub fn byte_type() -> ffi::MPI_Datatype {
    #[cfg(test)]
    super::mpi::init_for_tests();
    // SAFETY: reading an extern static handle provided by the MPI library.
    unsafe { ffi::RSMPI_UINT8_T }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_of_predefined_and_refusal_of_holes() {
        super::super::mpi::init_for_tests();
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
        }
    }
}
