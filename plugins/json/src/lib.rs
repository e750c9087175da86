//! wconfd's `json` helper library: JSON and YAML in templates.
//!
//! Parse (`fromJson`, `parseJSON`, `fromYaml`), serialise (`toJson`, `toPrettyJson`,
//! `toYaml`), query (`jq`, by the jaq library) and reshape (`merge`, `keys`, `pick`, `omit`,
//! `dig`, `default`, `coalesce`) values. Names and semantics follow sprig and Helm, which
//! most template authors know; where they would fail silently (sprig's `fromJson` returns nil
//! for bad input) these return an error that names the problem, so a render fails loudly and
//! the old file stays.

mod go_json;
mod jq;
mod yaml;

use wconfd_plugin_sdk::helpers::{call_with, functions, FunctionInfo, Guest, Node, Val};

struct Json;

/// Every function: name, arity, variadic, description.
const FUNCTIONS: &[(&str, u32, bool, &str)] = &[
    (
        "fromJson",
        1,
        false,
        "parse a JSON document into a value (numbers are float64, as in Go)",
    ),
    ("parseJSON", 1, false, "fromJson under gomplate's name"),
    ("fromYaml", 1, false, "parse a YAML document into a value"),
    (
        "toJson",
        1,
        false,
        "the value as compact JSON (Go's encoding/json: sorted keys, HTML-safe)",
    ),
    ("toPrettyJson", 1, false, "the value as JSON indented by two spaces"),
    (
        "toYaml",
        1,
        false,
        "the value as YAML (Helm's toYaml), without the final newline",
    ),
    (
        "jq",
        2,
        false,
        "jq QUERY VALUE: run a jq query (jaq); one result, a list of several, or nil",
    ),
    (
        "merge",
        1,
        true,
        "merge DST SRC...: deep-merge maps into DST; keys already in DST win",
    ),
    ("keys", 1, true, "the keys of one or more maps, sorted"),
    ("pick", 1, true, "pick MAP KEY...: a map with only those keys"),
    ("omit", 1, true, "omit MAP KEY...: a map without those keys"),
    (
        "dig",
        2,
        true,
        "dig KEY... DEFAULT MAP: the value at a path of keys in nested maps, or DEFAULT",
    ),
    (
        "default",
        1,
        true,
        "default DEFAULT VALUE: VALUE unless it is empty (nil, \"\", 0, false, empty list or map)",
    ),
    ("coalesce", 0, true, "the first argument that is not empty, or nil"),
];

impl Guest for Json {
    fn functions() -> Vec<FunctionInfo> {
        functions(FUNCTIONS)
    }

    fn call(name: String, args: Vec<Vec<Node>>) -> Result<Vec<Node>, String> {
        call_with(&args, |args| call(&name, args))
    }

    fn describe() -> String {
        format!("json {} (jaq 3, Go-compatible JSON)", env!("CARGO_PKG_VERSION"))
    }
}

fn text<'a>(v: &'a Val, what: &str) -> Result<&'a str, String> {
    match v {
        Val::Str(s) => Ok(s),
        other => Err(format!("{what} must be a string, not {}", other.type_name())),
    }
}

fn map<'a>(v: &'a Val, what: &str) -> Result<&'a std::collections::BTreeMap<String, Val>, String> {
    match v {
        Val::Map(m) => Ok(m),
        other => Err(format!("{what} must be a map, not {}", other.type_name())),
    }
}

/// Run function `name` (the renderer already checked the argument count).
pub fn call(name: &str, args: &[Val]) -> Result<Val, String> {
    match name {
        "fromJson" | "parseJSON" => {
            let doc = text(&args[0], "the JSON document")?;
            let j: serde_json::Value = serde_json::from_str(doc).map_err(|e| format!("invalid JSON: {e}"))?;
            Ok(Val::from_json(&j, false))
        }
        "fromYaml" => yaml::parse(text(&args[0], "the YAML document")?),
        "toJson" => Ok(Val::Str(go_json::marshal(&args[0], None))),
        "toPrettyJson" => Ok(Val::Str(go_json::marshal(&args[0], Some("  ")))),
        "toYaml" => Ok(Val::Str(yaml::emit(&args[0]))),
        "jq" => jq::run(text(&args[0], "the query")?, &args[1]),
        "merge" => {
            let mut dst = map(&args[0], "merge's destination")?.clone();
            for src in &args[1..] {
                merge_into(&mut dst, map(src, "what merge merges")?);
            }
            Ok(Val::Map(dst))
        }
        "keys" => {
            let mut keys = Vec::new();
            for m in args {
                keys.extend(map(m, "keys' argument")?.keys().cloned());
            }
            keys.sort();
            Ok(Val::Strings(keys))
        }
        "pick" | "omit" => {
            let m = map(&args[0], &format!("{name}'s first argument"))?;
            let chosen = args[1..]
                .iter()
                .map(|k| text(k, "a key"))
                .collect::<Result<Vec<_>, _>>()?;
            let keep = |k: &String| chosen.contains(&k.as_str()) == (name == "pick");
            Ok(Val::Map(
                m.iter()
                    .filter(|(k, _)| keep(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
        }
        "dig" => {
            let (m, rest) = args.split_last().expect("dig takes at least 2 arguments");
            let (default, path) = rest.split_last().expect("dig takes at least 2 arguments");
            let mut at = map(m, "dig's last argument")?;
            for (i, key) in path.iter().enumerate() {
                let Some(v) = at.get(text(key, "a key")?) else {
                    return Ok(default.clone());
                };
                if i + 1 == path.len() {
                    return Ok(v.clone());
                }
                match v {
                    Val::Map(inner) => at = inner,
                    _ => return Ok(default.clone()),
                }
            }
            Ok(Val::Map(at.clone()))
        }
        "default" => Ok(match args.get(1) {
            Some(v) if !v.is_empty() => v.clone(),
            _ => args[0].clone(),
        }),
        "coalesce" => Ok(args.iter().find(|v| !v.is_empty()).cloned().unwrap_or(Val::Nil)),
        other => Err(format!("json has no function {other}")),
    }
}

/// Deep merge in the manner of sprig's `merge` (mergo without override): a key missing from
/// `dst` is copied; maps on both sides merge; otherwise `dst` keeps its value.
fn merge_into(dst: &mut std::collections::BTreeMap<String, Val>, src: &std::collections::BTreeMap<String, Val>) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (None, v) => {
                dst.insert(k.clone(), v.clone());
            }
            (Some(Val::Map(d)), Val::Map(s)) => merge_into(d, s),
            // mergo counts false, 0 and "" as empty too: they are filled from `src`.
            (Some(existing), v) if existing.is_empty() => {
                *existing = v.clone();
            }
            _ => {}
        }
    }
}

wconfd_plugin_sdk::helpers::export_helpers!(Json);
