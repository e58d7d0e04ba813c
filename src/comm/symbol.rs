//! Identity of code and data across processes: an address becomes (module, offset), found
//! with `dladdr`, so that position-independent executables and shared libraries work even
//! when every process maps them at a different address.

use std::ffi::CStr;

/// Where an address lies: the module's file name and the offset from its load base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path of the module (executable or shared library) as the loader knows it.
    pub module: String,
    /// Load base of the module in this process.
    pub base: usize,
    /// `addr - base`.
    pub offset: usize,
}

/// The module containing `addr`, if any.
pub fn locate(addr: usize) -> Option<Location> {
    // SAFETY: `Dl_info` is plain data; dladdr only reads the address value and fills `info`.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr accepts any address value; it returns 0 when no module contains it.
    let ok = unsafe { libc::dladdr(addr as *const libc::c_void, &mut info) };
    if ok == 0 || info.dli_fbase.is_null() {
        return None;
    }
    let module = if info.dli_fname.is_null() {
        String::new()
    } else {
        // SAFETY: dladdr gives a NUL-terminated string owned by the loader.
        unsafe { CStr::from_ptr(info.dli_fname) }
            .to_string_lossy()
            .into_owned()
    };
    let base = info.dli_fbase as usize;
    Some(Location {
        module,
        base,
        offset: addr - base,
    })
}

/// Checks that `bytes` bytes at `addr` lie inside one loaded module (global or static data),
/// and says where.
pub fn locate_data(addr: usize, bytes: usize) -> Result<Location, String> {
    let first = locate(addr).ok_or_else(|| {
        format!(
            "address {addr:#x} is not inside a loaded module's data (heap or stack?); \
             only global and static variables can be broadcast"
        )
    })?;
    let last_addr = addr + bytes.max(1) - 1;
    match locate(last_addr) {
        Some(last) if last.base == first.base => Ok(first),
        _ => Err(format!(
            "the {bytes} bytes at {addr:#x} run past the end of module {}",
            first.module
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TABLE: [u64; 4] = [1, 2, 3, 4];

    #[test]
    fn globals_are_found_and_heap_is_refused() {
        let a = TABLE.as_ptr() as usize;
        let loc = locate_data(a, 32).unwrap();
        assert_eq!(loc.base + loc.offset, a);
        let heap = Box::new([0u64; 4]);
        let e = locate_data(heap.as_ptr() as usize, 32).unwrap_err();
        assert!(e.contains("not inside a loaded module"), "{e}");
    }
}
