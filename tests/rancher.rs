//! The rancher backend: the built-in WebAssembly plugin against the Rancher metadata emulator
//! (`rancher_metadata.rs`). Seed 004's galera example, seed 003's triggers through the
//! version long-poll, and failures that must stay one resource's error.

use crate::rancher_metadata::RancherMetadata;
use crate::util::{copy_tree, eventually, repo, rewrite_tree, stop_daemon, Dir, Wconfd};
use serde_json::{json, Value};
use std::time::Duration;

fn galera_answers() -> Value {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/rancher/galera-answers.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A onetime run through `-backend rancher` on `node`, with the API version as the prefix.
fn onetime(dir: &Dir, node: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "-onetime",
        "-backend",
        "rancher",
        "-prefix",
        "/2015-12-19",
        "-node",
        node,
    ];
    args.extend_from_slice(extra);
    Wconfd::over(dir, &args).run()
}

#[test]
fn seed_004_galera_through_rancher_equals_the_file_backend() {
    let md = RancherMetadata::start(galera_answers());
    let dir = Dir::new();
    let src = repo().join("examples/galera");
    copy_tree(&src.join("confdir"), &dir.join("confdir"));
    rewrite_tree(
        &dir.join("confdir/conf.d"),
        "/tmp/wconfd-examples/galera",
        &dir.path().display().to_string(),
    );
    onetime(&dir, &md.node(), &[]).ok();
    // examples/galera/expected is Go's rendering of the same data through the file backend.
    let want = std::fs::read_to_string(src.join("expected/001-galera.cnf")).unwrap();
    assert_eq!(dir.read("001-galera.cnf"), want);
    // confd's client: the start-up probe, then one GET per key with the version read first.
    let reqs = md.requests();
    assert_eq!(reqs[0], "GET /", "{reqs:?}");
    let version = reqs
        .iter()
        .position(|r| r == "GET /2015-12-19/version")
        .expect("the version is read");
    let data = reqs
        .iter()
        .position(|r| r == "GET /2015-12-19/self")
        .expect("the key is read");
    assert!(version < data, "the version is read before the data: {reqs:?}");
}

#[test]
fn values_flatten_as_confd_does_and_a_missing_key_is_an_error() {
    let md = RancherMetadata::start(json!({
        "services": [
            {"name": "web", "scale": 2, "ports": ["80:80"], "vip": null, "big": 1e21, "on": true},
            {"uuid": "u-1", "scale": 1}
        ]
    }));
    let dir = Dir::new();
    dir.keyed(
        "svc",
        "/services",
        "{{range gets \"/services/*/*\"}}{{.Key}}={{.Value}}\n{{end}}{{getv \"/services/web/ports/0\"}}\n",
    );
    dir.keyed("gone", "/nothing-here", "{{ls \"/\"}}\n");
    let r = onetime(&dir, &md.node(), &[]);
    // The missing key fails its resource (confd would have rendered Rancher's 404 body as data).
    r.code(1)
        .stderr_has("GET http://")
        .stderr_has("/2015-12-19/nothing-here: HTTP 404");
    assert!(!dir.exists("gone.out"));
    assert_eq!(
        dir.read("svc.out"),
        "/services/1/scale=1\n/services/1/uuid=u-1\n/services/web/big=1000000000000000000000\n\
         /services/web/name=web\n/services/web/on=true\n/services/web/scale=2\n/services/web/vip=null\n80:80\n"
    );
}

#[test]
fn garbage_answers_fail_that_resource_only() {
    let md = RancherMetadata::start(json!({"a": {"x": "1"}, "b": {"y": "2"}}));
    md.garbage_at("/b");
    let dir = Dir::new();
    dir.keyed("a", "/a", "{{getv \"/a/x\"}}\n");
    dir.keyed("b", "/b", "{{getv \"/b/y\"}}\n");
    std::fs::write(dir.join("b.out"), "previous\n").unwrap();
    onetime(&dir, &md.node(), &[])
        .code(1)
        .stderr_has("/2015-12-19/b: the answer is not JSON");
    assert_eq!(dir.read("a.out"), "1\n");
    assert_eq!(dir.read("b.out"), "previous\n", "the destination is untouched");
}

