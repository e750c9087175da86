//! `memcmp` for the guest, eight bytes at a time.
//!
//! wasi-libc's `memcmp` (musl's) compares one byte per loop iteration, and the engine calls it
//! for every key lookup, variable lookup, sort and path match (a tenth of a render's WebAssembly
//! time on the twemproxy benchmark). Defining the symbol here keeps the linker from taking
//! wasi-libc's; its `bcmp` calls this one.

/// Compares `n` bytes at `a` and `b` as unsigned bytes: negative, zero or positive.
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
// Natively the symbol is not exported (the host keeps its libc's) and only the tests call it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, so both eight-byte reads are in bounds.
        let (x, y) = unsafe {
            (
                a.add(i).cast::<u64>().read_unaligned(),
                b.add(i).cast::<u64>().read_unaligned(),
            )
        };
        if x != y {
            // Little-endian loads: the lowest differing bit belongs to the first differing byte.
            i += ((x ^ y).trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::memcmp;

    fn sign(o: std::cmp::Ordering) -> i32 {
        o as i32
    }

    #[test]
    fn agrees_with_byte_order_at_every_length_and_position() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n as u8).map(|x| x.wrapping_mul(37)).collect();
            // SAFETY: both slices hold n bytes.
            assert_eq!(unsafe { memcmp(a.as_ptr(), a.as_ptr(), n) }, 0);
            for at in 0..n {
                for delta in [1u8, 0x80, 0xff] {
                    let mut b = a.clone();
                    b[at] = b[at].wrapping_add(delta);
                    // Bytes after the difference must not decide.
                    for t in b.iter_mut().skip(at + 1) {
                        *t = !*t;
                    }
                    // SAFETY: both slices hold n bytes.
                    let got = unsafe { memcmp(a.as_ptr(), b.as_ptr(), n) };
                    assert_eq!(got.signum(), sign(a.cmp(&b)), "n={n} at={at} delta={delta}");
                    // SAFETY: as above, reversed.
                    let back = unsafe { memcmp(b.as_ptr(), a.as_ptr(), n) };
                    assert_eq!(back.signum(), sign(b.cmp(&a)));
                }
            }
        }
    }
}
