//! The parts of Go's `strconv` the engine needs: literal unquoting, `ParseInt`/`ParseUint`/
//! `ParseFloat` with base prefixes and underscores, `Atoi`, `ParseBool`, and float formatting
//! with Go's digit rules (`FormatFloat`).

/// Go's `strconv.UnquoteChar`: decode one (possibly escaped) character from `s`, which is inside
/// a literal quoted with `quote`. Returns the character and the rest of `s`.
pub(crate) fn unquote_char(s: &str, quote: char) -> Option<(char, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == quote && (quote == '\'' || quote == '"') {
        return None;
    }
    if c != '\\' {
        return Some((c, chars.as_str()));
    }
    let e = chars.next()?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, rest));
    }
    match e {
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            if rest.len() < n || !rest.is_char_boundary(n) {
                return None;
            }
            let v = u32::from_str_radix(&rest[..n], 16).ok()?;
            if !rest[..n].bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            Some((char::from_u32(v)?, &rest[n..]))
        }
        '0'..='7' => {
            // Exactly three octal digits; check bytes first so a multi-byte character after
            // the escape is never sliced (found by the fuzzer: "\1Féllo").
            if rest.len() < 2 || !rest.as_bytes()[..2].iter().all(|b| (b'0'..=b'7').contains(b)) {
                return None;
            }
            let digits = format!("{e}{}", &rest[..2]);
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return None;
            }
            let v = u32::from_str_radix(&digits, 8).ok()?;
            if v > 255 {
                return None;
            }
            Some((char::from_u32(v)?, &rest[2..]))
        }
        _ => None,
    }
}

/// Go's `strconv.Unquote` for the literal forms a template can hold: "...", `...`, '...'.
/// The result is a Go string: `\xNN` and octal escapes in "..." are single bytes, so it need
/// not be UTF-8.
pub(crate) fn unquote(s: &str) -> Option<Vec<u8>> {
    let quote = s.chars().next()?;
    if s.len() < 2 || !s.ends_with(quote) {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    match quote {
        '`' => {
            if inner.contains('`') {
                return None;
            }
            Some(inner.replace('\r', "").into_bytes())
        }
        '"' | '\'' => {
            if inner.contains('\n') {
                return None;
            }
            let mut out = Vec::new();
            let mut rest = inner;
            while !rest.is_empty() {
                let (c, r) = unquote_char(rest, quote)?;
                // A byte escape (`\xff`, `\377`) is that byte, not the rune of that number.
                let escaped_byte = rest.starts_with("\\x")
                    || rest.as_bytes().get(1).is_some_and(|b| (b'0'..=b'7').contains(b)) && rest.starts_with('\\');
                if escaped_byte && quote == '"' {
                    out.push(c as u32 as u8);
                } else {
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                rest = r;
                if quote == '\'' && !rest.is_empty() {
                    return None;
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Go's `strconv.Unquote` of a raw (backquoted) string, whose bytes need not be UTF-8.
pub(crate) fn unquote_raw(s: &[u8]) -> Option<Vec<u8>> {
    let inner = s.strip_prefix(b"`")?.strip_suffix(b"`")?;
    if inner.contains(&b'`') {
        return None;
    }
    Some(inner.iter().copied().filter(|&b| b != b'\r').collect())
}

/// Strip a Go base prefix and validate underscores as `ParseInt(s, 0, 64)` does.
fn split_base(s: &str) -> Option<(u32, String)> {
    let (base, digits, prefixed) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, r, true)
    } else if let Some(r) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (8, r, true)
    } else if let Some(r) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (2, r, true)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..], true)
    } else {
        (10, s, false)
    };
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let _ = prefixed;
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    Some((base, clean))
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        i = 1;
    }
    let mut hex = false;
    if b.len() - i >= 2 && b[i] == b'0' {
        let c = b[i + 1] | 0x20;
        if c == b'x' || c == b'o' || c == b'b' {
            hex = c == b'x';
            i += 2;
            saw = b'0';
        }
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || hex && (c | 0x20).is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
pub(crate) fn parse_uint(s: &str) -> Option<u64> {
    if s.starts_with(['+', '-']) {
        return None;
    }
    let (base, digits) = split_base(s)?;
    u64::from_str_radix(&digits, base).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg {
        if u > 1u64 << 63 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for the syntax a template number can have.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, &clean[..]),
    };
    let v = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        parse_hex_float(hex)?
    } else {
        if !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => return None,
    };
    let (int, frac) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

/// The error texts of `strconv.Atoi` and friends.
pub(crate) fn num_error(func: &str, input: &str, range: bool) -> String {
    format!(
        "strconv.{func}: parsing {}: {}",
        crate::fmt::quote_go(input),
        if range { "value out of range" } else { "invalid syntax" }
    )
}

/// `strconv.Atoi`.
pub(crate) fn atoi(s: &str) -> Result<i64, String> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(num_error("Atoi", s, false));
    }
    let mut v: u64 = 0;
    for b in body.bytes() {
        v = match v.checked_mul(10).and_then(|v| v.checked_add((b - b'0') as u64)) {
            Some(v) => v,
            None => return Err(num_error("Atoi", s, true)),
        };
    }
    if neg {
        if v > 1u64 << 63 {
            return Err(num_error("Atoi", s, true));
        }
        Ok((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).map_err(|_| num_error("Atoi", s, true))
    }
}

