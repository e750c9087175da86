//! A HashiCorp Vault HTTP API on a loopback port, for the vault backend plugin's tests (no Vault
//! can be installed here). It emulates what Vault's documentation specifies for the endpoints
//! the plugin uses (developer.hashicorp.com/vault/api-docs):
//!
//! - every request but a login needs `X-Vault-Token` with a token Vault issued, else
//!   `403 {"errors":["permission denied"]}`; `GET /v1/auth/token/lookup-self` describes it;
//! - logins (`PUT /v1/auth/<mount>/login`, `.../login/<username>` for userpass) take the auth
//!   method's JSON fields (approle: `role_id`, `secret_id`; app-id: `app_id`, `user_id`;
//!   userpass: `password`; github: `token`; kubernetes: `jwt`, `role`; cert: the TLS client
//!   certificate, which the HTTPS listener requires and verifies before any request) and answer
//!   `{"auth":{"client_token":...}}`, or `400 {"errors":["invalid credentials"]}`;
//! - KV version 1 mounts: `GET /v1/<mount>/<path>` answers `{"data":{...}}`, and with
//!   `?list=true` `{"data":{"keys":[...]}}` (folders end in `/`); missing is `404`;
//! - KV version 2 mounts: secrets under `/v1/<mount>/data/<path>` as
//!   `{"data":{"data":{...},"metadata":{...}}}`, listings under `/v1/<mount>/metadata/<path>`.

use crate::http_emulator::{HttpEmulator, Request, Response};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct State {
    /// Mount name -> KV version.
    mounts: BTreeMap<String, u8>,
    /// `<mount>/<path>` (no leading `/`) -> data and its version.
    secrets: BTreeMap<String, (Value, u64)>,
    tokens: Vec<String>,
    /// Auth mount -> (method, the fields a login must present).
    auth: BTreeMap<String, (String, Value)>,
    requests: Vec<String>,
}

/// A running emulator; stops when dropped.
pub struct VaultApi {
    server: HttpEmulator,
    state: Arc<Mutex<State>>,
    scheme: &'static str,
}

fn errors(status: u16, msg: &str) -> Response {
    Response::json(status, &json!({ "errors": [msg] }))
}

impl VaultApi {
    /// A Vault whose root token is `root_token`.
    pub fn start(root_token: &str) -> VaultApi {
        Self::start_with(root_token, None)
    }

    /// Over HTTPS, requiring client certificates signed by `ca` (what the `cert` auth method
    /// authenticates with; PEM file paths).
    pub fn start_tls(root_token: &str, ca: &str, cert: &str, key: &str) -> VaultApi {
        Self::start_with(root_token, Some((ca, cert, key)))
    }

    fn start_with(root_token: &str, tls: Option<(&str, &str, &str)>) -> VaultApi {
        let state = Arc::new(Mutex::new(State {
            tokens: vec![root_token.to_string()],
            ..State::default()
        }));
        let s = state.clone();
        let handler = move |req: &Request| answer(req, &s);
        let server = match tls {
            None => HttpEmulator::start(handler),
            Some(files) => HttpEmulator::start_tls(files, handler),
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        VaultApi { server, state, scheme }
    }

    /// `http(s)://127.0.0.1:<port>`.
    pub fn node(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.server.port)
    }

    /// `vault secrets enable -path <mount> -version <v> kv`.
    pub fn enable_kv(&self, mount: &str, version: u8) {
        self.state.lock().unwrap().mounts.insert(mount.into(), version);
    }

    /// `vault write <path> k=v...` (kv v1) or `vault kv put <path>` (kv v2: `path` without
    /// `data/`).
    pub fn write(&self, path: &str, data: Value) {
        let mut st = self.state.lock().unwrap();
        let path = path.trim_matches('/').to_string();
        let version = st.secrets.get(&path).map(|(_, v)| v + 1).unwrap_or(1);
        st.secrets.insert(path, (data, version));
    }

