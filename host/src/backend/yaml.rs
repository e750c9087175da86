//! YAML/JSON documents flattened into confd keys, as confd's file backend does with yaml.v2:
//! maps become `/<key>`, sequences `/<index>`, scalars their YAML 1.1 reading (`yes` → `true`,
//! `0x10` → `16`, `1.0` → `1`), nulls are dropped and timestamps stay text.
//!
//! Where confd panics (a non-string map key) or fails vaguely, this reports the file, line and
//! key instead.

use std::collections::{BTreeMap, HashMap};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Clone, Debug)]
enum Node {
    Scalar {
        value: String,
        plain: bool,
        tag: Option<String>,
        line: usize,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Node, usize)>,
    anchors: BTreeMap<usize, Node>,
    docs: Vec<Node>,
    pending_keys: Vec<Option<Node>>,
    error: Option<(usize, String)>,
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some((Node::Seq(items), _)) => items.push(node),
            Some((Node::Map(entries), _)) => {
                let slot = self.pending_keys.last_mut().expect("a map on the stack has a key slot");
                match slot.take() {
                    None => *slot = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
            Some((Node::Scalar { .. }, _)) => {}
        }
    }
}

fn tag_suffix(tag: &Option<Tag>) -> Option<String> {
    tag.as_ref().map(|t| t.suffix.clone())
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node::Scalar {
                    value,
                    plain: style == TScalarStyle::Plain,
                    tag: tag_suffix(&tag),
                    line: mark.line(),
                };
                self.push_value(node, anchor);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(n) => self.push_value(n, 0),
                None => self.error = Some((mark.line(), format!("unknown alias {id}"))),
            },
            Event::SequenceStart(anchor, _) => self.stack.push((Node::Seq(Vec::new()), anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push((Node::Map(Vec::new()), anchor));
                self.pending_keys.push(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, anchor)) = self.stack.pop() {
                    if matches!(node, Node::Map(_)) {
                        self.pending_keys.pop();
                    }
                    self.push_value(node, anchor);
                }
            }
            _ => {}
        }
    }
}

/// What a plain scalar reads as under YAML 1.1 (yaml.v2's `resolve`).
pub(super) enum Scalar {
    Null,
    Str(String),
    Bool(bool),
    Int(i64),
    /// Fits only in u64: confd drops these.
    BigUint,
    Float(f64),
}

pub(super) fn resolve(value: &str, plain: bool, tag: Option<&str>) -> Scalar {
    if !plain || tag == Some("str") {
        return Scalar::Str(value.to_string());
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => return Scalar::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Scalar::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    let first = value.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.') {
        return Scalar::Str(value.to_string());
    }
    let plain_num: String = value.chars().filter(|c| *c != '_').collect();
    if let Some(i) = go_parse_int(&plain_num) {
        return Scalar::Int(i);
    }
    if go_parse_uint(&plain_num).is_some() {
        return Scalar::BigUint;
    }
    if is_yaml_float(&plain_num) {
        if let Ok(f) = plain_num.parse::<f64>() {
            return Scalar::Float(f);
        }
    }
    Scalar::Str(value.to_string())
}

