//! Helper functions from outside the engine (wconfd's helper-library plugins).
//!
//! A template compiled with [`crate::Template::parse_with_helpers`] may call the functions it
//! was given besides Go's and confd's; a call goes to [`crate::Host::call_helper`]. Values cross
//! as a flattened tree ([`Node`]s, root first, every child after its parent): the same
//! encoding as the `value` type of `wit/v0.3.0`, so the component only renames variants.

use crate::value::{KvPair, Value};
use std::rc::Rc;

/// A helper function the template may call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The name templates call it by.
    pub name: String,
    /// Number of arguments; with `variadic`, the fewest.
    pub arity: u32,
    /// Whether further arguments may follow.
    pub variadic: bool,
}

/// Most fixed parameters a helper function may declare (Go has no limit; a bound keeps the
/// parameter table static).
pub const MAX_ARITY: u32 = 16;

/// One node of a flattened value (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `nil`.
    Nil,
    /// `bool`.
    Bool(bool),
    /// Any Go integer.
    Int(i64),
    /// `float64`.
    Float(f64),
    /// A UTF-8 `string`.
    Text(String),
    /// A `string` that is not UTF-8.
    Bytes(Vec<u8>),
    /// `[]string`.
    Strings(Vec<String>),
    /// `[]interface{}`: indexes of the elements.
    List(Vec<u32>),
    /// `map[string]interface{}`: keys and indexes of the values.
    Map(Vec<(String, u32)>),
    /// confd's `memkv.KVPair`: key, value.
    Kv(String, String),
}

/// Flatten `v` into nodes (root first).
pub(crate) fn encode(v: &Value) -> Vec<Node> {
    let mut out = Vec::new();
    push(v, &mut out);
    out
}

fn push(v: &Value, out: &mut Vec<Node>) {
    let at = out.len();
    out.push(Node::Nil);
    let node = match v {
        Value::Invalid | Value::NilIface => Node::Nil,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) | Value::Month(i) | Value::Weekday(i) | Value::Duration(i) => Node::Int(*i),
        Value::Location(l) => Node::Text(l.name.to_string()),
        Value::Uint8(u) => Node::Int(i64::from(*u)),
        Value::Uint16(u) => Node::Int(i64::from(*u)),
        Value::Float(f) => Node::Float(*f),
        // No node holds a complex128; a helper gets it as Go prints it, `(1+2i)`.
        Value::Complex(_) => Node::Text(crate::gostr::lossy(&crate::fmt::sprint(std::slice::from_ref(v))).into_owned()),
        Value::Str(s) => match std::str::from_utf8(s) {
            Ok(text) => Node::Text(text.to_string()),
            Err(_) => Node::Bytes(s.to_vec()),
        },
        // `strings` and `kv` nodes carry text: a byte that is not UTF-8 arrives as U+FFFD.
        Value::Strings(v) => Node::Strings(v.iter().map(|s| crate::gostr::lossy(s).into_owned()).collect()),
        Value::Ints(v) => Node::List(children(v.iter().map(|i| Value::Int(*i)), out)),
        Value::List(v) => Node::List(children(v.iter().cloned(), out)),
        Value::Map(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m.iter() {
                entries.push((k.to_string(), out.len() as u32));
                push(v, out);
            }
            Node::Map(entries)
        }
        Value::Kv(kv) => Node::Kv(kv.key.to_string(), crate::gostr::lossy(&kv.value).into_owned()),
        Value::Kvs(v, _) => Node::List(children(v.iter().map(|kv| Value::Kv(kv.clone())), out)),
        Value::Srv(s) => srv_map(s, out),
        Value::Srvs(v) => Node::List(children(v.iter().map(|s| Value::Srv(s.clone())), out)),
        Value::Time(t) => Node::Text(crate::time::format(t, "2006-01-02T15:04:05.999999999Z07:00")),
    };
    out[at] = node;
}

