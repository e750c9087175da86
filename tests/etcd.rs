//! The etcd v3 backend against a real etcd: confd's integration suite, and a watch that loses
//! nothing (seed 003's CI/CD trigger, shared prefixes, deletions, errors, restarts).

use crate::conformance::{assert_matches_confd, integration_confdir, SUITE_KEYS};
use crate::servers::Etcd;
use crate::util::{eventually, stop_daemon, Dir, Wconfd};
use std::time::Duration;

#[test]
fn integration_suite_on_etcdv3() {
    let etcd = Etcd::start();
    for (k, v) in SUITE_KEYS {
        etcd.put(k, v);
    }
    // confd's suite runs it twice: plain, and with --watch to show --onetime wins.
    for watch in [false, true] {
        let dir = Dir::new();
        integration_confdir(&dir);
        let mut w = Wconfd::over(&dir, &["-onetime", "-backend", "etcdv3", "-node", &etcd.client_url]);
        if watch {
            w.arg("-watch");
        }
        w.env("HOSTNAME", "localhost").run().ok();
        assert_matches_confd(&dir, "etcdv3");
    }
}

/// A watch daemon over `etcd` for the resources in `dir/confdir`.
fn daemon(etcd: &Etcd, dir: &Dir) -> std::process::Child {
    let node = etcd.client_url.as_str();
    Wconfd::over(
        dir,
        &[
            "-watch",
            "-backend",
            "etcdv3",
            "-interval",
            "0",
            "-log-level",
            "debug",
            "-node",
            node,
        ],
    )
    .spawn()
}

fn lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path).map(|s| s.lines().count()).unwrap_or(0)
}

/// Seed 003: a key used as a CI/CD trigger. Every PUT of a new value must produce one update
/// and one reload; PUTs of the same value produce none after the first.
#[test]
fn seed_003_every_trigger_is_acted_on() {
    let etcd = Etcd::start();
    let dir = Dir::new();
    let reloads = dir.seed_003_rollout();
    let child = daemon(&etcd, &dir);
    eventually(30, "first render", || dir.join("rollout.cmd").exists());
    let trigger = |tag: &str| format!("{{\"action\":\"deploy\",\"appName\":\"demo1\",\"imageTag\":\"{tag}\"}}");
    // The bound: PUTs 50 ms apart are each acted on.
    let t0 = std::time::Instant::now();
    for i in 1..=10u32 {
        etcd.put("/cicd/rollout/trigger", &trigger(&format!("v1-diff-{i}")));
        // Paced on a 50 ms clock (etcdctl itself takes part of each slot).
        std::thread::sleep((t0 + Duration::from_millis(50) * i).saturating_duration_since(std::time::Instant::now()));
    }
    eventually(30, "the last trigger", || {
        dir.read("rollout.cmd") == "imageTag v1-diff-10\n"
    });
    let waited = std::panic::catch_unwind(|| eventually(10, "ten reloads", || lines(&reloads) == 10));
    if waited.is_err() {
        let log = std::fs::read_to_string(&reloads).unwrap_or_default();
        panic!("reloads:\n{log}\ndaemon log:\n{}", stop_daemon(child));
    }
    let log = std::fs::read_to_string(&reloads).unwrap();
    let expected: Vec<String> = (1..=10).map(|i| format!("imageTag v1-diff-{i}")).collect();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        expected,
        "every trigger reloaded, in order"
    );
    // Ten PUTs of one value: one update, one reload.
    for _ in 0..10 {
        etcd.put("/cicd/rollout/trigger", &trigger("v2-the-same"));
        std::thread::sleep(Duration::from_millis(100));
    }
    eventually(30, "same-value trigger", || {
        dir.read("rollout.cmd") == "imageTag v2-the-same\n"
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lines(&reloads), 11, "ten identical PUTs give one reload");
    let stderr = stop_daemon(child);
    assert_eq!(
        stderr.matches("has been updated").count(),
        12,
        "1 initial + 10 + 1 updates:\n{stderr}"
    );
}

