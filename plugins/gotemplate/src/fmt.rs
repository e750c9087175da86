//! Go's `fmt` printing for template values: `%v` (what `{{.}}` prints), `Sprint`, `Sprintln`
//! and `Sprintf` with every verb and flag, including the `%!verb(type=value)` error forms.
//! A port of the relevant parts of Go 1.19 `fmt/print.go` and `fmt/format.go`.

use crate::gostr;
use crate::strconv::format_float;
use crate::value::Value;

/// Go's `strconv.Quote`.
pub fn quote_go(s: &str) -> String {
    quote_with(s.as_bytes(), '"', false)
}

fn quote_with(s: &[u8], q: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for (at, c, w) in gostr::runes(s) {
        if c == '\u{FFFD}' && w == 1 {
            out.push_str(&format!("\\x{:02x}", s[at]));
            continue;
        }
        escape_rune(&mut out, c, q, ascii_only);
    }
    out.push(q);
    out
}

fn escape_rune(out: &mut String, c: char, q: char, ascii_only: bool) {
    if c == q || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii_only {
        if c.is_ascii() && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// An approximation of Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space) without a Unicode table: controls, non-ASCII spaces, format
/// characters, private use and noncharacters are not printable.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0x110BD | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    let nonchar = (u & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&u);
    !(format || private || nonchar)
}

/// Go's `%#U`: `U+0041 'A'`.
pub(crate) fn unicode_u(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Go's `strconv.CanBackquote`: an invalid byte cannot be backquoted.
fn can_backquote(s: &[u8]) -> bool {
    gostr::runes(s).all(|(_, c, w)| {
        if w > 1 {
            return c != '\u{FEFF}';
        }
        c != '\u{FFFD}' && c != '`' && (c == '\t' || !(c < ' ' || c == '\u{7f}'))
    })
}

/// The printer's output: Go's `buffer`, bytes that need not be UTF-8.
#[derive(Default)]
struct Buf(Vec<u8>);

impl Buf {
    fn push(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.0.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }

    fn push_str(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    fn push_bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
}

#[derive(Default, Clone)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

/// The printer state (Go's `pp` + `fmt`).
struct Printer {
    buf: Buf,
    f: Flags,
}

impl Printer {
    fn new() -> Self {
        Printer {
            buf: Buf::default(),
            f: Flags::default(),
        }
    }

    fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero { b'0' } else { b' ' };
        self.buf.0.extend(std::iter::repeat_n(c, n));
    }

    /// Write `s` padded to the width in runes (an invalid byte counts as one, as in Go).
    fn pad(&mut self, s: impl AsRef<[u8]>) {
        let s = s.as_ref();
        let Some(w) = self.f.wid.filter(|w| *w > 0) else {
            self.buf.push_bytes(s);
            return;
        };
        let n = w.saturating_sub(gostr::rune_count(s));
        if self.f.minus {
            self.buf.push_bytes(s);
            self.write_padding(n);
        } else {
            self.write_padding(n);
            self.buf.push_bytes(s);
        }
    }

    /// `s` cut to the precision, counted in runes.
    fn truncate<'a>(&self, s: &'a [u8]) -> &'a [u8] {
        if let Some(p) = self.f.prec {
            if let Some((i, _, _)) = gostr::runes(s).nth(p) {
                return &s[..i];
            }
        }
        s
    }

    fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        self.pad(s);
    }

    fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            let mut q = Vec::with_capacity(s.len() + 2);
            q.push(b'`');
            q.extend_from_slice(s);
            q.push(b'`');
            self.pad(q);
        } else {
            self.pad(quote_with(s, '"', self.f.plus));
        }
    }

    fn fmt_sx(&mut self, s: &[u8], upper: bool) {
        let digits: &[u8] = if upper {
            b"0123456789ABCDEFX"
        } else {
            b"0123456789abcdefx"
        };
        let mut length = s.len();
        if let Some(p) = self.f.prec {
            length = length.min(p);
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if let Some(w) = self.f.wid {
                self.write_padding(w);
            }
            return;
        }
        let wid = self.f.wid.unwrap_or(0);
        if wid > width && !self.f.minus {
            self.write_padding(wid - width);
        }
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(digits[16] as char);
        }
        for (i, &c) in s[..length].iter().enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(digits[16] as char);
                }
            }
            self.buf.push(digits[(c >> 4) as usize] as char);
            self.buf.push(digits[(c & 0xF) as usize] as char);
        }
        if wid > width && self.f.minus {
            self.write_padding(wid - width);
        }
    }

    fn fmt_integer(&mut self, u: u64, base: u32, signed: bool, verb: char, upper: bool) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative { (u as i64).unsigned_abs() } else { u };
        let mut prec = 0usize;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                let w = self.f.wid.unwrap_or(0);
                self.write_padding(w);
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && self.f.wid.is_some() {
            prec = self.f.wid.unwrap_or(0);
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        let digits: &[u8] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let mut rev: Vec<u8> = Vec::new();
        loop {
            rev.push(digits[(u % base as u64) as usize]);
            u /= base as u64;
            if u == 0 {
                break;
            }
        }
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(if upper { b'X' } else { b'x' });
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&rev);
        self.f.zero = old;
    }

    fn fmt_unicode(&mut self, u: u64) {
        let prec = match self.f.prec {
            Some(p) if p > 4 => p,
            _ => 4,
        };
        let mut s = format!("U+{:0width$X}", u, width = prec);
        if self.f.sharp {
            if let Some(c) = u32::try_from(u).ok().and_then(char::from_u32) {
                if is_print(c) {
                    s.push_str(&format!(" '{c}'"));
                }
            }
        }
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn rune_of(u: u64) -> char {
        u32::try_from(u).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}')
    }

    fn print_int(&mut self, v: u64, signed: bool, verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v && !signed {
                    let old = self.f.sharp;
                    self.f.sharp = true;
                    self.fmt_integer(v, 16, false, 'v', false);
                    self.f.sharp = old;
                } else {
                    self.fmt_integer(v, 10, signed, verb, false)
                }
            }
            'd' => self.fmt_integer(v, 10, signed, verb, false),
            'b' => self.fmt_integer(v, 2, signed, verb, false),
            'o' | 'O' => self.fmt_integer(v, 8, signed, verb, false),
            'x' => self.fmt_integer(v, 16, signed, verb, false),
            'X' => self.fmt_integer(v, 16, signed, verb, true),
            'c' => {
                let c = Self::rune_of(v);
                self.pad(c.to_string());
            }
            'q' => {
                let c = Self::rune_of(v);
                if self.f.sharp && can_backquote(c.to_string().as_bytes()) {
                    self.pad(format!("`{c}`"));
                } else {
                    self.pad(quote_with(c.to_string().as_bytes(), '\'', self.f.plus));
                }
            }
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_float(&mut self, v: f64, verb: char, default_prec: i32) {
        let prec = self.f.prec.map(|p| p as i32).unwrap_or(default_prec);
        let mut num = format_float(v, verb, prec);
        if !num.starts_with(['-', '+']) {
            num.insert(0, '+');
        }
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        if num[1..].starts_with(['I', 'N']) {
            let old = self.f.zero;
            self.f.zero = false;
            if num[1..].starts_with('N') && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != 'b' {
            let mut digits: i32 = 0;
            if matches!(verb, 'v' | 'g' | 'G' | 'x') {
                digits = if prec == -1 { 6 } else { prec };
            }
            let mut tail = String::new();
            let bytes: Vec<char> = num.chars().collect();
            let mut body: String = bytes[0].to_string();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < bytes.len() {
                let c = bytes[i];
                match c {
                    '.' => {
                        has_point = true;
                        body.push(c);
                    }
                    // In hex floats 'e' is a digit; only the 'p' exponent is the tail.
                    'p' | 'P' => {
                        tail = bytes[i..].iter().collect();
                        break;
                    }
                    'e' | 'E' if verb != 'x' && verb != 'X' => {
                        tail = bytes[i..].iter().collect();
                        break;
                    }
                    _ => {
                        if c != '0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                        body.push(c);
                    }
                }
                i += 1;
            }
            if !has_point {
                if body.len() == 2 && body.ends_with('0') {
                    digits -= 1;
                }
                body.push('.');
            }
            while digits > 0 {
                body.push('0');
                digits -= 1;
            }
            body.push_str(&tail);
            num = body;
        }
        if self.f.plus || !num.starts_with('+') {
            let wid = self.f.wid.unwrap_or(0);
            if self.f.zero && self.f.wid.is_some() && wid > num.chars().count() {
                let sign = num.remove(0);
                self.buf.push(sign);
                self.write_padding(wid - num.chars().count() - 1);
                self.buf.push_str(&num);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    fn print_float(&mut self, v: f64, verb: char, arg: &Value) {
        match verb {
            'v' => self.fmt_float(v, 'g', -1),
            'g' | 'G' | 'b' | 'x' | 'X' => self.fmt_float(v, verb, -1),
            'f' | 'F' | 'e' | 'E' => self.fmt_float(v, verb, 6),
            _ => self.bad_verb(verb, arg),
        }
    }

    /// Go's `fmtComplex`: each part as a float, the imaginary one always signed.
    fn print_complex(&mut self, re: f64, im: f64, verb: char, arg: &Value) {
        match verb {
            'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E' => {
                let old = self.f.plus;
                self.buf.push('(');
                self.print_float(re, verb, arg);
                self.f.plus = true;
                self.print_float(im, verb, arg);
                self.buf.push_str("i)");
                self.f.plus = old;
            }
            _ => self.bad_verb(verb, arg),
        }
    }

    fn print_string(&mut self, s: &[u8], verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(s)
                } else {
                    self.fmt_s(s)
                }
            }
            's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, false),
            'X' => self.fmt_sx(s, true),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn bad_verb(&mut self, verb: char, arg: &Value) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match arg {
            Value::Invalid | Value::NilIface => self.buf.push_str("<nil>"),
            a => {
                self.buf.push_str(a.type_name());
                self.buf.push('=');
                self.print_arg(a, 'v');
            }
        }
        self.buf.push(')');
    }

    /// Go's `printArg` (depth 0).
    fn print_arg(&mut self, arg: &Value, verb: char) {
        if matches!(arg, Value::Invalid | Value::NilIface) {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(verb, arg),
            }
            return;
        }
        if verb == 'T' {
            self.fmt_s(arg.type_name().as_bytes());
            return;
        }
        if verb == 'p' {
            self.bad_verb(verb, arg);
            return;
        }
        self.print_value(arg, verb, 0);
    }

    /// Go's `printValue`.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        // Stringers (time.Time, Month, Weekday) print through String() for these verbs.
        if !self.f.sharp_v && matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
            let s = match v {
                Value::Time(t) => Some(crate::time::time_string(t)),
                Value::Month(m) => Some(crate::time::month_name(*m)),
                Value::Weekday(d) => Some(crate::time::weekday_name(*d)),
                Value::Duration(d) => Some(crate::time::duration_string(*d)),
                Value::Location(l) => Some(l.name.to_string()),
                _ => None,
            };
            if let Some(s) = s {
                self.print_string(s.as_bytes(), verb, v);
                return;
            }
        }
        match v {
            Value::Invalid | Value::NilIface => {
                if depth == 0 && matches!(v, Value::Invalid) {
                    self.buf.push_str("<invalid reflect.Value>");
                } else if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else if verb == 'v' || matches!(v, Value::NilIface) {
                    // A nil interface{} inside a container prints <nil> whatever the verb.
                    self.buf.push_str("<nil>");
                } else {
                    self.bad_verb(verb, v);
                }
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, v),
            },
            Value::Int(i) | Value::Int64(i) | Value::Month(i) | Value::Weekday(i) | Value::Duration(i) => {
                self.print_int(*i as u64, true, verb, v)
            }
            Value::Uint8(u) => self.print_int(*u as u64, false, verb, v),
            Value::Uint16(u) => self.print_int(*u as u64, false, verb, v),
            Value::Float(f) => self.print_float(*f, verb, v),
            Value::Complex(c) => self.print_complex(c.0, c.1, verb, v),
            Value::Str(s) => self.print_string(s, verb, v),
            Value::Map(m) => {
                if self.f.sharp_v {
                    self.buf.push_str(v.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                for (i, (k, val)) in m.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(&Value::str(k), verb, depth + 1);
                    self.buf.push(':');
                    self.print_value(val, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Kv(kv) => {
                if self.f.sharp_v {
                    self.buf.push_str(v.type_name());
                }
                self.buf.push('{');
                let named = self.f.plus_v || self.f.sharp_v;
                if named {
                    self.buf.push_str("Key:");
                }
                self.print_value(&Value::str(&kv.key), verb, depth + 1);
                self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                if named {
                    self.buf.push_str("Value:");
                }
                self.print_value(&Value::Str(kv.value.clone()), verb, depth + 1);
                self.buf.push('}');
            }
            Value::Srv(srv) => {
                if depth == 0 {
                    self.buf.push('&');
                }
                if depth > 1 {
                    self.buf.push_str("0xc000010000");
                    return;
                }
                let named = self.f.plus_v || self.f.sharp_v;
                self.buf.push('{');
                let fields = [
                    ("Target", Value::str(&srv.target)),
                    ("Port", Value::Uint16(srv.port)),
                    ("Priority", Value::Uint16(srv.priority)),
                    ("Weight", Value::Uint16(srv.weight)),
                ];
                for (i, (name, fv)) in fields.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    if named {
                        self.buf.push_str(name);
                        self.buf.push(':');
                    }
                    self.print_value(fv, verb, depth + 1);
                }
                self.buf.push('}');
            }
            Value::Time(_) => self.buf.push_str("{}"),
            _ if v.is_slice() => {
                let n = v.len().unwrap_or(0);
                if self.f.sharp_v {
                    self.buf.push_str(v.type_name());
                    self.buf.push('{');
                    for i in 0..n {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_value(&v.index(i), verb, depth + 1);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for i in 0..n {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        let item = v.index(i);
                        if let (Value::Srvs(_), Value::Srv(_)) = (v, &item) {
                            // Go prints the pointers themselves: addresses, never stable.
                            self.buf.push_str("0xc000010000");
                            continue;
                        }
                        self.print_value(&item, verb, depth + 1);
                    }
                    self.buf.push(']');
                }
            }
            _ => self.bad_verb(verb, v),
        }
    }
}

/// `fmt.Sprint(v)` of one value: what `{{ pipeline }}` prints.
pub fn sprint_one(v: &Value, out: &mut Vec<u8>) {
    let mut p = Printer::new();
    p.buf = Buf(std::mem::take(out));
    p.print_arg(v, 'v');
    *out = p.buf.0;
}

/// `fmt.Sprint(args...)`.
pub fn sprint(args: &[Value]) -> Vec<u8> {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::Str(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.f = Flags::default();
        p.print_arg(a, 'v');
        prev_string = is_string;
    }
    p.buf.0
}

/// `fmt.Sprintln(args...)`.
pub fn sprintln(args: &[Value]) -> Vec<u8> {
    let mut p = Printer::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.f = Flags::default();
        p.print_arg(a, 'v');
    }
    p.buf.push('\n');
    p.buf.0
}

