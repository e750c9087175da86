//! JSON data files flattened in one pass, straight from the text into confd keys.
//!
//! A JSON document reads exactly as the YAML path would read the same text (JSON strings are
//! quoted scalars, taken as they are; numbers are plain scalars, resolved by their text; JSON
//! has no merge keys, tags or non-string keys), but without building a tree first: each value
//! is stored under its key as the parser reaches it, the key kept in one buffer that grows and
//! shrinks with the nesting. For a data file of 20,000 keys this is a few milliseconds where a
//! tree and a walk over it took ten.
//!
//! Whatever this pass does not take returns `Err` and the caller reads the file the YAML way,
//! which gives errors their line: syntax errors, a key repeated in one object (the YAML path
//! lets the later one replace the earlier whole), `-0` (serde_json reads `-0` and `-0.0` alike,
//! YAML does not).

use super::yaml::{resolve, scalar_text};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// The pairs of JSON document `text` (an object at the top), in document order; a later pair
/// with the same key replaces an earlier one when they are collected into a map.
pub fn flatten(text: &str) -> Result<Vec<(String, String)>, ()> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut key = String::from("/");
    let mut out = Vec::new();
    Value {
        key: &mut key,
        out: &mut out,
        top: true,
    }
    .deserialize(&mut de)
    .map_err(drop)?;
    de.end().map_err(drop)?;
    Ok(out)
}

/// One value at `key`: scalars are stored, objects and arrays walked.
struct Value<'a> {
    key: &'a mut String,
    out: &'a mut Vec<(String, String)>,
    /// The document itself, which must be an object.
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Value<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Value<'_> {
    fn scalar<E: de::Error>(self, text: Option<String>) -> Result<(), E> {
        if self.top {
            return Err(E::custom("the document is not an object"));
        }
        if let Some(text) = text {
            self.out.push((self.key.clone(), text));
        }
        Ok(())
    }

    /// A number, resolved by its text as a plain YAML scalar.
    fn number<E: de::Error>(self, text: &str) -> Result<(), E> {
        let text = scalar_text(resolve(text, true, None));
        self.scalar(text)
    }

    /// Walk into member or element `segment`, then restore the key.
    fn child<T, E>(&mut self, segment: &str, walk: impl FnOnce(Value<'_>) -> Result<T, E>) -> Result<T, E> {
        let before = self.key.len();
        let simple = !segment.is_empty() && segment != "." && segment != ".." && !segment.contains('/');
        // Go's path.Join: a segment may also climb, vanish or carry slashes.
        let saved = if simple {
            if before > 1 {
                self.key.push('/');
            }
            self.key.push_str(segment);
            None
        } else {
            let joined = crate::resource::clean_path(&format!("{}/{segment}", self.key));
            Some(std::mem::replace(self.key, joined))
        };
        let result = walk(Value {
            key: self.key,
            out: self.out,
            top: false,
        });
        match saved {
            Some(key) => *self.key = key,
            None => self.key.truncate(before),
        }
        result
    }
}

impl<'de> Visitor<'de> for Value<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.scalar(Some(b.to_string()))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<(), E> {
        self.number(&i.to_string())
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<(), E> {
        self.number(&u.to_string())
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<(), E> {
        if f == 0.0 && f.is_sign_negative() {
            return Err(E::custom("-0 is read the YAML way"));
        }
        match serde_json::Number::from_f64(f) {
            // serde_json's own text for the number, as the tree it used to build printed it.
            Some(n) => self.number(&n.to_string()),
            None => Err(E::custom("a number JSON cannot hold")),
        }
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.scalar(Some(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<(), E> {
        self.scalar(Some(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.top {
            return Err(de::Error::custom("the document is not an object"));
        }
        let mut index = 0usize;
        loop {
            let segment = index.to_string();
            let mut more = false;
            self.child(&segment, |v| {
                more = seq.next_element_seed(v)?.is_some();
                Ok::<(), A::Error>(())
            })?;
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // Keys seen in this object: one seen twice sends the file the YAML way.
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(Key(k)) = map.next_key()? {
            if !seen.insert(k.clone()) {
                return Err(de::Error::custom("a key repeated in one object"));
            }
            self.child(&k, |v| map.next_value_seed(v))?;
        }
        Ok(())
    }
}

/// An object's key, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// The JSON pass, collected as `flatten_into` collects it.
    fn json(text: &str) -> Result<BTreeMap<String, String>, ()> {
        super::flatten(text).map(|pairs| pairs.into_iter().collect())
    }

    fn yaml(text: &str) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        super::super::yaml::flatten_yaml(text, &mut m).unwrap();
        m
    }

    #[test]
    fn the_json_pass_reads_what_the_yaml_path_reads() {
        for text in [
            r#"{"a": {"b": "x", "list": [1, "two", true, null, 2.50, 1e3, 1.0]}, "n": null}"#,
            r#"{"big": 18446744073709551615, "neg": -5, "f": 0.1, "i": 9223372036854775807, "e": -2.5E-3}"#,
            r#"{"esc\"aped": "tab\tand \u00e9", "": "empty key", ".": "dot", "..": "up"}"#,
            r#"{"a/b": "slash", "a": {"b": "nested"}, "x": {"../y": "climb", "./z": "here"}}"#,
            r#"{"deep": {"er": {"est": [[1, [2]], {"k": "v"}]}}, "empty": {}, "none": []}"#,
            r#"{"yes": "yes", "on": "on", "007": "007", "t": "2001-12-14"}"#,
        ] {
            assert_eq!(json(text), Ok(yaml(text)), "{text}");
        }
    }

    #[test]
    fn what_the_json_pass_leaves_goes_the_yaml_way() {
        // A repeated key (the later replaces the earlier whole), -0, a number out of range, a
        // top that is not an object, trailing text and syntax errors.
        for text in [
            r#"{"huge": 1e400}"#,
            r#"{"a": {"x": 1}, "a": {"y": 2}}"#,
            r#"{"z": -0}"#,
            r#"{"z": -0.0}"#,
            r#"["a"]"#,
            r#"{"a": 1} {"b": 2}"#,
            r#"{"a": }"#,
        ] {
            assert_eq!(json(text), Err(()), "{text}");
        }
        // And the YAML way reads the repeated key as yaml.v2 does.
        assert_eq!(
            yaml(r#"{"a": {"x": 1}, "a": {"y": 2}}"#),
            BTreeMap::from([("/a/y".to_string(), "2".to_string())])
        );
    }
}
