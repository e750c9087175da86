//! Write wconfd helper libraries in Rust: functions templates call besides Go's and confd's.
//!
//! A helper library is a `wasm32-wasip2` component exporting the `helpers` interface of
//! `wit/v0.3.0` (world `helpers-plugin`). Arguments and results are template values flattened
//! into a list of nodes ([`Node`]); [`Val`] is the same value as an ordinary Rust tree, with
//! [`decode`] and [`encode`] between the two and [`Val::to_json`]/[`Val::from_json`] for
//! libraries that work on JSON.
//!
//! ```ignore
//! use wconfd_plugin_sdk::helpers::{function, Guest, FunctionInfo, Node, Val};
//! struct Shout;
//! impl Guest for Shout {
//!     fn functions() -> Vec<FunctionInfo> { vec![function("shout", 1, false, "upper-case and add !")] }
//!     fn call(name: String, args: Vec<Vec<Node>>) -> Result<Vec<Node>, String> {
//!         let text = wconfd_plugin_sdk::helpers::decode(&args[0])?.to_text();
//!         Ok(wconfd_plugin_sdk::helpers::encode(&Val::Str(text.to_uppercase() + "!")))
//!     }
//!     fn describe() -> String { "shout 1.0".into() }
//! }
//! wconfd_plugin_sdk::helpers::export_helpers!(Shout);
//! ```

wit_bindgen::generate!({
    path: "../../wit/v0.3.0",
    world: "helpers-plugin",
    pub_export_macro: true,
    export_macro_name: "export_helpers",
    default_bindings_module: "wconfd_plugin_sdk::helpers",
});

pub use exports::wconfd::plugin::helpers::Guest;
pub use wconfd::plugin::types::{FunctionInfo, Kv, Node};

use std::collections::BTreeMap;

/// Log lines in the host's log, prefixed with the library's name.
pub mod log {
    crate::log_functions!(crate::helpers::wconfd::plugin::log);
}

/// A function's entry in [`Guest::functions`].
pub fn function(name: &str, arity: u32, variadic: bool, description: &str) -> FunctionInfo {
    FunctionInfo {
        name: name.into(),
        arity,
        variadic,
        description: description.into(),
    }
}

/// [`Guest::functions`] from a table of (name, arity, variadic, description).
pub fn functions(table: &[(&str, u32, bool, &str)]) -> Vec<FunctionInfo> {
    table
        .iter()
        .map(|(name, arity, variadic, doc)| function(name, *arity, *variadic, doc))
        .collect()
}

/// [`Guest::call`] for a library written over [`Val`]s: decode the arguments, run `f`, encode
/// its result.
pub fn call_with(args: &[Vec<Node>], f: impl FnOnce(&[Val]) -> Result<Val, String>) -> Result<Vec<Node>, String> {
    let args = args.iter().map(|a| decode(a)).collect::<Result<Vec<_>, _>>()?;
    f(&args).map(|v| encode(&v))
}

/// A template value as a tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `nil`.
    Nil,
    /// `bool`.
    Bool(bool),
    /// Any Go integer.
    Int(i64),
    /// `float64`.
    Float(f64),
    /// A `string`.
    Str(String),
    /// `[]string`.
    Strings(Vec<String>),
    /// `[]interface{}`.
    List(Vec<Val>),
    /// `map[string]interface{}` (sorted, as Go prints and ranges maps).
    Map(BTreeMap<String, Val>),
    /// confd's `memkv.KVPair`: key, value.
    Kv(String, String),
}

/// Rebuild the value `nodes` encode (root first, children after their parents).
pub fn decode(nodes: &[Node]) -> Result<Val, String> {
    fn at(nodes: &[Node], i: usize, depth: usize) -> Result<Val, String> {
        if depth > 512 {
            return Err("value nested too deeply".into());
        }
        let child = |c: u32| {
            let c = c as usize;
            if c <= i || c >= nodes.len() {
                Err(format!("malformed value: node {i} refers to node {c}"))
            } else {
                at(nodes, c, depth + 1)
            }
        };
        Ok(match nodes.get(i).ok_or("malformed value: no root node")? {
            Node::Nil => Val::Nil,
            Node::Boolean(b) => Val::Bool(*b),
            Node::Int(n) => Val::Int(*n),
            Node::Float(f) => Val::Float(*f),
            Node::Text(s) => Val::Str(s.clone()),
            Node::Bytes(b) => Val::Str(String::from_utf8_lossy(b).into_owned()),
            Node::Strings(v) => Val::Strings(v.clone()),
            Node::List(cs) => Val::List(cs.iter().map(|&c| child(c)).collect::<Result<_, _>>()?),
            Node::Map(es) => Val::Map(
                es.iter()
                    .map(|(k, c)| Ok((k.clone(), child(*c)?)))
                    .collect::<Result<_, String>>()?,
            ),
            Node::Kv(kv) => Val::Kv(kv.key.clone(), kv.value.clone()),
        })
    }
    at(nodes, 0, 0)
}