fn parse_num(s: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    let mut num = 0usize;
    let mut is_num = false;
    let mut i = start;
    if start >= end {
        return (0, false, end);
    }
    while i < end && s[i].is_ascii_digit() {
        if num > 1_000_000 {
            return (0, false, end);
        }
        num = num * 10 + (s[i] - b'0') as usize;
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

fn parse_arg_number(s: &[u8]) -> (usize, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..s.len() {
        if s[i] == b']' {
            let (w, ok, newi) = parse_num(s, 1, i);
            if !ok || newi != i || w == 0 {
                return (0, i + 1, ok && newi == i && w != 0);
            }
            return (w - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    if arg_num >= args.len() {
        return (0, false, arg_num);
    }
    let (num, ok) = match &args[arg_num] {
        Value::Int(i) | Value::Int64(i) => (*i, true),
        Value::Uint8(u) => (*u as i64, true),
        Value::Uint16(u) => (*u as i64, true),
        _ => (0, false),
    };
    if !(-1_000_000..=1_000_000).contains(&num) {
        return (0, false, arg_num + 1);
    }
    (num, ok, arg_num + 1)
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &[u8], args: &[Value]) -> Vec<u8> {
    let mut p = Printer::new();
    let s = format;
    let end = s.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let mut good_arg_num = true;
        let last = i;
        while i < end && s[i] != b'%' {
            i += 1;
        }
        if i > last {
            p.buf.push_bytes(&format[last..i]);
        }
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        let mut fast = false;
        while i < end {
            let c = s[i];
            match c {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => {
                    if c.is_ascii_lowercase() && arg_num < args.len() {
                        if c == b'v' {
                            p.f.sharp_v = p.f.sharp;
                            p.f.sharp = false;
                            p.f.plus_v = p.f.plus;
                            p.f.plus = false;
                        }
                        p.print_arg(&args[arg_num], c as char);
                        arg_num += 1;
                        i += 1;
                        fast = true;
                    }
                    break;
                }
            }
            i += 1;
        }
        if fast {
            continue;
        }
        // Explicit argument index?
        let mut after_index;
        (arg_num, i, after_index) = arg_number(&mut p, &mut reordered, &mut good_arg_num, arg_num, s, i, args.len());
        // Width.
        if i < end && s[i] == b'*' {
            i += 1;
            let (w, ok, n) = int_from_arg(args, arg_num);
            arg_num = n;
            if !ok {
                p.buf.push_str("%!(BADWIDTH)");
                p.f.wid = None;
            } else if w < 0 {
                p.f.wid = Some(w.unsigned_abs() as usize);
                p.f.minus = true;
                p.f.zero = false;
            } else {
                p.f.wid = Some(w as usize);
            }
            after_index = false;
        } else {
            let (w, ok, ni) = parse_num(s, i, end);
            p.f.wid = ok.then_some(w);
            i = ni;
            if after_index && ok {
                good_arg_num = false;
            }
        }
        // Precision.
        if i + 1 < end && s[i] == b'.' {
            i += 1;
            if after_index {
                good_arg_num = false;
            }
            (arg_num, i, after_index) =
                arg_number(&mut p, &mut reordered, &mut good_arg_num, arg_num, s, i, args.len());
            if i < end && s[i] == b'*' {
                i += 1;
                let (pr, ok, n) = int_from_arg(args, arg_num);
                arg_num = n;
                if pr < 0 {
                    p.f.prec = None;
                } else {
                    p.f.prec = ok.then_some(pr as usize);
                }
                if !ok {
                    p.buf.push_str("%!(BADPREC)");
                }
                after_index = false;
            } else {
                let (pr, ok, ni) = parse_num(s, i, end);
                i = ni;
                p.f.prec = Some(if ok { pr } else { 0 });
            }
        }
        if !after_index {
            (arg_num, i, _) = arg_number(&mut p, &mut reordered, &mut good_arg_num, arg_num, s, i, args.len());
        }
        if i >= end {
            p.buf.push_str("%!(NOVERB)");
            break;
        }
        let (verb, width) = gostr::decode_rune(&format[i..]);
        i += width;
        if verb == '%' {
            p.buf.push('%');
        } else if !good_arg_num {
            p.buf.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if arg_num >= args.len() {
            p.buf.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                p.f.sharp_v = p.f.sharp;
                p.f.sharp = false;
                p.f.plus_v = p.f.plus;
                p.f.plus = false;
            }
            p.print_arg(&args[arg_num], verb);
            arg_num += 1;
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.buf.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.buf.push_str(", ");
            }
            if matches!(a, Value::Invalid | Value::NilIface) {
                p.buf.push_str("<nil>");
            } else {
                p.buf.push_str(a.type_name());
                p.buf.push('=');
                p.print_arg(a, 'v');
            }
        }
        p.buf.push(')');
    }
    p.buf.0
}

#[allow(clippy::too_many_arguments)]
fn arg_number(
    _p: &mut Printer,
    reordered: &mut bool,
    good: &mut bool,
    arg_num: usize,
    s: &[u8],
    i: usize,
    num_args: usize,
) -> (usize, usize, bool) {
    if s.len() <= i || s[i] != b'[' {
        return (arg_num, i, false);
    }
    *reordered = true;
    let (index, wid, ok) = parse_arg_number(&s[i..]);
    if ok && index < num_args {
        return (index, i + wid, true);
    }
    *good = false;
    (arg_num, i + wid, ok)
}
