//! The byte buffer that holds a task's argument copies, 16-byte aligned, reused with the task.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;

/// One 16-byte, 16-aligned unit of storage.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Chunk([u8; 16]);

/// Chunks stored in the descriptor itself: the copies of a few small COP arguments (an int and
/// three doubles take three) need no allocation of their own and share the descriptor's cache
/// lines (see the layout note in `descriptor.rs`).
pub(crate) const INLINE_CHUNKS: usize = 3;

/// Argument storage of one task: copies of COP data (and, for tasks from other nodes, every
/// argument's data). Offsets handed out are multiples of 16, so any C type is aligned.
///
/// The chunks live in `inline` while they fit, else all of them in `heap` (the inline ones are
/// moved there when the buffer outgrows them), so that the contents are always one contiguous
/// block. Storage is `MaybeUninit` so that room for incoming data can be reserved without
/// zeroing it ([`ArgBuffer::alloc_uninit`]); every other way of reserving writes the bytes.
/// The inline chunks are in an `UnsafeCell`: the task function writes its COP copies through
/// the pointers it was given while the runtime holds shared references to the descriptor.
#[repr(C)]
pub(crate) struct ArgBuffer {
    inline: UnsafeCell<[MaybeUninit<Chunk>; INLINE_CHUNKS]>,
    /// Chunks in use.
    len: usize,
    /// Every chunk once `len > INLINE_CHUNKS` (then `heap.len() == len`); its allocation is
    /// kept for the descriptor's next task.
    heap: Vec<MaybeUninit<Chunk>>,
}

impl Default for ArgBuffer {
    fn default() -> Self {
        ArgBuffer {
            inline: UnsafeCell::new([MaybeUninit::uninit(); INLINE_CHUNKS]),
            len: 0,
            heap: Vec::new(),
        }
    }
}

impl ArgBuffer {
    /// Forgets the contents but keeps the allocation for the next task.
    #[inline]
    pub(crate) fn clear(&mut self) {
        if self.len > INLINE_CHUNKS {
            self.heap.clear();
        }
        self.len = 0;
    }

