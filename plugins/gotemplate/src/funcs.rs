//! The function map: Go's builtins and confd's functions, each with its Go signature.
//!
//! Signatures matter: Go's executor converts and checks arguments against the parameter types,
//! and its error texts name them ("wrong type for value; expected string; got int"). Each entry
//! here is one row of that table, and its behaviour (including confd's quirks) sits beside it.

use crate::fmt::{sprint, sprintf, sprintln};
use crate::gostr::{self, GoStr};
use crate::path;
use crate::store::key_error;
use crate::store::Store;
use crate::value::{BasicKind, KvsType, Srv, Value};
use crate::Host;
use std::borrow::Cow;
use std::rc::Rc;

/// A Go parameter type, as far as template argument handling needs to know it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Ty {
    Str,
    Int,
    /// `interface{}`
    Any,
    /// `reflect.Value` (builtins that take any value unconverted)
    RValue,
    /// `[]string`
    Strings,
    /// `[]memkv.KVPair`
    KvSlice,
    /// `time.Time`
    Time,
    /// `time.Duration`
    Duration,
    /// `*time.Location`
    Location,
}

impl Ty {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Any => "interface {}",
            Ty::RValue => "reflect.Value",
            Ty::Strings => "[]string",
            Ty::KvSlice => "[]memkv.KVPair",
            Ty::Time => "time.Time",
            Ty::Duration => "time.Duration",
            Ty::Location => "*time.Location",
        }
    }

    pub(crate) fn can_be_nil(self) -> bool {
        matches!(self, Ty::Any | Ty::RValue | Ty::Strings | Ty::KvSlice | Ty::Location)
    }
}

/// What a function call may use: the resource's store and the host's grants.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub host: &'a dyn Host,
    /// Largest value a function may build (the renderer's output limit).
    pub max_value_bytes: usize,
}

/// Refuse a formatting call whose string arguments alone exceed the value limit, before it
/// builds the result: a doubling `printf` loop must end as an error, not as several copies of
/// a huge string that run the instance out of memory first.
fn fits(c: &Ctx<'_>, args: &[Value]) -> Result<(), String> {
    let total: usize = args
        .iter()
        .map(|v| match v {
            Value::Str(s) => s.len(),
            Value::Strings(l) => l.iter().map(|s| s.len()).sum(),
            _ => 0,
        })
        .sum();
    if total > c.max_value_bytes {
        return Err(format!(
            "result exceeds the renderer's limit of {} bytes",
            c.max_value_bytes
        ));
    }
    Ok(())
}

type Imp = fn(&Ctx<'_>, &[Value]) -> Result<Value, String>;

/// One function: fixed parameters, optional variadic element type, implementation.
#[derive(Clone, Copy)]
pub(crate) struct Func {
    pub params: &'static [Ty],
    pub variadic: Option<Ty>,
    pub imp: Imp,
    /// A helper-library function: `imp` is unused and the call goes to
    /// [`crate::Host::call_helper`] under the function's name.
    pub helper: bool,
}

/// Parameters of helper functions: Go passes them as `interface{}`.
static ANY_PARAMS: [Ty; crate::helper::MAX_ARITY as usize] = [Ty::Any; crate::helper::MAX_ARITY as usize];

/// The signature of helper function `info` (arity already bounded by the parser).
pub(crate) fn helper_func(info: &crate::helper::FunctionInfo) -> Func {
    let arity = (info.arity as usize).min(ANY_PARAMS.len());
    Func {
        params: &ANY_PARAMS[..arity],
        variadic: info.variadic.then_some(Ty::Any),
        imp: |_, _| Err("helper functions are called through the host".into()),
        helper: true,
    }
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("func")
    }
}

impl Func {
    pub(crate) fn num_in(&self) -> usize {
        self.params.len() + usize::from(self.variadic.is_some())
    }
}

macro_rules! f {
    ([$($p:ident),*], $imp:expr) => {
        Func { params: &[$(Ty::$p),*], variadic: None, imp: $imp, helper: false }
    };
    ([$($p:ident),*], var $v:ident, $imp:expr) => {
        Func { params: &[$(Ty::$p),*], variadic: Some(Ty::$v), imp: $imp, helper: false }
    };
}

/// A string argument's bytes.
fn s(v: &Value) -> &[u8] {
    match v {
        Value::Str(s) => s,
        _ => b"",
    }
}