fn children(items: impl Iterator<Item = Value>, out: &mut Vec<Node>) -> Vec<u32> {
    items
        .map(|v| {
            let at = out.len() as u32;
            push(&v, out);
            at
        })
        .collect()
}

fn srv_map(s: &crate::Srv, out: &mut Vec<Node>) -> Node {
    let fields = [
        ("Target", Node::Text(s.target.clone())),
        ("Port", Node::Int(s.port.into())),
        ("Priority", Node::Int(s.priority.into())),
        ("Weight", Node::Int(s.weight.into())),
    ];
    Node::Map(
        fields
            .into_iter()
            .map(|(k, n)| {
                out.push(n);
                (k.to_string(), out.len() as u32 - 1)
            })
            .collect(),
    )
}

/// Rebuild the value a helper returned. Checks what the host already checked (indexes in
/// range, children after parents), so a malformed value is an error, never a panic.
pub(crate) fn decode(nodes: &[Node]) -> Result<Value, String> {
    if nodes.is_empty() {
        return Err("the helper returned an empty value (no root node)".into());
    }
    // Build bottom-up: children come after their parents, so walking backwards finds every
    // child already built. Each child is taken exactly once.
    let mut built: Vec<Option<Value>> = vec![None; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let mut take = |c: u32| -> Result<Value, String> {
            let c = c as usize;
            if c <= i || c >= nodes.len() {
                return Err(format!(
                    "malformed value: node {i} refers to node {c} (children come after their parent, within {} nodes)",
                    nodes.len()
                ));
            }
            built[c]
                .take()
                .ok_or_else(|| format!("malformed value: node {c} is used twice"))
        };
        let v = match &nodes[i] {
            Node::Nil => Value::NilIface,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(n) => Value::Int(*n),
            Node::Float(f) => Value::Float(*f),
            Node::Text(s) => Value::str(s),
            Node::Bytes(b) => Value::bytes(b.as_slice()),
            Node::Strings(v) => Value::Strings(Rc::new(v.iter().map(|s| crate::gostr::from_str(s)).collect())),
            Node::List(cs) => Value::List(Rc::new(cs.iter().map(|&c| take(c)).collect::<Result<_, _>>()?)),
            Node::Map(entries) => {
                let mut m = Vec::with_capacity(entries.len());
                for (k, c) in entries {
                    m.push((Rc::from(k.as_str()), take(*c)?));
                }
                Value::Map(Rc::new(crate::value::Map::from_entries(m)))
            }
            Node::Kv(k, v) => Value::Kv(Rc::new(KvPair {
                key: k.as_str().into(),
                value: crate::gostr::from_str(v),
            })),
        };
        built[i] = Some(v);
    }
    // A node nobody referred to (other than the root) is harmless; take the root.
    Ok(built[0].take().unwrap_or(Value::NilIface))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_nested_values() {
        let m = vec![
            (
                Rc::from("b"),
                Value::Strings(Rc::new(vec![crate::gostr::from_str("x"), crate::gostr::from_str("y")])),
            ),
            (
                Rc::from("a"),
                Value::List(Rc::new(vec![Value::Int(1), Value::Float(2.5)])),
            ),
        ];
        let v = Value::Map(Rc::new(crate::value::Map::from_entries(m)));
        let nodes = encode(&v);
        let back = decode(&nodes).unwrap();
        assert_eq!(crate::fmt::sprint(&[back]), crate::fmt::sprint(&[v]));
    }

    /// A host whose only helper, `echo`, returns its arguments as a list (or fails on "boom").
    struct EchoHost;

    impl crate::Host for EchoHost {
        fn getenv(&self, _: &str) -> Option<String> {
            None
        }
        fn file_exists(&self, _: &str) -> bool {
            false
        }
        fn lookup_ip(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
        fn lookup_srv(&self, _: &str, _: &str, _: &str) -> Vec<crate::Srv> {
            Vec::new()
        }
        fn now(&self) -> crate::Time {
            crate::DenyHost.now()
        }
        fn call_helper(&self, _: &str, args: Vec<Vec<Node>>) -> Result<Vec<Node>, String> {
            if args.first().and_then(|a| a.first()) == Some(&Node::Text("boom".into())) {
                return Err("it went boom".into());
            }
            let mut out = vec![Node::List(Vec::new())];
            let mut kids = Vec::new();
            for a in args {
                let base = out.len() as u32;
                kids.push(base);
                // Re-base the argument's child indexes onto their place in `out`.
                out.extend(a.into_iter().map(|n| match n {
                    Node::List(cs) => Node::List(cs.into_iter().map(|c| c + base).collect()),
                    Node::Map(es) => Node::Map(es.into_iter().map(|(k, c)| (k, c + base)).collect()),
                    n => n,
                }));
            }
            out[0] = Node::List(kids);
            Ok(out)
        }
    }

    fn render(text: &str) -> Result<String, String> {
        let echo = FunctionInfo {
            name: "echo".into(),
            arity: 1,
            variadic: true,
        };
        let t = crate::Template::parse_with_helpers("t", text, &[echo]).map_err(|e| e.message)?;
        let store = crate::Store::from_pairs([("/a", "1")], "");
        t.execute(&store, &EchoHost, crate::Limits::default())
            .map(|b| String::from_utf8(b).unwrap())
            .map_err(|e| e.message)
    }

    #[test]
    fn templates_call_helpers_through_the_host() {
        assert_eq!(
            render(r#"{{echo 1 2.5 "x" (get "/a") (split "a:b" ":") | printf "%v"}}"#).unwrap(),
            "[1 2.5 x {/a 1} [a b]]"
        );
        assert_eq!(
            render(r#"{{echo "boom"}}"#).unwrap_err(),
            r#"template: t:1:2: executing "t" at <echo "boom">: error calling echo: it went boom"#
        );
        // Go checks the count when it executes the call, as for its own functions.
        assert_eq!(
            render("{{echo}}").unwrap_err(),
            r#"template: t:1:2: executing "t" at <echo>: wrong number of args for echo: want at least 1 got 0"#
        );
        assert_eq!(
            render("{{nope 1}}").unwrap_err(),
            r#"template: t:1: function "nope" not defined"#
        );
    }

    #[test]
    fn a_render_stops_after_its_step_limit() {
        // Each level calls the next twice: far more than 1,000 nodes.
        let mut text = String::new();
        for i in 0..20 {
            text.push_str(&format!(
                "{{{{define \"f{i}\"}}}}{{{{template \"f{}\"}}}}{{{{template \"f{}\"}}}}{{{{end}}}}",
                i + 1,
                i + 1
            ));
        }
        text.push_str("{{define \"f20\"}}x{{end}}{{template \"f0\"}}");
        let t = crate::Template::parse("t", &text).unwrap();
        let store = crate::Store::from_pairs([("/a", "1")], "");
        let limits = crate::Limits {
            max_steps: 1000,
            ..Default::default()
        };
        let e = t.execute(&store, &crate::DenyHost, limits).unwrap_err();
        assert!(
            e.message.ends_with("execution stopped after 1000 steps"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_name_list_is_the_function_map() {
        for name in crate::builtin_function_names() {
            assert!(crate::funcs::lookup(name).is_some(), "{name} is listed but not defined");
        }
        assert_eq!(crate::builtin_function_names().len(), 58);
    }

    #[test]
    fn refuses_cycles_and_bad_indexes() {
        assert!(decode(&[Node::List(vec![0])])
            .unwrap_err()
            .contains("node 0 refers to node 0"));
        assert!(decode(&[Node::List(vec![7])]).unwrap_err().contains("refers to node 7"));
        let shared = [Node::List(vec![2, 2]), Node::Nil, Node::Int(1)];
        assert!(decode(&shared).unwrap_err().contains("used twice"));
        assert!(decode(&[]).is_err());
    }
}
