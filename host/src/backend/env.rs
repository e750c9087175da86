//! The `env` backend: keys map to environment variable names as in confd
//! (`/database/host` → `DATABASE_HOST`, and back `DATABASE_HOST` → `/database/host`).
//!
//! confd returns every variable whose name merely starts with the mapped prefix
//! (`/app` → `APPLES`); wconfd matches on `_` boundaries, as on `/` for other backends.

use super::{Backend, BackendError, Snapshot};
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Reads the process environment on every call.
#[derive(Debug, Default)]
pub struct EnvBackend {
    /// Fixed variables instead of the process environment (tests, embedding).
    vars: Option<BTreeMap<String, String>>,
}

impl EnvBackend {
    /// A backend over the process environment.
    pub fn new() -> Self {
        EnvBackend { vars: None }
    }

    /// A backend over fixed variables.
    pub fn with_vars(vars: BTreeMap<String, String>) -> Self {
        EnvBackend { vars: Some(vars) }
    }

    /// Variable names and their values (bytes: a value need not be UTF-8, as in Go).
    fn snapshot_env(&self) -> BTreeMap<String, Vec<u8>> {
        use std::os::unix::ffi::OsStringExt;
        match &self.vars {
            Some(v) => v.iter().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect(),
            None => std::env::vars_os()
                .filter_map(|(k, v)| match k.into_string() {
                    Ok(k) => Some((k, v.into_vec())),
                    Err(k) => {
                        super::skipped_key("env", &k.into_vec());
                        None
                    }
                })
                .collect(),
        }
    }
}

/// `/database/host` → `DATABASE_HOST` (confd's `transform`).
pub fn key_to_env(key: &str) -> String {
    key.trim_start_matches('/').replace('/', "_").to_uppercase()
}

/// `DATABASE_HOST` → `/database/host` (confd's `clean`).
pub fn env_to_key(name: &str) -> String {
    format!("/{}", name.to_lowercase().replace('_', "/"))
}

#[async_trait]
impl Backend for EnvBackend {
    fn sources(&self) -> String {
        String::new()
    }

    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError> {
        let env = self.snapshot_env();
        let mut kv = BTreeMap::new();
        for key in keys {
            let prefix = key_to_env(key);
            for (name, value) in &env {
                let matches = prefix.is_empty()
                    || *name == prefix
                    || (name.starts_with(&prefix) && name.as_bytes().get(prefix.len()) == Some(&b'_'));
                if matches {
                    kv.insert(env_to_key(name), value.clone());
                }
            }
        }
        Ok(Snapshot { revision: 1, kv })
    }

    async fn watch(&self, _prefix: &str, _keys: &[String], since: u64) -> Result<u64, BackendError> {
        if since == 0 {
            return Ok(1);
        }
        // A process's environment cannot change under it: after the first render there is
        // nothing more to wait for.
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn maps_keys_like_confd_on_boundaries() {
        let vars: BTreeMap<String, String> = [("APP_PORT", "80"), ("APPLES", "red"), ("APP", "x"), ("OTHER", "o")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let b = EnvBackend::with_vars(vars);
        let s = b.get_values(&["/app".to_string()]).await.unwrap();
        let keys: Vec<&str> = s.kv.keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["/app", "/app/port"]);
    }
}