#[test]
fn resources_sharing_a_prefix_all_update_and_deletions_rerender() {
    let etcd = Etcd::start();
    etcd.put("/app/a", "1");
    etcd.put("/app/b", "2");
    etcd.put("/apples", "not mine");
    let dir = Dir::new();
    for name in ["one", "two"] {
        dir.resource(
            name,
            &format!(
                "[template]\nsrc = \"{name}.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
                dir.join(&format!("{name}.out")).display()
            ),
            format!("{name}:{{{{range gets \"/app/*\"}}}}{{{{base .Key}}}}={{{{.Value}}}} {{{{end}}}}"),
        );
    }
    let child = daemon(&etcd, &dir);
    eventually(30, "first renders", || dir.exists("one.out") && dir.exists("two.out"));
    assert_eq!(dir.read("one.out"), "one:a=1 b=2 ");
    etcd.put("/app/c", "3");
    eventually(20, "both see the new key", || {
        dir.read("one.out") == "one:a=1 b=2 c=3 " && dir.read("two.out") == "two:a=1 b=2 c=3 "
    });
    etcd.del("/app/a");
    eventually(20, "both see the deletion", || {
        dir.read("one.out") == "one:b=2 c=3 " && dir.read("two.out") == "two:b=2 c=3 "
    });
    // A change to a sibling with a common string prefix is not a change under /app.
    etcd.put("/apples", "still not mine");
    std::thread::sleep(Duration::from_millis(500));
    let log = stop_daemon(child);
    // One shared watch on /app saw exactly the two changes under it (the put and the delete).
    assert_eq!(log.matches("Watch created on /app").count(), 1, "{log}");
    assert_eq!(log.matches("Watch to '/app' updated to").count(), 2, "{log}");
}

#[test]
fn a_render_error_is_retried_and_the_next_good_state_applied() {
    let etcd = Etcd::start();
    etcd.put("/svc/conf", "{\"port\": 80}");
    let dir = Dir::new();
    dir.keyed("svc", "/svc", "port {{(json (getv \"/svc/conf\")).port}}\n");
    let child = daemon(&etcd, &dir);
    eventually(30, "first render", || {
        dir.exists("svc.out") && dir.read("svc.out") == "port 80\n"
    });
    etcd.put("/svc/conf", "{\"port\": ");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(dir.read("svc.out"), "port 80\n", "a broken value leaves the file alone");
    etcd.put("/svc/conf", "{\"port\": 8080}");
    eventually(20, "the fix is applied", || dir.read("svc.out") == "port 8080\n");
    let stderr = stop_daemon(child);
    assert!(
        stderr.contains("error calling json: unexpected end of JSON input"),
        "{stderr}"
    );
}

#[test]
fn the_daemon_survives_an_etcd_restart() {
    let mut etcd = Etcd::start();
    etcd.put("/k/v", "before");
    let dir = Dir::new();
    dir.keyed("k", "/k", "{{getv \"/k/v\"}}\n");
    let child = daemon(&etcd, &dir);
    eventually(30, "first render", || {
        dir.exists("k.out") && dir.read("k.out") == "before\n"
    });
    etcd.stop();
    std::thread::sleep(Duration::from_millis(500));
    etcd.restart();
    etcd.put("/k/v", "after");
    eventually(40, "the change after the restart", || dir.read("k.out") == "after\n");
    stop_daemon(child);
}

#[test]
fn tls_with_client_certificates_and_basic_auth() {
    let certs = crate::servers::Certs::new();
    let mut etcd = Etcd::start_with(&[
        &format!("--cert-file={}", certs.path("server.pem")),
        &format!("--key-file={}", certs.path("server-key.pem")),
        &format!("--trusted-ca-file={}", certs.path("ca.pem")),
        "--client-cert-auth",
    ]);
    assert!(etcd.client_url.starts_with("https://"));
    etcd.ctl(&["user", "add", "root:rootpw"]).unwrap();
    etcd.ctl(&["user", "grant-role", "root", "root"]).unwrap();
    etcd.ctl(&["auth", "enable"]).unwrap();
    etcd.auth = Some("root:rootpw".into());
    etcd.put("/secure/key", "over tls");
    let dir = Dir::new();
    dir.keyed("s", "/secure", "{{getv \"/secure/key\"}}\n");
    let run = |basic_auth: bool| {
        let mut w = Wconfd::new();
        w.args([
            "-onetime",
            "-backend",
            "etcdv3",
            "-config-file",
            "/dev/null",
            "-node",
            &etcd.client_url,
        ])
        .args([
            "-client-ca-keys",
            &certs.path("ca.pem"),
            "-client-cert",
            &certs.path("client.pem"),
            "-client-key",
            &certs.path("client-key.pem"),
        ])
        .arg("-confdir")
        .arg(dir.join("confdir"))
        .arg("-plugin-cache-dir")
        .arg(crate::util::plugin_cache());
        if basic_auth {
            w.args(["-basic-auth", "-username", "root", "-password", "rootpw"]);
        }
        w.run()
    };
    // The certificate alone names a user etcd does not know: refused.
    run(false).code(1);
    assert!(!dir.exists("s.out"));
    run(true).ok();
    assert_eq!(dir.read("s.out"), "over tls\n");
}

