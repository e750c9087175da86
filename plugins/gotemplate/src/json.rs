//! `encoding/json` decoding into `interface{}` values with Go's error texts, for confd's
//! `json` and `jsonArray` functions (numbers become float64, as in Go).

use crate::value::{Map, Value};
use std::rc::Rc;

/// Decode `data` as Go's `json.Unmarshal` into `map[string]interface{}` (`want_array` false)
/// or `[]interface{}` (`want_array` true).
pub(crate) fn unmarshal(data: &[u8], want_array: bool) -> Result<Value, String> {
    let mut p = Parser {
        s: data,
        text: std::str::from_utf8(data).ok(),
        i: 0,
    };
    p.skip_ws();
    let v = p.value().map_err(String::from)?;
    p.skip_ws();
    if p.i < p.s.len() {
        return Err(format!(
            "invalid character {} after top-level value",
            quote_char(p.s[p.i])
        ));
    }
    let type_err = |what: &str| {
        Err(format!(
            "json: cannot unmarshal {what} into Go value of type {}",
            if want_array {
                "[]interface {}"
            } else {
                "map[string]interface {}"
            }
        ))
    };
    match (v, want_array) {
        (Value::NilIface, false) => Ok(Value::Map(Rc::default())),
        (Value::NilIface, true) => Ok(Value::List(Rc::new(Vec::new()))),
        (v @ Value::Map(_), false) => Ok(v),
        (v @ Value::List(_), true) => Ok(v),
        (Value::Map(_), true) => type_err("object"),
        (Value::List(_), false) => type_err("array"),
        (Value::Str(_), _) => type_err("string"),
        (Value::Float(_), _) => type_err("number"),
        (Value::Bool(_), _) => type_err("bool"),
        _ => type_err("value"),
    }
}

