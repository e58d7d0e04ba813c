//! Calling a C task function with its argument words: one small function per arity (kept
//! out of line, so that a deep chain of nested tasks does not pay for the largest arity's stack
//! frame at every level).
#![allow(clippy::type_complexity)]

use super::MAX_ARGS;

/// The address of a task function (`void (*)()` in C).
pub type FuncAddr = usize;

type Caller = unsafe fn(FuncAddr, &[usize]);

const CALLERS: [Caller; MAX_ARGS + 1] = [
    call0, call1, call2, call3, call4, call5, call6, call7, call8, call9, call10, call11, call12,
    call13, call14, call15, call16, call17, call18, call19, call20, call21, call22, call23, call24,
    call25, call26, call27, call28, call29, call30, call31, call32,
];

/// Calls the C function at `f` with the words `w` as its arguments.
///
/// # Safety
/// `f` must be the address of a C function taking `w.len()` pointer-sized arguments (TORC task
/// functions take pointers), and every word must be what that function expects.
pub unsafe fn call(f: FuncAddr, w: &[usize]) {
    assert!(w.len() <= MAX_ARGS, "at most {MAX_ARGS} arguments");
    // SAFETY: the caller guarantees `f` takes exactly `w.len()` word arguments; the C calling
    // convention passes pointers and pointer-sized integers alike.
    unsafe { CALLERS[w.len()](f, w) }
}

#[inline(never)]
unsafe fn call0(f: FuncAddr, _w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn() = unsafe { std::mem::transmute(f) };
    unsafe { g() }
}
#[inline(never)]
unsafe fn call1(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize) = unsafe { std::mem::transmute(f) };
    unsafe { g(w[0]) }
}
#[inline(never)]
unsafe fn call2(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize) = unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1]) }
}
#[inline(never)]
unsafe fn call3(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize) = unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2]) }
}
#[inline(never)]
unsafe fn call4(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize, usize) = unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3]) }
}
#[inline(never)]
unsafe fn call5(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize, usize, usize) =
        unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3], w[4]) }
}
#[inline(never)]
unsafe fn call6(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize) =
        unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3], w[4], w[5]) }
}
#[inline(never)]
unsafe fn call7(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize, usize) =
        unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3], w[4], w[5], w[6]) }
}
#[inline(never)]
unsafe fn call8(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize, usize, usize) =
        unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]) }
}
#[inline(never)]
unsafe fn call9(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize, usize, usize, usize) =
        unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]) }
}
#[inline(never)]
unsafe fn call10(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe { g(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9]) }
}
#[inline(never)]
unsafe fn call11(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10],
        )
    }
}
#[inline(never)]
unsafe fn call12(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11],
        )
    }
}
#[inline(never)]
unsafe fn call13(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
        )
    }
}
#[inline(never)]
unsafe fn call14(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
        )
    }
}
#[inline(never)]
unsafe fn call15(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14],
        )
    }
}
#[inline(never)]
unsafe fn call16(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15],
        )
    }
}
#[inline(never)]
unsafe fn call17(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16],
        )
    }
}
#[inline(never)]
unsafe fn call18(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17],
        )
    }
}
#[inline(never)]
unsafe fn call19(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18],
        )
    }
}
#[inline(never)]
unsafe fn call20(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19],
        )
    }
}
#[inline(never)]
unsafe fn call21(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20],
        )
    }
}
#[inline(never)]
unsafe fn call22(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21],
        )
    }
}
#[inline(never)]
unsafe fn call23(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22],
        )
    }
}
#[inline(never)]
unsafe fn call24(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23],
        )
    }
}
#[inline(never)]
unsafe fn call25(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
        )
    }
}
#[inline(never)]
unsafe fn call26(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
        )
    }
}
#[inline(never)]
unsafe fn call27(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
            w[26],
        )
    }
}
#[inline(never)]
unsafe fn call28(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
            w[26], w[27],
        )
    }
}
#[inline(never)]
unsafe fn call29(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
            w[26], w[27], w[28],
        )
    }
}
#[inline(never)]
unsafe fn call30(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
            w[26], w[27], w[28], w[29],
        )
    }
}
#[inline(never)]
unsafe fn call31(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
            w[26], w[27], w[28], w[29], w[30],
        )
    }
}
#[inline(never)]
unsafe fn call32(f: FuncAddr, w: &[usize]) {
    // SAFETY: see `call`.
    let g: unsafe extern "C" fn(
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    ) = unsafe { std::mem::transmute(f) };
    unsafe {
        g(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13],
            w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24], w[25],
            w[26], w[27], w[28], w[29], w[30], w[31],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static SUM: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn three(a: usize, b: usize, c: usize) {
        SUM.store(a * 100 + b * 10 + c, Ordering::SeqCst);
    }

    extern "C" fn many(
        a0: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
        a6: usize,
        a7: usize,
        a8: usize,
        a9: usize,
        a10: usize,
        a11: usize,
        a12: usize,
        a13: usize,
        a14: usize,
        a15: usize,
        a16: usize,
        a17: usize,
        a18: usize,
        a19: usize,
        a20: usize,
        a21: usize,
        a22: usize,
        a23: usize,
    ) {
        let all = [
            a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18,
            a19, a20, a21, a22, a23,
        ];
        SUM.store(
            all.iter().enumerate().map(|(i, v)| i * v).sum(),
            Ordering::SeqCst,
        );
    }

    #[test]
    fn passes_words_in_order() {
        unsafe { call(three as *const () as usize, &[1, 2, 3]) };
        assert_eq!(SUM.load(Ordering::SeqCst), 123);
        let w: Vec<usize> = (1..=24).collect();
        unsafe { call(many as *const () as usize, &w) };
        assert_eq!(
            SUM.load(Ordering::SeqCst),
            (0..24).map(|i| i * (i + 1)).sum::<usize>()
        );
    }
}
