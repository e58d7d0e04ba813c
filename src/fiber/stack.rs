//! A fiber's stack: an anonymous mapping whose pages the kernel supplies only when touched,
//! with an inaccessible guard page below it, so that an overflow faults (and the crash handler
//! reports it) instead of writing over other memory.

/// One stack, unmapped when dropped.
pub(crate) struct Stack {
    /// Start of the mapping (the guard page).
    base: *mut libc::c_void,
    /// Length of the mapping, guard page included.
    len: usize,
}

impl Stack {
    /// A stack of `size` usable bytes (rounded up to pages); `None` when the kernel refuses
    /// the mapping (address space or mapping count exhausted).
    pub(crate) fn new(size: usize) -> Option<Stack> {
        let page = page_size();
        let len = size.div_ceil(page) * page + page;
        // SAFETY: a fresh private anonymous mapping; no existing memory is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        let stack = Stack { base, len };
        // SAFETY: the first page of the mapping made above; nothing uses it yet.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            return None; // (dropped: unmapped)
        }
        Some(stack)
    }

    /// The lowest usable address (just above the guard page).
    pub(crate) fn bottom(&self) -> usize {
        self.base as usize + page_size()
    }

    /// One past the highest usable address.
    pub(crate) fn top(&self) -> usize {
        self.base as usize + self.len
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; no context runs on it any more
        // (the owner drops a stack only when its context is not running).
        unsafe { libc::munmap(self.base, self.len) };
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_is_writable_between_bottom_and_top() {
        let s = Stack::new(100_000).expect("a mapping");
        assert!(s.top() - s.bottom() >= 100_000);
        assert_eq!(s.bottom() % page_size(), 0);
        // SAFETY: both bytes lie inside the writable part of the mapping.
        unsafe {
            *(s.bottom() as *mut u8) = 1;
            *((s.top() - 1) as *mut u8) = 2;
            assert_eq!(*(s.bottom() as *const u8), 1);
        }
    }
}
