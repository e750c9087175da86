//! The zookeeper backend against a real ZooKeeper server (Debian's, started by the tests on a
//! loopback port): confd's integration suite, seed 003's triggers through watches, a watch that
//! wakes only the resource whose keys changed, a server restart while watching, an unreachable
//! server.

use crate::conformance::{assert_matches_confd, integration_confdir, SUITE_KEYS};
use crate::servers::ZooKeeper;
use crate::util::{eventually, stop_daemon, Dir, Wconfd};
use std::time::Duration;

fn zookeeper(dir: &Dir, zk: &ZooKeeper, extra: &[&str]) -> Wconfd {
    let node = zk.node();
    let mut args = vec!["-backend", "zookeeper", "-node", node.as_str()];
    args.extend_from_slice(extra);
    Wconfd::over(dir, &args)
}

#[test]
fn integration_suite_on_zookeeper_gives_what_confd_wrote() {
    let zk = ZooKeeper::start();
    for (k, v) in SUITE_KEYS {
        zk.put(k, v);
    }
    let dir = Dir::new();
    integration_confdir(&dir);
    zookeeper(&dir, &zk, &["-onetime"])
        .env("HOSTNAME", "localhost")
        .run()
        .ok();
    // The real confd's outputs on etcdv3: the same keys, the same files.
    assert_matches_confd(&dir, "etcdv3");
}

#[test]
fn seed_003_triggers_through_zookeeper_each_reload_once() {
    let zk = ZooKeeper::start();
    let dir = Dir::new();
    let reloads = dir.seed_003_rollout();
    let child = zookeeper(&dir, &zk, &["-watch", "-interval", "0"]).spawn();
    eventually(30, "first render", || dir.exists("rollout.cmd"));
    let trigger = |tag: &str| format!("{{\"action\":\"deploy\",\"appName\":\"demo1\",\"imageTag\":\"{tag}\"}}");
    for i in 1..=10u32 {
        zk.put("/cicd/rollout/trigger", &trigger(&format!("v1-diff-{i}")));
        // One trigger at a time, as a CI pipeline sends them: each reloads once.
        let want = format!("imageTag v1-diff-{i}\n");
        eventually(30, "the trigger rendered", || dir.read_or_empty("rollout.cmd") == want);
    }
    let log = std::fs::read_to_string(&reloads).unwrap_or_default();
    let expected: Vec<String> = (1..=10).map(|i| format!("imageTag v1-diff-{i}")).collect();
    let daemon = stop_daemon(child);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        expected,
        "every trigger reloaded, in order\n{daemon}"
    );
}

#[test]
fn a_watch_wakes_only_the_resource_whose_keys_changed_and_survives_a_restart() {
    let mut zk = ZooKeeper::start();
    zk.put("/a/x", "1");
    zk.put("/b/y", "1");
    let dir = Dir::new();
    dir.keyed("a", "/a", "{{getv \"/a/x\"}}\n");
    dir.keyed("b", "/b", "{{getv \"/b/y\"}}\n");
    let child = zookeeper(&dir, &zk, &["-watch", "-interval", "0", "-log-level", "debug"]).spawn();
    eventually(30, "first renders", || {
        dir.read_or_empty("a.out") == "1\n" && dir.read_or_empty("b.out") == "1\n"
    });
    let b_rendered = std::fs::metadata(dir.join("b.out")).unwrap().modified().unwrap();
    zk.put("/a/x", "2");
    eventually(30, "a follows", || dir.read_or_empty("a.out") == "2\n");
    // A new znode under a resource's key (a child created) wakes it too.
    zk.put("/a/x2", "new");
    zk.put("/a/x", "3");
    eventually(30, "a follows again", || dir.read_or_empty("a.out") == "3\n");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::metadata(dir.join("b.out")).unwrap().modified().unwrap(),
        b_rendered,
        "b was not rewritten"
    );
    // The server restarts with its data; a change made after it reaches the file.
    zk.restart(false);
    zk.put("/b/y", "2");
    let followed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        eventually(60, "b follows after the restart", || {
            dir.read_or_empty("b.out") == "2\n"
        });
        zk.put("/a/x", "4");
        eventually(60, "a follows after the restart", || {
            dir.read_or_empty("a.out") == "4\n"
        });
        // A restart that loses every session (a new ensemble): wconfd's expires, it makes a new
        // one and watches again.
        zk.restart(true);
        zk.put("/a/x", "5");
        eventually(60, "a follows in a new session", || dir.read_or_empty("a.out") == "5\n");
        zk.put("/a/x", "6");
        eventually(60, "a follows changes in the new session", || {
            dir.read_or_empty("a.out") == "6\n"
        });
    }));
    if followed.is_err() {
        panic!("no follow after the restart; daemon log:\n{}", stop_daemon(child));
    }
    let log = stop_daemon(child);
    assert!(log.contains("session ended"), "{log}");
    // Only a's keys were read for a's changes before the restart: b's pass count stayed at one.
    let b_passes = log
        .lines()
        .filter(|l| l.contains("b.toml") && l.contains("Target config"))
        .count();
    assert!(b_passes <= 3, "b passed {b_passes} times:\n{log}");
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let closed = crate::servers::free_port();
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    std::fs::write(dir.join("app.out"), "earlier\n").unwrap();
    Wconfd::over(
        &dir,
        &[
            "-onetime",
            "-backend",
            "zookeeper",
            "-node",
            &format!("127.0.0.1:{closed}"),
        ],
    )
    .run()
    .code(1)
    .stderr_has(&format!("zookeeper 127.0.0.1:{closed}: connecting"));
    assert_eq!(dir.read("app.out"), "earlier\n");
}

#[test]
fn a_znode_the_session_may_not_read_is_a_clear_error() {
    let zk = ZooKeeper::start();
    zk.put("/app/name", "web");
    zk.put_private("/app/secret", "s3cret");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    std::fs::write(dir.join("app.out"), "earlier\n").unwrap();
    let run = zookeeper(&dir, &zk, &["-onetime"]).run();
    run.code(1)
        .stderr_has(&format!("zookeeper {}: listing /app/secret: not authorized", zk.node()));
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
    assert_eq!(dir.read("app.out"), "earlier\n");
}
