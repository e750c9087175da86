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

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// A running emulator; stops when dropped.
pub struct RancherMetadata {
    port: u16,
    state: Arc<(Mutex<State>, Condvar)>,
    stop: Arc<AtomicBool>,
}

impl RancherMetadata {
    /// Serve `tree` (the answers under an API version) on a free loopback port.
    pub fn start(tree: Value) -> RancherMetadata {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new((
            Mutex::new(State {
                tree,
                generation: 1,
                garbage: None,
                redirect: None,
                requests: Vec::new(),
            }),
            Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let s = s.clone();
                    std::thread::spawn(move || serve(conn, &s));
                }
            }
        });
        RancherMetadata { port, state, stop }
    }

    /// `127.0.0.1:<port>`, as `-node` takes it.
    pub fn node(&self) -> String {
        format!("127.0.0.1:{}", self.port)
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

    /// The request lines received so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.0.lock().unwrap().requests.clone()
    }
}

impl Drop for RancherMetadata {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.state.1.notify_all();
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
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

fn respond(conn: &mut TcpStream, status: &str, content_type: &str, body: &str) {
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn serve(mut conn: TcpStream, state: &(Mutex<State>, Condvar)) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.replace("%2D", "-"))
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (lock, cv) = state;
    let mut st = lock.lock().unwrap();
    st.requests.push(request_line.trim().to_string());
    if let Some((_, to)) = st.redirect.clone().filter(|(from, _)| from == path) {
        drop(st);
        let _ = write!(
            conn,
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    if path == "/" {
        let body = serde_json::json!(VERSIONS.iter().map(|v| format!("/{v}")).collect::<Vec<_>>()).to_string();
        drop(st);
        return respond(&mut conn, "200 OK", "application/json", &body);
    }
    if !VERSIONS.contains(&segments[0]) {
        drop(st);
        return respond(&mut conn, "404 Not Found", "text/plain", "Invalid version\n");
    }
    let rest = &segments[1..];
    if st.garbage.as_deref() == Some(&format!("/{}", rest.join("/"))) {
        drop(st);
        return respond(&mut conn, "200 OK", "application/json", "<html>not json");
    }
    let waiting = param("wait").as_deref() == Some("true");
    let old = param("value").unwrap_or_default();
    let max_wait = match param("maxWait").and_then(|s| s.parse::<u64>().ok()).unwrap_or(0) {
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
            drop(st);
            return match found {
                Some(v) => respond(&mut conn, "200 OK", "application/json", &v.to_string()),
                None => respond(
                    &mut conn,
                    "404 Not Found",
                    "text/plain; charset=utf-8",
                    "{\"code\":404,\"message\":\"Not found\",\"type\":\"error\"}\n",
                ),
            };
        }
        let left = deadline.saturating_duration_since(Instant::now());
        st = cv.wait_timeout(st, left.min(Duration::from_millis(500))).unwrap().0;
    }
}