/// A string argument that names something (a key, a path, a variable, a host): as text, an
/// invalid byte read as U+FFFD. Nothing such a name is looked up in can hold invalid UTF-8.
fn t(v: &Value) -> Cow<'_, str> {
    gostr::lossy(s(v))
}

fn i(v: &Value) -> i64 {
    v.as_i64()
}

fn strings(v: Vec<GoStr>) -> Value {
    Value::Strings(Rc::new(v))
}

fn str_list(v: &Value) -> Vec<GoStr> {
    match v {
        Value::Strings(v) => v.to_vec(),
        _ => Vec::new(),
    }
}

/// Every function [`lookup`] knows: Go's builtins and confd's map.
pub(crate) const NAMES: &[&str] = &[
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "println",
    "printf",
    "html",
    "js",
    "urlquery",
    "call",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "exists",
    "get",
    "gets",
    "getv",
    "getvs",
    "ls",
    "lsdir",
    "base",
    "dir",
    "split",
    "join",
    "json",
    "jsonArray",
    "map",
    "getenv",
    "datetime",
    "toUpper",
    "toLower",
    "contains",
    "replace",
    "trimSuffix",
    "lookupIP",
    "lookupIPV4",
    "lookupIPV6",
    "lookupSRV",
    "fileExists",
    "base64Encode",
    "base64Decode",
    "parseBool",
    "reverse",
    "sortByLength",
    "sortKVByLength",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "seq",
    "atoi",
];

