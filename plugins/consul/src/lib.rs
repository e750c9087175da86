//! The `consul` backend: Consul's KV store, with confd's semantics
//! (`backends/consul/client.go` over hashicorp/consul's `api`):
//!
//! - the first `-node` (`host:port`, default `127.0.0.1:8500`) with `-scheme` (http or https;
//!   TLS, the CA and client certificates are the host's business, not the plugin's);
//! - each key is read recursively (`GET /v1/kv/<key>?recurse=`), a missing key is no error,
//!   values are the decoded `Value`, keys re-rooted under `/` (`a/` becomes `/a`);
//! - `-basic-auth` with `-username`/`-password`; an ACL token from `-auth-token` or, as confd
//!   reads it, `CONSUL_HTTP_TOKEN` (granted to this plugin by the host), sent as
//!   `X-Consul-Token`.
//!
//! Watching differs from confd on purpose (confd#489): confd blocks on the resource's whole
//! prefix (by default `/`, the whole store), so any write anywhere wakes every resource. Here
//! the plugin blocks on each of the resource's keys at once (one blocking query per key,
//! `?index=<since>&wait=<s>s`) and wakes only when one of them changed.
//!
//! Options: `wait` (seconds a blocking query waits, default 300 as Consul's default).

use base64::Engine;
use wconfd_plugin_sdk::backend::{
    base_url, option, option_or, BackendError, Client, Config, Guest, GuestClient, Snapshot, SnapshotBuilder,
};
use wconfd_plugin_sdk::http;

struct Consul;

impl Guest for Consul {
    type Client = ConsulClient;

    fn describe() -> String {
        format!("consul {} (Consul KV)", env!("CARGO_PKG_VERSION"))
    }
}

/// One entry of a KV answer; the other fields (indexes, flags, session) are not needed.
/// Typed, not a `serde_json::Value` per entry: a 20,000-key answer parses several times faster.
#[derive(serde::Deserialize)]
struct Entry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: Option<String>,
}

struct ConsulClient {
    base: String,
    headers: Vec<(String, String)>,
    wait_seconds: u32,
}

/// `/v1/kv/<key>` for an absolute key (Consul keys have no leading `/`).
fn kv_path(key: &str) -> String {
    let key = key.trim_start_matches('/');
    let encoded: Vec<String> = key.split('/').map(http::percent_encode).collect();
    format!("/v1/kv/{}", encoded.join("/"))
}

/// `path.Join("/", key)`: rooted, without a trailing `/`.
fn rooted(key: &str) -> String {
    let trimmed = key.trim_end_matches('/');
    format!("/{}", trimmed.trim_start_matches('/'))
}

impl ConsulClient {
    fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
    }

    /// The answer's `X-Consul-Index` (0 when absent).
    fn index(answer: &http::Response) -> u64 {
        answer
            .header("x-consul-index")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn read(&self, key: &str, out: &mut SnapshotBuilder) -> Result<u64, BackendError> {
        let url = format!("{}{}?recurse=", self.base, kv_path(key));
        let answer = http::get(&url, &self.header_refs())?;
        let index = Self::index(&answer);
        if answer.status == 404 {
            return Ok(index);
        }
        let answer = answer.success(&format!("GET {url}"))?;
        let entries: Vec<Entry> = serde_json::from_slice(&answer.body)
            .map_err(|e| BackendError::Other(format!("GET {url}: not a list of KV entries ({e})")))?;
        for e in entries {
            // Values are bytes (base64 in the API): they reach the template as Go strings.
            let value = match e.value {
                Some(b64) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|err| BackendError::Other(format!("GET {url}: {}: bad base64 value: {err}", e.key)))?,
                None => Vec::new(),
            };
            out.push(&rooted(&e.key), &value);
        }
        Ok(index)
    }
}

impl GuestClient for ConsulClient {
    fn open(config: Config) -> Result<Client, BackendError> {
        let node = config.nodes.first().map(String::as_str).unwrap_or("127.0.0.1:8500");
        let base = base_url(node, &config.scheme);
        let mut headers = Vec::new();
        let token = if !config.auth_token.is_empty() {
            Some(config.auth_token.clone())
        } else {
            option(&config, "env.CONSUL_HTTP_TOKEN").map(String::from)
        };
        if let Some(t) = token.filter(|t| !t.is_empty()) {
            headers.push(("X-Consul-Token".to_string(), t));
        }
        if config.basic_auth {
            headers.push((
                "Authorization".to_string(),
                http::basic_auth(&config.username, &config.password),
            ));
        }
        let wait_seconds = option_or(&config, "wait", 300)?;
        Ok(Client::new(ConsulClient {
            base,
            headers,
            wait_seconds,
        }))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        let mut pairs = SnapshotBuilder::default();
        let mut revision = 0;
        for key in &keys {
            revision = revision.max(self.read(key, &mut pairs)?);
        }
        Ok(pairs.finish(revision))
    }

    fn watch(&self, _prefix: String, keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        if since == 0 || keys.is_empty() {
            return Ok(Some(since.max(1)));
        }
        // One blocking query per key, all at once; the first to answer decides.
        let urls: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{}{}?recurse=&index={since}&wait={}s",
                    self.base,
                    kv_path(k),
                    self.wait_seconds
                )
            })
            .collect();
        let (which, answer) = http::first_of(&urls, &self.header_refs())?;
        let index = Self::index(&answer);
        if answer.status != 404 {
            answer.success(&format!("GET {}", urls[which]))?;
        }
        // Consul answers when the wait ends, changed or not; only a higher index is a change.
        Ok((index > since).then_some(index))
    }
}

wconfd_plugin_sdk::export_backend!(Consul);
