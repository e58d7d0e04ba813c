//! A task's argument records: one [`Arg`] per argument, as the runtime keeps it, and the list
//! of them. The first [`INLINE`] records live in the descriptor itself, so that the common task
//! of a few arguments needs no allocation of its own and no pointer to follow (one cache line
//! less to touch per task), the rest in a vector kept with the descriptor.

use super::callway::CallWay;
use std::mem::MaybeUninit;

/// One argument of a task, as the runtime keeps it: 32 bytes (two records to a cache line).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arg {
    /// The creator's address (for VAD: the word).
    pub(crate) addr: usize,
    /// Where the data lies in the task's buffer, when `in_buffer`.
    pub(crate) offset: usize,
    /// Elements (0: no data).
    pub(crate) count: usize,
    /// Bytes per element (0 for VAD; MPI sizes are C ints).
    pub(crate) elem_size: u32,
    /// How it is passed.
    pub(crate) way: CallWay,
    /// Whether the task sees the copy in its buffer rather than the creator's memory.
    pub(crate) in_buffer: bool,
}

const _: () = assert!(std::mem::size_of::<Arg>() == 32);

impl Arg {
    /// Bytes of data: `count * elem_size`.
    #[inline]
    pub(crate) fn bytes(&self) -> usize {
        self.count * self.elem_size as usize
    }

    /// The word the task function receives, given `base`, the address of the task's buffer
    /// ([`ArgBuffer::addr`](super::buffer::ArgBuffer::addr)`(0)`, taken once the buffer no
    /// longer grows): its copy in the buffer, the VAD word, NULL for no data, or else the
    /// creator's address.
    #[inline]
    pub(crate) fn word(&self, base: *mut u8) -> usize {
        if self.in_buffer {
            base as usize + self.offset
        } else if self.count == 0 && self.way != CallWay::Vad {
            0
        } else {
            self.addr
        }
    }
}

/// Records held in the descriptor.
pub(crate) const INLINE: usize = 4;

/// The records, in order. Up to [`INLINE`] of them live in `inline`; past that every record
/// lives in `spill` (the inline ones are moved there), so that the records are always one
/// contiguous slice.
#[repr(C)]
pub(crate) struct ArgList {
    len: usize,
    inline: [MaybeUninit<Arg>; INLINE],
    spill: Vec<Arg>,
}

impl Default for ArgList {
    fn default() -> Self {
        ArgList {
            len: 0,
            inline: [MaybeUninit::uninit(); INLINE],
            spill: Vec::new(),
        }
    }
}

impl ArgList {
    /// Where the inline records start, in bytes from the list's start.
    pub(crate) const RECORDS_AT: usize = std::mem::offset_of!(ArgList, inline);

    /// Appends a record.
    #[inline]
    pub(crate) fn push(&mut self, a: Arg) {
        if self.len < INLINE {
            self.inline[self.len].write(a);
        } else {
            if self.len == INLINE {
                self.spill.clear();
                // SAFETY: the first `INLINE` inline records are initialised (len == INLINE).
                self.spill
                    .extend(self.inline.iter().map(|r| unsafe { r.assume_init() }));
            }
            self.spill.push(a);
        }
        self.len += 1;
    }

    /// Forgets every record (keeping the vector's allocation).
    #[inline]
    pub(crate) fn clear(&mut self) {
        if self.len > INLINE {
            self.spill.clear();
        }
        self.len = 0;
    }
}

impl std::ops::Deref for ArgList {
    type Target = [Arg];
    #[inline]
    fn deref(&self) -> &[Arg] {
        if self.len <= INLINE {
            // SAFETY: the first `len` inline records are initialised; `Arg` is `Copy` and
            // `MaybeUninit<Arg>` has its layout.
            unsafe { std::slice::from_raw_parts(self.inline.as_ptr() as *const Arg, self.len) }
        } else {
            &self.spill
        }
    }
}

impl std::ops::DerefMut for ArgList {
    #[inline]
    fn deref_mut(&mut self) -> &mut [Arg] {
        if self.len <= INLINE {
            // SAFETY: as in `deref`.
            unsafe {
                std::slice::from_raw_parts_mut(self.inline.as_mut_ptr() as *mut Arg, self.len)
            }
        } else {
            &mut self.spill
        }
    }
}

impl<'a> IntoIterator for &'a ArgList {
    type Item = &'a Arg;
    type IntoIter = std::slice::Iter<'a, Arg>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(i: usize) -> Arg {
        Arg {
            way: CallWay::Vad,
            count: 0,
            elem_size: 0,
            addr: i,
            offset: i,
            in_buffer: false,
        }
    }

    #[test]
    fn records_stay_in_order_across_the_inline_boundary_and_clear_keeps_working() {
        let mut l = ArgList::default();
        for round in 0..3 {
            let n = [3, 9, 4][round];
            for i in 0..n {
                l.push(arg(i));
            }
            assert_eq!(l.len(), n);
            assert_eq!(
                l.iter().map(|a| a.addr).collect::<Vec<_>>(),
                (0..n).collect::<Vec<_>>()
            );
            l[0].offset = 77;
            assert_eq!(l[0].offset, 77);
            l.clear();
            assert!(l.is_empty());
        }
        let taken = std::mem::take(&mut l);
        assert!(taken.is_empty());
    }
}
