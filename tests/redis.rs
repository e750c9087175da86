//! The redis backend against a real redis-server: confd's integration suite, keyspace-
//! notification watches for every prefix, passwords and databases, the polling fallback, and
//! the documented forms of lists, sets and sorted sets.

use crate::conformance::{assert_matches_confd, integration_confdir};
use crate::servers::Redis;
use crate::util::{eventually, stop_daemon, Dir, Wconfd};
use std::time::Duration;

fn load_suite_data(r: &Redis, db: &str) {
    let s = |args: &[&str]| {
        let mut a = vec!["-n", db];
        a.extend_from_slice(args);
        r.run(&a);
    };
    s(&["set", "/key", "foobar"]);
    s(&["set", "/database/host", "127.0.0.1"]);
    s(&["set", "/database/password", "p@sSw0rd"]);
    s(&["set", "/database/port", "3306"]);
    s(&["set", "/database/username", "confd"]);
    s(&["set", "/upstream/app1", "10.0.1.10:8080"]);
    s(&["set", "/upstream/app2", "10.0.1.11:8080"]);
    s(&[
        "hset",
        "/prefix/database",
        "host",
        "127.0.0.1",
        "password",
        "p@sSw0rd",
        "port",
        "3306",
        "username",
        "confd",
    ]);
    s(&[
        "hset",
        "/prefix/upstream",
        "app1",
        "10.0.1.10:8080",
        "app2",
        "10.0.1.11:8080",
    ]);
}

#[test]
fn integration_suite_on_redis() {
    let r = Redis::start(&[]);
    load_suite_data(&r, "0");
    // confd's suite runs with the node and with the node plus "/0".
    for node in [r.node(), format!("{}/0", r.node())] {
        let dir = Dir::new();
        integration_confdir(&dir);
        Wconfd::over(&dir, &["-onetime", "-backend", "redis", "-node", &node])
            .env("HOSTNAME", "localhost")
            .run()
            .ok();
        assert_matches_confd(&dir, "redis");
    }
}

#[test]
fn password_and_a_non_zero_database() {
    let r = Redis::start(&["--requirepass", "s3cret:!"]);
    r.run(&["-n", "3", "set", "/app/name", "in-db-3"]);
    r.run(&["-n", "0", "set", "/app/name", "in-db-0"]);
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let node3 = format!("{}/3", r.node());
    let run = |args: &[&str]| {
        let mut all = vec!["-onetime", "-backend", "redis"];
        all.extend_from_slice(args);
        Wconfd::over(&dir, &all).run()
    };
    // confd's spelling: the password in -client-key.
    run(&["-client-key", "s3cret:!", "-node", &node3]).ok();
    assert_eq!(dir.read("app.out"), "in-db-3\n");
    // -password works too; a wrong one is a clear error.
    run(&["-password", "wrong", "-node", &r.node()])
        .code(1)
        .stderr_has("cannot connect to redis");
    // The right one with -password; and the nodes are tried in order: a dead one first.
    let dead = format!("127.0.0.1:{}", crate::servers::free_port());
    std::fs::remove_file(dir.join("app.out")).unwrap();
    run(&["-password", "s3cret:!", "-node", &dead, "-node", &node3]).ok();
    assert_eq!(dir.read("app.out"), "in-db-3\n");
}

#[test]
fn lists_sets_and_sorted_sets_have_a_documented_form() {
    let r = Redis::start(&[]);
    r.run(&["rpush", "/app/list", "a", "b"]);
    r.run(&["sadd", "/app/set", "x", "y"]);
    r.run(&["zadd", "/app/zset", "1.5", "m"]);
    r.run(&["hset", "/app/hash", "f", "v"]);
    r.run(&["set", "/apples", "not under /app"]);
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{range gets \"/app/*/*\"}}{{.Key}}={{.Value}}\n{{end}}");
    let mut w = Wconfd::over(&dir, &["-onetime", "-backend", "redis", "-node", &r.node()]);
    w.run().ok();
    assert_eq!(
        dir.read("app.out"),
        "/app/hash/f=v\n/app/list/0=a\n/app/list/1=b\n/app/set/x=x\n/app/set/y=y\n/app/zset/m=1.5\n"
    );
}

