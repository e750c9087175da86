//! The `rancher` backend: Rancher's metadata service (rancher-metadata), with confd's
//! semantics (`backends/rancher/client.go` in confd and Rancher's fork):
//!
//! - base URL `http://<first -node>`, or `http://rancher-metadata` without one;
//! - each key is `GET <base><key>` with `Accept: application/json`, flattened as confd does
//!   (objects by member, arrays by an element's `name` or by index, scalars as Go prints them);
//! - a start-up probe of `GET <base>/`, retried after 1, 2, 4, 8 and 16 s;
//! - watching is a long-poll on `<version>/version?wait=true&value=<v>&maxWait=<s>`.
//!
//! Differences, on purpose: a non-2xx answer is an error (confd flattened Rancher's 404 body
//! into keys such as `<key>/code = 404`); the version watched is that of the API version the
//! keys live under (the first path segment, e.g. `/2015-12-19/version`), also when the prefix
//! is deeper or `/` (confd asked for `<prefix>/version`, which does not exist then); and every
//! read is tied to the version seen before it, so a change between a read and the next watch
//! is never missed.
//!
//! Options (manifest `[options]` or confd.toml `[backend_options]`): `max_wait` (seconds a
//! long-poll waits, default 10, as confd), `probe_attempts` (default 5; 0 skips the probe).

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;
use wconfd_plugin_sdk::backend::{
    base_url, option_or, snapshot, BackendError, Client, Config, Guest, GuestClient, Kv, Snapshot,
};
use wconfd_plugin_sdk::flatten::{tree_walk, ArrayKeys};
use wconfd_plugin_sdk::{http, log, revision_of, sleep};

const DEFAULT_BASE: &str = "http://rancher-metadata";
const JSON: [(&str, &str); 1] = [("Accept", "application/json")];

struct Rancher;

impl Guest for Rancher {
    type Client = RancherClient;

    fn describe() -> String {
        format!("rancher {} (Rancher metadata service)", env!("CARGO_PKG_VERSION"))
    }
}

/// One connection's settings, and the version strings behind the revisions it handed out.
struct RancherClient {
    base: String,
    max_wait: u32,
    /// revision -> the version text it stands for, so a watch can long-poll on it.
    versions: RefCell<HashMap<u64, String>>,
}

/// The version key of the API version `path` lives under: `/2015-12-19/self` ->
/// `/2015-12-19/version`.
fn version_path(path: &str) -> Result<String, BackendError> {
    match path.trim_start_matches('/').split('/').next() {
        Some(v) if !v.is_empty() => Ok(format!("/{v}/version")),
        _ => Err(BackendError::BadConfig(format!(
            "{path:?} names no metadata API version (give -prefix /2015-12-19 or /latest)"
        ))),
    }
}

impl RancherClient {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The current version text under `path`'s API version, without waiting.
    fn version_now(&self, path: &str) -> Result<String, BackendError> {
        let url = self.url(&version_path(path)?);
        let answer = http::get(&url, &JSON)?.success(&format!("GET {url}"))?;
        self.version_text(&answer, &url)
    }

    fn version_text(&self, answer: &http::Response, url: &str) -> Result<String, BackendError> {
        match answer.json(&format!("GET {url}"))? {
            wconfd_plugin_sdk::flatten::Value::String(s) => Ok(s),
            other => Err(BackendError::Other(format!(
                "GET {url}: expected a JSON string, got {other}"
            ))),
        }
    }

    fn remember(&self, version: String) -> u64 {
        let rev = revision_of(&version);
        let mut known = self.versions.borrow_mut();
        if known.len() > 1024 {
            known.clear();
        }
        known.insert(rev, version);
        rev
    }
}

impl GuestClient for RancherClient {
    fn open(config: Config) -> Result<Client, BackendError> {
        let base = match config.nodes.first() {
            None => DEFAULT_BASE.to_string(),
            Some(n) => base_url(n, "http"),
        };
        let client = RancherClient {
            base,
            max_wait: option_or(&config, "max_wait", 10)?,
            versions: RefCell::new(HashMap::new()),
        };
        // confd's testConnection: any HTTP answer will do; transport failures are retried.
        let attempts: u32 = option_or(&config, "probe_attempts", 5)?;
        for attempt in 0..attempts {
            match http::get(&client.url("/"), &JSON) {
                Ok(_) => break,
                Err(e) if attempt + 1 == attempts => return Err(e),
                Err(e) => {
                    let pause = Duration::from_secs(1 << attempt);
                    log::warn(&format!(
                        "{}; retrying in {}s",
                        wconfd_plugin_sdk::backend::message(&e),
                        pause.as_secs()
                    ));
                    sleep(pause);
                }
            }
        }
        Ok(Client::new(client))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        let Some(first) = keys.first() else {
            return Ok(snapshot(0, Vec::new()));
        };
        // The version first: data read after it is at least that new.
        let version = self.version_now(first)?;
        let mut kvs: Vec<Kv> = Vec::new();
        for key in &keys {
            let url = self.url(key);
            let answer = http::get(&url, &JSON)?.success(&format!("GET {url}"))?;
            tree_walk(
                key,
                &answer.json(&format!("GET {url}"))?,
                ArrayKeys::NameOrIndex,
                &mut kvs,
            );
        }
        Ok(snapshot(self.remember(version), kvs))
    }

    fn watch(&self, prefix: String, keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        let path = if prefix.trim_matches('/').is_empty() {
            keys.first().cloned().unwrap_or_default()
        } else {
            prefix
        };
        let known = self.versions.borrow().get(&since).cloned();
        let version = match known {
            Some(v) => v,
            None => {
                // Another instance handed out `since`, or this is the first call: compare
                // with the current version before waiting on it.
                let now = self.version_now(&path)?;
                if since == 0 || revision_of(&now) != since {
                    return Ok(Some(self.remember(now)));
                }
                now
            }
        };
        let url = format!(
            "{}?wait=true&value={}&maxWait={}",
            self.url(&version_path(&path)?),
            http::percent_encode(&version),
            self.max_wait
        );
        let answer = http::get(&url, &JSON)?.success(&format!("GET {url}"))?;
        let new = self.version_text(&answer, &url)?;
        if new == version {
            Ok(None)
        } else {
            Ok(Some(self.remember(new)))
        }
    }
}

wconfd_plugin_sdk::export_backend!(Rancher);
