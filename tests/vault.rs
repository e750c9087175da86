//! The vault backend: the built-in WebAssembly plugin against the Vault API emulator
//! (`vault_api.rs`). confd's integration suite, every auth type confd has (`cert` over HTTPS
//! with the client certificate the host presents), confd's value rules on KV v1 and v2, and
//! polling in watch mode.

use crate::conformance::{assert_matches_confd, integration_confdir, SUITE_KEYS};
use crate::util::{eventually, stop_daemon, Dir, Wconfd};
use crate::vault_api::VaultApi;
use serde_json::json;

const ROOT: &str = "root-token";

fn vault(dir: &Dir, v: &VaultApi, extra: &[&str]) -> Wconfd {
    let node = v.node();
    let mut args = vec!["-backend", "vault", "-node", node.as_str()];
    args.extend_from_slice(extra);
    Wconfd::over(dir, &args)
}

/// confd's integration data as its vault script writes it: one KV v1 mount per top-level key,
/// `value` fields, and `upstream` as one secret with two fields.
fn load_suite(v: &VaultApi) {
    for mount in ["key", "database", "upstream", "prefix"] {
        v.enable_kv(mount, 1);
    }
    for (k, val) in SUITE_KEYS {
        if !k.contains("/upstream/") {
            v.write(k, json!({ "value": val }));
        }
    }
    let apps = json!({"app1": "10.0.1.10:8080", "app2": "10.0.1.11:8080"});
    v.write("upstream", apps.clone());
    v.write("prefix/upstream", apps);
}

#[test]
fn integration_suite_on_vault_gives_what_confd_wrote() {
    let v = VaultApi::start(ROOT);
    load_suite(&v);
    let dir = Dir::new();
    integration_confdir(&dir);
    vault(&dir, &v, &["-onetime", "-auth-type", "token", "-auth-token", ROOT])
        .env("HOSTNAME", "localhost")
        .run()
        .ok();
    assert_matches_confd(&dir, "etcdv3");
}

#[test]
fn every_auth_type_logs_in_and_bad_credentials_are_refused() {
    let v = VaultApi::start(ROOT);
    v.enable_kv("key", 1);
    v.write("key", json!({"value": "foobar"}));
    v.enable_auth("approle", "approle", json!({"role_id": "r1", "secret_id": "s1"}));
    v.enable_auth("approle", "custom-approle", json!({"role_id": "r2", "secret_id": "s2"}));
    v.enable_auth("app-id", "app-id", json!({"app_id": "a", "user_id": "u"}));
    v.enable_auth("userpass", "userpass", json!({"username": "confd", "password": "pw"}));
    v.enable_auth("github", "github", json!({"token": "gh-token"}));
    v.enable_auth("kubernetes", "kubernetes", json!({"jwt": "eyJ.jwt", "role": "web"}));
    let dir = Dir::new();
    dir.keyed("k", "/key", "{{getv \"/key\"}}\n");
    let cases: [&[&str]; 7] = [
        &["-auth-type", "token", "-auth-token", ROOT],
        &["-auth-type", "app-role", "-role-id", "r1", "-secret-id", "s1"],
        &[
            "-auth-type",
            "app-role",
            "-role-id",
            "r2",
            "-secret-id",
            "s2",
            "-path",
            "custom-approle",
        ],
        &["-auth-type", "app-id", "-app-id", "a", "-user-id", "u"],
        &["-auth-type", "userpass", "-username", "confd", "-password", "pw"],
        &["-auth-type", "github", "-auth-token", "gh-token"],
        &[
            "-auth-type",
            "kubernetes",
            "-role-id",
            "web",
            "-backend-option",
            "kubernetes_jwt=eyJ.jwt",
        ],
    ];
    for args in cases {
        let _ = std::fs::remove_file(dir.join("k.out"));
        let mut a = vec!["-onetime"];
        a.extend_from_slice(args);
        vault(&dir, &v, &a).run().ok();
        assert_eq!(dir.read("k.out"), "foobar\n", "{args:?}");
    }
    let logins: Vec<String> = v.requests().into_iter().filter(|r| r.contains("/login")).collect();
    assert_eq!(
        logins,
        [
            "PUT /v1/auth/approle/login",
            "PUT /v1/auth/custom-approle/login",
            "PUT /v1/auth/app-id/login",
            "PUT /v1/auth/userpass/login/confd",
            "PUT /v1/auth/github/login",
            "PUT /v1/auth/kubernetes/login",
        ],
        "confd's mount paths (approle for app-role, -path when given)"
    );
    let _ = std::fs::remove_file(dir.join("k.out"));
    vault(
        &dir,
        &v,
        &[
            "-onetime",
            "-auth-type",
            "app-role",
            "-role-id",
            "r1",
            "-secret-id",
            "wrong",
        ],
    )
    .run()
    .code(1)
    .stderr_has("backend vault (error)")
    .stderr_has("invalid credentials");
    vault(&dir, &v, &["-onetime", "-auth-type", "token", "-auth-token", "nope"])
        .run()
        .code(1)
        .stderr_has("backend vault (denied)");
    vault(&dir, &v, &["-onetime"])
        .run()
        .code(1)
        .stderr_has("you have to set the auth type when using the vault backend");
    vault(&dir, &v, &["-onetime", "-auth-type", "app-role", "-role-id", "r1"])
        .run()
        .code(1)
        .stderr_has("secret-id is missing from configuration");
    assert!(!dir.exists("k.out"));
}