/// Go's `quoteChar` for scanner errors.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c if c >= 0x80 => "'\\ufffd'".replace("\\ufffd", "\u{FFFD}"),
        c => {
            let q = crate::fmt::quote_go(&(c as char).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    /// The whole input as text, when it is valid UTF-8 (checked once): a string between two
    /// quotes is then text too (a quote is ASCII, so never inside a character), and is taken
    /// without checking it again (0.3 ms of a whole twemproxy-500 run, 500 documents).
    text: Option<&'a str>,
    i: usize,
}

const EOF_ERR: &str = "unexpected end of JSON input";

/// A step of decoding. The error is a boxed `str` so that a result is the size of a value in
/// WebAssembly (16 bytes rather than 24 with a `String`): every value the decoder makes is
/// returned through a few of these, and the renderer component pays for the larger copies.
type Parsed<T> = Result<T, Box<str>>;
const _: () = assert!(std::mem::size_of::<Parsed<Value>>() == std::mem::size_of::<Value>());

fn eof() -> Box<str> {
    EOF_ERR.into()
}

/// How many recent object keys [`Parser::key`] keeps to share, and the longest it shares (a
/// long key is rarely repeated, and the list should not keep a large one alive).
const RECENT_KEYS_KEPT: usize = 16;
const SHARED_KEY_MAX: usize = 64;

thread_local! {
    static RECENT_KEYS: std::cell::RefCell<Vec<Rc<str>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn err_at(&self, context: &str) -> Box<str> {
        match self.peek() {
            None => EOF_ERR.into(),
            Some(c) => format!("invalid character {} {context}", quote_char(c)).into(),
        }
    }

    fn value(&mut self) -> Parsed<Value> {
        match self.peek() {
            None => Err(eof()),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string_rc().map(|s| Value::Str(s.into())),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::NilIface),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err_at("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Parsed<Value> {
        for expect in word.bytes() {
            match self.peek() {
                None => return Err(eof()),
                Some(c) if c == expect => self.i += 1,
                Some(_) => {
                    return Err(self.err_at(&format!("in literal {word} (expecting {})", quote_char(expect))));
                }
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Parsed<Value> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return Err(self.err_at("in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err_at("after decimal point in numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err_at("in exponent of numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(format!("json: cannot unmarshal number {text} into Go value of type float64").into()),
        }
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            match self.peek() {
                None => return Err(eof()),
                Some(c) if c.is_ascii_hexdigit() => {
                    v = v * 16 + (c as char).to_digit(16).unwrap_or(0);
                    self.i += 1;
                }
                Some(_) => return Err(self.err_at("in \\u hexadecimal character escape")),
            }
        }
        Ok(v)
    }

    /// A string as shared text. Most JSON strings have no escapes: those are taken straight
    /// from the input (one copy) instead of being rebuilt byte by byte.
    fn string_rc(&mut self) -> Parsed<Rc<str>> {
        let start = self.i + 1;
        let body = &self.s[start..];
        if let Some(end) = body.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20) {
            if body[end] == b'"' {
                if let Some(text) = self.text_at(start, end) {
                    self.i = start + end + 1;
                    return Ok(Rc::from(text));
                }
            }
        }
        self.string().map(Rc::from)
    }

    /// The `len` bytes at `start`, which lie between quotes, as text if they are valid UTF-8.
    fn text_at(&self, start: usize, len: usize) -> Option<&'a str> {
        match self.text {
            Some(text) => text.get(start..start + len),
            None => std::str::from_utf8(self.s.get(start..start + len)?).ok(),
        }
    }

    /// An object key. Templates decode many objects of one shape (a pool per key, a server per
    /// element), so the keys seen lately are shared rather than allocated again: a third of
    /// the allocations of decoding such an object.
    fn key(&mut self) -> Parsed<Rc<str>> {
        let start = self.i + 1;
        let body = &self.s[start..];
        let plain = body.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        let Some(end) = plain.filter(|&end| body[end] == b'"' && end <= SHARED_KEY_MAX) else {
            return self.string_rc();
        };
        let text = &body[..end];
        let shared = RECENT_KEYS.with(|recent| {
            let mut recent = recent.borrow_mut();
            if let Some(k) = recent.iter().find(|k| k.as_bytes() == text) {
                return Some(k.clone());
            }
            let k: Rc<str> = Rc::from(self.text_at(start, end)?);
            if recent.len() == RECENT_KEYS_KEPT {
                recent.remove(0);
            }
            recent.push(k.clone());
            Some(k)
        });
        match shared {
            Some(k) => {
                self.i = start + end + 1;
                Ok(k)
            }
            None => self.string_rc(),
        }
    }

    fn string(&mut self) -> Parsed<String> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(eof());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(eof());
                    };
                    self.i += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        _ => None,
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        continue;
                    }
                    if e != b'u' {
                        self.i -= 1;
                        return Err(self.err_at("in string escape code"));
                    }
                    let mut r = self.hex4()?;
                    if (0xD800..0xDC00).contains(&r) {
                        // A surrogate pair, if the next escape completes it.
                        let save = self.i;
                        if self.s.get(self.i..self.i + 2) == Some(b"\\u") {
                            self.i += 2;
                            match self.hex4() {
                                Ok(r2) if (0xDC00..0xE000).contains(&r2) => {
                                    r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                                }
                                _ => {
                                    self.i = save;
                                    r = 0xFFFD;
                                }
                            }
                        } else {
                            r = 0xFFFD;
                        }
                    } else if (0xDC00..0xE000).contains(&r) {
                        r = 0xFFFD;
                    }
                    let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
                    let mut b = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                }
                c if c < 0x20 => return Err(self.err_at("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        // Go replaces each byte that is not UTF-8 with U+FFFD.
        Ok(crate::gostr::lossy(&out).into_owned())
    }

    fn object(&mut self) -> Parsed<Value> {
        self.i += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Map(Rc::default()));
        }
        // Objects a template decodes are small: room for four keys at once, not grown to it.
        let mut m = Vec::with_capacity(4);
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err_at("looking for beginning of object key string"));
            }
            let k = self.key()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err_at("after object key"));
            }
            self.i += 1;
            self.skip_ws();
            let v = self.value()?;
            m.push((k, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(Rc::new(Map::from_entries(m))));
                }
                _ => return Err(self.err_at("after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Parsed<Value> {
        self.i += 1;
        let mut v = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::List(Rc::new(v)));
        }
        loop {
            self.skip_ws();
            v.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::List(Rc::new(v)));
                }
                _ => return Err(self.err_at("after array element")),
            }
        }
    }
}