/// Flatten `v` into nodes, root first.
pub fn encode(v: &Val) -> Vec<Node> {
    fn push(v: &Val, out: &mut Vec<Node>) -> u32 {
        let at = out.len();
        out.push(Node::Nil);
        out[at] = match v {
            Val::Nil => Node::Nil,
            Val::Bool(b) => Node::Boolean(*b),
            Val::Int(n) => Node::Int(*n),
            Val::Float(f) => Node::Float(*f),
            Val::Str(s) => Node::Text(s.clone()),
            Val::Strings(v) => Node::Strings(v.clone()),
            Val::List(items) => Node::List(items.iter().map(|x| push(x, out)).collect()),
            Val::Map(m) => Node::Map(m.iter().map(|(k, x)| (k.clone(), push(x, out))).collect()),
            Val::Kv(k, x) => Node::Kv(Kv {
                key: k.clone(),
                value: x.clone(),
            }),
        };
        at as u32
    }
    let mut out = Vec::new();
    push(v, &mut out);
    out
}

impl Val {
    /// Go's type name for the value, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "<nil>",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::Strings(_) => "[]string",
            Val::List(_) => "[]interface {}",
            Val::Map(_) => "map[string]interface {}",
            Val::Kv(..) => "memkv.KVPair",
        }
    }

    /// Go's (and sprig's) idea of an empty value: nil, false, 0, "", an empty list or map.
    pub fn is_empty(&self) -> bool {
        match self {
            Val::Nil => true,
            Val::Bool(b) => !b,
            Val::Int(n) => *n == 0,
            Val::Float(f) => *f == 0.0,
            Val::Str(s) => s.is_empty(),
            Val::Strings(v) => v.is_empty(),
            Val::List(v) => v.is_empty(),
            Val::Map(m) => m.is_empty(),
            Val::Kv(..) => false,
        }
    }

    /// The value as text the way Go's `fmt.Sprint` shows scalars (strings as they are).
    pub fn to_text(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Nil => "<nil>".into(),
            Val::Bool(b) => b.to_string(),
            Val::Int(n) => n.to_string(),
            Val::Float(f) => go_float(*f),
            other => other.to_json().to_string(),
        }
    }

    /// The elements of a list-like value (`[]string`, `[]interface{}`); `None` otherwise.
    pub fn items(&self) -> Option<Vec<Val>> {
        match self {
            Val::List(v) => Some(v.clone()),
            Val::Strings(v) => Some(v.iter().cloned().map(Val::Str).collect()),
            _ => None,
        }
    }

    /// The value as JSON: a KV pair is `{"Key": ..., "Value": ...}` (its Go field names).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Nil => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(n) => J::from(*n),
            Val::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Val::Str(s) => J::String(s.clone()),
            Val::Strings(v) => J::Array(v.iter().cloned().map(J::String).collect()),
            Val::List(v) => J::Array(v.iter().map(Val::to_json).collect()),
            Val::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Val::Kv(k, v) => serde_json::json!({"Key": k, "Value": v}),
        }
    }

    /// A JSON value as a template value. Numbers become `float64`, as Go's `encoding/json`
    /// decodes them into `interface{}` (what sprig's `fromJson` returns), unless `ints` asks
    /// to keep integers as integers.
    pub fn from_json(j: &serde_json::Value, ints: bool) -> Val {
        use serde_json::Value as J;
        match j {
            J::Null => Val::Nil,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) if ints && !n.is_f64() => Val::Int(i),
                _ => Val::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Val::Str(s.clone()),
            J::Array(v) => Val::List(v.iter().map(|x| Val::from_json(x, ints)).collect()),
            J::Object(m) => Val::Map(m.iter().map(|(k, v)| (k.clone(), Val::from_json(v, ints))).collect()),
        }
    }
}

/// Go's `%v` of a `float64` (`strconv.FormatFloat(f, 'g', -1, 64)` with `%v`'s exponent
/// threshold of 21): `1`, `2.5`, `1e+21`, `1e-07`.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Rust's `{:e}` is the shortest round-trip digits with the decimal exponent, as Go's.
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    if (-4..21).contains(&exp.parse::<i32>().unwrap_or(0)) {
        return format!("{f}");
    }
    let (sign, digits) = exp.strip_prefix('-').map(|d| ('-', d)).unwrap_or(('+', exp));
    format!("{mantissa}e{sign}{digits:0>2}")
}
