//! The `vault` backend: HashiCorp Vault's KV secrets, with confd's semantics
//! (`backends/vault/client.go`):
//!
//! - the first `-node` (default `http://127.0.0.1:8200`); `-auth-type` is required: `token`
//!   (`-auth-token`, checked with `auth/token/lookup-self`), `app-role` (`-role-id`,
//!   `-secret-id`), `app-id` (`-app-id`, `-user-id`), `userpass` (`-username`, `-password`),
//!   `github` (`-auth-token`), `kubernetes` (`-role-id` and the service account's JWT, which
//!   the host reads for this plugin) and `cert` (the client certificate, applied by the host);
//!   the auth mount is `-path`, else the type's name (`approle` for `app-role`);
//! - each key is walked with `LIST` (`?list=true`); every path found is read; a secret whose
//!   only field is a string `value` is that string, any other secret is its JSON plus one key
//!   per string field (nested objects recursed, other types skipped, as confd does);
//! - KV version 2 mounts work as in confd: address `<mount>/data/<path>` and the answer's
//!   `data` and `metadata` are flattened under it.
//!
//! Vault has no change notification (confd never re-renders vault in watch mode): in watch
//! mode wconfd re-reads vault every `-interval` seconds and says so at start.

use serde_json::Value;
use wconfd_plugin_sdk::backend::{
    base_url, option, snapshot, BackendError, Client, Config, Guest, GuestClient, Kv, Snapshot,
};
use wconfd_plugin_sdk::{http, log};

struct Vault;

impl Guest for Vault {
    type Client = VaultClient;

    fn describe() -> String {
        format!("vault {} (HashiCorp Vault KV)", env!("CARGO_PKG_VERSION"))
    }
}

struct VaultClient {
    base: String,
    token: String,
}

/// Where the host puts a Kubernetes service account token it read for this plugin.
const KUBERNETES_JWT_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

fn required<'a>(value: &'a str, name: &str) -> Result<&'a str, BackendError> {
    if value.is_empty() {
        Err(BackendError::BadConfig(format!("{name} is missing from configuration")))
    } else {
        Ok(value)
    }
}

/// `/v1/<path>` with `path` cleaned as Vault's client does (`//` collapsed, no trailing `/`).
fn api(path: &str) -> String {
    let parts: Vec<String> = path
        .split('/')
        .filter(|p| !p.is_empty())
        .map(http::percent_encode)
        .collect();
    format!("/v1/{}", parts.join("/"))
}

impl VaultClient {
    fn headers(&self) -> Vec<(&str, &str)> {
        vec![("X-Vault-Token", self.token.as_str())]
    }

    /// `GET`, with 404 as `None`.
    fn read(&self, path_and_query: &str) -> Result<Option<Value>, BackendError> {
        let url = format!("{}{path_and_query}", self.base);
        let answer = http::get(&url, &self.headers())?;
        if answer.status == 404 {
            return Ok(None);
        }
        let answer = answer.success(&format!("GET {url}"))?;
        Ok(Some(answer.json(&format!("GET {url}"))?))
    }

    /// confd's `walkTree`: `key` and everything `LIST` finds below it.
    fn walk(&self, key: &str, paths: &mut Vec<String>) {
        let key = key.strip_suffix('/').unwrap_or(key).to_string();
        if paths.contains(&key) {
            return;
        }
        paths.push(key.clone());
        // confd ignores listing errors: a leaf is not listable.
        let Ok(Some(listing)) = self.read(&format!("{}?list=true", api(&key))) else {
            return;
        };
        let children: Vec<String> = listing["data"]["keys"]
            .as_array()
            .map(|ks| ks.iter().filter_map(|k| k.as_str().map(String::from)).collect())
            .unwrap_or_default();
        for child in children {
            self.walk(&format!("{key}/{}", child.trim_end_matches('/')), paths);
        }
    }

