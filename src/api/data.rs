//! What may travel as task data: plain values that are valid for any bit pattern copied from
//! another process of the same program.

/// A plain value type whose bytes can be copied between processes of one program.
///
/// # Safety
/// The type must be `Copy`, contain no pointers or references (they mean nothing on another
/// node), and be valid for any bytes another node wrote into it from a value of the same type
/// (`#[repr(C)]` structs of `Data` fields qualify; so do the primitive numbers and arrays).
pub unsafe trait Data: Copy + Send + Sync + 'static {}

macro_rules! data {
    ($($t:ty),*) => { $(
        // SAFETY: a primitive number: plain bytes, no pointers.
        unsafe impl Data for $t {}
    )* };
}
data!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, bool, char);

// SAFETY: an array of plain values is plain.
unsafe impl<T: Data, const N: usize> Data for [T; N] {}

/// A single value or a slice of values: what one argument carries.
///
/// # Safety
/// `bytes` must report the exact size of the value, and the `from_raw*` functions must build
/// a reference of exactly that size.
pub unsafe trait Payload: Send + Sync + 'static {
    /// Size in bytes.
    fn bytes(&self) -> usize;
    /// A reference to `bytes` bytes at `p`.
    ///
    /// # Safety
    /// `p` must point to `bytes` valid, aligned bytes of this payload for `'b`.
    unsafe fn from_raw<'b>(p: *const u8, bytes: usize) -> &'b Self;
    /// A mutable reference to `bytes` bytes at `p`.
    ///
    /// # Safety
    /// As `from_raw`, and nobody else uses the bytes during `'b`.
    unsafe fn from_raw_mut<'b>(p: *mut u8, bytes: usize) -> &'b mut Self;
}

// SAFETY: the size of one `T`; the references cover exactly one `T`.
unsafe impl<T: Data> Payload for T {
    fn bytes(&self) -> usize {
        std::mem::size_of::<T>()
    }
    unsafe fn from_raw<'b>(p: *const u8, _bytes: usize) -> &'b T {
        // SAFETY: `p` points to a valid, aligned `T` for `'b` (the contract of `from_raw`).
        unsafe { &*(p as *const T) }
    }
    unsafe fn from_raw_mut<'b>(p: *mut u8, _bytes: usize) -> &'b mut T {
        // SAFETY: `p` points to a valid, aligned `T` for `'b` that nobody else uses (the
        // contract of `from_raw_mut`).
        unsafe { &mut *(p as *mut T) }
    }
}

// SAFETY: `len * size_of::<T>()` bytes; the slices cover exactly that many elements.
unsafe impl<T: Data> Payload for [T] {
    fn bytes(&self) -> usize {
        std::mem::size_of_val(self)
    }
    unsafe fn from_raw<'b>(p: *const u8, bytes: usize) -> &'b [T] {
        let n = bytes / std::mem::size_of::<T>().max(1);
        if n == 0 {
            return &[];
        }
        // SAFETY: `p` points to `bytes` valid, aligned bytes, `n` elements, for `'b` (the
        // contract of `from_raw`).
        unsafe { std::slice::from_raw_parts(p as *const T, n) }
    }
    unsafe fn from_raw_mut<'b>(p: *mut u8, bytes: usize) -> &'b mut [T] {
        let n = bytes / std::mem::size_of::<T>().max(1);
        if n == 0 {
            return &mut [];
        }
        // SAFETY: `p` points to `n` valid, aligned elements for `'b` that nobody else uses
        // (the contract of `from_raw_mut`).
        unsafe { std::slice::from_raw_parts_mut(p as *mut T, n) }
    }
}