/// Look a function up by name (`None`: not defined).
pub(crate) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        // ---- Go builtins (text/template/funcs.go) ----
        "and" | "or" => f!([RValue], var RValue, |_, _| Ok(Value::Invalid)),
        "not" => f!([RValue], |_, a| Ok(Value::Bool(!a[0].indirect_iface().truth()))),
        "len" => f!([RValue], |_, a| match a[0].indirect_iface() {
            Value::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
            v => v
                .len()
                .map(|n| Value::Int(n as i64))
                .ok_or_else(|| format!("len of type {}", v.type_name())),
        }),
        "index" => f!([RValue], var RValue, |_, a| index(&a[0], &a[1..])),
        "slice" => f!([RValue], var RValue, |_, a| slice(&a[0], &a[1..])),
        "print" => f!([], var Any, |c, a| fits(c, a).map(|_| Value::bytes(sprint(a)))),
        "println" => f!([], var Any, |c, a| fits(c, a).map(|_| Value::bytes(sprintln(a)))),
        "printf" => f!([Str], var Any, |c, a| fits(c, a).map(|_| Value::bytes(sprintf(s(&a[0]), &a[1..])))),
        "html" => f!([], var Any, |_, a| Ok(Value::bytes(html_escape(&eval_args(a))))),
        "js" => f!([], var Any, |_, a| Ok(Value::bytes(js_escape(&eval_args(a))))),
        "urlquery" => f!([], var Any, |_, a| Ok(Value::str(&query_escape(&eval_args(a))))),
        "call" => f!([RValue], var RValue, |_, a| match a[0].indirect_iface() {
            Value::Invalid => Err("call of nil".into()),
            v => Err(format!("non-function of type {}", v.type_name())),
        }),
        "eq" => f!([RValue], var RValue, |_, a| eq(&a[0], &a[1..]).map(Value::Bool)),
        "ne" => f!([RValue, RValue], |_, a| eq(&a[0], &a[1..2]).map(|b| Value::Bool(!b))),
        "lt" => f!([RValue, RValue], |_, a| lt(&a[0], &a[1]).map(Value::Bool)),
        "le" => f!([RValue, RValue], |_, a| le(&a[0], &a[1]).map(Value::Bool)),
        "gt" => f!([RValue, RValue], |_, a| le(&a[0], &a[1]).map(|b| Value::Bool(!b))),
        "ge" => f!([RValue, RValue], |_, a| lt(&a[0], &a[1]).map(|b| Value::Bool(!b))),

        // ---- memkv (the store) ----
        "exists" => f!([Str], |c, a| Ok(Value::Bool(c.store.get(&t(&a[0])).is_some()))),
        "get" => f!([Str], |c, a| c
            .store
            .get(&t(&a[0]))
            .map(Value::Kv)
            .ok_or_else(|| key_error(&t(&a[0])))),
        "gets" => f!([Str], |c, a| c
            .store
            .get_all(&t(&a[0]))
            .map(|v| Value::Kvs(Rc::new(v), KvsType::Named))),
        "getv" => f!([Str], var Str, |c, a| match c.store.get(&t(&a[0])) {
            Some(kv) => Ok(Value::Str(kv.value.clone())),
            None if a.len() > 1 => Ok(a[1].clone()),
            None => Err(key_error(&t(&a[0]))),
        }),
        "getvs" => f!([Str], |c, a| c.store.get_all_values(&t(&a[0])).map(strings)),
        "ls" => f!([Str], |c, a| Ok(strings(c.store.list(&t(&a[0]))))),
        "lsdir" => f!([Str], |c, a| Ok(strings(c.store.list_dir(&t(&a[0]))))),

        // ---- confd (resource/template/template_funcs.go) ----
        "base" => f!([Str], |_, a| Ok(Value::str(&path::base(&t(&a[0]))))),
        "dir" => f!([Str], |_, a| Ok(Value::str(&path::dir(&t(&a[0]))))),
        "split" => f!([Str, Str], |_, a| Ok(strings(gostr::split(s(&a[0]), s(&a[1]))))),
        "join" => f!([Strings, Str], |c, a| {
            fits(c, a)?;
            let parts: Vec<&[u8]> = match &a[0] {
                Value::Strings(v) => v.iter().map(|s| &**s).collect(),
                _ => Vec::new(),
            };
            Ok(Value::bytes(parts.join(s(&a[1]))))
        }),
        "json" => f!([Str], |_, a| crate::json::unmarshal(s(&a[0]), false)),
        "jsonArray" => f!([Str], |_, a| crate::json::unmarshal(s(&a[0]), true)),
        "map" => f!([], var Any, |_, a| {
            if a.len() % 2 != 0 {
                return Err("invalid map call".into());
            }
            let mut m = Vec::with_capacity(a.len() / 2);
            for pair in a.chunks(2) {
                let Value::Str(k) = &pair[0] else { return Err("map keys must be strings".into()) };
                m.push((Rc::from(gostr::lossy(k)), pair[1].clone()));
            }
            Ok(Value::Map(Rc::new(crate::value::Map::from_entries(m))))
        }),
        "getenv" => f!([Str], var Str, |c, a| {
            let v = c.host.getenv(&t(&a[0])).unwrap_or_default();
            if v.is_empty() && a.len() > 1 {
                return Ok(a[1].clone());
            }
            Ok(Value::str(&v))
        }),
        "datetime" => f!([], |c, _| Ok(Value::Time(Rc::new(c.host.now())))),
        // strings.Map decodes runes: an invalid byte comes out as U+FFFD.
        "toUpper" => f!([Str], |_, a| Ok(Value::str(&map_case(&t(&a[0]), true)))),
        "toLower" => f!([Str], |_, a| Ok(Value::str(&map_case(&t(&a[0]), false)))),
        "contains" => f!([Str, Str], |_, a| Ok(Value::Bool(
            gostr::find(s(&a[0]), s(&a[1])).is_some()
        ))),
        "replace" => f!([Str, Str, Str, Int], |_, a| Ok(Value::bytes(gostr::replace(
            s(&a[0]),
            s(&a[1]),
            s(&a[2]),
            i(&a[3])
        )))),
        "trimSuffix" => f!([Str, Str], |_, a| {
            Ok(Value::bytes(s(&a[0]).strip_suffix(s(&a[1])).unwrap_or(s(&a[0]))))
        }),
        "lookupIP" => f!([Str], |c, a| Ok(lookup_ip(c, &t(&a[0]), |_| true))),
        "lookupIPV4" => f!([Str], |c, a| Ok(lookup_ip(c, &t(&a[0]), |ip| ip.contains('.')))),
        "lookupIPV6" => f!([Str], |c, a| Ok(lookup_ip(c, &t(&a[0]), |ip| ip.contains(':')))),
        "lookupSRV" => f!([Str, Str, Str], |c, a| {
            let mut recs: Vec<Srv> = c.host.lookup_srv(&t(&a[0]), &t(&a[1]), &t(&a[2]));
            // confd sorts by the string Target+Port+Priority+Weight.
            recs.sort_by_key(|r| format!("{}{}{}{}", r.target, r.port, r.priority, r.weight));
            Ok(Value::Srvs(Rc::new(recs.into_iter().map(Rc::new).collect())))
        }),
        "fileExists" => f!([Str], |c, a| Ok(Value::Bool(c.host.file_exists(&t(&a[0]))))),
        "base64Encode" => f!([Str], |_, a| Ok(Value::str(&crate::base64::encode(s(&a[0]))))),
        "base64Decode" => f!([Str], |_, a| crate::base64::decode(&t(&a[0])).map(Value::bytes)),
        "parseBool" => f!([Str], |_, a| crate::strconv::parse_bool(&t(&a[0])).map(Value::Bool)),
        "reverse" => f!([Any], |_, a| Ok(reverse(&a[0]))),
        "sortByLength" => f!([Strings], |_, a| {
            let mut v = str_list(&a[0]);
            crate::gosort::sort(&mut v, |a, b| a.len() < b.len());
            Ok(strings(v))
        }),
        "sortKVByLength" => f!([KvSlice], |_, a| {
            let mut v = match &a[0] {
                Value::Kvs(v, _) => v.to_vec(),
                _ => Vec::new(),
            };
            crate::gosort::sort(&mut v, |a, b| a.key.len() < b.key.len());
            Ok(Value::Kvs(Rc::new(v), KvsType::Slice))
        }),
        "add" => f!([Int, Int], |_, a| Ok(Value::Int(i(&a[0]).wrapping_add(i(&a[1]))))),
        "sub" => f!([Int, Int], |_, a| Ok(Value::Int(i(&a[0]).wrapping_sub(i(&a[1]))))),
        "mul" => f!([Int, Int], |_, a| Ok(Value::Int(i(&a[0]).wrapping_mul(i(&a[1]))))),
        "div" => f!([Int, Int], |_, a| match i(&a[1]) {
            0 => Err("runtime error: integer divide by zero".into()),
            d => Ok(Value::Int(i(&a[0]).wrapping_div(d))),
        }),
        "mod" => f!([Int, Int], |_, a| match i(&a[1]) {
            0 => Err("runtime error: integer divide by zero".into()),
            d => Ok(Value::Int(i(&a[0]).wrapping_rem(d))),
        }),
        "seq" => f!([Int, Int], |_, a| {
            let (first, last) = (i(&a[0]), i(&a[1]));
            // A template-controlled size: 10 million ints (80 MB) is far past any real use
            // and keeps a runaway `seq` from exhausting the renderer's memory.
            if last >= first && last - first >= 10_000_000 {
                return Err(format!("seq: {} elements is too many", last - first + 1));
            }
            Ok(Value::Ints(Rc::new(if last >= first {
                (first..=last).collect()
            } else {
                Vec::new()
            })))
        }),
        "atoi" => f!([Str], |_, a| crate::strconv::atoi(&t(&a[0])).map(Value::Int)),
        _ => return None,
    })
}