    fn login(base: &str, auth_type: &str, config: &Config) -> Result<String, BackendError> {
        let mount = if !config.path.is_empty() {
            config.path.clone()
        } else if auth_type == "app-role" {
            "approle".into()
        } else {
            auth_type.to_string()
        };
        let login = format!("{base}{}", api(&format!("auth/{mount}/login")));
        let (url, body) = match auth_type {
            "app-role" => (
                login,
                serde_json::json!({
                    "role_id": required(&config.role_id, "role-id")?,
                    "secret_id": required(&config.secret_id, "secret-id")?,
                }),
            ),
            "app-id" => (
                login,
                serde_json::json!({
                    "app_id": required(&config.app_id, "app-id")?,
                    "user_id": required(&config.user_id, "user-id")?,
                }),
            ),
            "github" => (
                login,
                serde_json::json!({ "token": required(&config.auth_token, "token")? }),
            ),
            "userpass" => (
                format!(
                    "{login}/{}",
                    http::percent_encode(required(&config.username, "username")?)
                ),
                serde_json::json!({ "password": required(&config.password, "password")? }),
            ),
            "kubernetes" => {
                let jwt = option(config, "kubernetes_jwt")
                    .or_else(|| option(config, &format!("file:{KUBERNETES_JWT_FILE}")))
                    .ok_or_else(|| {
                        BackendError::BadConfig(format!("jwt is missing: {KUBERNETES_JWT_FILE} could not be read"))
                    })?;
                (
                    login,
                    serde_json::json!({ "jwt": jwt.trim(), "role": required(&config.role_id, "role-id")? }),
                )
            }
            "cert" => (login, serde_json::json!({})),
            other => {
                return Err(BackendError::BadConfig(format!(
                    "unknown auth type {other:?} (token, app-role, app-id, userpass, github, kubernetes, cert)"
                )))
            }
        };
        let answer = http::request(
            "PUT",
            &url,
            &[("Content-Type", "application/json")],
            Some(body.to_string().as_bytes()),
        )?
        .success(&format!("PUT {url}"))?;
        match answer.json(&format!("PUT {url}"))?["auth"]["client_token"].as_str() {
            Some(t) if !t.is_empty() => Ok(t.to_string()),
            _ => Err(BackendError::Denied(format!("PUT {url}: Unable to authenticate"))),
        }
    }
}

/// confd's `flatten`: string fields become keys, objects recurse, anything else is skipped.
fn flatten(path: &str, data: &serde_json::Map<String, Value>, out: &mut Vec<Kv>) {
    for (k, v) in data {
        let key = format!("{path}/{k}");
        match v {
            Value::String(s) => out.push(Kv { key, value: s.clone() }),
            Value::Object(inner) => flatten(&key, inner, out),
            _ => log::debug(&format!("skipping key {key}: not a string or an object")),
        }
    }
}

impl GuestClient for VaultClient {
    fn open(config: Config) -> Result<Client, BackendError> {
        let auth_type = config.auth_type.clone();
        if auth_type.is_empty() {
            return Err(BackendError::BadConfig(
                "you have to set the auth type when using the vault backend".into(),
            ));
        }
        let node = config
            .nodes
            .first()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1:8200");
        let base = base_url(node, "http");
        let token = if auth_type == "token" {
            let token = required(&config.auth_token, "token")?.to_string();
            let url = format!("{base}/v1/auth/token/lookup-self");
            http::get(&url, &[("X-Vault-Token", token.as_str())])?.success(&format!("GET {url}"))?;
            token
        } else {
            VaultClient::login(&base, &auth_type, &config)?
        };
        if option(&config, "watch") == Some("true") {
            let interval = option(&config, "interval").unwrap_or("0");
            if interval == "0" {
                log::warn("vault has no change notification and -interval is 0: in watch mode nothing is re-read");
            } else {
                log::info(&format!(
                    "vault has no change notification: in watch mode its keys are re-read every {interval}s (-interval)"
                ));
            }
        }
        Ok(Client::new(VaultClient { base, token }))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        let mut paths = Vec::new();
        for key in &keys {
            self.walk(key, &mut paths);
        }
        let mut kvs = Vec::new();
        for path in &paths {
            let Some(secret) = self.read(&api(path))? else { continue };
            let Some(data) = secret["data"].as_object() else {
                continue;
            };
            match (data.len(), data.get("value")) {
                (1, Some(Value::String(v))) => kvs.push(Kv {
                    key: path.clone(),
                    value: v.clone(),
                }),
                _ => {
                    kvs.push(Kv {
                        key: path.clone(),
                        value: Value::Object(data.clone()).to_string(),
                    });
                    flatten(path, data, &mut kvs);
                }
            }
        }
        Ok(snapshot(0, kvs))
    }

    fn watch(&self, _prefix: String, _keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        if since == 0 {
            return Ok(Some(1));
        }
        // Nothing to wait on: the daemon's -interval re-reads vault. Return now and then so the
        // host can stop or reload between calls.
        wconfd_plugin_sdk::sleep(std::time::Duration::from_secs(1));
        Ok(None)
    }
}

wconfd_plugin_sdk::export_backend!(Vault);
