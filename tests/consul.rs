//! The consul backend: the built-in WebAssembly plugin against the Consul KV emulator
//! (`consul_kv.rs`). confd's integration suite, seed 003's triggers through blocking queries,
//! a watch that wakes only the resource whose keys changed, ACL tokens and basic auth.

use crate::conformance::{assert_matches_confd, integration_confdir, SUITE_KEYS};
use crate::consul_kv::ConsulKv;
use crate::util::{eventually, stop_daemon, Dir, Wconfd};
use std::time::Duration;

fn consul(dir: &Dir, kv: &ConsulKv, extra: &[&str]) -> Wconfd {
    let node = kv.node();
    let mut args = vec!["-backend", "consul", "-node", node.as_str()];
    args.extend_from_slice(extra);
    Wconfd::over(dir, &args)
}

#[test]
fn integration_suite_on_consul_gives_what_confd_wrote() {
    let kv = ConsulKv::start();
    for (k, v) in SUITE_KEYS {
        kv.put(k, v);
    }
    let dir = Dir::new();
    integration_confdir(&dir);
    consul(&dir, &kv, &["-onetime"]).env("HOSTNAME", "localhost").run().ok();
    // The real confd's outputs on etcdv3: the same keys, the same files.
    assert_matches_confd(&dir, "etcdv3");
}

#[test]
fn acl_tokens_from_the_flag_or_the_environment_and_basic_auth() {
    let kv = ConsulKv::start();
    kv.put("/app/name", "web");
    kv.require_token("s3cr3t");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    consul(&dir, &kv, &["-onetime"])
        .run()
        .code(1)
        .stderr_has("backend consul (denied)")
        .stderr_has("HTTP 403");
    assert!(!dir.exists("app.out"));
    consul(&dir, &kv, &["-onetime", "-auth-token", "s3cr3t"]).run().ok();
    assert_eq!(dir.read("app.out"), "web\n");
    std::fs::remove_file(dir.join("app.out")).unwrap();
    // confd's consul client reads CONSUL_HTTP_TOKEN; the host grants it to this plugin.
    consul(&dir, &kv, &["-onetime"])
        .env("CONSUL_HTTP_TOKEN", "s3cr3t")
        .run()
        .ok();
    assert_eq!(dir.read("app.out"), "web\n");

    let kv = ConsulKv::start();
    kv.put("/app/name", "db");
    kv.require_basic_auth("confd", "pw");
    consul(
        &dir,
        &kv,
        &["-onetime", "-basic-auth", "-username", "confd", "-password", "wrong"],
    )
    .run()
    .code(1)
    .stderr_has("HTTP 401");
    consul(
        &dir,
        &kv,
        &["-onetime", "-basic-auth", "-username", "confd", "-password", "pw"],
    )
    .run()
    .ok();
    assert_eq!(dir.read("app.out"), "db\n");
}

#[test]
fn https_with_the_operators_ca_and_client_certificate_applied_by_the_host() {
    let certs = crate::servers::Certs::new();
    let kv = ConsulKv::start_tls(
        &certs.path("ca.pem"),
        &certs.path("server.pem"),
        &certs.path("server-key.pem"),
    );
    kv.put("/app/name", "tls");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let ca = certs.path("ca.pem");
    // Without the client certificate the server refuses the handshake.
    consul(&dir, &kv, &["-onetime", "-scheme", "https", "-client-ca-keys", &ca])
        .run()
        .code(1)
        .stderr_has("backend consul (unreachable)");
    assert!(!dir.exists("app.out"));
    let mut args = vec!["-onetime", "-scheme", "https"];
    let tls = certs.client_flags();
    args.extend(tls.iter().map(String::as_str));
    consul(&dir, &kv, &args).run().ok();
    assert_eq!(dir.read("app.out"), "tls\n");
    // A CA file that does not exist is a configuration error naming it.
    consul(
        &dir,
        &kv,
        &["-onetime", "-scheme", "https", "-client-ca-keys", "/nonexistent/ca.pem"],
    )
    .run()
    .code(1)
    .stderr_has("-client-ca-keys /nonexistent/ca.pem");
}

/// Reads of `key` that were not blocking queries: one per pass of a resource on that key.
fn passes_reading(kv: &ConsulKv, key: &str) -> usize {
    let read = format!("GET /v1/kv/{key}?recurse");
    kv.requests().iter().filter(|r| **r == read).count()
}

#[test]
fn a_watch_wakes_only_the_resource_whose_keys_changed() {
    let kv = ConsulKv::start();
    kv.put("/a/x", "1");
    kv.put("/b/y", "1");
    let dir = Dir::new();
    dir.keyed("a", "/a", "{{getv \"/a/x\"}}\n");
    dir.keyed("b", "/b", "{{getv \"/b/y\"}}\n");
    let child = consul(&dir, &kv, &["-watch", "-interval", "0", "-backend-option", "wait=5"]).spawn();
    eventually(30, "first renders", || {
        dir.read_or_empty("a.out") == "1\n" && dir.read_or_empty("b.out") == "1\n"
    });
    let b_before = passes_reading(&kv, "b");
    assert!(b_before >= 1, "b's first pass read it: {:?}", kv.requests());
    for i in 2..=4 {
        kv.put("/a/x", &i.to_string());
        let want = format!("{i}\n");
        eventually(30, "a follows", || dir.read_or_empty("a.out") == want);
    }
    // A key outside both resources (confd's prefix watch on "/" would wake both for it).
    kv.put("/c/z", "1");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        passes_reading(&kv, "b"),
        b_before,
        "resource b was never woken: {:?}",
        kv.requests()
    );
    assert!(passes_reading(&kv, "a") >= 4);
    // A deletion under b wakes b.
    kv.delete("/b/y");
    kv.put("/b/y", "2");
    eventually(30, "b follows", || dir.read_or_empty("b.out") == "2\n");
    stop_daemon(child);
}

#[test]
fn seed_003_triggers_through_consul_each_reload_once() {
    let kv = ConsulKv::start();
    let dir = Dir::new();
    let reloads = dir.seed_003_rollout();
    let child = consul(&dir, &kv, &["-watch", "-interval", "0", "-backend-option", "wait=5"]).spawn();
    eventually(30, "first render", || dir.exists("rollout.cmd"));
    let trigger = |tag: &str| format!("{{\"action\":\"deploy\",\"appName\":\"demo1\",\"imageTag\":\"{tag}\"}}");
    let t0 = std::time::Instant::now();
    for i in 1..=10u32 {
        kv.put("/cicd/rollout/trigger", &trigger(&format!("v1-diff-{i}")));
        std::thread::sleep((t0 + Duration::from_millis(50) * i).saturating_duration_since(std::time::Instant::now()));
    }
    eventually(30, "the last trigger", || {
        dir.read("rollout.cmd") == "imageTag v1-diff-10\n"
    });
    let count = || {
        std::fs::read_to_string(&reloads)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    let waited = std::panic::catch_unwind(|| eventually(10, "ten reloads", || count() == 10));
    let log = std::fs::read_to_string(&reloads).unwrap_or_default();
    if waited.is_err() {
        panic!("reloads:\n{log}\ndaemon log:\n{}", stop_daemon(child));
    }
    let expected: Vec<String> = (1..=10).map(|i| format!("imageTag v1-diff-{i}")).collect();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        expected,
        "every trigger reloaded, in order"
    );
    stop_daemon(child);
}
