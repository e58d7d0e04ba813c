//! The byte buffer that holds a task's argument copies, 16-byte aligned, reused with the task.

use std::mem::MaybeUninit;

/// One 16-byte, 16-aligned unit of storage.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Chunk([u8; 16]);

/// Argument storage of one task: copies of COP data (and, for tasks from other nodes, every
/// argument's data). Offsets handed out are multiples of 16, so any C type is aligned.
///
/// Storage is `MaybeUninit` so that room for incoming data can be reserved without zeroing it
/// ([`ArgBuffer::alloc_uninit`]); every other way of reserving writes the bytes.
#[derive(Default)]
pub(crate) struct ArgBuffer {
    chunks: Vec<MaybeUninit<Chunk>>,
}

impl ArgBuffer {
    /// Forgets the contents but keeps the allocation for the next task.
    pub(crate) fn clear(&mut self) {
        self.chunks.clear();
    }

    /// Bytes in use.
    pub(crate) fn len(&self) -> usize {
        self.chunks.len() * 16
    }

    /// Reserves `bytes` zeroed bytes and returns their offset. Pointers taken before an
    /// `alloc` may move: take them once all allocations are done.
    pub(crate) fn alloc_zeroed(&mut self, bytes: usize) -> usize {
        let off = self.len();
        let n = bytes.div_ceil(16).max(1);
        self.chunks
            .resize(self.chunks.len() + n, MaybeUninit::new(Chunk([0; 16])));
        off
    }

    /// Reserves `bytes` bytes without initialising them (for data about to be received into
    /// them) and returns their offset.
    ///
    /// # Safety
    /// Every one of the bytes must be written (through [`ArgBuffer::addr`]) before anything
    /// reads the buffer (`as_bytes`, `as_bytes_mut`, or the task that receives it).
    pub(crate) unsafe fn alloc_uninit(&mut self, bytes: usize) -> usize {
        let off = self.len();
        let n = bytes.div_ceil(16).max(1);
        self.chunks.reserve(n);
        // SAFETY: `reserve` made room; the elements are MaybeUninit, valid uninitialised.
        unsafe { self.chunks.set_len(self.chunks.len() + n) };
        off
    }

    /// Reserves room for `src` and copies it in; returns the offset. Data of the common small
    /// sizes (a 4- or 8-byte scalar, up to 16 bytes) is copied inline, without calling
    /// `memcpy`/`memset`.
    #[inline]
    pub(crate) fn push_bytes(&mut self, src: &[u8]) -> usize {
        if src.len() <= 16 {
            let mut c = Chunk([0; 16]);
            match src.len() {
                4 => c.0[..4].copy_from_slice(&src[..4]),
                8 => c.0[..8].copy_from_slice(&src[..8]),
                16 => c.0.copy_from_slice(&src[..16]),
                n => {
                    for (d, s) in c.0[..n].iter_mut().zip(src) {
                        *d = *s;
                    }
                }
            }
            let off = self.len();
            self.chunks.push(MaybeUninit::new(c));
            return off;
        }
        self.push_large(src)
    }

    /// [`ArgBuffer::push_bytes`] of more than 16 bytes.
    #[inline(never)]
    fn push_large(&mut self, src: &[u8]) -> usize {
        let off = self.len();
        let n = src.len().div_ceil(16).max(1);
        self.chunks.reserve(n);
        // SAFETY: `reserve` made room for `n` more chunks; we initialise all `n * 16` bytes
        // (the copied data, then zeroes for the tail) before extending the length.
        unsafe {
            let dst = self.chunks.as_mut_ptr().add(self.chunks.len()) as *mut u8;
            std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len());
            std::ptr::write_bytes(dst.add(src.len()), 0, n * 16 - src.len());
            self.chunks.set_len(self.chunks.len() + n);
        }
        off
    }

    /// Address of the byte at `off`.
    pub(crate) fn addr(&mut self, off: usize) -> *mut u8 {
        debug_assert!(off <= self.len());
        // SAFETY: `off` is within (or one past) the allocation, as the assertion says.
        unsafe { (self.chunks.as_mut_ptr() as *mut u8).add(off) }
    }

    /// The stored bytes, writable (e.g. to receive a message into).
    pub(crate) fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: chunks are plain bytes; the slice covers exactly the initialised ones.
        unsafe { std::slice::from_raw_parts_mut(self.chunks.as_mut_ptr() as *mut u8, self.len()) }
    }

    /// The stored bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        // SAFETY: chunks are plain bytes; the slice covers exactly the initialised ones.
        unsafe { std::slice::from_raw_parts(self.chunks.as_ptr() as *const u8, self.len()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_aligned_and_data_kept() {
        let mut b = ArgBuffer::default();
        let a = b.push_bytes(&[1, 2, 3]);
        let z = b.alloc_zeroed(0);
        let c = b.push_bytes(&[9; 40]);
        assert_eq!((a, z, c), (0, 16, 32));
        assert_eq!(b.len(), 80);
        assert_eq!(&b.as_bytes()[0..4], &[1, 2, 3, 0]);
        assert!(b.as_bytes()[16..32].iter().all(|&x| x == 0));
        assert!(b.as_bytes()[32..72].iter().all(|&x| x == 9));
        assert_eq!(b.addr(c) as usize % 16, 0);
        let d = b.push_bytes(&[7, 7, 7, 7, 7]);
        let e = b.push_bytes(&8u64.to_ne_bytes());
        assert_eq!((d, e), (80, 96));
        assert_eq!(
            &b.as_bytes()[80..96],
            &[7, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&b.as_bytes()[96..104], &8u64.to_ne_bytes());
        assert!(b.as_bytes()[104..112].iter().all(|&x| x == 0));
        b.clear();
        assert_eq!(b.len(), 0);
    }
}