    /// `vault auth enable -path <mount> <method>` with one identity that may log in.
    pub fn enable_auth(&self, method: &str, mount: &str, identity: Value) {
        self.state
            .lock()
            .unwrap()
            .auth
            .insert(mount.into(), (method.into(), identity));
    }

    /// Request lines received so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

/// The names directly below `dir` among `paths` (`sub/` for deeper ones).
fn children(paths: impl Iterator<Item = String>, dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/");
    let mut out: Vec<String> = paths
        .filter_map(|p| p.strip_prefix(&prefix).map(String::from))
        .map(|rest| match rest.split_once('/') {
            Some((first, _)) => format!("{first}/"),
            None => rest,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn login(req: &Request, st: &mut State, rest: &str) -> Response {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let (mount, user) = match rest.split_once("/login") {
        Some((m, u)) => (m.to_string(), u.trim_start_matches('/').to_string()),
        None => return errors(404, "no handler for route"),
    };
    let Some((method, identity)) = st.auth.get(&mount).cloned() else {
        return errors(400, "no auth method mounted there");
    };
    let ok = match method.as_str() {
        "userpass" => identity["username"] == json!(user) && identity["password"] == body["password"],
        _ => identity
            .as_object()
            .is_some_and(|fields| fields.iter().all(|(k, v)| body[k] == *v)),
    };
    if !ok {
        return errors(400, "invalid credentials");
    }
    let token = format!("s.issued-{}", st.tokens.len());
    st.tokens.push(token.clone());
    Response::json(
        200,
        &json!({ "auth": { "client_token": token, "policies": ["default"] } }),
    )
}

fn answer(req: &Request, state: &Arc<Mutex<State>>) -> Response {
    let mut st = state.lock().unwrap();
    st.requests.push(req.line());
    let Some(path) = req.path.strip_prefix("/v1/") else {
        return errors(404, "not found");
    };
    if let Some(rest) = path.strip_prefix("auth/") {
        if req.method == "PUT" || req.method == "POST" {
            return login(req, &mut st, rest);
        }
    }
    let token = req.headers.get("x-vault-token").cloned().unwrap_or_default();
    if !st.tokens.contains(&token) {
        return errors(403, "permission denied");
    }
    if path == "auth/token/lookup-self" {
        return Response::json(200, &json!({ "data": { "id": token } }));
    }
    let path = path.trim_end_matches('/');
    let (mount, rest) = path.split_once('/').unwrap_or((path, ""));
    let Some(&version) = st.mounts.get(mount) else {
        return errors(404, "no handler for route");
    };
    let listing = req.query.get("list").map(String::as_str) == Some("true");
    let stored = |p: &str| st.secrets.get(p).cloned();
    let paths = || st.secrets.keys().cloned().collect::<Vec<_>>().into_iter();
    if version == 1 {
        if listing {
            let keys = children(paths(), path);
            return if keys.is_empty() {
                errors(404, "")
            } else {
                Response::json(200, &json!({ "data": { "keys": keys } }))
            };
        }
        return match stored(path) {
            Some((data, _)) => Response::json(200, &json!({ "data": data })),
            None => errors(404, ""),
        };
    }
    // KV version 2.
    let (kind, inner) = rest.split_once('/').unwrap_or((rest, ""));
    let logical = if inner.is_empty() {
        mount.to_string()
    } else {
        format!("{mount}/{inner}")
    };
    match (kind, listing) {
        ("metadata", true) => {
            let keys = children(paths(), &logical);
            if keys.is_empty() {
                errors(404, "")
            } else {
                Response::json(200, &json!({ "data": { "keys": keys } }))
            }
        }
        ("data", false) => match stored(&logical) {
            Some((data, v)) => Response::json(
                200,
                &json!({ "data": { "data": data, "metadata": {
                    "created_time": "2026-12-02T00:00:00.000000000Z",
                    "deletion_time": "",
                    "destroyed": false,
                    "version": v,
                } } }),
            ),
            None => errors(404, ""),
        },
        _ => errors(404, ""),
    }
}
