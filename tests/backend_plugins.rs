//! The sandbox around backend plugins, proven with a plugin that misbehaves on request
//! (`tests/plugins/probe-backend`): requests off the node list, a forged `Host` header, a
//! redirect off the list, a trap during a watch, a call that never returns. Each must be a
//! clear error, with the daemon alive and other resources unharmed.

use crate::rancher_metadata::RancherMetadata;
use crate::util::{eventually, install_test_plugin, stop_daemon, Dir, Wconfd};
use serde_json::json;

/// A confdir with resource `ok` (key `/ok`, served by the emulator) and resource `bad` on
/// `bad_key`, the probe installed with `options`, and `bad.out` holding earlier content.
fn setup(bad_key: &str, options: &str) -> (Dir, std::path::PathBuf, RancherMetadata) {
    let md = RancherMetadata::start(json!({}));
    let dir = Dir::new();
    dir.keyed("ok", "/ok", "{{getv \"/ok/status\"}}\n");
    dir.keyed("bad", bad_key, "{{range gets \"/*/*\"}}{{.Key}}={{.Value}}\n{{end}}");
    std::fs::write(dir.join("bad.out"), "earlier\n").unwrap();
    let plugins = install_test_plugin(
        &dir,
        "wconfd-test-probe-backend",
        "probe",
        "backend",
        &format!("[options]\n{options}"),
    );
    (dir, plugins, md)
}

fn onetime(dir: &Dir, plugins: &std::path::Path, md: &RancherMetadata) -> crate::util::Run {
    Wconfd::over(dir, &["-onetime", "-backend", "probe", "-node", &md.node()])
        .arg("-plugin-dir")
        .arg(plugins)
        .run()
}

/// `ok` rendered from the emulator (a 404 for `/ok`: the status is what the probe saw), `bad`
/// untouched.
fn only_bad_failed(dir: &Dir) {
    assert_eq!(dir.read("ok.out"), "404\n", "the other resource rendered");
    assert_eq!(
        dir.read("bad.out"),
        "earlier\n",
        "the failed resource's destination is untouched"
    );
}

#[test]
fn a_request_to_a_host_not_configured_is_refused_and_logged() {
    // 127.0.0.2 is loopback too and the emulator's port would answer there: only the host's
    // allow-list stops the request.
    let probe_target = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let elsewhere = format!("http://{}/steal", probe_target.local_addr().unwrap());
    let (dir, plugins, md) = setup("/elsewhere", &format!("elsewhere = {elsewhere:?}\n"));
    let r = onetime(&dir, &plugins, &md);
    r.code(1)
        .stderr_has(&format!(
            "Backend plugin probe: request to {elsewhere} refused: not one of the configured nodes (http://{})",
            md.node()
        ))
        .stderr_has("backend probe (unreachable)")
        .stderr_has("refused by the host (not a configured node)");
    only_bad_failed(&dir);
    // Nothing was accepted on the other address.
    probe_target.set_nonblocking(true).unwrap();
    assert!(probe_target.accept().is_err(), "no connection reached 127.0.0.2");
}

#[test]
fn a_malformed_snapshot_is_the_plugins_error() {
    let (dir, plugins, md) = setup("/malformed", "");
    onetime(&dir, &plugins, &md).code(1).stderr_has(
        "backend plugin \"probe\" returned a malformed snapshot: lengths past the end of the keys or values",
    );
    only_bad_failed(&dir);
}

#[test]
fn backends_built_before_packed_snapshots_still_load() {
    let dir = Dir::new();
    let plugins = install_test_plugin(
        &dir,
        "wconfd-test-legacy-backend",
        "legacy",
        "backend",
        "[options]\nanswer = \"from 0.2.0\"\n",
    );
    let manifest = std::fs::read_to_string(plugins.join("legacy.toml")).unwrap();
    assert!(manifest.contains("wit = \"wconfd:plugin@0.2.0\""), "{manifest}");
    dir.keyed("app", "/app", "{{getv \"/app/legacy\"}}\n");
    Wconfd::over(&dir, &["-onetime", "-backend", "legacy"])
        .arg("-plugin-dir")
        .arg(&plugins)
        .run()
        .ok();
    assert_eq!(dir.read("app.out"), "from 0.2.0\n");
}

#[test]
fn a_forged_host_header_is_refused_and_logged() {
    let (dir, plugins, md) = setup("/forged", "forged_host = \"evil.example\"\n");
    let r = onetime(&dir, &plugins, &md);
    r.code(1)
        .stderr_has("Backend plugin probe: refused a Host header set by the plugin")
        .stderr_has("header refused");
    only_bad_failed(&dir);
    assert!(
        !md.requests().iter().any(|l| l.contains("/forged")),
        "the forged request was never sent: {:?}",
        md.requests()
    );
}

#[test]
fn a_redirect_off_the_node_list_is_refused() {
    let (dir, plugins, md) = setup("/jump", "");
    md.redirect("/jump", "http://127.0.0.2:9/elsewhere");
    let r = onetime(&dir, &plugins, &md);
    r.code(1)
        .stderr_has("request to http://127.0.0.2:9/elsewhere refused: not one of the configured nodes");
    only_bad_failed(&dir);
}

#[test]
fn a_plugin_that_never_returns_is_stopped_by_its_time_limit() {
    let (dir, plugins, md) = setup("/bad", "spin = \"get\"\n");
    let r = onetime(&dir, &plugins, &md);
    r.code(1).stderr_has(
        "backend plugin \"probe\" failed in get-values: the call ran past its time limit and was interrupted",
    );
    // Both resources share the plugin's behaviour here; the point is the host: it stopped the
    // call, reported it, and exited cleanly with the destinations untouched.
    assert_eq!(dir.read("bad.out"), "earlier\n");
}

#[test]
fn a_trap_during_a_watch_restarts_the_instance_and_the_daemon_lives_on() {
    let (dir, plugins, md) = setup("/bad", "trap = \"watch\"\n");
    let child = Wconfd::over(
        &dir,
        &["-watch", "-backend", "probe", "-interval", "0", "-node", &md.node()],
    )
    .arg("-plugin-dir")
    .arg(&plugins)
    .spawn();
    eventually(30, "first render", || dir.read_or_empty("ok.out") == "404\n");
    // The watches trap; the daemon logs each, discards the instance, and retries with backoff.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let stderr = stop_daemon(child);
    assert!(
        stderr.contains(
            "backend plugin \"probe\" failed in watch: wasm trap: wasm `unreachable` instruction executed; \
             the instance was discarded"
        ),
        "{stderr}"
    );
    let traps = stderr.matches("failed in watch").count();
    assert!(traps >= 2, "retried after the trap ({traps} traps):\n{stderr}");
    assert!(
        traps < 40,
        "with backoff, not in a tight loop ({traps} traps):\n{stderr}"
    );
}
