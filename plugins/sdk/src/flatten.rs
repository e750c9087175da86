//! confd's flattening of JSON documents into keys (its `treeWalk`, used by the rancher backend
//! and, with other array rules, by others).

use crate::backend::Kv;
pub use serde_json::Value;

/// How array elements are named in keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayKeys {
    /// By index: `/list/0`, `/list/1`.
    Index,
    /// By an object element's string `name` field when it has one, else by index (Rancher
    /// metadata: `/services/web/...`).
    NameOrIndex,
}

/// Append the keys of `value` under `root` to `out`, as confd does: objects by member name,
/// arrays per `arrays`, strings as they are, numbers in Go's shortest decimal form without
/// exponent (`3306`, `1.5`, `1000000000000000000000`), booleans as `true`/`false`, null as
/// `null`; an empty object or array gives no key.
pub fn tree_walk(root: &str, value: &Value, arrays: ArrayKeys, out: &mut Vec<Kv>) {
    match value {
        Value::Object(members) => {
            for (k, v) in members {
                tree_walk(&format!("{root}/{k}"), v, arrays, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let segment = match (arrays, item.get("name")) {
                    (ArrayKeys::NameOrIndex, Some(Value::String(name))) => name.clone(),
                    _ => i.to_string(),
                };
                tree_walk(&format!("{root}/{segment}"), item, arrays, out);
            }
        }
        leaf => out.push(Kv {
            key: root.to_string(),
            value: scalar(leaf),
        }),
    }
}

/// A JSON scalar as confd prints it.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => go_format_float(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that reads back as `f`,
/// never in exponent form.
fn go_format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Rust's Display is already shortest-round-trip and never uses an exponent.
    let s = f.to_string();
    if s == "-0" {
        "-0".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(json: &str, arrays: ArrayKeys) -> Vec<(String, String)> {
        let mut out = Vec::new();
        tree_walk("/r", &serde_json::from_str(json).unwrap(), arrays, &mut out);
        out.into_iter().map(|kv| (kv.key, kv.value)).collect()
    }

    #[test]
    fn flattens_as_confd_rancher_does() {
        let got = walk(
            r#"{"a":{"port":3306,"f":1.5,"big":1e21,"on":true,"none":null,"empty":{},"list":[]},
                "svcs":[{"name":"web","scale":2},{"scale":1},"x"]}"#,
            ArrayKeys::NameOrIndex,
        );
        let want = [
            ("/r/a/big", "1000000000000000000000"),
            ("/r/a/f", "1.5"),
            ("/r/a/none", "null"),
            ("/r/a/on", "true"),
            ("/r/a/port", "3306"),
            ("/r/svcs/web/name", "web"),
            ("/r/svcs/web/scale", "2"),
            ("/r/svcs/1/scale", "1"),
            ("/r/svcs/2", "x"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn index_arrays_ignore_names() {
        let got = walk(r#"[{"name":"web"}]"#, ArrayKeys::Index);
        assert_eq!(got, vec![("/r/0/name".to_string(), "web".to_string())]);
    }
}
