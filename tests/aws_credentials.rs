//! Where the AWS backends (`dynamodb`, `ssm`) find credentials when neither the environment
//! nor the shared files hold any: the EC2 instance metadata service and the container
//! credentials endpoint, both emulated on loopback from AWS's documented API, handing out a
//! role's temporary keys that moto (with its IAM checks on) issued. A render that succeeds
//! proves the keys were the served ones: moto checks the key, the signature and the session
//! token of every request.

use crate::http_emulator::{HttpEmulator, Request, Response};
use crate::servers::Moto;
use crate::util::{eventually, stop_daemon, Dir, Wconfd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The session token the emulated IMDSv2 hands out.
const IMDS_TOKEN: &str = "imds-session-token";

/// An emulated EC2 instance metadata service: a role's credentials, expiring `expires_in`
/// from each fetch, and the instance's region. With `v2`, every GET must carry the session
/// token from `PUT /latest/api/token` (a metadata service requiring IMDSv2); without, the
/// token request is not found (a service that only speaks IMDSv1). Every request is recorded.
struct InstanceMetadata {
    server: HttpEmulator,
    requests: Arc<Mutex<Vec<String>>>,
}

impl InstanceMetadata {
    fn start(keys: (String, String, String), region: &str, expires_in: Duration, v2: bool) -> InstanceMetadata {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let region = region.to_string();
        let server = HttpEmulator::start(move |r: &Request| {
            let token = r.headers.get("x-aws-ec2-metadata-token").map(String::as_str);
            seen.lock().unwrap().push(format!(
                "{} {}{}",
                r.method,
                r.path,
                if token == Some(IMDS_TOKEN) { " (token)" } else { "" }
            ));
            let text = |body: &str| Response::new(200, "text/plain", body.to_string());
            if r.method == "PUT" && r.path == "/latest/api/token" {
                return match (v2, r.headers.contains_key("x-aws-ec2-metadata-token-ttl-seconds")) {
                    (true, true) => text(IMDS_TOKEN),
                    (true, false) => Response::new(400, "text/plain", "missing TTL"),
                    (false, _) => Response::new(404, "text/plain", "Not Found"),
                };
            }
            if v2 && token != Some(IMDS_TOKEN) {
                return Response::new(401, "text/plain", "Unauthorized");
            }
            match r.path.as_str() {
                "/latest/meta-data/placement/region" => text(&region),
                "/latest/meta-data/iam/security-credentials/" => text("wconfd-role\n"),
                "/latest/meta-data/iam/security-credentials/wconfd-role" => {
                    Response::json(200, &answer(&keys, expires_in))
                }
                _ => Response::new(404, "text/plain", "Not Found"),
            }
        });
        InstanceMetadata { server, requests }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// How many times the role's credentials were served.
    fn credential_fetches(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.contains("/security-credentials/wconfd-role"))
            .count()
    }
}

/// A credentials answer as both metadata endpoints write it (`Expiration` in RFC 3339, UTC).
fn answer((id, secret, token): &(String, String, String), expires_in: Duration) -> serde_json::Value {
    let expires = chrono::DateTime::<chrono::Utc>::from(SystemTime::now() + expires_in);
    serde_json::json!({
        "Code": "Success",
        "Type": "AWS-HMAC",
        "AccessKeyId": id,
        "SecretAccessKey": secret,
        "Token": token,
        "Expiration": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// A onetime or watching run of `backend` at `moto` with no credentials, region or profile
/// of its own (an empty home directory): whatever it signs with, it found elsewhere.
fn bare(dir: &Dir, moto: &Moto, backend: &str, args: &[&str]) -> Wconfd {
    let node = moto.node();
    let mut all = vec!["-backend", backend, "-node", node.as_str()];
    all.extend_from_slice(args);
    let mut w = Wconfd::over(dir, &all);
    w.env("HOME", dir.join("empty-home"));
    w
}

#[test]
fn a_role_from_the_instance_metadata_service_signs_and_gives_the_region() {
    // Moto checks every request after these four: the parameter, the role (two), its assumption.
    let moto = Moto::start(Some(4));
    moto.put_parameter_in("eu-west-1", "/app/name", "from the role");
    let keys = moto.role_credentials("wconfd-role");
    let imds = InstanceMetadata::start(keys, "eu-west-1", Duration::from_secs(6 * 3600), true);
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    bare(&dir, &moto, "ssm", &["-onetime"])
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint())
        .run()
        .ok();
    // The parameter lives in eu-west-1 only: the region came from the instance too.
    assert_eq!(dir.read("app.out"), "from the role\n");
    let requests = imds.requests();
    // One session: a token first, then the role, its keys and the region under it.
    assert_eq!(requests[0], "PUT /latest/api/token", "{requests:?}");
    assert_eq!(
        requests.iter().filter(|r| r.starts_with("PUT")).count(),
        1,
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r == "PUT /latest/api/token" || r.starts_with("GET /latest/meta-data/") && r.ends_with("(token)")),
        "every read carries the IMDSv2 token: {requests:?}"
    );
    assert_eq!(imds.credential_fetches(), 1, "{requests:?}");
}

#[test]
fn keys_about_to_expire_are_fetched_again_from_an_imdsv1_service() {
    let moto = Moto::start(Some(4));
    moto.put_parameter("/app/name", "one");
    let keys = moto.role_credentials("wconfd-role");
    // Two minutes left: inside the five minutes before expiry when keys are renewed.
    let imds = InstanceMetadata::start(keys, "us-east-1", Duration::from_secs(120), false);
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let child = bare(&dir, &moto, "ssm", &["-watch", "-interval", "1"])
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint())
        .env("AWS_REGION", "us-east-1")
        .spawn();
    eventually(30, "first render", || dir.read_or_empty("app.out") == "one\n");
    eventually(30, "three fetches of the role's keys", || {
        imds.credential_fetches() >= 3
    });
    stop_daemon(child);
    let requests = imds.requests();
    assert!(
        requests.iter().all(|r| !r.ends_with("(token)")),
        "an IMDSv1 service: no token: {requests:?}"
    );
}

#[test]
fn container_credentials_come_with_the_token_from_the_token_file() {
    let moto = Moto::start(Some(5));
    moto.create_table("confd");
    moto.put_item("confd", "/app/name", "from the task role");
    let keys = moto.role_credentials("task-role");
    let dir = Dir::new();
    dir.write("token", "pod-identity-token\n");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = seen.clone();
    let endpoint = HttpEmulator::start(move |r: &Request| {
        let authorization = r.headers.get("authorization").cloned().unwrap_or_default();
        recorded
            .lock()
            .unwrap()
            .push(format!("{} {} {authorization}", r.method, r.path));
        if r.path != "/v1/credentials" || authorization != "pod-identity-token" {
            return Response::new(403, "text/plain", "no");
        }
        Response::json(200, &answer(&keys, Duration::from_secs(3600)))
    });
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let full_uri = format!("http://127.0.0.1:{}/v1/credentials", endpoint.port);
    bare(&dir, &moto, "dynamodb", &["-onetime", "-table", "confd"])
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &full_uri)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.join("token"))
        .env("AWS_REGION", "us-east-1")
        .run()
        .ok();
    assert_eq!(dir.read("app.out"), "from the task role\n");
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["GET /v1/credentials pod-identity-token".to_string()]
    );
}

