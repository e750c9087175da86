//! What wconfd's AWS backend plugins (`dynamodb`, `ssm`) share: credentials and region from
//! what the host grants them, the endpoint, SigV4-signed calls to AWS's JSON APIs over
//! `wasi:http`, and AWS's errors typed as the backend contract wants them.
//!
//! Credentials: see [`credentials`]. The region is `AWS_REGION`, else `AWS_DEFAULT_REGION`,
//! else the profile's `region`, else (keys from the instance metadata service) the instance's,
//! else `us-east-1`. The endpoint is the first `-node` (DynamoDB Local, moto, a VPC endpoint),
//! else `https://<service>.<region>.amazonaws.com`; `{region}` in a node is the region. The
//! host lets requests go there, and to the credential endpoints, and nowhere else.

pub mod credentials;

use serde_json::Value;
use std::time::SystemTime;
use wconfd_plugin_sdk::backend::{base_url, option, BackendError, Config, Snapshot, SnapshotBuilder};
use wconfd_plugin_sdk::http;

/// One AWS JSON API (a service, its protocol version) at one endpoint, with credentials.
pub struct Api {
    service: &'static str,
    content_type: &'static str,
    endpoint: String,
    credentials: credentials::Credentials,
    region: String,
}

impl Api {
    /// The API of `service` (its signing name, e.g. `dynamodb`, `ssm`) speaking
    /// `content_type` (`application/x-amz-json-1.0` or `-1.1`), configured from `config`.
    pub fn new(service: &'static str, content_type: &'static str, config: &Config) -> Result<Api, BackendError> {
        let env = |name: &str| credentials::env(config, name);
        let profile = env("AWS_PROFILE").unwrap_or("default");
        let credentials_file = shared_file(config, "/.aws/credentials", profile, false);
        let config_file = shared_file(config, "/.aws/config", profile, true);
        let from_files = |key: &str| {
            credentials_file
                .iter()
                .chain(config_file.iter())
                .find_map(|(k, v)| (k == key).then_some(v.as_str()))
        };
        let configured_region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| from_files("region"))
            .map(String::from);
        let credentials = credentials::Credentials::find(config, profile, &from_files, configured_region.is_none())?;
        let region = configured_region
            .or_else(|| credentials.instance_region())
            .unwrap_or_else(|| "us-east-1".into());
        let endpoint = match config.nodes.first() {
            Some(node) => base_url(node, &config.scheme).replace("{region}", &region),
            None => format!("https://{service}.{region}.amazonaws.com"),
        };
        Ok(Api {
            service,
            content_type,
            endpoint,
            credentials,
            region,
        })
    }

    /// Call `target` (e.g. `DynamoDB_20120810.GetItem`) with `body`, signed; the answer's JSON.
    pub fn call(&self, target: &str, body: &Value) -> Result<Value, BackendError> {
        let body = body.to_string();
        let url = format!("{}/", self.endpoint);
        let headers = [("content-type", self.content_type), ("x-amz-target", target)];
        let signed = self.sign(&url, &headers, body.as_bytes())?;
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.extend(signed.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let answer = http::request("POST", &url, &all, Some(body.as_bytes()))?;
        let action = target.rsplit('.').next().unwrap_or(target);
        if !(200..300).contains(&answer.status) {
            return Err(error(action, &answer));
        }
        serde_json::from_slice(&answer.body)
            .map_err(|e| BackendError::Other(format!("{action}: the answer is not JSON ({e})")))
    }

    /// The SigV4 headers for a POST of `body` to `url` with `headers`. The `host` header is
    /// signed but not sent: the host writes it from the URL, with the same value.
    fn sign(&self, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Vec<(String, String)>, BackendError> {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        let keys = self.credentials.keys()?;
        let identity = aws_credential_types::Credentials::new(
            keys.access_key,
            keys.secret_key,
            keys.session_token,
            None,
            "wconfd",
        )
        .into();
        let failed = |e: &dyn std::fmt::Display| BackendError::Other(format!("signing the request: {e}"));
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| failed(&e))?
            .into();
        let authority = url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
            .unwrap_or("");
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.push(("host", authority));
        let request =
            SignableRequest::new("POST", url, all.into_iter(), SignableBody::Bytes(body)).map_err(|e| failed(&e))?;
        let (instructions, _) = sign(request, &params).map_err(|e| failed(&e))?.into_parts();
        Ok(instructions
            .headers()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect())
    }
}

