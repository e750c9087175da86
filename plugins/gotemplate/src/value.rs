//! Template values: the Go types a confd template can meet, with their Go type names.
//!
//! Go's text/template works on `reflect.Value`s; confd's templates only ever see a small,
//! closed set of types (strings, ints, float64s from JSON, `[]string`, `memkv.KVPair`, ...).
//! Modelling exactly that set keeps printing, comparisons and error texts identical to Go.

use crate::gostr::GoStr;
use std::rc::Rc;

/// confd's `memkv.KVPair`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KvPair {
    /// The key, relative to the resource prefix (`/services/web/cust1/1`).
    pub key: Rc<str>,
    /// The value (a Go string: any bytes).
    pub value: GoStr,
}

/// Go's `net.SRV`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Srv {
    /// Target host name.
    pub target: String,
    /// Port.
    pub port: u16,
    /// Priority.
    pub priority: u16,
    /// Weight.
    pub weight: u16,
}

/// An instant as the host reported it (see [`crate::Host::now`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Time {
    /// Nanoseconds since the Unix epoch.
    pub unix_nanos: i64,
    /// Offset of the zone from UTC, seconds.
    pub offset: i32,
    /// Zone abbreviation.
    pub zone: Rc<str>,
}

/// How a list of KV pairs is typed: `gets` returns the named `memkv.KVPairs`, `sortKVByLength`
/// the unnamed `[]memkv.KVPair`. The difference shows in `%T` and in confd's `reverse` bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvsType {
    /// `memkv.KVPairs`
    Named,
    /// `[]memkv.KVPair`
    Slice,
}

/// A `map[string]interface {}`: its entries sorted by key (Go ranges over and prints maps in
/// key order), each key once. A sorted vector rather than a tree: the maps templates meet are
/// decoded JSON objects of a few keys, built once and then read by key or in order; a vector
/// is one allocation and a binary search, where a tree node costs a 450-byte allocation and a
/// walk of its keys.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: Vec<(Rc<str>, Value)>,
}

/// Keys in byte order. The first bytes decide most comparisons of a decoded object's keys
/// (`ListenAddr`, `Password`, `Servers`): compared here, without a call to `memcmp`.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