/// confd's `Reverse`. confd matches only `[]string` and `[]memkv.KVPair`, so the named
/// `memkv.KVPairs` from `gets` came back unchanged; wconfd reverses it too (README: differences).
fn reverse(v: &Value) -> Value {
    match v {
        Value::Strings(s) => Value::Strings(Rc::new(s.iter().rev().cloned().collect())),
        Value::Kvs(k, t) => Value::Kvs(Rc::new(k.iter().rev().cloned().collect()), *t),
        v => v.clone(),
    }
}

fn lookup_ip(c: &Ctx<'_>, name: &str, keep: fn(&str) -> bool) -> Value {
    let mut ips: Vec<String> = c.host.lookup_ip(name);
    ips.sort();
    let v: Vec<GoStr> = ips.iter().filter(|ip| keep(ip)).map(|s| gostr::from_str(s)).collect();
    strings(v)
}

/// Go's `unicode.ToUpper`/`ToLower` per rune: simple case mapping, never one rune to several.
fn map_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            if let Some(m) = simple_case_exception(c, upper) {
                return m;
            }
            let mut m: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            // Rust applies Unicode's full (SpecialCasing) mappings; Go's unicode.ToUpper and
            // ToLower map one rune to one rune and leave a rune with no simple mapping alone.
            if m.len() == 1 {
                m.pop().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// The runes whose full case mapping (Rust's) has several runes but whose simple mapping
/// (UnicodeData.txt, Go's) is one other rune: Greek letters with ypogegrammeni map to their
/// prosgegrammeni forms, and U+0130 lowers to a plain `i`.
fn simple_case_exception(c: char, upper: bool) -> Option<char> {
    let u = c as u32;
    let mapped = if upper {
        match u {
            0x1F80..=0x1FAF if u & 0xF < 8 => u + 8,
            0x1FB3 => 0x1FBC,
            0x1FC3 => 0x1FCC,
            0x1FF3 => 0x1FFC,
            _ => return None,
        }
    } else {
        match u {
            0x0130 => 0x69,
            _ => return None,
        }
    };
    char::from_u32(mapped)
}

/// `evalArgs` of funcs.go: a lone string as is, otherwise `fmt.Sprint` of the printable values.
fn eval_args(a: &[Value]) -> Vec<u8> {
    if let [Value::Str(s)] = a {
        return s.to_vec();
    }
    let printable: Vec<Value> = a
        .iter()
        .map(|v| match v {
            Value::Invalid => Value::str("<no value>"),
            v => v.clone(),
        })
        .collect();
    sprint(&printable)
}

/// `template.HTMLEscapeString`: byte by byte, so bytes that are not UTF-8 pass unchanged.
fn html_escape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"&#34;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            0 => out.extend_from_slice("\u{FFFD}".as_bytes()),
            b => out.push(b),
        }
    }
    out
}