/// `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(num_error("ParseBool", s, false)),
    }
}

/// Decimal digits of |f| (no trailing zeros) and the decimal point position: |f| = 0.d × 10^dp.
/// Zero has no digits and dp 0, as in Go's `decimalSlice`.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

fn digits_from_exp(s: &str) -> Digits {
    // s is Rust's `{:e}` form: "d.ddde-5" or "de3".
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    if d == b"0" {
        return Digits { d: Vec::new(), dp: 0 };
    }
    Digits { d, dp: exp + 1 }
}

fn shortest_digits(f: f64) -> Digits {
    digits_from_exp(&format!("{:e}", f.abs()))
}

/// An f64's exact decimal expansion has at most 767 significant digits and 1074 fractional
/// ones; asking for more only adds zeros. Rust's formatter panics on precisions above 65535
/// (Go allows up to 10^6), so precision is capped here and the zeros come from padding.
const MAX_SIG_DIGITS: usize = 800;
const MAX_FRAC_DIGITS: usize = 1100;

fn fixed_digits(f: f64, n: usize) -> Digits {
    let n = n.min(MAX_SIG_DIGITS);
    digits_from_exp(&format!("{:.*e}", n.saturating_sub(1), f.abs()))
}

fn fmt_e(out: &mut String, d: &Digits, prec: i32, fmt: char) {
    out.push(if d.d.is_empty() { '0' } else { d.d[0] as char });
    if prec > 0 {
        out.push('.');
        let m = d.d.len().min(prec as usize + 1);
        let mut i = 1;
        if i < m {
            out.extend(d.d[i..m].iter().map(|&b| b as char));
            i = m;
        }
        while i <= prec as usize {
            out.push('0');
            i += 1;
        }
    }
    out.push(fmt);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    out.push(if exp < 0 { '-' } else { '+' });
    let exp = exp.abs();
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(out: &mut String, d: &Digits, prec: i32) {
    if d.dp > 0 {
        let m = d.d.len().min(d.dp as usize);
        out.extend(d.d[..m].iter().map(|&b| b as char));
        for _ in m..d.dp as usize {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            out.push(if j >= 0 && (j as usize) < d.d.len() {
                d.d[j as usize] as char
            } else {
                '0'
            });
        }
    }
}

/// The binary mantissa (with the implicit bit) and unbiased exponent of a finite f64, as
/// Go's `genericFtoa` computes them: value = mant × 2^(exp − 52).
fn binary_parts(f: f64) -> (u64, i32) {
    let bits = f.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        exp += 1; // denormal
    } else {
        mant |= 1u64 << 52;
    }
    (mant, exp - 1023)
}

/// Go's `%b` for floats: `mantissa p ±exponent` in decimal (`4503599627370496p-49`).
fn fmt_b(out: &mut String, f: f64) {
    let (mant, exp) = binary_parts(f);
    let exp = exp - 52;
    out.push_str(&format!("{mant}p{}{exp}", if exp >= 0 { "+" } else { "" }));
}