fn daemon(r: &Redis, dir: &Dir, extra: &[&str]) -> std::process::Child {
    let node = r.node();
    let mut w = Wconfd::over(
        dir,
        &["-watch", "-backend", "redis", "-log-level", "debug", "-node", &node],
    );
    w.args(extra).spawn()
}

#[test]
fn seed_003_on_redis_every_trigger_is_acted_on() {
    let r = Redis::start(&["--notify-keyspace-events", "KA"]);
    let dir = Dir::new();
    let reloads = dir.seed_003_rollout();
    let child = daemon(&r, &dir, &["-interval", "0"]);
    eventually(30, "first render", || dir.join("rollout.cmd").exists());
    let t0 = std::time::Instant::now();
    for i in 1..=10u32 {
        r.run(&["set", "/cicd/rollout/trigger", &format!("{{\"imageTag\":\"v{i}\"}}")]);
        // Paced on a 50 ms clock (redis-cli itself takes part of each slot).
        std::thread::sleep((t0 + Duration::from_millis(50) * i).saturating_duration_since(std::time::Instant::now()));
    }
    eventually(30, "the last trigger", || dir.read("rollout.cmd") == "imageTag v10\n");
    eventually(10, "ten reloads", || {
        std::fs::read_to_string(&reloads)
            .map(|s| s.lines().count())
            .unwrap_or(0)
            == 10
    });
    let log = std::fs::read_to_string(&reloads).unwrap();
    let want: Vec<String> = (1..=10).map(|i| format!("imageTag v{i}")).collect();
    assert_eq!(log.lines().collect::<Vec<_>>(), want);
    // Ten SETs of one value: one update, one reload.
    for _ in 0..10 {
        r.run(&["set", "/cicd/rollout/trigger", "{\"imageTag\":\"same\"}"]);
        std::thread::sleep(Duration::from_millis(100));
    }
    eventually(30, "same-value trigger", || {
        dir.read("rollout.cmd") == "imageTag same\n"
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        std::fs::read_to_string(&reloads).unwrap().lines().count(),
        11,
        "ten identical SETs give one reload"
    );
    stop_daemon(child);
}

#[test]
fn resources_on_different_prefixes_all_update() {
    // confd subscribed only the first resource's prefix and woke one resource per event.
    let r = Redis::start(&["--notify-keyspace-events", "KA"]);
    r.run(&["set", "/one/v", "1"]);
    r.run(&["set", "/two/v", "1"]);
    let dir = Dir::new();
    for (name, prefix) in [("a", "/one"), ("b", "/two"), ("c", "/one")] {
        dir.resource(
            name,
            &format!(
                "[template]\nsrc = \"{name}.tmpl\"\ndest = \"{}\"\nkeys = [\"{prefix}\"]\n",
                dir.join(&format!("{name}.out")).display()
            ),
            format!("{{{{getv \"{prefix}/v\" \"gone\"}}}}\n"),
        );
    }
    let child = daemon(&r, &dir, &["-interval", "0"]);
    eventually(30, "first renders", || {
        ["a", "b", "c"].iter().all(|n| dir.exists(&format!("{n}.out")))
    });
    r.run(&["set", "/two/v", "2"]);
    eventually(20, "second prefix updates", || dir.read("b.out") == "2\n");
    r.run(&["set", "/one/v", "3"]);
    eventually(20, "both resources on the first prefix update", || {
        dir.read("a.out") == "3\n" && dir.read("c.out") == "3\n"
    });
    r.run(&["del", "/two/v"]);
    eventually(20, "deletion re-renders", || dir.read("b.out") == "gone\n");
    assert_eq!(dir.read("a.out"), "3\n", "a deletion under /two does not concern /one");
    stop_daemon(child);
}

/// A watch daemon with `-interval 1` over `r` renders `/p/v` and then follows a change to it;
/// returns its log.
fn follows_a_change_by_polling(r: &Redis) -> String {
    r.run(&["set", "/p/v", "1"]);
    let dir = Dir::new();
    dir.keyed("p", "/p", "{{getv \"/p/v\"}}\n");
    let child = daemon(r, &dir, &["-interval", "1"]);
    eventually(30, "first render", || dir.exists("p.out") && dir.read("p.out") == "1\n");
    r.run(&["set", "/p/v", "2"]);
    eventually(20, "the polled change", || dir.read("p.out") == "2\n");
    stop_daemon(child)
}

#[test]
fn without_notifications_it_says_so_and_polls() {
    let r = Redis::start(&["--notify-keyspace-events", ""]);
    let stderr = follows_a_change_by_polling(&r);
    assert!(
        stderr.contains("WARNING redis: keyspace notifications are off"),
        "{stderr}"
    );
    // Or wconfd turns them on when asked.
    let dir = Dir::new();
    dir.keyed("p", "/p", "{{getv \"/p/v\"}}\n");
    let child = daemon(&r, &dir, &["-interval", "0", "-redis-enable-notifications"]);
    eventually(30, "first render", || dir.exists("p.out"));
    r.run(&["set", "/p/v", "3"]);
    eventually(20, "notified change", || dir.read("p.out") == "3\n");
    let stderr = stop_daemon(child);
    assert!(stderr.contains("enabled them (notify-keyspace-events KA)"), "{stderr}");
    assert!(
        r.cli(&["config", "get", "notify-keyspace-events"])
            .unwrap()
            .contains("AK")
            || r.cli(&["config", "get", "notify-keyspace-events"])
                .unwrap()
                .contains("KA")
    );
}

#[test]
fn the_daemon_survives_a_redis_restart() {
    let mut r = Redis::start(&["--notify-keyspace-events", "KA"]);
    r.run(&["set", "/r/v", "before"]);
    let dir = Dir::new();
    dir.keyed("r", "/r", "{{getv \"/r/v\" \"none\"}}\n");
    let child = daemon(&r, &dir, &["-interval", "0"]);
    eventually(30, "first render", || {
        dir.exists("r.out") && dir.read("r.out") == "before\n"
    });
    r.restart();
    // The restarted server is empty; the daemon reconnects, re-reads, and follows new writes.
    eventually(30, "re-read after the restart", || dir.read("r.out") == "none\n");
    r.run(&["set", "/r/v", "after"]);
    eventually(30, "a change after the restart", || dir.read("r.out") == "after\n");
    stop_daemon(child);
}

#[test]
fn a_separator_and_a_unix_socket_node() {
    let sock_dir = tempfile::tempdir().unwrap();
    let sock = sock_dir.path().join("redis.sock");
    let r = Redis::start(&["--unixsocket", sock.to_str().unwrap(), "--unixsocketperm", "700"]);
    // With -separator ":", /app/db/host is the redis key app:db:host (confd's mapping).
    r.run(&["set", "app:db:host", "10.0.0.9"]);
    r.run(&["set", "app:db:port", "5432"]);
    r.run(&["set", "apples", "not under app"]);
    let dir = Dir::new();
    dir.keyed(
        "app",
        "/app/db",
        "{{range gets \"/app/db/*\"}}{{.Key}}={{.Value}}\n{{end}}",
    );
    let mut w = Wconfd::new();
    w.args([
        "-onetime",
        "-backend",
        "redis",
        "-config-file",
        "/dev/null",
        "-separator",
        ":",
        "-node",
    ])
    .arg(&sock)
    .arg("-confdir")
    .arg(dir.join("confdir"))
    .arg("-plugin-cache-dir")
    .arg(crate::util::plugin_cache());
    w.run()
        .ok()
        .stderr_has(&format!("Backend source(s) set to {}", sock.display()));
    assert_eq!(dir.read("app.out"), "/app/db/host=10.0.0.9\n/app/db/port=5432\n");
}

#[test]
fn a_server_that_refuses_subscriptions_is_said_once_and_polled() {
    // Notifications on, but this server has no PSUBSCRIBE for its clients.
    let r = Redis::start(&["--notify-keyspace-events", "KA", "--rename-command", "PSUBSCRIBE", ""]);
    let stderr = follows_a_change_by_polling(&r);
    assert_eq!(
        stderr
            .matches("WARNING redis: the server refuses keyspace subscriptions")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("polling every 1s"), "{stderr}");
}