#[test]
fn confds_value_rules_on_kv_v1_and_v2() {
    let v = VaultApi::start(ROOT);
    v.enable_kv("app", 1);
    v.write("app/db", json!({"user": "u", "port": 5432, "tls": {"mode": "on"}}));
    v.write("app/name", json!({"value": "web"}));
    v.enable_kv("secret", 2);
    v.write("secret/api", json!({"key": "k1"}));
    let dir = Dir::new();
    dir.keyed(
        "v1",
        "/app",
        "{{range gets \"/app/*\"}}{{.Key}}={{.Value}}\n{{end}}{{getv \"/app/db/user\"}} {{getv \"/app/db/tls/mode\"}} {{exists \"/app/db/port\"}}\n",
    );
    dir.keyed(
        "v2",
        "/secret/data/api",
        "{{getv \"/secret/data/api/data/key\"}} {{getv \"/secret/data/api/metadata/created_time\"}} {{exists \"/secret/data/api/metadata/version\"}}\n",
    );
    vault(&dir, &v, &["-onetime", "-auth-type", "token", "-auth-token", ROOT])
        .run()
        .ok();
    // A one-field `value` secret is its string; others are their JSON plus their string fields
    // (numbers skipped, objects recursed).
    assert_eq!(
        dir.read("v1.out"),
        "/app/db={\"port\":5432,\"tls\":{\"mode\":\"on\"},\"user\":\"u\"}\n/app/name=web\nu on false\n"
    );
    assert_eq!(dir.read("v2.out"), "k1 2026-12-02T00:00:00.000000000Z false\n");
}

#[test]
fn watch_mode_re_reads_vault_every_interval_and_says_so() {
    let v = VaultApi::start(ROOT);
    v.enable_kv("key", 1);
    v.write("key", json!({"value": "one"}));
    let dir = Dir::new();
    dir.keyed("k", "/key", "{{getv \"/key\"}}\n");
    let child = vault(
        &dir,
        &v,
        &["-watch", "-interval", "1", "-auth-type", "token", "-auth-token", ROOT],
    )
    .spawn();
    eventually(30, "first render", || dir.read_or_empty("k.out") == "one\n");
    v.write("key", json!({"value": "two"}));
    eventually(30, "the change, by polling", || dir.read_or_empty("k.out") == "two\n");
    let stderr = stop_daemon(child);
    assert!(
        stderr.contains("vault has no change notification: in watch mode its keys are re-read every 1s (-interval)"),
        "{stderr}"
    );
}

#[test]
fn cert_auth_over_https_logs_in_with_the_client_certificate_the_host_presents() {
    let certs = crate::servers::Certs::new();
    let v = VaultApi::start_tls(
        ROOT,
        &certs.path("ca.pem"),
        &certs.path("server.pem"),
        &certs.path("server-key.pem"),
    );
    v.enable_kv("key", 1);
    v.write("key", json!({"value": "over-tls"}));
    v.enable_auth("cert", "cert", json!({}));
    let dir = Dir::new();
    dir.keyed("k", "/key", "{{getv \"/key\"}}\n");
    let mut args = vec!["-onetime", "-auth-type", "cert"];
    let tls = certs.client_flags();
    args.extend(tls.iter().map(String::as_str));
    vault(&dir, &v, &args).run().ok();
    assert_eq!(dir.read("k.out"), "over-tls\n");
    assert!(v.requests().contains(&"PUT /v1/auth/cert/login".to_string()));
}
