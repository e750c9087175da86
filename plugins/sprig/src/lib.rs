//! wconfd's `sprig` helper library: the functions of Masterminds/sprig that Helm users reach
//! for first, with sprig's semantics (its documentation's examples are this crate's tests).
//!
//! Left out on purpose: sprig functions whose names confd's own function map already uses
//! with other arguments (`get`, `join`, `split`, `replace`, `contains`, `trimSuffix`, `base`,
//! `dir`, `add`, `sub`, `mul`, `div`, `mod`, `seq`, `atoi`, `reverse`): a template keeps
//! confd's meaning for them. Differences: `set` returns the changed map instead of changing
//! its argument in place (template values are immutable across the plugin boundary), and bad
//! input (an invalid regular expression, invalid base64) is an error instead of a silent
//! empty result.

use base64::Engine as _;
use regex::Regex;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use wconfd_plugin_sdk::helpers::{call_with, functions, go_float, FunctionInfo, Guest, Node, Val};

struct Sprig;

/// Every function: name, arity, variadic, description.
const FUNCTIONS: &[(&str, u32, bool, &str)] = &[
    ("trim", 1, false, "remove leading and trailing white space"),
    (
        "trimPrefix",
        2,
        false,
        "trimPrefix PREFIX STRING: remove a leading PREFIX",
    ),
    ("upper", 1, false, "upper case"),
    ("lower", 1, false, "lower case"),
    ("title", 1, false, "upper-case the first letter of each word"),
    (
        "quote",
        0,
        true,
        "each argument in double quotes (Go's %q), joined by spaces",
    ),
    ("squote", 0, true, "each argument in single quotes, joined by spaces"),
    ("indent", 2, false, "indent N STRING: indent every line by N spaces"),
    ("nindent", 2, false, "nindent N STRING: a newline, then indent"),
    ("splitList", 2, false, "splitList SEP STRING: split into a []string"),
    (
        "regexMatch",
        2,
        false,
        "regexMatch REGEX STRING: whether STRING contains a match (Go RE2 syntax)",
    ),
    (
        "regexReplaceAll",
        3,
        false,
        "regexReplaceAll REGEX STRING REPLACEMENT: replace every match ($1 expands)",
    ),
    ("list", 0, true, "a list of the arguments"),
    ("first", 1, false, "the first element of a list, or nil"),
    ("last", 1, false, "the last element of a list, or nil"),
    ("uniq", 1, false, "a list without repeated elements"),
    ("has", 2, false, "has NEEDLE LIST: whether LIST contains NEEDLE"),
    ("sortAlpha", 1, false, "a list's elements as strings, sorted"),
    ("dict", 0, true, "dict KEY VALUE ...: a map"),
    (
        "set",
        3,
        false,
        "set MAP KEY VALUE: MAP with KEY set (a new map; the argument is unchanged)",
    ),
    ("hasKey", 2, false, "hasKey MAP KEY: whether MAP has KEY"),
    ("b64enc", 1, false, "base64-encode a string"),
    ("b64dec", 1, false, "base64-decode a string"),
    ("sha256sum", 1, false, "the SHA-256 of a string, in hex"),
    ("ternary", 3, false, "ternary IF_TRUE IF_FALSE CONDITION"),
    (
        "empty",
        1,
        false,
        "whether a value is empty (nil, \"\", 0, false, empty list or map)",
    ),
    ("add1", 1, false, "an integer plus one"),
    ("max", 1, true, "the largest of integers"),
    ("min", 1, true, "the smallest of integers"),
];

impl Guest for Sprig {
    fn functions() -> Vec<FunctionInfo> {
        functions(FUNCTIONS)
    }

    fn call(name: String, args: Vec<Vec<Node>>) -> Result<Vec<Node>, String> {
        call_with(&args, |args| call(&name, args))
    }

    fn describe() -> String {
        format!("sprig {} (Masterminds/sprig 3 semantics)", env!("CARGO_PKG_VERSION"))
    }
}

/// sprig's `strval`: a string as it is, anything else as Go's `%v` prints it.
pub fn strval(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        Val::Nil => "<nil>".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(n) => n.to_string(),
        Val::Float(f) => go_float(*f),
        Val::Strings(l) => format!("[{}]", l.join(" ")),
        Val::List(l) => format!("[{}]", l.iter().map(strval).collect::<Vec<_>>().join(" ")),
        Val::Map(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", strval(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Val::Kv(k, v) => format!("{{{k} {v}}}"),
    }
}

/// sprig's `toInt64` (spf13/cast): numbers truncate, strings parse (base prefixes allowed),
/// booleans are 0 or 1, anything else is 0.
pub fn to_int64(v: &Val) -> i64 {
    match v {
        Val::Int(n) => *n,
        Val::Float(f) => *f as i64,
        Val::Bool(b) => i64::from(*b),
        Val::Str(s) => {
            let s = s.trim();
            let (neg, digits) = s.strip_prefix('-').map(|d| (true, d)).unwrap_or((false, s));
            let parsed = if let Some(h) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
                i64::from_str_radix(h, 16)
            } else if let Some(o) = digits.strip_prefix("0o") {
                i64::from_str_radix(o, 8)
            } else {
                digits.parse()
            };
            parsed.map(|n| if neg { -n } else { n }).unwrap_or(0)
        }
        _ => 0,
    }
}

