//! `memcpy` and `memmove` for the static musl build on x86-64 (`scripts/target.sh`).
//!
//! musl's own copies are a byte loop around `rep movsq`: measured in that build, they made a
//! 500-pool twemproxy run 1.3 to 1.7 ms slower than glibc's, through wasmtime's lowering of
//! strings into a plugin's memory and the `memory.copy` the renderer does for every piece of
//! text it writes. `host/build.rs` links `wconfd` (and the benchmarks) with `--wrap=memcpy
//! --wrap=memmove`, so every call to either, musl's own included, lands here instead.
//!
//! Most copies are short (keys, values, pieces of template text): up to 64 bytes, every byte is
//! loaded before any is stored, as two moves of 2, 4, 8, 16 or 32 bytes that may overlap each
//! other, so the same code serves `memmove`. Longer copies use `rep movsb`, which x86-64 CPUs
//! since Ivy Bridge run at full speed ("ERMSB"), glibc's choice for them too. A `memmove` whose
//! destination overlaps the source from above copies backwards.
//!
//! Nothing here may itself call `memcpy` or `memmove` (that would be this function again): only
//! fixed-size unaligned loads and stores, and the string instructions.

use std::arch::asm;
use std::arch::x86_64::__m128i;

/// Copy `n <= 64` bytes from `s` to `d` (which may overlap) and return true; return false for
/// a longer copy.
///
/// # Safety
/// `s` must be readable and `d` writable for `n` bytes.
#[inline(always)]
unsafe fn copy_short(d: *mut u8, s: *const u8, n: usize) -> bool {
    // SAFETY: the caller's promise; each arm's `n` is within the bounds `copy_two` needs.
    unsafe {
        match n {
            0 => {}
            1 => *d = *s,
            2..=3 => copy_two::<u16>(d, s, n),
            4..=7 => copy_two::<u32>(d, s, n),
            8..=16 => copy_two::<u64>(d, s, n),
            17..=32 => copy_two::<__m128i>(d, s, n),
            33..=64 => copy_two::<[__m128i; 2]>(d, s, n),
            _ => return false,
        }
    }
    true
}

/// Copy `n` bytes, `size_of::<T>() <= n <= 2 * size_of::<T>()`, as a `T` from the start and a
/// `T` ending at the end, which overlap unless `n` is twice the size: both are loaded before
/// either is stored.
///
/// # Safety
/// `s` must be readable and `d` writable for `n` bytes, `n` within the bounds above.
#[inline(always)]
unsafe fn copy_two<T: Copy>(d: *mut u8, s: *const u8, n: usize) {
    let tail = n - std::mem::size_of::<T>();
    // SAFETY: both moves lie within the first `n` bytes (the caller's promise).
    unsafe {
        let head = s.cast::<T>().read_unaligned();
        let end = s.add(tail).cast::<T>().read_unaligned();
        d.cast::<T>().write_unaligned(head);
        d.add(tail).cast::<T>().write_unaligned(end);
    }
}

/// `rep movsb` forwards.
///
/// # Safety
/// `s` must be readable and `d` writable for `n` bytes, and `d` must not start inside the
/// source after `s`.
#[inline(always)]
unsafe fn copy_forwards(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY: the caller's promise; the direction flag is clear, as the ABI guarantees.
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") d => _, inout("rsi") s => _,
             options(nostack, preserves_flags));
    }
}

/// `rep movsb` backwards (from the last byte), for a destination that overlaps the source from
/// above. Rare; the direction flag is set for the copy and cleared again.
///
/// # Safety
/// `s` must be readable and `d` writable for `n > 0` bytes.
unsafe fn copy_backwards(d: *mut u8, s: *const u8, n: usize) {
    // SAFETY: the caller's promise; the direction flag is clear again on the way out.
    unsafe {
        asm!("std", "rep movsb", "cld", inout("rcx") n => _, inout("rdi") d.add(n - 1) => _,
             inout("rsi") s.add(n - 1) => _, options(nostack));
    }
}

/// C's `memcpy`, in place of musl's (see the module documentation).
///
/// # Safety
/// As C's `memcpy`: `s` readable and `d` writable for `n` bytes, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn __wrap_memcpy(d: *mut u8, s: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's promise.
    unsafe {
        if !copy_short(d, s, n) {
            copy_forwards(d, s, n);
        }
    }
    d
}

/// C's `memmove`, in place of musl's (see the module documentation).
///
/// # Safety
/// As C's `memmove`: `s` readable and `d` writable for `n` bytes; they may overlap.
#[no_mangle]
pub unsafe extern "C" fn __wrap_memmove(d: *mut u8, s: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's promise. A forward copy is safe unless `d` starts inside the
    // source, after `s` (then `d - s < n`, computed without overflow as an unsigned distance).
    unsafe {
        if !copy_short(d, s, n) {
            if (d as usize).wrapping_sub(s as usize) >= n {
                copy_forwards(d, s, n);
            } else {
                copy_backwards(d, s, n);
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths up to 300 at offsets that overlap either way or not at all, against the answer
    /// computed byte by byte here (`black_box` keeps the compiler from turning that loop into a
    /// call to `memcpy`, which could be the code under test).
    #[test]
    fn copies_match_a_byte_by_byte_copy() {
        let source: Vec<u8> = (0..700u32).map(|i| (i * 7 + i / 256) as u8).collect();
        for n in 0..300 {
            for from in [0, 1, 7, 16, 33, 100] {
                for to in [0, 1, 5, 16, 31, 64, 99, 101, 150] {
                    // memmove within one buffer (any overlap).
                    let mut buf = source.clone();
                    let mut want = source.clone();
                    for i in 0..n {
                        want[to + i] = std::hint::black_box(source[from + i]);
                    }
                    unsafe { __wrap_memmove(buf.as_mut_ptr().add(to), buf.as_ptr().add(from), n) };
                    assert_eq!(buf, want, "memmove n={n} from={from} to={to}");
                    // memcpy between two buffers.
                    let mut dest = vec![0xAAu8; 500];
                    let mut want = dest.clone();
                    for i in 0..n {
                        want[to + i] = std::hint::black_box(source[from + i]);
                    }
                    unsafe { __wrap_memcpy(dest.as_mut_ptr().add(to), source.as_ptr().add(from), n) };
                    assert_eq!(dest, want, "memcpy n={n} from={from} to={to}");
                }
            }
        }
    }
}
