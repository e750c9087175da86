//! Where the AWS plugins' credentials come from, in the order AWS's SDKs look:
//!
//! 1. the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`);
//! 2. the profile (`AWS_PROFILE`, else `default`) in the shared files `~/.aws/credentials` and
//!    `~/.aws/config`;
//! 3. the container credentials endpoint of ECS and EKS Pod Identity
//!    (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` under `http://169.254.170.2`, or
//!    `AWS_CONTAINER_CREDENTIALS_FULL_URI` with the token in `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//!    or the file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` names);
//! 4. the EC2 instance metadata service, IMDSv2 (a session token first; IMDSv1 when the service
//!    answers the token request with neither a token nor a refusal), at
//!    `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://169.254.169.254`; skipped when
//!    `AWS_EC2_METADATA_DISABLED` is `true`.
//!
//! The host passes the environment variables as options `env.NAME` and granted files as
//! `file:PATH`, and lets requests reach the two credential endpoints besides the store's.
//! Credentials from 3 and 4 carry an expiry: they are fetched again five minutes before it, as
//! the SDKs do, so a daemon polling for days keeps signing with a role's current keys.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};
use wconfd_plugin_sdk::backend::{option, BackendError, Config};
use wconfd_plugin_sdk::http;

/// One set of keys, and when they stop being valid (`None`: long-term keys).
#[derive(Clone, Debug)]
pub struct Keys {
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
    expires: Option<SystemTime>,
}

/// Where a set of keys came from, and so how to fetch them again.
enum Source {
    /// The environment or the shared files: fixed for the process's life.
    Fixed,
    /// A container credentials endpoint (`url`), with its `Authorization` value.
    Container { url: String, authorization: Option<String> },
    /// The instance metadata service at `endpoint`.
    InstanceMetadata { endpoint: String },
}

/// The credentials one client signs with, fetched again before they expire.
pub struct Credentials {
    source: Source,
    current: RefCell<Keys>,
    /// The instance's region, when the keys came from the instance metadata service and a
    /// region was asked for.
    instance_region: Option<String>,
}

/// How long before expiry temporary keys are replaced (AWS's SDKs: five minutes).
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// How long a metadata endpoint may take to connect or answer (AWS's SDKs: one second).
const METADATA_LIMIT: Duration = Duration::from_secs(1);

/// The default address of the EC2 instance metadata service.
const IMDS_ENDPOINT: &str = "http://169.254.169.254";

/// The host that `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is relative to.
const ECS_ENDPOINT: &str = "http://169.254.170.2";

/// A profile's `key = value` settings, from the shared files.
pub type Profile<'a> = dyn Fn(&str) -> Option<&'a str> + 'a;

