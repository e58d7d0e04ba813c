//! Calling a C task function with its argument words: one match arm per arity.
#![allow(clippy::type_complexity)]

use super::MAX_ARGS;

/// The address of a task function (`void (*)()` in C).
pub type FuncAddr = usize;

/// Calls the C function at `f` with the words `w` as its arguments.
///
/// # Safety
/// `f` must be the address of a C function taking `w.len()` pointer-sized arguments (TORC task
/// functions take pointers), and every word must be what that function expects.
pub unsafe fn call(f: FuncAddr, w: &[usize]) {
    assert!(w.len() <= MAX_ARGS, "at most {MAX_ARGS} arguments");
    // SAFETY (every arm): the caller guarantees `f` takes exactly `w.len()` word arguments;
    // the C calling convention passes pointers and pointer-sized integers alike.
    match w.len() {
        0 => {
            let g: unsafe extern "C" fn() = std::mem::transmute(f);
            g()
        }
        1 => {
            let g: unsafe extern "C" fn(usize) = std::mem::transmute(f);
            g(w[0])
        }
        2 => {
            let g: unsafe extern "C" fn(usize, usize) = std::mem::transmute(f);
            g(w[0], w[1])
        }
        3 => {
            let g: unsafe extern "C" fn(usize, usize, usize) = std::mem::transmute(f);
            g(w[0], w[1], w[2])
        }
        4 => {
            let g: unsafe extern "C" fn(usize, usize, usize, usize) = std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3])
        }
        5 => {
            let g: unsafe extern "C" fn(usize, usize, usize, usize, usize) = std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3], w[4])
        }
        6 => {
            let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize) =
                std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3], w[4], w[5])
        }
        7 => {
            let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize, usize) =
                std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3], w[4], w[5], w[6])
        }
        8 => {
            let g: unsafe extern "C" fn(usize, usize, usize, usize, usize, usize, usize, usize) =
                std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
        }
        9 => {
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
            ) = std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8])
        }
        10 => {
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
            ) = std::mem::transmute(f);
            g(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9])
        }
        11 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10],
            )
        }
        12 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11],
            )
        }
        13 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
            )
        }
        14 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13],
            )
        }
        15 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14],
            )
        }
        16 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15],
            )
        }
        17 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16],
            )
        }
        18 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17],
            )
        }
        19 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18],
            )
        }
        20 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19],
            )
        }
        21 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20],
            )
        }
        22 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21],
            )
        }
        23 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22],
            )
        }
        24 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23],
            )
        }
        25 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
            )
        }
        26 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25],
            )
        }
        27 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25], w[26],
            )
        }
        28 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25], w[26], w[27],
            )
        }
        29 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25], w[26], w[27], w[28],
            )
        }
        30 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25], w[26], w[27], w[28], w[29],
            )
        }
        31 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25], w[26], w[27], w[28], w[29], w[30],
            )
        }
        32 => {
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
            ) = std::mem::transmute(f);
            g(
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12],
                w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21], w[22], w[23], w[24],
                w[25], w[26], w[27], w[28], w[29], w[30], w[31],
            )
        }
        _ => unreachable!(),
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