/// `template.JSEscapeString` (Go 1.19): a rune that is not printable becomes `\uXXXX`; an
/// invalid byte decodes as U+FFFD, which is printable, so it passes unchanged.
fn js_escape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for (at, c, w) in gostr::runes(s) {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            '\'' => out.extend_from_slice(b"\\'"),
            '"' => out.extend_from_slice(b"\\\""),
            '<' => out.extend_from_slice(b"\\u003C"),
            '>' => out.extend_from_slice(b"\\u003E"),
            '&' => out.extend_from_slice(b"\\u0026"),
            '=' => out.extend_from_slice(b"\\u003D"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04X}", c as u32).as_bytes()),
            c if !c.is_ascii() && !crate::fmt::is_print(c) => {
                out.extend_from_slice(format!("\\u{:04X}", c as u32).as_bytes())
            }
            _ => out.extend_from_slice(&s[at..at + w]),
        }
    }
    out
}

/// `url.QueryEscape`.
fn query_escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn index_arg(v: &Value, cap: usize) -> Result<usize, String> {
    let x = match v {
        Value::Int(_) | Value::Int64(_) | Value::Month(_) | Value::Weekday(_) | Value::Duration(_) => v.as_i64(),
        Value::Uint8(_) | Value::Uint16(_) => v.as_u64() as i64,
        Value::Invalid | Value::NilIface => return Err("cannot index slice/array with nil".into()),
        v => return Err(format!("cannot index slice/array with type {}", v.type_name())),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let mut item = item.indirect_iface().clone();
    if !item.is_valid() {
        return Err("index of untyped nil".into());
    }
    for ix in indexes {
        let ix = ix.indirect_iface();
        match &item {
            Value::Str(_) | Value::Strings(_) | Value::Ints(_) | Value::List(_) | Value::Kvs(..) | Value::Srvs(_) => {
                let len = item.len().unwrap_or(0);
                let x = index_arg(ix, len)?;
                if x == len {
                    return Err(format!("index out of range: {x}"));
                }
                item = item.index(x);
            }
            Value::Map(m) => {
                let key = match ix {
                    Value::Str(k) => gostr::lossy(k),
                    Value::Invalid => return Err("value is nil; should be of type string".into()),
                    v => return Err(format!("value has type {}; should be string", v.type_name())),
                };
                item = m.get(&key).cloned().unwrap_or(Value::NilIface);
            }
            Value::Invalid | Value::NilIface => return Err("index of untyped nil".into()),
            v => return Err(format!("can't index item of type {}", v.type_name())),
        }
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let item = item.indirect_iface();
    if !item.is_valid() {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item {
        Value::Str(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        v if v.is_slice() => v.len().unwrap_or(0),
        v => return Err(format!("can't slice item of type {}", v.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (k, ix) in indexes.iter().enumerate() {
        idx[k] = index_arg(ix.indirect_iface(), len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (a, b) = (idx[0], idx[1]);
    Ok(match item {
        Value::Str(s) => Value::bytes(&s[a..b]),
        Value::Strings(v) => Value::Strings(Rc::new(v[a..b].to_vec())),
        Value::Ints(v) => Value::Ints(Rc::new(v[a..b].to_vec())),
        Value::List(v) => Value::List(Rc::new(v[a..b].to_vec())),
        Value::Kvs(v, t) => Value::Kvs(Rc::new(v[a..b].to_vec()), *t),
        Value::Srvs(v) => Value::Srvs(Rc::new(v[a..b].to_vec())),
        _ => Value::Invalid,
    })
}

const ERR_BAD_COMPARISON_TYPE: &str = "invalid type for comparison";
const ERR_BAD_COMPARISON: &str = "incompatible types for comparison";
const ERR_NO_COMPARISON: &str = "missing argument for comparison";

fn eq(a1: &Value, rest: &[Value]) -> Result<bool, String> {
    let a1 = a1.indirect_iface();
    if !comparable(a1) {
        let shown = gostr::lossy(&sprintf(b"%s", std::slice::from_ref(a1))).into_owned();
        return Err(format!("non-comparable type {shown}: {}", a1.type_name()));
    }
    if rest.is_empty() {
        return Err(ERR_NO_COMPARISON.into());
    }
    let k1 = a1.basic_kind();
    for a in rest {
        let a = a.indirect_iface();
        let k2 = a.basic_kind();
        let truth = if k1 != k2 {
            match (k1, k2) {
                (BasicKind::Int, BasicKind::Uint) => a1.as_i64() >= 0 && a1.as_i64() as u64 == a.as_u64(),
                (BasicKind::Uint, BasicKind::Int) => a.as_i64() >= 0 && a1.as_u64() == a.as_i64() as u64,
                _ => {
                    if a1.is_valid() && a.is_valid() {
                        return Err(ERR_BAD_COMPARISON.into());
                    }
                    false
                }
            }
        } else {
            match k1 {
                BasicKind::Bool => matches!((a1, a), (Value::Bool(x), Value::Bool(y)) if x == y),
                BasicKind::Float => matches!((a1, a), (Value::Float(x), Value::Float(y)) if x == y),
                BasicKind::Complex => {
                    matches!((a1, a), (Value::Complex(x), Value::Complex(y)) if x == y)
                }
                BasicKind::Int => a1.as_i64() == a.as_i64(),
                BasicKind::Uint => a1.as_u64() == a.as_u64(),
                BasicKind::String => matches!((a1, a), (Value::Str(x), Value::Str(y)) if x == y),
                BasicKind::Invalid => {
                    if !a.is_valid() || !a1.is_valid() {
                        !a.is_valid() && !a1.is_valid()
                    } else if !comparable(a) {
                        let shown = gostr::lossy(&sprintf(b"%s", std::slice::from_ref(a))).into_owned();
                        return Err(format!("non-comparable type {shown}: {}", a.type_name()));
                    } else if a1.type_name() != a.type_name() {
                        false
                    } else {
                        crate::value::same(a1, a).unwrap_or(false)
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `Type.Comparable`: slices and maps are not.
fn comparable(v: &Value) -> bool {
    !matches!(
        v,
        Value::Strings(_) | Value::Ints(_) | Value::List(_) | Value::Map(_) | Value::Kvs(..) | Value::Srvs(_)
    )
}

fn lt(a1: &Value, a2: &Value) -> Result<bool, String> {
    let a1 = a1.indirect_iface();
    let k1 = a1.basic_kind();
    if k1 == BasicKind::Invalid {
        return Err(ERR_BAD_COMPARISON_TYPE.into());
    }
    let a2 = a2.indirect_iface();
    let k2 = a2.basic_kind();
    if k2 == BasicKind::Invalid {
        return Err(ERR_BAD_COMPARISON_TYPE.into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (BasicKind::Int, BasicKind::Uint) => Ok(a1.as_i64() < 0 || (a1.as_i64() as u64) < a2.as_u64()),
            (BasicKind::Uint, BasicKind::Int) => Ok(a2.as_i64() >= 0 && a1.as_u64() < a2.as_i64() as u64),
            _ => Err(ERR_BAD_COMPARISON.into()),
        };
    }
    Ok(match (k1, a1, a2) {
        (BasicKind::Bool | BasicKind::Complex, ..) => return Err(ERR_BAD_COMPARISON_TYPE.into()),
        (BasicKind::Float, Value::Float(x), Value::Float(y)) => x < y,
        (BasicKind::Int, ..) => a1.as_i64() < a2.as_i64(),
        (BasicKind::Uint, ..) => a1.as_u64() < a2.as_u64(),
        (BasicKind::String, Value::Str(x), Value::Str(y)) => x < y,
        _ => false,
    })
}

fn le(a1: &Value, a2: &Value) -> Result<bool, String> {
    if lt(a1, a2)? {
        return Ok(true);
    }
    eq(a1, std::slice::from_ref(a2))
}