/// Go's `%x`/`%X` for floats: `0x1.8p+00`, rounded to `prec` hex digits when `prec >= 0`.
fn fmt_x(out: &mut String, f: f64, prec: i32, upper: bool) {
    let (mut mant, mut exp) = binary_parts(f);
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    out.push('0');
    out.push(if upper { 'X' } else { 'x' });
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if upper { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.unsigned_abs()));
}

/// Go's `strconv.FormatFloat(f, fmt, prec, 64)` for fmt in `b e E f F g G x X`
/// (`prec` -1 = shortest).
pub(crate) fn format_float(f: f64, fmt: char, prec: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    match fmt {
        'b' => {
            fmt_b(&mut out, f);
            return out;
        }
        'x' | 'X' => {
            fmt_x(&mut out, f, prec, fmt == 'X');
            return out;
        }
        _ => {}
    }
    let fmt = if fmt == 'F' { 'f' } else { fmt };
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = shortest_digits(f);
        prec = match fmt {
            'e' | 'E' => (d.d.len() as i32 - 1).max(0),
            'f' => (d.d.len() as i32 - d.dp).max(0),
            _ => d.d.len() as i32,
        };
        d
    } else {
        match fmt {
            'e' | 'E' => fixed_digits(f, prec as usize + 1),
            'g' | 'G' => {
                if prec == 0 {
                    prec = 1;
                }
                fixed_digits(f, prec as usize)
            }
            _ => {
                // %f: round at prec digits after the point; Rust's fixed formatting rounds the
                // exact binary value half-to-even, as Go's decimal rounding does.
                let prec = prec as usize;
                out.push_str(&format!("{:.*}", prec.min(MAX_FRAC_DIGITS), f.abs()));
                out.extend(std::iter::repeat_n('0', prec.saturating_sub(MAX_FRAC_DIGITS)));
                return out;
            }
        }
    };
    match fmt {
        'e' | 'E' => fmt_e(&mut out, &digs, prec, fmt),
        'f' => fmt_f(&mut out, &digs, prec),
        _ => {
            let nd = digs.d.len() as i32;
            let mut eprec = prec;
            if eprec > nd && nd >= digs.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                let e = if fmt == 'g' { 'e' } else { 'E' };
                fmt_e(&mut out, &digs, prec - 1, e);
            } else {
                if prec > digs.dp {
                    prec = nd;
                }
                fmt_f(&mut out, &digs, (prec - digs.dp).max(0));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_formats_follow_go() {
        // Expected strings are Go's own outputs for these calls (fmt.Println / Sprintf).
        assert_eq!(format_float(1e7, 'g', -1), "1e+07");
        assert_eq!(format_float(123456.0, 'g', -1), "123456");
        assert_eq!(format_float(1.5, 'g', -1), "1.5");
        assert_eq!(format_float(0.0001, 'g', -1), "0.0001");
        assert_eq!(format_float(0.00001, 'g', -1), "1e-05");
        assert_eq!(format_float(0.0, 'g', -1), "0");
        assert_eq!(format_float(1.23456, 'f', 2), "1.23");
        assert_eq!(format_float(3.0, 'e', 6), "3.000000e+00");
        assert_eq!(format_float(1234.5678, 'g', 3), "1.23e+03");
        assert_eq!(format_float(100.0, 'g', 3), "100");
    }

    #[test]
    fn huge_precisions_pad_with_zeros_instead_of_panicking() {
        // Found by the fuzzer: `printf "%.99990f"`. Go prints the exact expansion and zeros.
        let s = format_float(1.5, 'f', 99_990);
        assert_eq!(s.len(), 2 + 99_990);
        assert!(s.starts_with("1.5000") && s.ends_with('0'));
        let e = format_float(1.5, 'e', 70_000);
        assert!(e.starts_with("1.5000") && e.ends_with("e+00"), "{}", &e[e.len() - 10..]);
    }

    #[test]
    fn int_literals_follow_go() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(atoi("12a"), Err("strconv.Atoi: parsing \"12a\": invalid syntax".into()));
    }
}
