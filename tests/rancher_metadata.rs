//! A Rancher metadata service on a loopback port, for the rancher backend plugin's tests (no
//! Rancher can be installed here). It emulates what rancher-metadata documents and does
//! (rancher/rancher-metadata, `server/metadata_controller.go`, API version 2015-12-19):
//!
//! - `GET /<version>/<path>` answers the value at `path` in the answers tree, as JSON when the
//!   request's `Accept` names JSON; `<version>` is `2015-12-19` or `latest` (same tree);
//! - path segments select object members, and array elements by index or by their `name` or
//!   `uuid` field (`MAGIC_ARRAY_KEYS`);
//! - a missing path is `404` with `{"code":404,"message":"Not found","type":"error"}`, an
//!   unknown API version `404 Invalid version`;
//! - every version tree holds a `version` key, a new value on every change;
//! - `?wait=true&value=<old>&maxWait=<s>` long-polls: it answers as soon as the value at the
//!   path differs from `old`, or after `maxWait` seconds (0 means 60, at most 120) with the
//!   current value.
//!
//! For fault tests it can also answer garbage for one path, or redirect one path elsewhere.

use crate::http_emulator::{HttpEmulator, Request, Response};
use serde_json::Value;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const VERSIONS: [&str; 2] = ["2015-12-19", "latest"];

struct State {
    /// The answers for one API version, without `version`.
    tree: Value,
    /// Bumped on every change.
    generation: u64,
    /// A path (without the API version) answered with non-JSON bytes.
    garbage: Option<String>,
    /// A path (the whole request path) answered with `302 Found` to a location.
    redirect: Option<(String, String)>,
    /// Request lines received, in order.
    requests: Vec<String>,
}

impl State {
    fn version(&self) -> String {
        format!("{}-aff454c0-rancher", self.generation)
    }
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// A running emulator; stops when dropped.
pub struct RancherMetadata {
    server: HttpEmulator,
    state: Shared,
}

impl RancherMetadata {
    /// Serve `tree` (the answers under an API version) on a free loopback port.
    pub fn start(tree: Value) -> RancherMetadata {
        let state: Shared = Arc::new((
            Mutex::new(State {
                tree,
                generation: 1,
                garbage: None,
                redirect: None,
                requests: Vec::new(),
            }),
            Condvar::new(),
        ));
        let s = state.clone();
        let server = HttpEmulator::start(move |req| answer(req, &s));
        RancherMetadata { server, state }
    }

    /// `127.0.0.1:<port>`, as `-node` takes it.
    pub fn node(&self) -> String {
        format!("127.0.0.1:{}", self.server.port)
    }

    /// Set the value at `path` (`/self/service/x`, below the API version), creating objects on
    /// the way, and publish a new version.
    pub fn set(&self, path: &str, value: Value) {
        let (lock, cv) = &*self.state;
        let mut st = lock.lock().unwrap();
        let mut node = &mut st.tree;
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        for p in &parts[..parts.len() - 1] {
            node = node
                .as_object_mut()
                .unwrap()
                .entry(p.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
        }
        node.as_object_mut()
            .unwrap()
            .insert(parts[parts.len() - 1].to_string(), value);
        st.generation += 1;
        cv.notify_all();
    }

    /// Answer `path` (below the API version) with bytes that are not JSON.
    pub fn garbage_at(&self, path: &str) {
        self.state.0.lock().unwrap().garbage = Some(path.to_string());
    }

    /// Answer requests for `path` with `302 Found` to `location`.
    pub fn redirect(&self, path: &str, location: &str) {
        self.state.0.lock().unwrap().redirect = Some((path.to_string(), location.to_string()));
    }

    /// The request lines received so far (`GET /path?query`).
    pub fn requests(&self) -> Vec<String> {
        self.state.0.lock().unwrap().requests.clone()
    }
}

/// The value at `segments` in `tree`: members by name, array elements by index or by their
/// `name`/`uuid` field.
fn lookup<'a>(tree: &'a Value, segments: &[&str]) -> Option<&'a Value> {
    let mut node = tree;
    for seg in segments.iter().filter(|s| !s.is_empty()) {
        node = match node {
            Value::Object(m) => m.get(*seg)?,
            Value::Array(items) => match seg.parse::<usize>() {
                Ok(i) => items.get(i)?,
                Err(_) => items
                    .iter()
                    .find(|it| it.get("name").or_else(|| it.get("uuid")).and_then(Value::as_str) == Some(seg))?,
            },
            _ => return None,
        };
    }
    Some(node)
}

fn answer(req: &Request, state: &Shared) -> Response {
    let (lock, cv) = &**state;
    let mut st = lock.lock().unwrap();
    st.requests.push(req.line());
    if let Some((_, to)) = st.redirect.clone().filter(|(from, _)| *from == req.path) {
        return Response::new(302, "text/plain", "").header("Location", to);
    }
    if req.path == "/" {
        return Response::json(
            200,
            &serde_json::json!(VERSIONS.iter().map(|v| format!("/{v}")).collect::<Vec<_>>()),
        );
    }
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    if !VERSIONS.contains(&segments[0]) {
        return Response::new(404, "text/plain", "Invalid version\n");
    }
    let rest = &segments[1..];
    if st.garbage.as_deref() == Some(&format!("/{}", rest.join("/"))) {
        return Response::new(200, "application/json", "<html>not json");
    }
    let waiting = req.query.get("wait").map(String::as_str) == Some("true");
    let old = req.query.get("value").cloned().unwrap_or_default();
    let max_wait = match req
        .query
        .get("maxWait")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0)
    {
        0 => 60,
        s => s.min(120),
    };
    let deadline = Instant::now() + Duration::from_secs(max_wait);
    loop {
        let mut tree = st.tree.clone();
        tree["version"] = Value::String(st.version());
        let found = lookup(&tree, rest).cloned();
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let changed = found.as_ref().is_some_and(|v| text(v) != old);
        if !waiting || changed || Instant::now() >= deadline {
            return match found {
                Some(v) => Response::json(200, &v),
                None => Response::new(
                    404,
                    "text/plain; charset=utf-8",
                    "{\"code\":404,\"message\":\"Not found\",\"type\":\"error\"}\n",
                ),
            };
        }
        let left = deadline.saturating_duration_since(Instant::now());
        st = cv.wait_timeout(st, left.min(Duration::from_millis(500))).unwrap().0;
    }
}