impl Credentials {
    /// The first source that has credentials, in the SDKs' order (see the module's comment).
    /// `profile` reads a setting of the chosen profile from the shared files. With
    /// `want_region`, keys from the instance metadata service come with the instance's region
    /// (read in the same session).
    pub fn find(
        config: &Config,
        profile_name: &str,
        profile: &Profile<'_>,
        want_region: bool,
    ) -> Result<Credentials, BackendError> {
        let env = |name: &str| env(config, name);
        if let (Some(a), Some(s)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            return Ok(Credentials::fixed(a, s, env("AWS_SESSION_TOKEN")));
        }
        if let (Some(a), Some(s)) = (profile("aws_access_key_id"), profile("aws_secret_access_key")) {
            return Ok(Credentials::fixed(a, s, profile("aws_session_token")));
        }
        let source = if let Some(relative) = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            Source::Container {
                url: format!("{ECS_ENDPOINT}{relative}"),
                authorization: None,
            }
        } else if let Some(url) = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            let from_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
                .and_then(|path| option(config, &format!("file:{path}")))
                .map(|token| token.trim().to_string());
            Source::Container {
                url: url.to_string(),
                authorization: from_file.or_else(|| env("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(String::from)),
            }
        } else if env("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Err(BackendError::BadConfig(format!(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile \
                 {profile_name:?} aws_access_key_id and aws_secret_access_key in ~/.aws/credentials \
                 (the instance metadata service is disabled by AWS_EC2_METADATA_DISABLED)"
            )));
        } else {
            Source::InstanceMetadata {
                endpoint: imds_endpoint(config),
            }
        };
        let fetched = match &source {
            Source::InstanceMetadata { endpoint } => imds_token(endpoint).and_then(|token| {
                let keys = imds_keys(endpoint, token.as_deref())?;
                let region = want_region.then(|| imds_region(endpoint, token.as_deref())).flatten();
                Ok((keys, region))
            }),
            other => other.fetch().map(|keys| (keys, None)),
        };
        let (keys, instance_region) = fetched.map_err(|e| match (&source, e) {
            (Source::InstanceMetadata { .. }, BackendError::Unreachable(why)) => BackendError::BadConfig(format!(
                "no AWS credentials: not in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), \
                 not in profile {profile_name:?} of ~/.aws/credentials, and the instance metadata service \
                 did not answer ({why})"
            )),
            (_, e) => e,
        })?;
        Ok(Credentials {
            source,
            current: RefCell::new(keys),
            instance_region,
        })
    }

    fn fixed(access_key: &str, secret_key: &str, session_token: Option<&str>) -> Credentials {
        Credentials {
            source: Source::Fixed,
            current: RefCell::new(Keys {
                access_key: access_key.to_string(),
                secret_key: secret_key.to_string(),
                session_token: session_token.map(String::from),
                expires: None,
            }),
            instance_region: None,
        }
    }

    /// The keys to sign with now: fetched again when they expire within five minutes. If that
    /// fetch fails while the keys in hand are still valid, they are used and the failure said.
    pub fn keys(&self) -> Result<Keys, BackendError> {
        let current = self.current.borrow().clone();
        let Some(expires) = current.expires else {
            return Ok(current);
        };
        let now = SystemTime::now();
        if now + REFRESH_BEFORE < expires {
            return Ok(current);
        }
        match self.source.fetch() {
            Ok(fresh) => {
                *self.current.borrow_mut() = fresh.clone();
                Ok(fresh)
            }
            Err(e) if now < expires => {
                wconfd_plugin_sdk::log::warn(&format!(
                    "renewing AWS credentials failed, using the current ones until they expire: {}",
                    wconfd_plugin_sdk::backend::message(&e)
                ));
                Ok(current)
            }
            Err(e) => Err(e),
        }
    }

    /// The region the instance metadata service gave (`placement/region`) with the keys:
    /// an EC2 instance with a role and no region configured uses its own.
    pub fn instance_region(&self) -> Option<String> {
        self.instance_region.clone()
    }
}

impl Source {
    /// Fetch keys from this source (only temporary sources are fetched).
    fn fetch(&self) -> Result<Keys, BackendError> {
        match self {
            Source::Fixed => Err(BackendError::Other("fixed credentials cannot be fetched again".into())),
            Source::Container { url, authorization } => {
                let headers: Vec<(&str, &str)> = authorization.iter().map(|a| ("authorization", a.as_str())).collect();
                let answer = http::request_within(METADATA_LIMIT, "GET", url, &headers, None)?
                    .success("container credentials")?;
                keys_from(&answer, "container credentials")
            }
            Source::InstanceMetadata { endpoint } => {
                let token = imds_token(endpoint)?;
                imds_keys(endpoint, token.as_deref())
            }
        }
    }
}

