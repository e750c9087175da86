//! JSON text exactly as Go's `encoding/json` writes it (`json.Marshal`, `json.MarshalIndent`),
//! which is what sprig's `toJson` and `toPrettyJson` print: map keys sorted, `<`, `>` and `&`
//! escaped as `\u003c`..., control characters as `\u00XX` (Go 1.19 has no `\b` or `\f`), and
//! floats in Go's shortest form (`1`, `0.5`, `1e+21`). serde_json differs on each of these, so
//! the few lines of writing live here.

use wconfd_plugin_sdk::helpers::Val;

/// `v` as JSON; `indent` is `MarshalIndent`'s indent (prefix empty).
pub fn marshal(v: &Val, indent: Option<&str>) -> String {
    let mut out = String::new();
    write(v, indent, 0, &mut out);
    out
}

fn newline(indent: Option<&str>, level: usize, out: &mut String) {
    if let Some(i) = indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(i);
        }
    }
}

fn write_seq<'a, T: 'a>(
    open: char,
    close: char,
    items: impl ExactSizeIterator<Item = T>,
    indent: Option<&str>,
    level: usize,
    out: &mut String,
    mut each: impl FnMut(T, &mut String),
) {
    out.push(open);
    let empty = items.len() == 0;
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push(',');
        }
        newline(indent, level + 1, out);
        each(item, out);
    }
    if !empty {
        newline(indent, level, out);
    }
    out.push(close);
}

fn write(v: &Val, indent: Option<&str>, level: usize, out: &mut String) {
    let colon = if indent.is_some() { ": " } else { ":" };
    match v {
        Val::Nil => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(n) => out.push_str(&n.to_string()),
        Val::Float(f) => out.push_str(&float(*f)),
        Val::Str(s) => string(s, out),
        Val::Strings(v) => write_seq('[', ']', v.iter(), indent, level, out, |s, out| string(s, out)),
        Val::List(v) => write_seq('[', ']', v.iter(), indent, level, out, |x, out| {
            write(x, indent, level + 1, out)
        }),
        Val::Map(m) => write_seq('{', '}', m.iter(), indent, level, out, |(k, x), out| {
            string(k, out);
            out.push_str(colon);
            write(x, indent, level + 1, out);
        }),
        Val::Kv(k, x) => {
            let fields = [("Key", k), ("Value", x)];
            write_seq('{', '}', fields.iter(), indent, level, out, |(name, s), out| {
                string(name, out);
                out.push_str(colon);
                string(s, out);
            })
        }
    }
}

/// Go's `floatEncoder`: `'f'` format between 1e-6 and 1e21, else `'e'` with at least one
/// exponent digit (`1e-7`, `1e+21`). NaN and infinities have no JSON form; Go refuses them,
/// and `null` is what a template can still use.
fn float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return format!("{f}");
    }
    let e = format!("{f:e}");
    match e.split_once('e') {
        Some((m, exp)) if !exp.starts_with('-') => format!("{m}e+{exp}"),
        _ => e,
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