    /// Bytes in use.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len * 16
    }

    /// The first chunk in use (inline or on the heap).
    #[inline]
    fn base(&mut self) -> *mut MaybeUninit<Chunk> {
        if self.len <= INLINE_CHUNKS {
            self.inline.get() as *mut MaybeUninit<Chunk>
        } else {
            self.heap.as_mut_ptr()
        }
    }

    /// Makes room for `n` more chunks (left as they are: uninitialised) and returns the
    /// offset in bytes of the first.
    #[inline]
    fn grow(&mut self, n: usize) -> usize {
        let off = self.len();
        let new_len = self.len + n;
        if new_len > INLINE_CHUNKS {
            self.spill(new_len);
        }
        self.len = new_len;
        off
    }

    /// [`ArgBuffer::grow`] past the inline chunks: moves them to the heap first.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, new_len: usize) {
        if self.len <= INLINE_CHUNKS {
            self.heap.clear();
            self.heap.reserve(new_len);
            let inline = self.inline.get_mut();
            self.heap.extend_from_slice(&inline[..self.len]);
        } else {
            self.heap.reserve(new_len - self.heap.len());
        }
        // SAFETY: `reserve` made room for `new_len` chunks; they are `MaybeUninit`, valid
        // uninitialised (the callers initialise what they hand out as their contract says).
        unsafe { self.heap.set_len(new_len) };
    }

    /// Reserves `bytes` zeroed bytes and returns their offset. Pointers taken before an
    /// `alloc` may move: take them once all allocations are done.
    pub(crate) fn alloc_zeroed(&mut self, bytes: usize) -> usize {
        let n = bytes.div_ceil(16).max(1);
        let off = self.grow(n);
        // SAFETY: `grow` made the `n` chunks from `off` part of the buffer.
        unsafe { std::ptr::write_bytes(self.addr(off), 0, n * 16) };
        off
    }

    /// Reserves `bytes` bytes without initialising them (for data about to be received into
    /// them) and returns their offset.
    ///
    /// # Safety
    /// Every one of the bytes must be written (through [`ArgBuffer::addr`]) before anything
    /// reads the buffer (`as_bytes`, `as_bytes_mut`, or the task that receives it).
    pub(crate) unsafe fn alloc_uninit(&mut self, bytes: usize) -> usize {
        self.grow(bytes.div_ceil(16).max(1))
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
            let off = self.grow(1);
            // SAFETY: `grow` made the chunk at `off` (16-aligned) part of the buffer.
            unsafe { (self.addr(off) as *mut MaybeUninit<Chunk>).write(MaybeUninit::new(c)) };
            return off;
        }
        self.push_large(src)
    }

    /// [`ArgBuffer::push_bytes`] of more than 16 bytes.
    #[inline(never)]
    fn push_large(&mut self, src: &[u8]) -> usize {
        let n = src.len().div_ceil(16);
        let off = self.grow(n);
        // SAFETY: `grow` made the `n * 16` bytes from `off` part of the buffer; we initialise
        // all of them (the copied data, then zeroes for the tail).
        unsafe {
            let dst = self.addr(off);
            std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len());
            std::ptr::write_bytes(dst.add(src.len()), 0, n * 16 - src.len());
        }
        off
    }

    /// Address of the byte at `off`.
    #[inline]
    pub(crate) fn addr(&mut self, off: usize) -> *mut u8 {
        debug_assert!(off <= self.len());
        // SAFETY: `off` is within (or one past) the chunks in use, as the assertion says.
        unsafe { (self.base() as *mut u8).add(off) }
    }

    /// The address of the first byte, for the words a task function receives (it writes its
    /// own COP copies through them; the runtime does not touch the buffer while it runs).
    #[inline]
    pub(crate) fn base_ptr(&self) -> *mut u8 {
        if self.len <= INLINE_CHUNKS {
            self.inline.get() as *mut u8
        } else {
            self.heap.as_ptr() as *mut u8
        }
    }

    /// The stored bytes, writable (e.g. to receive a message into).
    pub(crate) fn as_bytes_mut(&mut self) -> &mut [u8] {
        let len = self.len();
        // SAFETY: chunks are plain bytes; the slice covers exactly the chunks in use.
        unsafe { std::slice::from_raw_parts_mut(self.base() as *mut u8, len) }
    }

    /// The stored bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let p = if self.len <= INLINE_CHUNKS {
            self.inline.get() as *const u8
        } else {
            self.heap.as_ptr() as *const u8
        };
        // SAFETY: chunks are plain bytes; the slice covers exactly the chunks in use.
        unsafe { std::slice::from_raw_parts(p, self.len()) }
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

    #[test]
    fn small_contents_stay_in_the_buffer_itself_and_survive_the_move_to_the_heap() {
        let mut b = ArgBuffer::default();
        let here = &b as *const ArgBuffer as usize..&b as *const ArgBuffer as usize + 100;
        for i in 0..INLINE_CHUNKS as u8 {
            let off = b.push_bytes(&[i + 1; 16]);
            assert!(
                here.contains(&(b.addr(off) as usize)),
                "chunk {i} is inline"
            );
        }
        let z = b.alloc_zeroed(20); // two more chunks: everything moves to the heap
        assert!(!here.contains(&(b.addr(0) as usize)));
        for i in 0..INLINE_CHUNKS {
            assert!(b.as_bytes()[i * 16..i * 16 + 16]
                .iter()
                .all(|&x| x == i as u8 + 1));
        }
        assert_eq!(z, INLINE_CHUNKS * 16);
        assert!(b.as_bytes()[z..].iter().all(|&x| x == 0));
        b.clear();
        let off = b.push_bytes(&5u32.to_ne_bytes()); // inline again after a clear
        assert!(here.contains(&(b.addr(off) as usize)));
        assert_eq!(&b.as_bytes()[..4], &5u32.to_ne_bytes());
        // SAFETY: the 100 bytes are written just below, before the buffer is read.
        let u = unsafe { b.alloc_uninit(100) };
        // SAFETY: the room reserved, 100 bytes padded to 112, lies inside the buffer.
        unsafe { std::ptr::write_bytes(b.addr(u), 7, 112) };
        assert_eq!(&b.as_bytes()[..4], &5u32.to_ne_bytes());
        assert!(b.as_bytes()[16..128].iter().all(|&x| x == 7));
    }
}
