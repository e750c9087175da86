//! `encoding/base64.StdEncoding` with Go's decode error texts.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard, padded encoding.
pub(crate) fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Strict padded decoding as `StdEncoding.DecodeString`: `\r` and `\n` are skipped; any other
/// problem is `illegal base64 data at input byte N`.
pub(crate) fn decode(s: &str) -> Result<Vec<u8>, String> {
    let err = |i: usize| Err(format!("illegal base64 data at input byte {i}"));
    let src = s.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    let next = |si: &mut usize| -> Option<(usize, u8)> {
        while *si < src.len() {
            let c = src[*si];
            *si += 1;
            if c != b'\r' && c != b'\n' {
                return Some((*si - 1, c));
            }
        }
        None
    };
    loop {
        let mut quantum = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        while j < 4 {
            let Some((pos, c)) = next(&mut si) else {
                if j == 0 {
                    return Ok(out);
                }
                return err(si.saturating_sub(j));
            };
            if c == b'=' {
                // Padding: only at positions 2 or 3 of a quantum.
                match j {
                    0 | 1 => return err(pos),
                    2 => match next(&mut si) {
                        Some((_, b'=')) => {}
                        Some((p, _)) => return err(p),
                        None => return err(src.len()),
                    },
                    _ => {}
                }
                if let Some((p, _)) = next(&mut si) {
                    return err(p);
                }
                dlen = j;
                break;
            }
            let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
                return err(pos);
            };
            quantum[j] = v as u8;
            j += 1;
        }
        let n = (quantum[0] as u32) << 18 | (quantum[1] as u32) << 12 | (quantum[2] as u32) << 6 | quantum[3] as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        match dlen {
            4 => out.extend_from_slice(&bytes),
            3 => out.extend_from_slice(&bytes[..2]),
            2 => out.push(bytes[0]),
            _ => {}
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        assert_eq!(encode(b"hello"), "aGVsbG8=");
        assert_eq!(decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode("aGVsbG8").unwrap_err(), "illegal base64 data at input byte 4");
        assert_eq!(decode("a!").unwrap_err(), "illegal base64 data at input byte 1");
    }
}