#[test]
fn no_credentials_anywhere_is_a_clear_error_naming_where_it_looked() {
    let moto = Moto::start(None);
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    std::fs::write(dir.join("app.out"), "earlier\n").unwrap();
    // A metadata endpoint nobody listens on: the instance metadata service does not answer.
    let closed = format!("http://127.0.0.1:{}", crate::servers::free_port());
    bare(&dir, &moto, "ssm", &["-onetime"])
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &closed)
        .run()
        .code(1)
        .stderr_has("backend ssm (bad configuration): no AWS credentials: not in the environment")
        .stderr_has("the instance metadata service did not answer");
    // A service that takes the connection and never answers: given up after its second.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_at = format!("http://{}", silent.local_addr().unwrap());
    bare(&dir, &moto, "ssm", &["-onetime"])
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &silent_at)
        .run()
        .code(1)
        .stderr_has("the instance metadata service did not answer")
        .stderr_has("timed out");
    drop(silent);
    // Turned off: said so, and nothing is asked of it.
    bare(&dir, &moto, "ssm", &["-onetime"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .run()
        .code(1)
        .stderr_has("the instance metadata service is disabled by AWS_EC2_METADATA_DISABLED");
    assert_eq!(dir.read("app.out"), "earlier\n");
}

#[test]
fn the_profile_named_by_aws_profile_signs_the_requests() {
    // Moto checks every request after these four: the parameter, the user, its key.
    let moto = Moto::start(Some(4));
    moto.put_parameter("/app/name", "from the profile");
    let (id, secret) = moto.user_key("team");
    let dir = Dir::new();
    dir.write(
        "home/.aws/credentials",
        format!(
            "[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = wrong\n\n\
             [team]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
        ),
    );
    dir.write("home/.aws/config", "[profile team]\nregion = us-east-1\n");
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let node = moto.node();
    let run = |profile: Option<&str>| {
        let mut w = Wconfd::over(&dir, &["-onetime", "-backend", "ssm", "-node", &node]);
        w.env("HOME", dir.join("home"));
        if let Some(p) = profile {
            w.env("AWS_PROFILE", p);
        }
        w.run()
    };
    // The default profile's key is no user's: refused by moto's IAM check.
    run(None).code(1).stderr_has("backend ssm (denied)");
    assert!(!dir.join("app.out").exists());
    run(Some("team")).ok();
    assert_eq!(dir.read("app.out"), "from the profile\n");
}