#[test]
fn an_unreachable_server_is_a_clear_error_after_the_probe() {
    // A port nobody listens on; one probe attempt keeps the test short.
    let dir = Dir::new();
    dir.keyed("a", "/a", "{{getv \"/a/x\"}}\n");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    onetime(
        &dir,
        &format!("127.0.0.1:{port}"),
        &["-backend-option", "probe_attempts=1"],
    )
    .code(1)
    .stderr_has("backend rancher (unreachable)")
    .stderr_has("connection refused");
}

fn lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path).map(|s| s.lines().count()).unwrap_or(0)
}

/// Seed 003 through the version long-poll: every change of the trigger is one update and one
/// reload, while a second resource on the same plugin keeps rendering.
#[test]
fn seed_003_triggers_through_rancher_each_reload_once() {
    let trigger = |tag: &str| format!("{{\"action\":\"deploy\",\"appName\":\"demo1\",\"imageTag\":\"{tag}\"}}");
    let md = RancherMetadata::start(json!({"trigger": trigger("v0"), "other": {"n": "0"}}));
    let dir = Dir::new();
    let reloads = dir.seed_003_rollout();
    dir.keyed("other", "/other", "{{getv \"/other/n\"}}\n");
    let child = Wconfd::over(
        &dir,
        &[
            "-watch",
            "-backend",
            "rancher",
            "-prefix",
            "/2015-12-19",
            "-interval",
            "0",
            "-node",
            &md.node(),
            "-backend-option",
            "max_wait=5",
        ],
    )
    .spawn();
    eventually(30, "first render", || {
        dir.read_or_empty("rollout.cmd") == "imageTag v0\n" && dir.read_or_empty("other.out") == "0\n"
    });
    let t0 = std::time::Instant::now();
    for i in 1..=10u32 {
        md.set("/trigger", Value::String(trigger(&format!("v1-diff-{i}"))));
        std::thread::sleep((t0 + Duration::from_millis(50) * i).saturating_duration_since(std::time::Instant::now()));
    }
    // Another resource's key changes while the rollout resource's long-poll is open.
    md.set("/other/n", Value::String("1".into()));
    eventually(30, "the last trigger and the other resource", || {
        dir.read_or_empty("rollout.cmd") == "imageTag v1-diff-10\n" && dir.read_or_empty("other.out") == "1\n"
    });
    let waited = std::panic::catch_unwind(|| eventually(10, "reloads", || lines(&reloads) >= 11));
    let log = std::fs::read_to_string(&reloads).unwrap_or_default();
    if waited.is_err() {
        panic!("reloads:\n{log}\ndaemon log:\n{}", stop_daemon(child));
    }
    let mut expected = vec!["imageTag v0".to_string()];
    expected.extend((1..=10).map(|i| format!("imageTag v1-diff-{i}")));
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        expected,
        "every trigger reloaded, in order"
    );
    stop_daemon(child);
}

#[test]
fn the_rancher_plugin_also_installs_from_a_plugin_directory() {
    let md = RancherMetadata::start(galera_answers());
    let dir = Dir::new();
    let plugins = dir.join("plugins");
    Wconfd::new().args(["plugin", "builtin"]).arg(&plugins).run().ok();
    let manifest = std::fs::read_to_string(plugins.join("rancher.toml")).unwrap();
    assert!(
        manifest.contains("kind = \"backend\"\nwit = \"wconfd:plugin@0.3.0\""),
        "{manifest}"
    );
    dir.keyed("ip", "/self", "{{getv \"/self/container/primary_ip\"}}\n");
    let plugin_dir = plugins.display().to_string();
    onetime(&dir, &md.node(), &["-log-level", "debug", "-plugin-dir", &plugin_dir])
        .ok()
        .stderr_has(&format!(
            "Loaded backend plugin rancher from {}",
            plugins.join("rancher.wasm").display()
        ));
    assert_eq!(dir.read("ip.out"), "10.42.106.51\n");
}