/// Go's `strconv.Quote` for the characters templates meet: escapes for quotes, backslashes
/// and control characters, everything printable as it is.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's deprecated `strings.Title`: the first letter of every word in upper case, where
/// anything but a letter, digit, `_` or `'` separates words.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

fn regex(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))
}

fn list_of(v: &Val, what: &str) -> Result<Vec<Val>, String> {
    match v {
        Val::Nil => Ok(Vec::new()),
        other => other
            .items()
            .ok_or_else(|| format!("{what} must be a list, not {}", other.type_name())),
    }
}

fn map_of(v: &Val, what: &str) -> Result<BTreeMap<String, Val>, String> {
    match v {
        Val::Map(m) => Ok(m.clone()),
        other => Err(format!("{what} must be a map, not {}", other.type_name())),
    }
}

/// Run function `name` (the renderer already checked the argument count).
pub fn call(name: &str, a: &[Val]) -> Result<Val, String> {
    let s = |i: usize| strval(&a[i]);
    Ok(match name {
        "trim" => Val::Str(s(0).trim().to_string()),
        "trimPrefix" => Val::Str(
            s(1).strip_prefix(s(0).as_str())
                .map(str::to_string)
                .unwrap_or_else(|| s(1)),
        ),
        "upper" => Val::Str(s(0).to_uppercase()),
        "lower" => Val::Str(s(0).to_lowercase()),
        "title" => Val::Str(title(&s(0))),
        "quote" | "squote" => Val::Str(
            a.iter()
                .filter(|v| !matches!(v, Val::Nil))
                .map(|v| {
                    if name == "quote" {
                        go_quote(&strval(v))
                    } else {
                        format!("'{}'", strval(v))
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "indent" | "nindent" => {
            let pad = " ".repeat(to_int64(&a[0]).clamp(0, 1 << 16) as usize);
            let body = format!("{pad}{}", s(1).replace('\n', &format!("\n{pad}")));
            Val::Str(if name == "nindent" { format!("\n{body}") } else { body })
        }
        "splitList" => Val::Strings(s(1).split(s(0).as_str()).map(str::to_string).collect()),
        "regexMatch" => Val::Bool(regex(&s(0))?.is_match(&s(1))),
        "regexReplaceAll" => Val::Str(regex(&s(0))?.replace_all(&s(1), s(2).as_str()).into_owned()),
        "list" => Val::List(a.to_vec()),
        "first" => list_of(&a[0], "first's argument")?.first().cloned().unwrap_or(Val::Nil),
        "last" => list_of(&a[0], "last's argument")?.last().cloned().unwrap_or(Val::Nil),
        "uniq" => {
            let mut out: Vec<Val> = Vec::new();
            for v in list_of(&a[0], "uniq's argument")? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Val::List(out)
        }
        "has" => Val::Bool(list_of(&a[1], "has's second argument")?.contains(&a[0])),
        "sortAlpha" => {
            let mut out: Vec<String> = list_of(&a[0], "sortAlpha's argument")?.iter().map(strval).collect();
            out.sort();
            Val::Strings(out)
        }
        "dict" => {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                m.insert(
                    strval(&pair[0]),
                    pair.get(1).cloned().unwrap_or(Val::Str(String::new())),
                );
            }
            Val::Map(m)
        }
        "set" => {
            let mut m = map_of(&a[0], "set's first argument")?;
            m.insert(s(1), a[2].clone());
            Val::Map(m)
        }
        "hasKey" => Val::Bool(map_of(&a[0], "hasKey's first argument")?.contains_key(&s(1))),
        "b64enc" => Val::Str(base64::engine::general_purpose::STANDARD.encode(s(0))),
        "b64dec" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s(0))
                .map_err(|e| format!("invalid base64: {e}"))?;
            Val::Str(String::from_utf8_lossy(&bytes).into_owned())
        }
        "sha256sum" => Val::Str(Sha256::digest(s(0)).iter().map(|b| format!("{b:02x}")).collect()),
        "ternary" => {
            let cond = matches!(a[2], Val::Bool(true));
            a[if cond { 0 } else { 1 }].clone()
        }
        "empty" => Val::Bool(a[0].is_empty()),
        "add1" => Val::Int(to_int64(&a[0]).wrapping_add(1)),
        "max" => Val::Int(a.iter().map(to_int64).max().unwrap_or(0)),
        "min" => Val::Int(a.iter().map(to_int64).min().unwrap_or(0)),
        other => return Err(format!("sprig has no function {other}")),
    })
}

wconfd_plugin_sdk::helpers::export_helpers!(Sprig);
