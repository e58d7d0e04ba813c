//! Identity of code and data across processes: an address becomes (module key, offset), so
//! that position-independent executables and shared libraries work even when every process
//! maps them at a different address. The main program has key 0; a shared library's key is a
//! hash of its path. Registered task functions travel as their registration index instead.

pub(crate) mod elf;

use parking_lot::Mutex;
use std::ffi::CStr;

/// Where an address lies: the module's file name and the offset from its load base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    /// Path of the module (executable or shared library) as the loader knows it.
    pub(crate) module: String,
    /// Load base of the module in this process.
    pub(crate) base: usize,
    /// `addr - base`.
    pub(crate) offset: usize,
}

/// A string of the loader's as an owned `String` (empty for null; lossy).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that stays valid for the call.
unsafe fn loader_string(p: *const libc::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: not null, and NUL-terminated and valid by the caller's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// The module containing `addr`, if any.
pub(crate) fn locate(addr: usize) -> Option<Location> {
    // SAFETY: `Dl_info` is plain data; dladdr only reads the address value and fills `info`.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr accepts any address value; it returns 0 when no module contains it.
    let ok = unsafe { libc::dladdr(addr as *const libc::c_void, &mut info) };
    if ok == 0 || info.dli_fbase.is_null() {
        return None;
    }
    // SAFETY: dladdr gives null or a NUL-terminated string owned by the loader.
    let module = unsafe { loader_string(info.dli_fname) };
    let base = info.dli_fbase as usize;
    Some(Location {
        module,
        base,
        offset: addr - base,
    })
}

/// A function address for messages: its symbol name when the loader knows it, its module and
/// offset otherwise.
pub(crate) fn describe_code(addr: usize) -> String {
    // SAFETY: `Dl_info` is plain data; dladdr only reads the address value and fills `info`.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr accepts any address value; it returns 0 when no module contains it.
    let ok = unsafe { libc::dladdr(addr as *const libc::c_void, &mut info) };
    let loc = locate(addr);
    let place = loc.map_or_else(
        || format!("{addr:#x}"),
        |l| format!("offset {:#x} of {}", l.offset, l.module),
    );
    if ok != 0 && !info.dli_sname.is_null() && info.dli_saddr as usize == addr {
        // SAFETY: dladdr gives a NUL-terminated string owned by the loader.
        let name = unsafe { CStr::from_ptr(info.dli_sname) }.to_string_lossy();
        return format!("{name} ({place})");
    }
    place
}

/// What is known of a code address, found without allocating (a crash handler uses it): its
/// function's name, its module's path and its offset there.
pub(crate) struct CodeName {
    name: [u8; 256],
    name_len: Option<usize>,
    path: [u8; 512],
    path_len: usize,
    /// The address less its module's load base.
    pub(crate) offset: usize,
}

impl CodeName {
    /// The function's name (from the dynamic symbols, else the module's symbol table; Rust
    /// names demangled), if one was found.
    pub(crate) fn name(&self) -> Option<&[u8]> {
        self.name_len.map(|n| &self.name[..n])
    }

    /// The module's file name (without its directory).
    pub(crate) fn file(&self) -> &[u8] {
        let p = &self.path[..self.path_len];
        p.rsplit(|&c| c == b'/').next().unwrap_or(p)
    }
}

/// The [`CodeName`] of `addr`; `None` when no loaded module holds it.
pub(crate) fn code_name(addr: usize) -> Option<CodeName> {
    // SAFETY: plain data filled by dladdr.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr accepts any address value; it returns 0 when no module contains it.
    let ok = unsafe { libc::dladdr(addr as *const libc::c_void, &mut info) } != 0;
    if !ok || info.dli_fbase.is_null() {
        return None;
    }
    let base = info.dli_fbase as usize;
    let mut c = CodeName {
        name: [0; 256],
        name_len: None,
        path: [0; 512],
        path_len: 0,
        offset: addr - base,
    };
    // SAFETY: dladdr's file name, when set, is a NUL-terminated string owned by the loader.
    let fname = (!info.dli_fname.is_null()).then(|| unsafe { CStr::from_ptr(info.dli_fname) });
    match fname.map(CStr::to_bytes).filter(|f| !f.is_empty()) {
        Some(f) => {
            c.path_len = f.len().min(c.path.len() - 1);
            c.path[..c.path_len].copy_from_slice(&f[..c.path_len]);
        }
        None => {
            // The main program: its path from /proc (readlink is async-signal-safe).
            // SAFETY: readlink writes at most len - 1 bytes into `path`.
            let n = unsafe {
                libc::readlink(
                    c"/proc/self/exe".as_ptr(),
                    c.path.as_mut_ptr() as *mut libc::c_char,
                    c.path.len() - 1,
                )
            };
            c.path_len = n.max(0) as usize;
        }
    }
    let mut raw = [0u8; 256];
    let found = if !info.dli_sname.is_null() && info.dli_saddr as usize == addr {
        // SAFETY: a NUL-terminated string owned by the loader.
        let s = unsafe { CStr::from_ptr(info.dli_sname) }.to_bytes();
        let k = s.len().min(raw.len());
        raw[..k].copy_from_slice(&s[..k]);
        Some(k)
    } else {
        // `path` is NUL-terminated: at most len - 1 bytes were written into zeroes.
        CStr::from_bytes_until_nul(&c.path)
            .ok()
            .and_then(|p| elf::lookup(p, c.offset as u64, base as u64, &mut raw))
    };
    c.name_len = found.map(|n| elf::demangle(&raw[..n], &mut c.name));
    Some(c)
}

/// A task function's name for traces and reports: its symbol ([`code_name`]), else
/// `module+0xoffset`.
pub(crate) fn function_name(addr: usize) -> String {
    match code_name(addr) {
        Some(c) => match c.name() {
            Some(n) => String::from_utf8_lossy(n).into_owned(),
            None => format!("{}+{:#x}", String::from_utf8_lossy(c.file()), c.offset),
        },
        None => format!("{addr:#x}"),
    }
}

/// Checks that `bytes` bytes at `addr` lie inside one loaded module (global or static data),
/// and says where.
pub(crate) fn locate_data(addr: usize, bytes: usize) -> Result<Location, String> {
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

/// A loaded module: its key, load bias and the address ranges of its segments.
#[derive(Clone, Debug)]
struct Module {
    key: u64,
    bias: usize,
    ranges: Vec<(usize, usize)>,
    /// Segments that stay writable after loading: writable `PT_LOAD` segments, less the
    /// `PT_GNU_RELRO` part the loader makes read-only once relocated.
    writable: Vec<(usize, usize)>,
    name: String,
}

static MODULES: Mutex<Vec<Module>> = Mutex::new(Vec::new());

/// FNV-1a, 64 bits.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

unsafe extern "C" fn collect(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    data: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: the loader passes a valid info record; `data` is the Vec given to dl_iterate_phdr.
    let (info, out) = unsafe { (&*info, &mut *(data as *mut Vec<Module>)) };
    // SAFETY: null or a NUL-terminated string owned by the loader.
    let name = unsafe { loader_string(info.dlpi_name) };
    let bias = info.dlpi_addr as usize;
    let mut ranges = Vec::new();
    let mut writable = Vec::new();
    let mut relro = Vec::new();
    for i in 0..info.dlpi_phnum as usize {
        // SAFETY: dlpi_phdr points to dlpi_phnum program headers.
        let ph = unsafe { &*info.dlpi_phdr.add(i) };
        let start = bias + ph.p_vaddr as usize;
        let range = (start, start + ph.p_memsz as usize);
        if ph.p_type == libc::PT_LOAD {
            ranges.push(range);
            if ph.p_flags & libc::PF_W != 0 {
                writable.push(range);
            }
        } else if ph.p_type == libc::PT_GNU_RELRO {
            relro.push(range);
        }
    }
    let writable = subtract(&writable, &relro);
    // The first module reported is the main program: key 0 on every node.
    let key = if out.is_empty() {
        0
    } else {
        fnv1a(name.as_bytes()) | 1
    };
    out.push(Module {
        key,
        bias,
        ranges,
        writable,
        name,
    });
    0
}

/// `ranges` less every range of `holes` (half-open ranges).
fn subtract(ranges: &[(usize, usize)], holes: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = ranges.to_vec();
    for &(hs, he) in holes {
        out = out
            .into_iter()
            .flat_map(|(s, e)| {
                let before = (s, e.min(hs));
                let after = (s.max(he), e);
                [before, after].into_iter().filter(|(a, b)| a < b)
            })
            .collect();
    }
    out
}

fn scan() -> Vec<Module> {
    let mut v: Vec<Module> = Vec::new();
    // SAFETY: the callback only reads the records the loader hands it and appends to `v`.
    unsafe {
        libc::dl_iterate_phdr(
            Some(collect),
            &mut v as *mut Vec<Module> as *mut libc::c_void,
        )
    };
    v
}

fn with_modules<R>(f: impl Fn(&[Module]) -> Option<R>) -> Option<R> {
    let mut m = MODULES.lock();
    if m.is_empty() {
        *m = scan();
    }
    if let Some(r) = f(&m) {
        return Some(r);
    }
    // A library may have been loaded since the last scan.
    *m = scan();
    f(&m)
}

/// An address as (module key, offset from the module's load bias), valid on every node.
pub(crate) fn to_portable(addr: usize) -> Option<(u64, u64)> {
    with_modules(|mods| {
        mods.iter()
            .find(|m| m.ranges.iter().any(|&(s, e)| addr >= s && addr < e))
            .map(|m| (m.key, (addr - m.bias) as u64))
    })
}

/// Checks that the `bytes` bytes at `addr` lie in writable data of one loaded module (global
/// or static variables; not code, `const` data or relocated read-only data).
pub(crate) fn check_writable(addr: usize, bytes: usize) -> Result<(), String> {
    let end = addr
        .checked_add(bytes.max(1))
        .ok_or("the range wraps around")?;
    let found = with_modules(|mods| {
        let m = mods
            .iter()
            .find(|m| m.ranges.iter().any(|&(s, e)| addr >= s && addr < e))?;
        let inside = m.writable.iter().any(|&(s, e)| addr >= s && end <= e);
        Some((inside, m.name.clone()))
    });
    match found {
        Some((true, _)) => Ok(()),
        Some((false, module)) => Err(format!(
            "the {bytes} bytes at {addr:#x} are not writable data of {} (code, const or \
             read-only data cannot be broadcast; only writable globals and statics)",
            if module.is_empty() {
                "the executable"
            } else {
                &module
            }
        )),
        None => Err(format!(
            "address {addr:#x} is not inside a loaded module's data (heap or stack?); \
             only global and static variables can be broadcast"
        )),
    }
}

/// The local address of a portable (module key, offset); `None` if no such module is loaded.
pub(crate) fn from_portable(key: u64, offset: u64) -> Option<usize> {
    with_modules(|mods| {
        mods.iter()
            .find(|m| m.key == key)
            .map(|m| m.bias + offset as usize)
    })
}

/// The path of the module with `key`, for error messages.
pub(crate) fn module_name(key: u64) -> String {
    with_modules(|mods| mods.iter().find(|m| m.key == key).map(|m| m.name.clone()))
        .unwrap_or_else(|| format!("<module {key:#x}>"))
}

/// A fingerprint of the running executable (its size and content hash), to check that all
/// nodes run the same program.
pub(crate) fn executable_fingerprint() -> u64 {
    match std::fs::read("/proc/self/exe") {
        Ok(bytes) => fnv1a(&bytes) ^ (bytes.len() as u64).rotate_left(32),
        Err(_) => 0,
    }
}

/// The path of the running executable.
pub(crate) fn executable_path() -> String {
    std::fs::read_link("/proc/self/exe")
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    extern "C" fn a_local_function(x: i32) -> i32 {
        x + 1
    }

    #[test]
    fn finds_a_local_function_in_the_test_binary() {
        let f = a_local_function as extern "C" fn(i32) -> i32 as usize;
        assert_eq!(a_local_function(1), 2);
        let loc = locate(f).expect("in a module");
        let path = std::ffi::CString::new(executable_path()).unwrap();
        let mut out = [0u8; 256];
        let n = elf::lookup(&path, loc.offset as u64, loc.base as u64, &mut out).expect("a name");
        let mut d = [0u8; 256];
        let k = elf::demangle(&out[..n], &mut d);
        let name = std::str::from_utf8(&d[..k]).unwrap();
        assert!(name.ends_with("a_local_function"), "{name}");
    }

    static TABLE: [u64; 4] = [1, 2, 3, 4];
    static mut WRITABLE: [u64; 4] = [0; 4];

    #[test]
    fn only_writable_data_is_writable() {
        let w = std::ptr::addr_of!(WRITABLE) as usize;
        assert_eq!(check_writable(w, 32), Ok(()));
        let e = check_writable(TABLE.as_ptr() as usize, 32).unwrap_err();
        assert!(e.contains("not writable data"), "{e}");
        let f = only_writable_data_is_writable as fn() as usize;
        let e = check_writable(f, 8).unwrap_err();
        assert!(e.contains("not writable data"), "{e}");
        let e = check_writable(w, 1 << 40).unwrap_err();
        assert!(e.contains("not writable data"), "{e}");
        assert_eq!(
            subtract(&[(0, 10), (20, 30)], &[(5, 22)]),
            vec![(0, 5), (22, 30)]
        );
    }

    #[test]
    fn globals_are_found_and_heap_is_refused() {
        let a = TABLE.as_ptr() as usize;
        let loc = locate_data(a, 32).unwrap();
        assert_eq!(loc.base + loc.offset, a);
        let heap = Box::new([0u64; 4]);
        let e = locate_data(heap.as_ptr() as usize, 32).unwrap_err();
        assert!(e.contains("not inside a loaded module"), "{e}");
    }

    #[test]
    fn portable_addresses_round_trip() {
        let f = globals_are_found_and_heap_is_refused as fn() as usize;
        let (key, off) = to_portable(f).unwrap();
        assert_eq!(from_portable(key, off), Some(f));
        let d = TABLE.as_ptr() as usize;
        let (key, off) = to_portable(d).unwrap();
        assert_eq!(from_portable(key, off), Some(d));
        let p = libc::malloc as *const () as usize;
        let (key, off) = to_portable(p).unwrap();
        assert_ne!(key, 0, "libc is not the main program");
        assert_eq!(from_portable(key, off), Some(p));
        assert_ne!(executable_fingerprint(), 0);
    }
}