/// yaml.v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseUint(s, 0, 64)` (underscores already removed).
fn go_parse_uint(s: &str) -> Option<u64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, h)
    } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (8, o)
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (2, b)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.starts_with(['+', '-']) {
        return None;
    }
    let u = go_parse_uint(body)?;
    if neg {
        if u > 1 << 63 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`.
fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        // Rust's Display is the shortest round-trip decimal and never uses an exponent.
        format!("{f}")
    }
}

/// Go's `path.Join(base, elem)` for flattening.
fn join(base: &str, elem: &str) -> String {
    crate::resource::clean_path(&format!("{base}/{elem}"))
}

/// A resolved scalar as confd prints it; `None` for nulls and u64-only integers, which it
/// drops.
pub(super) fn scalar_text(scalar: Scalar) -> Option<String> {
    Some(match scalar {
        Scalar::Null | Scalar::BigUint => return None,
        Scalar::Str(s) => s,
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => format_float(f),
    })
}

/// Store a resolved scalar as confd prints it (nulls and u64-only integers are dropped).
fn insert_scalar(key: &str, scalar: Scalar, out: &mut BTreeMap<String, String>) {
    if let Some(text) = scalar_text(scalar) {
        out.insert(key.to_string(), text);
    }
}

fn flatten(node: &Node, key: &str, out: &mut BTreeMap<String, String>) -> Result<(), (usize, String)> {
    match node {
        Node::Scalar { value, plain, tag, .. } => insert_scalar(key, resolve(value, *plain, tag.as_deref()), out),
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, &join(key, &i.to_string()), out)?;
            }
        }
        Node::Map(entries) => {
            for (k, v) in merged(entries)? {
                // yaml.v2 types keys like values (`1:`, `yes:`, `n:`), and confd then panics on
                // the non-string ones. A scalar key is taken by its text here instead.
                let Node::Scalar { value, .. } = k else {
                    return Err((node_line(k), format!("a mapping key under {key} is not a scalar")));
                };
                flatten(v, &join(key, value), out)?;
            }
        }
    }
    Ok(())
}

fn node_line(n: &Node) -> usize {
    match n {
        Node::Scalar { line, .. } => *line,
        Node::Seq(items) => items.first().map(node_line).unwrap_or(0),
        Node::Map(entries) => entries.first().map(|(k, _)| node_line(k)).unwrap_or(0),
    }
}

/// Apply YAML merge keys (`<<: *anchor`) and repeated keys in document order, as yaml.v2
/// (confd's parser) does: every entry, explicit or merged, overwrites what came before it, so
/// an explicit key written before a merge is overwritten by it; in a merge list
/// (`<<: [*a, *b]`) the first source wins.
///
/// Linear in the entries (a hash index, not rescans): a data file may hold one mapping with
/// hundreds of thousands of keys.
fn merged(entries: &[(Node, Node)]) -> Result<Vec<(&Node, &Node)>, (usize, String)> {
    let is_merge = |k: &Node| matches!(k, Node::Scalar { value, plain: true, .. } if value == "<<");
    let mut out = Entries::with_capacity(entries.len());
    for (k, v) in entries {
        if !is_merge(k) {
            out.set(k, v);
            continue;
        }
        let sources: Vec<&Node> = match v {
            Node::Seq(items) => items.iter().rev().collect(),
            other => vec![other],
        };
        for src in sources {
            let Node::Map(inner) = src else {
                return Err((
                    node_line(k),
                    "map merge requires map or sequence of maps as the value".into(),
                ));
            };
            for (ik, iv) in merged(inner)? {
                out.set(ik, iv);
            }
        }
    }
    Ok(out.into_vec())
}

/// A mapping's entries in insertion order where setting a key again replaces the earlier one.
struct Entries<'a> {
    /// Insertion order; a replaced entry leaves a hole so positions stay valid.
    slots: Vec<Option<(&'a Node, &'a Node)>>,
    position: HashMap<&'a str, usize>,
}

impl<'a> Entries<'a> {
    fn with_capacity(n: usize) -> Self {
        Entries {
            slots: Vec::with_capacity(n),
            position: HashMap::with_capacity(n),
        }
    }

    fn set(&mut self, k: &'a Node, v: &'a Node) {
        let text = match k {
            Node::Scalar { value, .. } => value.as_str(),
            _ => "",
        };
        if let Some(earlier) = self.position.insert(text, self.slots.len()) {
            self.slots[earlier] = None;
        }
        self.slots.push(Some((k, v)));
    }

    fn into_vec(self) -> Vec<(&'a Node, &'a Node)> {
        self.slots.into_iter().flatten().collect()
    }
}

/// Parse `text` and flatten it into `out` (later files override earlier keys).
pub fn flatten_into(text: &str, out: &mut BTreeMap<String, String>) -> Result<(), (usize, String)> {
    // JSON data files are common and large; serde_json reads them several times faster than a
    // YAML scanner. Anything the JSON pass does not take (YAML, a repeated key, syntax errors)
    // goes the YAML way, which also gives the error its line.
    if text.trim_start().starts_with('{') {
        if let Ok(pairs) = super::json::flatten(text) {
            // Collected whole (a later pair with the same key wins), the map is bulk-built.
            let flat: BTreeMap<String, String> = pairs.into_iter().collect();
            if out.is_empty() {
                *out = flat;
            } else {
                out.extend(flat);
            }
            return Ok(());
        }
    }
    flatten_yaml(text, out)
}

/// [`flatten_into`] the YAML way only.
pub(super) fn flatten_yaml(text: &str, out: &mut BTreeMap<String, String>) -> Result<(), (usize, String)> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut b, true)
        .map_err(|e| (e.marker().line(), e.info().to_string()))?;
    if let Some(e) = b.error {
        return Err(e);
    }
    // confd reads one document per file.
    match b.docs.first() {
        None => Ok(()),
        Some(Node::Scalar { value, plain: true, .. }) if value.is_empty() || value == "~" || value == "null" => Ok(()),
        Some(root @ Node::Map(_)) => flatten(root, "/", out),
        Some(Node::Seq(_)) => Err((
            1,
            "the document is a sequence; the file backend needs a mapping at the top".into(),
        )),
        Some(Node::Scalar { line, .. }) => Err((
            *line,
            "the document is a scalar; the file backend needs a mapping at the top".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(text: &str) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        flatten_into(text, &mut m).unwrap();
        m
    }

    #[test]
    fn flattens_like_confd() {
        let m = flat("a:\n  b: x\n  list: [1, two]\nflag: yes\nhex: 0x10\noct: 0755\nf: 1.0\nbig: 1e3\nn: ~\nq: \"007\"\nts: 2001-12-14\nu: 18446744073709551615\nneg0: -0.0\ninf: .inf\n");
        let want: BTreeMap<String, String> = [
            ("/a/b", "x"),
            ("/a/list/0", "1"),
            ("/a/list/1", "two"),
            ("/flag", "true"),
            ("/hex", "16"),
            ("/oct", "493"),
            ("/f", "1"),
            ("/big", "1000"),
            ("/q", "007"),
            ("/ts", "2001-12-14"),
            ("/neg0", "-0"),
            ("/inf", "+Inf"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(m, want);
    }

    #[test]
    fn json_reads_as_the_yaml_path_reads_the_same_text() {
        let docs = [
            r#"{"svc": {"port": 8080, "hosts": ["a", "b"], "on": true, "off": false, "none": null}}"#,
            r#"{"n": {"f": 1.0, "e": 1e3, "neg0": -0.0, "z": -0, "big": 18446744073709551615, "small": -9223372036854775808, "frac": 0.1, "exp": 1.5e-7}}"#,
            r#"{"k": {"yes": "no", "1": "x", "a/b": {"c": "d"}, "<<": {"m": 1}, "s": "0x10", "dup": 1, "dup": 2}}"#,
            r#"{"u": "\u00e9\n\t", "list": [[1, 2], {"x": [true]}], "empty": {}, "e2": []}"#,
        ];
        for doc in docs {
            let mut fast = BTreeMap::new();
            flatten_into(doc, &mut fast).unwrap();
            // The same text through the YAML scanner (a leading space skips the JSON path).
            let mut slow = BTreeMap::new();
            let mut b = Builder::default();
            Parser::new_from_str(doc).load(&mut b, true).unwrap();
            flatten(&b.docs[0], "/", &mut slow).unwrap();
            assert_eq!(fast, slow, "{doc}");
            assert!(!fast.is_empty());
        }
    }

    #[test]
    fn json_files_work() {
        let m = flat(r#"{"svc": {"port": 8080, "hosts": ["a", "b"], "on": true}}"#);
        assert_eq!(m["/svc/port"], "8080");
        assert_eq!(m["/svc/hosts/1"], "b");
        assert_eq!(m["/svc/on"], "true");
    }

    #[test]
    fn keys_with_slashes_nest_and_merges_apply() {
        let m = flat("base: &b\n  x: 1\n  y: 2\nchild:\n  <<: *b\n  y: 3\n\"a/b\": c\n");
        assert_eq!(m["/child/x"], "1");
        assert_eq!(m["/child/y"], "3");
        assert_eq!(m["/a/b"], "c");
    }

    #[test]
    fn merges_and_repeated_keys_apply_in_document_order_as_confd() {
        // The real confd (yaml.v2) on this document writes /a/z=3, /c/p=1, /c/q=2, /c/r=4,
        // /d/e=5: a merge overwrites an explicit key written before it, a repeated key replaces
        // the whole earlier value.
        let m = flat(
            "a:\n  x: 1\n  y: 2\na:\n  z: 3\nb: &m\n  p: 1\n  q: 2\nc:\n  q: 9\n  <<: *m\n  r: 4\nd: 1\nd:\n  e: 5\n",
        );
        let c: Vec<_> = m.iter().filter(|(k, _)| !k.starts_with("/b/")).collect();
        let want = [
            ("/a/z", "3"),
            ("/c/p", "1"),
            ("/c/q", "2"),
            ("/c/r", "4"),
            ("/d/e", "5"),
        ];
        assert_eq!(c.len(), want.len(), "{m:?}");
        for ((k, v), (wk, wv)) in c.into_iter().zip(want) {
            assert_eq!((k.as_str(), v.as_str()), (wk, wv));
        }
        // In a merge list the first source wins (the real confd writes /z/k=1 here).
        let m = flat("p1: &p1 {k: 1}\np2: &p2 {k: 2}\nz:\n  <<: [*p1, *p2]\n");
        assert_eq!(m["/z/k"], "1");
    }

    #[test]
    fn a_merge_of_a_scalar_is_an_error_naming_the_line() {
        let mut m = BTreeMap::new();
        let (line, msg) = flatten_into("a: 1\nb:\n  <<: 5\n", &mut m).unwrap_err();
        assert_eq!(line, 3);
        assert!(msg.contains("map merge requires map"), "{msg}");
    }

    #[test]
    fn a_large_mapping_flattens_in_linear_time() {
        // 200,000 keys in one mapping: quadratic duplicate handling would take minutes.
        let text: String = (0..200_000).map(|i| format!("key{i}: v{i}\n")).collect();
        let m = flat(&text);
        assert_eq!(m.len(), 200_000);
        assert_eq!(m["/key199999"], "v199999");
    }

    #[test]
    fn scalar_keys_are_taken_by_their_text() {
        // yaml.v2 would type these keys as int and bool; confd panics on them.
        let m = flat("a:\n  1: x\n  n: no\n  on: y\n");
        assert_eq!(m["/a/1"], "x");
        assert_eq!(m["/a/n"], "false");
        assert_eq!(m["/a/on"], "true");
    }

    #[test]
    fn complex_keys_and_syntax_errors_name_the_line() {
        let mut m = BTreeMap::new();
        let e = flatten_into("a:\n  ? [1, 2]\n  : x\n", &mut m).unwrap_err();
        assert_eq!(e.0, 2);
        assert!(e.1.contains("not a scalar"), "{}", e.1);
        let e = flatten_into("a: b\nc: [unclosed\n", &mut m).unwrap_err();
        assert!(e.0 >= 2, "line {}", e.0);
    }
}
