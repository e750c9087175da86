//! The key/value store a template reads: confd's memkv (`get gets getv getvs exists ls lsdir`)
//! over one resource's snapshot, with ordered indexed lookups instead of memkv's scan of every
//! key on each call.
//!
//! Keys are stored as confd stores them: cleaned, `/`-rooted and relative to the resource prefix.
//! Lookups are *not* cleaned (`getv "/a/"` does not find `/a`), as in memkv.

use crate::gostr::GoStr;
use crate::path;
use crate::value::KvPair;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One resource's snapshot, indexed by key.
#[derive(Default, Debug, Clone)]
pub struct Store {
    /// Each pair shares its key's allocation with the map key.
    map: BTreeMap<Rc<str>, Rc<KvPair>>,
}

/// memkv's error for a missing key.
pub(crate) fn key_error(key: &str) -> String {
    format!("key does not exist: {key}")
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Build a store from backend pairs, re-rooting each key under `/` as confd's `setVars`
    /// does: `path.Join("/", strings.TrimPrefix(key, prefix))`.
    /// Values are Go strings: any bytes.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<[u8]>>(pairs: impl IntoIterator<Item = (K, V)>, prefix: &str) -> Self {
        // Collecting first lets BTreeMap bulk-build from sorted input (backends and the host
        // hand pairs over in key order); later duplicates win, as with inserts.
        let pairs: Vec<(Rc<str>, Rc<KvPair>)> = pairs
            .into_iter()
            .map(|(k, v)| {
                let k = k.as_ref();
                let rel = k.strip_prefix(prefix).unwrap_or(k);
                let key: Rc<str> = if path::is_clean_abs(rel) {
                    Rc::from(rel)
                } else {
                    Rc::from(path::join_root(rel))
                };
                let pair = Rc::new(KvPair {
                    key: key.clone(),
                    value: Rc::from(v.as_ref()),
                });
                (key, pair)
            })
            .collect();
        Store {
            map: pairs.into_iter().collect(),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the store has no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub(crate) fn get(&self, key: &str) -> Option<Rc<KvPair>> {
        self.map.get(key).cloned()
    }

    /// Keys starting with `prefix`, in order.
    fn range_from<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a Rc<str>, &'a Rc<KvPair>)> + 'a {
        self.map
            .range::<str, _>((std::ops::Bound::Included(prefix), std::ops::Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// memkv `GetAll`: pairs whose key matches the `path.Match` pattern, sorted by key.
    pub(crate) fn get_all(&self, pattern: &str) -> Result<Vec<Rc<KvPair>>, String> {
        // Only keys starting with the pattern's literal prefix can match: scan just those.
        let lit_end = pattern.find(['*', '?', '[', '\\']).unwrap_or(pattern.len());
        let literal = &pattern[..lit_end];
        // `<literal>*`, the common `gets "/dir/*"`: a key that starts with the literal matches
        // when the rest holds no slash (path.Match's star never crosses one), so the pattern
        // need not be scanned again for every key.
        let literal_then_star = pattern.len() == lit_end + 1 && pattern.ends_with('*');
        let mut out = Vec::new();
        for (k, v) in self.range_from(literal) {
            let hit = if literal_then_star {
                !k.as_bytes()[lit_end..].contains(&b'/')
            } else {
                path::matches(pattern, k)?
            };
            if hit {
                out.push(v.clone());
            }
        }
        if out.is_empty() {
            // memkv reports a bad pattern only when it met a key to match against.
            if !self.map.is_empty() {
                path::matches(pattern, self.map.keys().next().map(|k| &**k).unwrap_or(""))?;
            }
        }
        Ok(out)
    }

    /// memkv `GetAllValues`: the values of `get_all`, sorted as strings.
    pub(crate) fn get_all_values(&self, pattern: &str) -> Result<Vec<GoStr>, String> {
        let mut vs: Vec<GoStr> = self.get_all(pattern)?.into_iter().map(|kv| kv.value.clone()).collect();
        vs.sort();
        Ok(vs)
    }

    /// memkv `List`, with `ls "/"` listing every top-level entry (confd lists only leaves there).
    pub(crate) fn list(&self, file_path: &str) -> Vec<GoStr> {
        let mut names: Vec<Rc<str>> = Vec::new();
        let clean = path::clean(file_path);
        if clean == "/" {
            for k in self.map.keys() {
                if let Some(first) = k[1..].split('/').next().filter(|s| !s.is_empty()) {
                    names.push(first.into());
                }
            }
        } else {
            let prefix_terms: Vec<&str> = clean.split('/').collect();
            let scan = format!("{clean}/");
            let exact = self.map.get_key_value(file_path).map(|(k, _)| k.clone());
            if let Some(k) = exact {
                names.push(path::base(&k).into());
            }
            for (k, _) in self.range_from(&scan) {
                if **k == *file_path {
                    continue;
                }
                let dir = path::dir(k);
                let terms: Vec<&str> = dir.split('/').collect();
                if terms.len() >= prefix_terms.len() && terms[..prefix_terms.len()] == prefix_terms[..] {
                    let stripped = k.strip_prefix(file_path).unwrap_or(k);
                    let stripped = stripped.strip_prefix('/').unwrap_or(stripped);
                    names.push(stripped.split('/').next().unwrap_or("").into());
                }
            }
        }
        names.sort();
        names.dedup();
        names.into_iter().map(GoStr::from).collect()
    }

    /// memkv `ListDir`, with `lsdir "/"` listing top-level directories (confd lists nothing).
    pub(crate) fn list_dir(&self, file_path: &str) -> Vec<GoStr> {
        let mut names: Vec<Rc<str>> = Vec::new();
        let clean = path::clean(file_path);
        if clean == "/" {
            for k in self.map.keys() {
                let mut parts = k[1..].split('/');
                if let (Some(first), Some(_)) = (parts.next(), parts.next()) {
                    names.push(first.into());
                }
            }
        } else {
            let prefix_terms: Vec<&str> = clean.split('/').collect();
            let scan = format!("{clean}/");
            for (k, _) in self.range_from(&scan) {
                if !k.starts_with(file_path) {
                    continue;
                }
                let dir = path::dir(k);
                let terms: Vec<&str> = dir.split('/').collect();
                if terms.len() > prefix_terms.len() && terms[..prefix_terms.len()] == prefix_terms[..] {
                    names.push(terms[prefix_terms.len()].into());
                }
            }
        }
        names.sort();
        names.dedup();
        names.into_iter().map(GoStr::from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Store;
    use crate::path;

    #[test]
    fn a_literal_then_star_selects_what_path_match_selects() {
        let keys = ["/a", "/a/", "/a/b", "/a/b/c", "/ab", "/ab/c", "/a/b*", "/b", "/a/é"];
        let store = Store::from_pairs(keys.iter().map(|k| (*k, "v")), "");
        for pattern in ["/a/*", "/a*", "/*", "/a/b*", "/ab/*"] {
            let got: Vec<String> = store
                .get_all(pattern)
                .unwrap()
                .iter()
                .map(|kv| kv.key.to_string())
                .collect();
            let mut want: Vec<String> = store
                .map
                .keys()
                .filter(|k| path::matches(pattern, k).unwrap())
                .map(|k| k.to_string())
                .collect();
            want.sort();
            assert_eq!(got, want, "{pattern}");
        }
    }
}
