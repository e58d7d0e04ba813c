//! Function names from a module's ELF symbol table (`.symtab`, else `.dynsym`), for crash
//! lines and traces: `dladdr` knows only exported symbols, while C programs' task functions are
//! usually local to the executable. Nothing here allocates, so a signal handler may call it:
//! the file is mapped, read and unmapped with plain system calls.

use std::ffi::CStr;

const SHT_SYMTAB: u32 = 2;
const SHT_DYNSYM: u32 = 11;
const STT_FUNC: u8 = 2;
const ET_EXEC: u16 = 2;

/// A little-endian integer of `N` bytes at `off` of `b`.
fn le<const N: usize>(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(N)?)?;
    let mut v = 0u64;
    for (i, &x) in s.iter().enumerate() {
        v |= (x as u64) << (8 * i);
    }
    Some(v)
}

/// The name of the function containing `offset` (its distance from the module's load base)
/// in the ELF image `b`: a slice of `b`.
pub(crate) fn function_at(b: &[u8], offset: u64, base: u64) -> Option<&[u8]> {
    // ELF64, little-endian only (the platforms torc runs on).
    if b.get(0..4)? != b"\x7fELF" || *b.get(4)? != 2 || *b.get(5)? != 1 {
        return None;
    }
    // A fixed-address executable's symbols are absolute addresses; others are offsets.
    let addr = if le::<2>(b, 16)? as u16 == ET_EXEC {
        offset.checked_add(base)?
    } else {
        offset
    };
    let shoff = le::<8>(b, 0x28)? as usize;
    let shentsize = le::<2>(b, 0x3a)? as usize;
    let shnum = le::<2>(b, 0x3c)? as usize;
    let section = |i: usize| shoff.checked_add(i.checked_mul(shentsize)?);
    for wanted in [SHT_SYMTAB, SHT_DYNSYM] {
        for i in 0..shnum {
            let sh = section(i)?;
            if le::<4>(b, sh + 4)? as u32 != wanted {
                continue;
            }
            let (off, size) = (
                le::<8>(b, sh + 0x18)? as usize,
                le::<8>(b, sh + 0x20)? as usize,
            );
            let link = le::<4>(b, sh + 0x28)? as usize;
            let entsize = (le::<8>(b, sh + 0x38)? as usize).max(24);
            let strsh = section(link)?;
            let stroff = le::<8>(b, strsh + 0x18)? as usize;
            let mut best: Option<(u64, usize)> = None;
            for k in 0..size / entsize {
                let s = off + k * entsize;
                let info = *b.get(s + 4)?;
                if info & 0xf != STT_FUNC {
                    continue;
                }
                let value = le::<8>(b, s + 8)?;
                let len = le::<8>(b, s + 16)?;
                let inside = addr >= value && (addr < value.saturating_add(len.max(1)));
                if inside && best.is_none_or(|(v, _)| value > v) {
                    best = Some((value, le::<4>(b, s)? as usize));
                }
            }
            if let Some((_, name)) = best {
                let start = stroff.checked_add(name)?;
                let tail = b.get(start..)?;
                let end = tail.iter().position(|&c| c == 0)?;
                return Some(&tail[..end]);
            }
        }
    }
    None
}

/// Copies the name of the function at `offset` of the module file `path` (loaded at `base`)
/// into `out`; returns its length. No allocation: callable from a signal handler.
pub(crate) fn lookup(path: &CStr, offset: u64, base: u64, out: &mut [u8]) -> Option<usize> {
    // SAFETY: open takes a NUL-terminated path; the descriptor is closed below.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `st` is plain data filled by fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat on our descriptor writes `st`.
    let len = if unsafe { libc::fstat(fd, &mut st) } == 0 {
        st.st_size as usize
    } else {
        0
    };
    let mut n = None;
    if len > 0 {
        // SAFETY: a private read-only mapping of the whole file; unmapped below.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                fd,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            // SAFETY: the mapping is `len` readable bytes until munmap.
            let b = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
            if let Some(name) = function_at(b, offset, base) {
                let k = name.len().min(out.len());
                out[..k].copy_from_slice(&name[..k]);
                n = Some(k);
            }
            // SAFETY: the mapping made above, no longer used.
            unsafe { libc::munmap(p, len) };
        }
    }
    // SAFETY: our descriptor, closed once.
    unsafe { libc::close(fd) };
    n
}

/// `name` with a Rust legacy mangling (`_ZN3foo3bar17h0123456789abcdefE`) turned into
/// `foo::bar` in `out`; other names are copied. Returns the length.
pub(crate) fn demangle(name: &[u8], out: &mut [u8]) -> usize {
    let copy = |out: &mut [u8]| {
        let k = name.len().min(out.len());
        out[..k].copy_from_slice(&name[..k]);
        k
    };
    let Some(mut rest) = name.strip_prefix(b"_ZN") else {
        return copy(out);
    };
    let mut n = 0;
    while let Some(&c) = rest.first() {
        if c == b'E' {
            return n;
        }
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let Some(len) = std::str::from_utf8(&rest[..digits])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            return copy(out);
        };
        let Some(part) = rest.get(digits..digits + len) else {
            return copy(out);
        };
        rest = &rest[digits + len..];
        // The trailing hash component (`h` and 16 hex digits) is left out.
        let is_hash = part.len() == 17 && part[0] == b'h' && rest.first() == Some(&b'E');
        if is_hash {
            continue;
        }
        if n > 0 {
            for &c in b"::" {
                if n < out.len() {
                    out[n] = c;
                    n += 1;
                }
            }
        }
        // `$LT$`-style escapes are kept as they are: still readable.
        for &c in part {
            if n < out.len() {
                out[n] = c;
                n += 1;
            }
        }
    }
    copy(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_legacy_rust_names() {
        let mut d = [0u8; 64];
        let k = demangle(b"_ZN4torc5sched7execute3run17h0123456789abcdefE", &mut d);
        assert_eq!(&d[..k], b"torc::sched::execute::run");
        let k = demangle(b"fib_task", &mut d);
        assert_eq!(&d[..k], b"fib_task");
        assert!(function_at(b"not an elf file", 0, 0).is_none());
    }
}
