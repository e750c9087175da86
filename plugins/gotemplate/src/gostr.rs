//! Go strings are byte sequences, not UTF-8 text.
//!
//! A Go `string` may hold any bytes: a `"\xff"` literal, a slice that ends inside a multi-byte
//! character, a backend value that is not UTF-8. `len` counts bytes, `index` returns a byte,
//! `printf "%s"` writes the bytes back unchanged, and only the functions that decode runes
//! (`toUpper`, `printf "%q"`, ...) see an invalid byte, as U+FFFD of width one. The engine
//! therefore keeps every string value as bytes ([`GoStr`]) and decodes runes the way Go's
//! `unicode/utf8` does, here; text that is valid UTF-8 is handed to the host unchanged.

use std::borrow::Cow;
use std::rc::Rc;

/// A Go `string` value.
pub(crate) type GoStr = Rc<[u8]>;

/// A [`GoStr`] holding `s`.
pub(crate) fn from_str(s: &str) -> GoStr {
    Rc::from(s.as_bytes())
}

/// Go's `utf8.DecodeRune`: the first rune of `b` and its width. An invalid or truncated
/// sequence decodes as U+FFFD of width 1; an empty `b` as U+FFFD of width 0.
pub(crate) fn decode_rune(b: &[u8]) -> (char, usize) {
    let Some(&first) = b.first() else {
        return ('\u{FFFD}', 0);
    };
    if first < 0x80 {
        return (first as char, 1);
    }
    let width = match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return ('\u{FFFD}', 1),
    };
    // Rust's decoder rejects exactly what Go's does (overlong forms, surrogates, > U+10FFFF).
    match b.get(..width).map(std::str::from_utf8) {
        Some(Ok(s)) => (s.chars().next().unwrap_or('\u{FFFD}'), width),
        _ => ('\u{FFFD}', 1),
    }
}

/// The runes of `b` as Go's `for range` decodes them: (byte offset, rune, width).
pub(crate) fn runes(b: &[u8]) -> impl Iterator<Item = (usize, char, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= b.len() {
            return None;
        }
        let (c, w) = decode_rune(&b[at..]);
        let item = (at, c, w);
        at += w;
        Some(item)
    })
}

/// Go's `utf8.RuneCount`.
pub(crate) fn rune_count(b: &[u8]) -> usize {
    match std::str::from_utf8(b) {
        Ok(s) => s.chars().count(),
        Err(_) => runes(b).count(),
    }
}

/// `b` as text, each invalid byte replaced by U+FFFD as Go's decoder sees it (Rust's
/// `from_utf8_lossy` replaces a maximal invalid sequence once, which is not Go's count).
pub(crate) fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(runes(b).map(|(_, c, _)| c).collect()),
    }
}

/// Byte offset of the first `needle` in `hay` (`strings.Index`).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// `strings.Split`. With an empty separator Go's `explode` gives one string per rune, where an
/// invalid byte becomes U+FFFD, except that the last string is the rest of `s` unchanged.
pub(crate) fn split(s: &[u8], sep: &[u8]) -> Vec<GoStr> {
    if sep.is_empty() {
        let n = rune_count(s);
        return runes(s)
            .enumerate()
            .map(|(i, (at, c, w))| match (i + 1 == n, c) {
                (true, _) => Rc::from(&s[at..]),
                (false, '\u{FFFD}') => from_str("\u{FFFD}"),
                (false, _) => Rc::from(&s[at..at + w]),
            })
            .collect();
    }
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = find(rest, sep) {
        out.push(Rc::from(&rest[..i]));
        rest = &rest[i + sep.len()..];
    }
    out.push(Rc::from(rest));
    out
}

/// `strings.Replace(s, old, new, n)`; `n < 0` replaces every match. An empty `old` matches at
/// the start and after each UTF-8 sequence.
pub(crate) fn replace(s: &[u8], old: &[u8], new: &[u8], n: i64) -> Vec<u8> {
    if old == new || n == 0 {
        return s.to_vec();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out = Vec::with_capacity(s.len());
    let mut count = 0;
    if old.is_empty() {
        for (at, _, w) in runes(s) {
            if count < limit {
                out.extend_from_slice(new);
                count += 1;
            }
            out.extend_from_slice(&s[at..at + w]);
        }
        if count < limit {
            out.extend_from_slice(new);
        }
        return out;
    }
    let mut rest = s;
    while count < limit {
        let Some(i) = find(rest, old) else { break };
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(new);
        rest = &rest[i + old.len()..];
        count += 1;
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_decode_one_at_a_time() {
        // A truncated three-byte sequence is two runes in Go, not one.
        assert_eq!(rune_count(b"\xe2\x82"), 2);
        assert_eq!(lossy(b"a\xe2\x82b"), "a\u{FFFD}\u{FFFD}b");
        assert_eq!(decode_rune("é".as_bytes()), ('é', 2));
        assert_eq!(decode_rune(b"\xed\xa0\x80"), ('\u{FFFD}', 1)); // a surrogate
    }

    #[test]
    fn split_and_replace_keep_bytes() {
        let parts = split(b"a\xffb\xff", b"");
        let parts: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
        assert_eq!(
            parts,
            [
                b"a".to_vec(),
                "\u{FFFD}".as_bytes().to_vec(),
                b"b".to_vec(),
                b"\xff".to_vec()
            ]
        );
        assert_eq!(replace(b"a\xffb\xff", b"\xff", b"-", 1), b"a-b\xff");
        assert_eq!(replace(b"ab", b"", b"-", -1), b"-a-b-");
        assert_eq!(replace(b"ab", b"", b"-", 2), b"-a-b");
    }
}