/// The `key = value` lines of `profile`'s section in the shared file the host granted whose
/// path ends in `suffix` (option `file:PATH`). In the config file a profile other than
/// `default` is headed `[profile NAME]`.
fn shared_file(config: &Config, suffix: &str, profile: &str, is_config: bool) -> Vec<(String, String)> {
    let Some((_, text)) = config
        .options
        .iter()
        .find(|(k, _)| k.starts_with("file:") && k.ends_with(suffix))
    else {
        return Vec::new();
    };
    let heading = if is_config && profile != "default" {
        format!("profile {profile}")
    } else {
        profile.to_string()
    };
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == heading;
        } else if let (true, Some((k, v))) = (inside, line.split_once('=')) {
            if !line.starts_with('#') && !line.starts_with(';') {
                out.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    out
}

/// The name of an AWS error answer: `__type` (`...#Name`) or the `x-amzn-errortype` header.
pub fn error_name(answer: &http::Response) -> String {
    let v: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    v["__type"]
        .as_str()
        .or_else(|| answer.header("x-amzn-errortype"))
        .unwrap_or("")
        .rsplit('#')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_string()
}

/// An AWS error answer to `action` as a backend error: refused credentials are `denied`, a
/// missing table or parameter store resource `bad-config`, the rest `other`.
fn error(action: &str, answer: &http::Response) -> BackendError {
    let v: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let kind = error_name(answer);
    let message = match v["message"].as_str().or_else(|| v["Message"].as_str()) {
        Some(m) => m.to_string(),
        None => answer.text().chars().take(300).collect(),
    };
    let status = answer.status;
    let text = format!("{action}: HTTP {status} {kind}: {}", message.trim());
    if matches!(status, 401 | 403) {
        return BackendError::Denied(text);
    }
    match kind.as_str() {
        "ResourceNotFoundException" => BackendError::BadConfig(text),
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "AccessDeniedException"
        | "MissingAuthenticationTokenException"
        | "ExpiredTokenException" => BackendError::Denied(text),
        _ => BackendError::Other(text),
    }
}

/// Say at start, in watch mode, that the store has no change notification and is re-read every
/// `-interval` (confd refused `-watch` for these backends).
pub fn say_polling(config: &Config, store: &str) {
    if option(config, "watch") != Some("true") {
        return;
    }
    match option(config, "interval").unwrap_or("0") {
        "0" => wconfd_plugin_sdk::log::warn(&format!(
            "{store} has no change notification and -interval is 0: in watch mode nothing is re-read"
        )),
        every => wconfd_plugin_sdk::log::warn(&format!(
            "{store} has no change notification: in watch mode its keys are re-read every {every}s (-interval)"
        )),
    }
}

/// `watch` for a store without change notification: at once for the first render, then
/// "nothing yet" every second (the daemon's `-interval` re-reads; returning lets it stop or
/// reload between calls).
pub fn poll_watch(since: u64) -> Option<u64> {
    if since == 0 {
        return Some(1);
    }
    wconfd_plugin_sdk::sleep(std::time::Duration::from_secs(1));
    None
}

/// A snapshot of every key's pairs, each key read by `read` (revision 0: these stores have
/// none; the host re-reads at `-interval`).
pub fn read_keys(
    keys: &[String],
    mut read: impl FnMut(&str, &mut SnapshotBuilder) -> Result<(), BackendError>,
) -> Result<Snapshot, BackendError> {
    let mut pairs = SnapshotBuilder::default();
    for key in keys {
        read(key, &mut pairs)?;
    }
    Ok(pairs.finish(0))
}
