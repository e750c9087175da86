//! YAML in and out, the way Helm's `fromYaml` and `toYaml` see it: Helm converts YAML through
//! JSON (sigs.k8s.io/yaml), so numbers come out as float64 and map keys as strings, and writes
//! with go-yaml v2's block style (sorted keys, lists not indented under their key, strings
//! quoted only when they would read back as something else). Parsing is yaml-rust2's; the
//! writer is here because no Rust YAML library writes go-yaml's style.

use std::collections::BTreeMap;
use wconfd_plugin_sdk::helpers::{go_float, Val};
use yaml_rust2::{Yaml, YamlLoader};

/// Parse one YAML document (an empty text is nil; several documents: the first).
pub fn parse(text: &str) -> Result<Val, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    docs.first().map(from_yaml).unwrap_or(Ok(Val::Nil))
}

fn from_yaml(y: &Yaml) -> Result<Val, String> {
    Ok(match y {
        Yaml::Null => Val::Nil,
        Yaml::Boolean(b) => Val::Bool(*b),
        Yaml::Integer(i) => Val::Float(*i as f64),
        Yaml::Real(r) => Val::Float(parse_real(r).ok_or_else(|| format!("invalid YAML number {r:?}"))?),
        Yaml::String(s) => Val::Str(s.clone()),
        Yaml::Array(items) => Val::List(items.iter().map(from_yaml).collect::<Result<_, _>>()?),
        Yaml::Hash(h) => {
            let mut m = BTreeMap::new();
            for (k, v) in h {
                m.insert(key_text(k)?, from_yaml(v)?);
            }
            Val::Map(m)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("invalid YAML: unresolvable value".into()),
    })
}

fn parse_real(r: &str) -> Option<f64> {
    match r.trim_start_matches(['+', '-']) {
        ".inf" | ".Inf" | ".INF" => Some(if r.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => r.parse().ok(),
    }
}

/// A map key as JSON would have it: a string.
fn key_text(k: &Yaml) -> Result<String, String> {
    Ok(match k {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null => "null".into(),
        _ => return Err("invalid YAML: a map key must be a scalar".into()),
    })
}

/// `v` as go-yaml v2 writes it, without the final newline (Helm's `toYaml`).
pub fn emit(v: &Val) -> String {
    let mut out = String::new();
    match v {
        Val::Map(m) if !m.is_empty() => map_block(m, 0, &mut out),
        Val::List(_) | Val::Strings(_) if !items(v).is_empty() => list_block(&items(v), 0, &mut out),
        Val::Kv(..) => map_block(&kv_map(v), 0, &mut out),
        scalar => {
            out.push_str(&scalar_text(scalar, 0));
            out.push('\n');
        }
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

fn items(v: &Val) -> Vec<Val> {
    v.items().unwrap_or_default()
}

/// A KV pair as JSON (and so YAML) sees it.
fn kv_map(v: &Val) -> BTreeMap<String, Val> {
    match v {
        Val::Kv(k, x) => BTreeMap::from([
            ("Key".into(), Val::Str(k.clone())),
            ("Value".into(), Val::Str(x.clone())),
        ]),
        _ => BTreeMap::new(),
    }
}

/// A value that takes lines of its own (a non-empty map or list).
fn is_block(v: &Val) -> bool {
    match v {
        Val::Map(m) => !m.is_empty(),
        Val::List(l) => !l.is_empty(),
        Val::Strings(l) => !l.is_empty(),
        Val::Kv(..) => true,
        _ => false,
    }
}

fn map_block(m: &BTreeMap<String, Val>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (k, v) in m {
        out.push_str(&pad);
        out.push_str(&scalar_text(&Val::Str(k.clone()), indent));
        out.push(':');
        value_after_key(v, indent, out);
    }
}

fn value_after_key(v: &Val, indent: usize, out: &mut String) {
    match v {
        // go-yaml v2 does not indent a list under its key.
        Val::List(_) | Val::Strings(_) if is_block(v) => {
            out.push('\n');
            list_block(&items(v), indent, out);
        }
        Val::Map(m) if is_block(v) => {
            out.push('\n');
            map_block(m, indent + 2, out);
        }
        Val::Kv(..) => {
            out.push('\n');
            map_block(&kv_map(v), indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar, indent + 2));
            out.push('\n');
        }
    }
}

fn list_block(items: &[Val], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for item in items {
        out.push_str(&pad);
        out.push_str("- ");
        match item {
            Val::Map(_) | Val::Kv(..) if is_block(item) => {
                // The first key sits on the dash's line; the rest line up under it.
                let m = match item {
                    Val::Map(m) => m.clone(),
                    kv => kv_map(kv),
                };
                let mut inner = String::new();
                map_block(&m, indent + 2, &mut inner);
                out.push_str(&inner[indent + 2..]);
            }
            Val::List(_) | Val::Strings(_) if is_block(item) => {
                let mut inner = String::new();
                list_block(&self::items(item), indent + 2, &mut inner);
                out.push_str(&inner[indent + 2..]);
            }
            scalar => {
                out.push_str(&scalar_text(scalar, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn scalar_text(v: &Val, indent: usize) -> String {
    match v {
        Val::Nil => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(n) => n.to_string(),
        // Through JSON, a whole float64 reads back as an integer.
        Val::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f}"),
        Val::Float(f) => go_g(*f),
        Val::Str(s) => string_text(s, indent),
        Val::Map(_) => "{}".into(),
        Val::List(_) | Val::Strings(_) => "[]".into(),
        Val::Kv(..) => "{}".into(),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`: exponent form below 1e-4 and from 1e21.
fn go_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+.inf".into() } else { "-.inf".into() };
    }
    go_float(f)
}

/// Words YAML 1.1 (go-yaml v2) reads as booleans or null.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

/// Whether go-yaml would read `s` back as something other than a string.
fn resolves_to_non_string(s: &str) -> bool {
    if s.is_empty() || RESERVED.contains(&s) {
        return true;
    }
    let t = s.trim_start_matches(['+', '-']);
    t.parse::<f64>().is_ok() && !t.starts_with(['i', 'I', 'n', 'N'])
        || [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"].contains(&t)
        || (t.starts_with("0x") && i64::from_str_radix(&t[2..], 16).is_ok())
        || (t.starts_with("0o") && i64::from_str_radix(&t[2..], 8).is_ok())
}

/// Whether the emitter may write `s` plain (yaml_emitter_analyze_scalar, roughly).
fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    let last = s.chars().last().unwrap_or(' ');
    !(first.is_whitespace()
        || last.is_whitespace()
        || "-?:,[]{}#&*!|>'\"%@`".contains(first) && !(first == '-' && s.len() > 1 && !s[1..].starts_with(' '))
        || s.contains(": ")
        || s.contains(" #")
        || last == ':'
        || s.chars().any(|c| c.is_control()))
}

fn string_text(s: &str, indent: usize) -> String {
    if resolves_to_non_string(s) {
        return double_quoted(s);
    }
    if s.contains('\n') {
        let chomp = if s.ends_with("\n\n") {
            "+"
        } else if s.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let pad = " ".repeat(indent.max(2));
        let body: Vec<String> = s
            .strip_suffix('\n')
            .unwrap_or(s)
            .split('\n')
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{pad}{l}")
                }
            })
            .collect();
        return format!("|{chomp}\n{}", body.join("\n"));
    }
    if plain_allowed(s) {
        s.to_string()
    } else if s.chars().any(|c| c.is_control()) {
        double_quoted(s)
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