impl Map {
    /// A map of `entries` given in any order; a key given more than once keeps its last value,
    /// as in Go's JSON decoding and map assignment. O(n log n).
    pub fn from_entries(mut entries: Vec<(Rc<str>, Value)>) -> Map {
        if entries.windows(2).all(|w| key_order(&w[0].0, &w[1].0).is_lt()) {
            return Map { entries };
        }
        // Stable: among equal keys, the one given last stays last.
        entries.sort_by(|a, b| key_order(&a.0, &b.0));
        // Of equal neighbours `dedup_by` keeps the first and drops the later one, which hands
        // its value over first: the key keeps the value given last.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        Map { entries }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        // A few keys are faster compared for equality (lengths first) than ordered.
        if self.entries.len() <= 8 {
            return self.entries.iter().find(|(k, _)| **k == *key).map(|(_, v)| v);
        }
        self.entries
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A value in a running template.
#[derive(Clone, Debug)]
pub enum Value {
    /// No value at all (Go: the zero `reflect.Value`): missing map keys, nil data.
    Invalid,
    /// A nil `interface{}` held in a map or slice (JSON `null`).
    NilIface,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `int64` (`time.Time.Unix`)
    Int64(i64),
    /// `uint8` (indexing a string)
    Uint8(u8),
    /// `uint16` (`net.SRV` fields)
    Uint16(u16),
    /// `float64`
    Float(f64),
    /// `complex128` (a complex constant: real, imaginary), boxed so that it does not make every
    /// value larger (templates rarely meet one).
    Complex(Rc<(f64, f64)>),
    /// `string` (bytes, not necessarily UTF-8: see [`crate::gostr`])
    Str(GoStr),
    /// `[]string`
    Strings(Rc<Vec<GoStr>>),
    /// `[]int`
    Ints(Rc<Vec<i64>>),
    /// `[]interface {}`
    List(Rc<Vec<Value>>),
    /// `map[string]interface {}`
    Map(Rc<Map>),
    /// `memkv.KVPair`
    Kv(Rc<KvPair>),
    /// `memkv.KVPairs` / `[]memkv.KVPair`
    Kvs(Rc<Vec<Rc<KvPair>>>, KvsType),
    /// `*net.SRV`
    Srv(Rc<Srv>),
    /// `[]*net.SRV`
    Srvs(Rc<Vec<Rc<Srv>>>),
    /// `time.Time`
    Time(Rc<Time>),
    /// `time.Month`
    Month(i64),
    /// `time.Weekday`
    Weekday(i64),
    /// `time.Duration` (nanoseconds)
    Duration(i64),
    /// `*time.Location`
    Location(Rc<Location>),
}

/// A `*time.Location` as templates can reach one: `UTC`, or the host's local zone as the
/// host reported it (Go's `Local`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// `UTC` or `Local` (what `String()` returns).
    pub name: Rc<str>,
    /// Offset from UTC in seconds (0 for UTC).
    pub offset: i32,
    /// Zone abbreviation.
    pub zone: Rc<str>,
}

/// Go's comparison kinds (`basicKind` in text/template's funcs.go).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BasicKind {
    Bool,
    Int,
    Uint,
    Float,
    Complex,
    String,
    Invalid,
}

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(crate::gostr::from_str(s))
    }

    /// A string value from bytes.
    pub(crate) fn bytes(b: impl Into<GoStr>) -> Value {
        Value::Str(b.into())
    }

    /// The Go type name, as `%T` and error messages print it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Invalid => "<nil>",
            Value::NilIface => "interface {}",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Uint8(_) => "uint8",
            Value::Uint16(_) => "uint16",
            Value::Float(_) => "float64",
            Value::Complex(..) => "complex128",
            Value::Str(_) => "string",
            Value::Strings(_) => "[]string",
            Value::Ints(_) => "[]int",
            Value::List(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
            Value::Kv(_) => "memkv.KVPair",
            Value::Kvs(_, KvsType::Named) => "memkv.KVPairs",
            Value::Kvs(_, KvsType::Slice) => "[]memkv.KVPair",
            Value::Srv(_) => "*net.SRV",
            Value::Srvs(_) => "[]*net.SRV",
            Value::Time(_) => "time.Time",
            Value::Month(_) => "time.Month",
            Value::Weekday(_) => "time.Weekday",
            Value::Duration(_) => "time.Duration",
            Value::Location(_) => "*time.Location",
        }
    }

    /// Go's `indirectInterface`: a nil interface is no value.
    pub(crate) fn indirect_iface(&self) -> &Value {
        match self {
            Value::NilIface => &Value::Invalid,
            v => v,
        }
    }

    pub(crate) fn is_valid(&self) -> bool {
        !matches!(self, Value::Invalid)
    }

    /// Length for `len`, `range` and truth; `None` for types without one.
    pub(crate) fn len(&self) -> Option<usize> {
        Some(match self {
            Value::Str(s) => s.len(),
            Value::Strings(v) => v.len(),
            Value::Ints(v) => v.len(),
            Value::List(v) => v.len(),
            Value::Map(m) => m.len(),
            Value::Kvs(v, _) => v.len(),
            Value::Srvs(v) => v.len(),
            _ => return None,
        })
    }

    /// Element `i` of a slice or string (caller checked bounds).
    pub(crate) fn index(&self, i: usize) -> Value {
        match self {
            Value::Str(s) => Value::Uint8(s[i]),
            Value::Strings(v) => Value::Str(v[i].clone()),
            Value::Ints(v) => Value::Int(v[i]),
            Value::List(v) => v[i].clone(),
            Value::Kvs(v, _) => Value::Kv(v[i].clone()),
            Value::Srvs(v) => Value::Srv(v[i].clone()),
            _ => Value::Invalid,
        }
    }

    pub(crate) fn is_slice(&self) -> bool {
        matches!(
            self,
            Value::Strings(_) | Value::Ints(_) | Value::List(_) | Value::Kvs(..) | Value::Srvs(_)
        )
    }

    /// Go's `isTrue`: `None` when the value has no truth (never happens for confd's types).
    pub(crate) fn truth(&self) -> bool {
        match self {
            Value::Invalid | Value::NilIface => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) | Value::Month(i) | Value::Weekday(i) | Value::Duration(i) => *i != 0,
            Value::Location(_) => true,
            Value::Uint8(u) => *u != 0,
            Value::Uint16(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::Complex(c) => c.0 != 0.0 || c.1 != 0.0,
            Value::Kv(_) | Value::Time(_) => true,
            Value::Srv(_) => true,
            v => v.len().unwrap_or(0) > 0,
        }
    }

    pub(crate) fn basic_kind(&self) -> BasicKind {
        match self {
            Value::Bool(_) => BasicKind::Bool,
            Value::Int(_) | Value::Int64(_) | Value::Month(_) | Value::Weekday(_) | Value::Duration(_) => {
                BasicKind::Int
            }
            Value::Uint8(_) | Value::Uint16(_) => BasicKind::Uint,
            Value::Float(_) => BasicKind::Float,
            Value::Complex(..) => BasicKind::Complex,
            Value::Str(_) => BasicKind::String,
            _ => BasicKind::Invalid,
        }
    }

    pub(crate) fn as_i64(&self) -> i64 {
        match self {
            Value::Int(i) | Value::Int64(i) | Value::Month(i) | Value::Weekday(i) | Value::Duration(i) => *i,
            Value::Uint8(u) => *u as i64,
            Value::Uint16(u) => *u as i64,
            _ => 0,
        }
    }

    pub(crate) fn as_u64(&self) -> u64 {
        match self {
            Value::Uint8(u) => *u as u64,
            Value::Uint16(u) => *u as u64,
            v => v.as_i64() as u64,
        }
    }
}

/// Strict equality of two values of the same non-basic type (Go's `==` on interfaces).
pub(crate) fn same(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Kv(x), Value::Kv(y)) => x == y,
        (Value::Srv(x), Value::Srv(y)) => Rc::ptr_eq(x, y),
        (Value::Time(x), Value::Time(y)) => x == y,
        (Value::Location(x), Value::Location(y)) => x == y,
        _ => return None,
    })
}

// Every value is copied around constantly: in the renderer (wasm32) keep it 16 bytes, a tag
// and an 8-byte number or a (fat) pointer.
#[cfg(target_arch = "wasm32")]
const _: () = assert!(std::mem::size_of::<Value>() == 16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_is_sorted_and_a_repeated_key_keeps_its_last_value() {
        let entries = ["b", "a", "b", "c", "b"]
            .iter()
            .enumerate()
            .map(|(i, k)| (Rc::from(*k), Value::Int(i as i64)))
            .collect();
        let m = Map::from_entries(entries);
        let got: Vec<(&str, i64)> = m
            .iter()
            .map(|(k, v)| match v {
                Value::Int(i) => (&**k, *i),
                v => panic!("{v:?}"),
            })
            .collect();
        assert_eq!(got, [("a", 1), ("b", 4), ("c", 3)]);
        assert!(matches!(m.get("b"), Some(Value::Int(4))));
        assert!(m.get("d").is_none());
    }
}