/// The keys of the instance's role, read with session `token`.
fn imds_keys(endpoint: &str, token: Option<&str>) -> Result<Keys, BackendError> {
    let base = "/latest/meta-data/iam/security-credentials/";
    let roles = imds_get(endpoint, base, token)?;
    if roles.status == 404 {
        return Err(BackendError::BadConfig(
            "no AWS credentials: the instance metadata service has no IAM role for this instance".into(),
        ));
    }
    let roles = roles.success("instance metadata: the IAM role")?;
    let text = roles.text();
    let Some(role) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err(BackendError::BadConfig(
            "no AWS credentials: the instance metadata service names no IAM role".into(),
        ));
    };
    let answer =
        imds_get(endpoint, &format!("{base}{role}"), token)?.success("instance metadata: the role's credentials")?;
    keys_from(&answer, "instance metadata")
}

/// The instance's region (`placement/region`), read with session `token`.
fn imds_region(endpoint: &str, token: Option<&str>) -> Option<String> {
    let answer = imds_get(endpoint, "/latest/meta-data/placement/region", token).ok()?;
    let region = answer.text().trim().to_string();
    ((200..300).contains(&answer.status) && !region.is_empty()).then_some(region)
}

/// A variable of the environment the host granted, when set and not empty.
pub fn env<'a>(config: &'a Config, name: &str) -> Option<&'a str> {
    option(config, &format!("env.{name}")).filter(|v| !v.is_empty())
}

/// The instance metadata service's address, without a trailing `/`.
fn imds_endpoint(config: &Config) -> String {
    env(config, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .unwrap_or(IMDS_ENDPOINT)
        .trim_end_matches('/')
        .to_string()
}

/// An IMDSv2 session token; `None` when the service does not speak IMDSv2 (it answers the
/// token request with neither a token nor a refusal) and IMDSv1 is used. A 403 means the
/// instance turned the service off.
fn imds_token(endpoint: &str) -> Result<Option<String>, BackendError> {
    let answer = http::request_within(
        METADATA_LIMIT,
        "PUT",
        &format!("{endpoint}/latest/api/token"),
        &[("x-aws-ec2-metadata-token-ttl-seconds", "21600")],
        Some(b""),
    )?;
    match answer.status {
        200 => Ok(Some(answer.text().trim().to_string())),
        403 => Err(BackendError::Denied(
            "instance metadata: the service refused a session token (HTTP 403: it is disabled on this instance)".into(),
        )),
        _ => Ok(None),
    }
}

/// `GET path` from the instance metadata service, with the session token when there is one.
fn imds_get(endpoint: &str, path: &str, token: Option<&str>) -> Result<http::Response, BackendError> {
    let headers: Vec<(&str, &str)> = token.iter().map(|t| ("x-aws-ec2-metadata-token", *t)).collect();
    http::request_within(METADATA_LIMIT, "GET", &format!("{endpoint}{path}"), &headers, None)
}

/// The keys in a credentials answer (`AccessKeyId`, `SecretAccessKey`, `Token`,
/// `Expiration`), the format both metadata endpoints use.
fn keys_from(answer: &http::Response, what: &str) -> Result<Keys, BackendError> {
    let v = answer.json(what)?;
    if let Some(code) = v["Code"].as_str().filter(|c| *c != "Success") {
        let message = v["Message"].as_str().unwrap_or("");
        return Err(BackendError::Denied(format!("{what}: {code}: {message}")));
    }
    let field = |name: &str| {
        v[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| BackendError::Other(format!("{what}: the answer has no {name}")))
    };
    let expires = match v["Expiration"].as_str() {
        None => None,
        Some(text) => {
            use aws_smithy_types::date_time::{DateTime, Format};
            let bad = || BackendError::Other(format!("{what}: Expiration {text:?} is not a date"));
            let at = DateTime::from_str(text, Format::DateTime).map_err(|_| bad())?;
            Some(SystemTime::try_from(at).map_err(|_| bad())?)
        }
    };
    Ok(Keys {
        access_key: field("AccessKeyId")?.to_string(),
        secret_key: field("SecretAccessKey")?.to_string(),
        session_token: v["Token"].as_str().filter(|t| !t.is_empty()).map(String::from),
        expires,
    })
}