#[test]
fn a_three_member_cluster_keeps_the_daemon_updating_with_a_member_down() {
    let mut members = Etcd::cluster(3);
    members[1].put("/c/v", "1");
    let dir = Dir::new();
    dir.keyed("c", "/c", "{{getv \"/c/v\"}}\n");
    let mut w = Wconfd::new();
    w.args([
        "-watch",
        "-backend",
        "etcdv3",
        "-interval",
        "0",
        "-config-file",
        "/dev/null",
    ]);
    for m in &members {
        w.args(["-node", &m.client_url]);
    }
    w.arg("-confdir")
        .arg(dir.join("confdir"))
        .arg("-plugin-cache-dir")
        .arg(crate::util::plugin_cache());
    let child = w.spawn();
    eventually(30, "first render", || dir.exists("c.out") && dir.read("c.out") == "1\n");
    // The first node is the one a client tries first: stop it.
    members[0].stop();
    members[1].put_retrying("/c/v", "2");
    eventually(40, "update with a member down", || dir.read("c.out") == "2\n");
    members[2].put_retrying("/c/v", "3");
    eventually(40, "and the next one", || dir.read("c.out") == "3\n");
    stop_daemon(child);
}

#[test]
fn a_compacted_history_makes_the_daemon_reread() {
    let mut etcd = Etcd::start();
    etcd.put("/h/v", "0");
    let dir = Dir::new();
    dir.keyed("h", "/h", "{{getv \"/h/v\"}}\n");
    let child = daemon(&etcd, &dir);
    eventually(30, "first render", || dir.exists("h.out") && dir.read("h.out") == "0\n");
    // While the daemon is cut off, the revisions it would resume from are written and compacted
    // away: its resumed watch is refused as compacted, so it must re-read the present instead.
    etcd.stop();
    // The daemon retries at 0.25, 0.75, 1.75, 3.75, 7.75 and 15.75 s: down for 8 s, the
    // writes and the compaction below land well before its next attempt.
    std::thread::sleep(Duration::from_secs(8));
    etcd.restart();
    for i in 1..=5 {
        etcd.put("/h/v", &i.to_string());
    }
    let rev = etcd.revision();
    etcd.ctl(&["compact", &rev.to_string()]).unwrap();
    eventually(40, "the value after compaction", || dir.read("h.out") == "5\n");
    let log = stop_daemon(child);
    assert!(
        log.contains("compacted at revision"),
        "the resumed watch must have met the compaction:
{log}"
    );
}

#[test]
fn quiescence_and_minimum_reload_interval_coalesce_bursts() {
    let etcd = Etcd::start();
    etcd.put("/q/v", "0");
    etcd.put("/m/v", "0");
    let dir = Dir::new();
    let reloads = dir.join("reloads.log");
    dir.resource(
        "q",
        &format!(
            "[template]\nsrc = \"q.tmpl\"\ndest = \"{}\"\nkeys = [\"/q\"]\nwait = \"1s:3s\"\nreload_cmd = \"echo q $(date +%s.%N) >> {}\"\n",
            dir.join("q.out").display(),
            reloads.display()
        ),
        "{{getv \"/q/v\"}}\n",
    );
    dir.resource(
        "m",
        &format!(
            "[template]\nsrc = \"m.tmpl\"\ndest = \"{}\"\nkeys = [\"/m\"]\nmin_reload_interval = \"2s\"\nreload_cmd = \"echo m $(date +%s.%N) >> {}\"\n",
            dir.join("m.out").display(),
            reloads.display()
        ),
        "{{getv \"/m/v\"}}\n",
    );
    let child = daemon(&etcd, &dir);
    eventually(30, "first renders", || dir.exists("q.out") && dir.exists("m.out"));
    for i in 1..=8 {
        etcd.put("/q/v", &i.to_string());
        etcd.put("/m/v", &i.to_string());
        std::thread::sleep(Duration::from_millis(200));
    }
    eventually(20, "final values", || {
        dir.read("q.out") == "8\n" && dir.read("m.out") == "8\n"
    });
    std::thread::sleep(Duration::from_millis(2500));
    stop_daemon(child);
    let log = std::fs::read_to_string(&reloads).unwrap();
    let times = |who: &str| -> Vec<f64> {
        log.lines()
            .filter(|l| l.starts_with(who))
            .map(|l| l.split(' ').nth(1).unwrap().parse().unwrap())
            .collect()
    };
    // Initial render, then the burst as one update once it went quiet.
    assert_eq!(
        times("q").len(),
        2,
        "quiescence coalesces the burst into one reload:\n{log}"
    );
    let m = times("m");
    assert!(m.len() >= 2 && m.len() <= 3, "a 1.6 s burst with 2 s spacing: {log}");
    assert!(
        m.windows(2).all(|w| w[1] - w[0] >= 1.9),
        "reloads at least 2 s apart: {m:?}"
    );
}

