//! A Consul KV HTTP API on a loopback port, for the consul backend plugin's tests (no Consul can
//! be installed here). It emulates what Consul's documentation specifies for the endpoints the
//! plugin uses (developer.hashicorp.com/consul/api-docs/kv and /api-docs/features/blocking):
//!
//! - `GET /v1/kv/<key>` answers `[{"Key","CreateIndex","ModifyIndex","LockIndex","Flags",
//!   "Value" (base64),"Session"}]`; with `?recurse` every key starting with `<key>` (a plain
//!   string prefix); nothing found is `404`;
//! - every answer carries `X-Consul-Index`: the highest modify index of what matched (deletions
//!   included), or the store's index when nothing ever matched;
//! - blocking queries: `?index=N&wait=<d>` waits until that index exceeds `N` or the wait
//!   (default 5m, at most 10m) ends, then answers as usual;
//! - ACLs: when a token is required, a request without `X-Consul-Token: <token>` is
//!   `403 Permission denied`; HTTP Basic authentication, when required, is `401` without it.

use crate::http_emulator::{HttpEmulator, Request, Response};
use base64::Engine;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

struct Entry {
    value: Vec<u8>,
    create_index: u64,
    modify_index: u64,
}

#[derive(Default)]
struct State {
    entries: BTreeMap<String, Entry>,
    /// Deleted keys and the index of their deletion.
    tombstones: BTreeMap<String, u64>,
    index: u64,
    token: Option<String>,
    basic_auth: Option<String>,
    requests: Vec<String>,
}

impl State {
    /// `X-Consul-Index` for a query on `prefix` (`recurse`) or the exact key.
    fn index_of(&self, key: &str, recurse: bool) -> u64 {
        let hit = |k: &str| if recurse { k.starts_with(key) } else { k == key };
        let entries = self.entries.iter().filter(|(k, _)| hit(k)).map(|(_, e)| e.modify_index);
        let deleted = self.tombstones.iter().filter(|(k, _)| hit(k)).map(|(_, i)| *i);
        match entries.chain(deleted).max() {
            Some(i) => i,
            None => self.index,
        }
    }
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// A running emulator; stops when dropped.
pub struct ConsulKv {
    server: HttpEmulator,
    state: Shared,
}

impl ConsulKv {
    pub fn start() -> ConsulKv {
        Self::start_with(|h| HttpEmulator::start(h))
    }

    /// Over HTTPS, requiring a client certificate signed by `ca` (paths to PEM files).
    pub fn start_tls(ca: &str, cert: &str, key: &str) -> ConsulKv {
        Self::start_with(|h| HttpEmulator::start_tls((ca, cert, key), h))
    }

    fn start_with(server: impl FnOnce(Box<dyn Fn(&Request) -> Response + Send + Sync>) -> HttpEmulator) -> ConsulKv {
        let state: Shared = Arc::new((
            Mutex::new(State {
                index: 1,
                ..State::default()
            }),
            Condvar::new(),
        ));
        let s = state.clone();
        let server = server(Box::new(move |req| answer(req, &s)));
        ConsulKv { server, state }
    }

    /// `127.0.0.1:<port>`, as `-node` takes it.
    pub fn node(&self) -> String {
        format!("127.0.0.1:{}", self.server.port)
    }

    /// Require this ACL token.
    pub fn require_token(&self, token: &str) {
        self.state.0.lock().unwrap().token = Some(token.into());
    }

    /// Require HTTP Basic authentication with these credentials.
    pub fn require_basic_auth(&self, user: &str, password: &str) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.state.0.lock().unwrap().basic_auth = Some(format!("Basic {b64}"));
    }

    /// `PUT /v1/kv/<key>` (key without the leading `/`).
    pub fn put(&self, key: &str, value: &str) {
        self.put_bytes(key, value.as_bytes());
    }

    /// `PUT` of a value that need not be UTF-8 (Consul stores bytes).
    pub fn put_bytes(&self, key: &str, value: &[u8]) {
        let (lock, cv) = &*self.state;
        let mut st = lock.lock().unwrap();
        st.index += 1;
        let index = st.index;
        let key = key.trim_start_matches('/').to_string();
        let create_index = st.entries.get(&key).map(|e| e.create_index).unwrap_or(index);
        st.tombstones.remove(&key);
        st.entries.insert(
            key,
            Entry {
                value: value.to_vec(),
                create_index,
                modify_index: index,
            },
        );
        cv.notify_all();
    }

    /// `DELETE /v1/kv/<key>`.
    pub fn delete(&self, key: &str) {
        let (lock, cv) = &*self.state;
        let mut st = lock.lock().unwrap();
        st.index += 1;
        let index = st.index;
        let key = key.trim_start_matches('/').to_string();
        if st.entries.remove(&key).is_some() {
            st.tombstones.insert(key, index);
        }
        cv.notify_all();
    }

    /// Request lines received so far (`GET /v1/kv/a?index=3&recurse&wait=5s`).
    pub fn requests(&self) -> Vec<String> {
        self.state.0.lock().unwrap().requests.clone()
    }
}

/// Consul's duration syntax for `wait` (`5s`, `2m`, `300ms`).
fn duration(s: &str) -> Option<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        _ => None,
    }
}

fn answer(req: &Request, state: &Shared) -> Response {
    let (lock, cv) = &**state;
    let mut st = lock.lock().unwrap();
    st.requests.push(req.line());
    if let Some(t) = &st.token {
        if req.headers.get("x-consul-token") != Some(t) {
            return Response::new(403, "text/plain", "Permission denied");
        }
    }
    if let Some(a) = &st.basic_auth {
        if req.headers.get("authorization") != Some(a) {
            return Response::new(401, "text/plain", "Unauthorized");
        }
    }
    let Some(key) = req.path.strip_prefix("/v1/kv/") else {
        return Response::new(404, "text/plain", "");
    };
    if req.method != "GET" {
        return Response::new(405, "text/plain", "method not allowed in this emulator");
    }
    let key = key.to_string();
    let recurse = req.query.contains_key("recurse");
    let since: Option<u64> = req.query.get("index").and_then(|i| i.parse().ok());
    let wait = req
        .query
        .get("wait")
        .and_then(|w| duration(w))
        .unwrap_or(Duration::from_secs(300))
        .min(Duration::from_secs(600));
    let deadline = Instant::now() + wait;
    while let Some(n) = since {
        if st.index_of(&key, recurse) > n || Instant::now() >= deadline {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        st = cv.wait_timeout(st, left).unwrap().0;
    }
    let index = st.index_of(&key, recurse);
    let found: Vec<serde_json::Value> = st
        .entries
        .iter()
        .filter(|(k, _)| if recurse { k.starts_with(&key) } else { **k == key })
        .map(|(k, e)| {
            serde_json::json!({
                "Key": k,
                "CreateIndex": e.create_index,
                "ModifyIndex": e.modify_index,
                "LockIndex": 0,
                "Flags": 0,
                "Value": base64::engine::general_purpose::STANDARD.encode(&e.value),
                "Session": "",
            })
        })
        .collect();
    if found.is_empty() {
        return Response::new(404, "text/plain", "").header("X-Consul-Index", index);
    }
    Response::json(200, &serde_json::Value::Array(found)).header("X-Consul-Index", index)
}