#[test]
fn watch_with_an_interval_reconciles_a_tampered_destination() {
    let etcd = Etcd::start();
    etcd.put("/t/v", "truth");
    let dir = Dir::new();
    dir.keyed("t", "/t", "{{getv \"/t/v\"}}\n");
    let node = etcd.client_url.as_str();
    let child = Wconfd::over(&dir, &["-watch", "-backend", "etcdv3", "-interval", "1", "-node", node]).spawn();
    eventually(30, "first render", || {
        dir.exists("t.out") && dir.read("t.out") == "truth\n"
    });
    // Nothing changes in etcd, but the file does: the interval pass puts it back.
    std::fs::write(dir.join("t.out"), "tampered\n").unwrap();
    eventually(10, "reconciliation restores the file", || {
        dir.read("t.out") == "truth\n"
    });
    stop_daemon(child);
}

#[test]
fn a_resource_with_more_keys_than_one_transaction_reads_one_revision() {
    // 200 keys: two read transactions at etcd's default limit of 128 operations. A writer
    // rewrites all 200 in one transaction, over and over (the server allows it that many); a
    // read that took its second transaction at a later revision than its first would see two
    // generations of values.
    let etcd = Etcd::start_with(&["--max-txn-ops=256"]);
    let keys: Vec<String> = (0..200).map(|i| format!("/k/{i:03}")).collect();
    let generation = |g: u32| {
        let mut txn = String::from("\n");
        for k in &keys {
            txn.push_str(&format!("put {k} g{g}\n"));
        }
        txn.push_str("\n\n");
        txn
    };
    let write = |g: u32| {
        use std::io::Write;
        let mut child = std::process::Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", &etcd.client_url, "txn"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(generation(g).as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "txn {g}");
    };
    write(0);
    let dir = Dir::new();
    let key_list: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    dir.resource(
        "k",
        &format!(
            "[template]\nsrc = \"k.tmpl\"\ndest = \"{}\"\nkeys = [{}]\n",
            dir.join("k.out").display(),
            key_list.join(", ")
        ),
        "{{$g := getv \"/k/000\"}}{{range gets \"/k/*\"}}{{if ne .Value $g}}torn: {{.Key}}={{.Value}}, /k/000={{$g}}\n{{end}}{{end}}keys={{len (gets \"/k/*\")}}\n",
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut g = 1;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                write(g);
                g += 1;
            }
        });
        for run in 0..15 {
            Wconfd::over(&dir, &["-onetime", "-backend", "etcdv3", "-node", &etcd.client_url])
                .run()
                .ok();
            assert_eq!(dir.read("k.out"), "keys=200\n", "run {run}");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

#[test]
fn a_watch_resumed_after_an_outage_sees_the_writes_made_during_it() {
    // The daemon knows one member of three. While that member is down the others take a write;
    // when it is back, the daemon's watch resumes from the revision it had and must deliver
    // that write, with nothing written afterwards to wake it.
    let mut members = Etcd::cluster(3);
    members[1].put("/o/v", "before");
    let dir = Dir::new();
    dir.keyed("o", "/o", "{{getv \"/o/v\"}}\n");
    let metrics = format!("127.0.0.1:{}", crate::servers::free_port());
    let child = Wconfd::over(
        &dir,
        &[
            "-watch",
            "-backend",
            "etcdv3",
            "-interval",
            "0",
            "-node",
            &members[0].client_url,
            "-metrics-addr",
            &metrics,
        ],
    )
    .spawn();
    eventually(30, "first render", || {
        dir.exists("o.out") && dir.read("o.out") == "before\n"
    });
    members[0].stop();
    members[1].put_retrying("/o/v", "during");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(dir.read("o.out"), "before\n", "the daemon's only member is down");
    members[0].restart();
    eventually(40, "the write made during the outage", || {
        dir.read("o.out") == "during\n"
    });
    // The operator sees the outage and the recovery in the metrics.
    let (_, m) = crate::metrics::get(&metrics, "/metrics").unwrap();
    let counter = |name: &str| crate::metrics::sample(&m, &format!("{name}{{backend=\"etcdv3\"}}"));
    assert!(
        counter("wconfd_backend_watch_errors_total").unwrap_or(0.0) >= 1.0,
        "{m}"
    );
    assert!(counter("wconfd_backend_reconnects_total").unwrap_or(0.0) >= 1.0, "{m}");
    stop_daemon(child);
}
