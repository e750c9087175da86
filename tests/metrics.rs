//! `-metrics-addr`: Prometheus metrics and health over real HTTP on a loopback port.

use crate::servers::free_port;
use crate::util::{eventually, file_daemon, stop_daemon, Dir, Wconfd};
use std::io::{Read, Write};

/// `GET path` on `addr`: (status code, body).
pub(crate) fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// The sample `name{labels}` in an exposition, if present.
pub(crate) fn sample(metrics: &str, name_and_labels: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn metrics_health_and_readiness_follow_the_resources() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("good", "/app", "v={{getv \"/app/v\"}}\n");
    // Fails until /app/missing exists.
    dir.keyed("late", "/app", "m={{getv \"/app/missing\"}}\n");
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Wconfd::new()
        .args([
            "-backend",
            "file",
            "-watch",
            "-interval",
            "0",
            "-config-file",
            "/dev/null",
        ])
        .arg("-file")
        .arg(dir.join("data.yaml"))
        .arg("-confdir")
        .arg(dir.join("confdir"))
        .arg("-plugin-cache-dir")
        .arg(crate::util::plugin_cache())
        .args(["-metrics-addr", &addr])
        .spawn();
    eventually(20, "health answers", || {
        get(&addr, "/health") == Some((200, "ok\n".into()))
    });
    eventually(20, "first render", || dir.read_or_empty("good.out") == "v=1\n");
    let good = dir.join("confdir/conf.d/good.toml").display().to_string();
    let late = dir.join("confdir/conf.d/late.toml").display().to_string();
    // Not ready while one resource has never rendered, and the answer says which.
    eventually(20, "readiness names the resource", || {
        get(&addr, "/ready")
            .is_some_and(|(code, body)| code == 503 && body.contains(&format!("{late}: not rendered yet")))
    });
    let (_, m) = get(&addr, "/metrics").unwrap();
    let label = |r: &str| format!("{{resource=\"{r}\"}}");
    assert_eq!(
        sample(&m, &format!("wconfd_resource_renders_total{}", label(&good))),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(&m, &format!("wconfd_resource_updates_total{}", label(&good))),
        Some(1.0),
        "{m}"
    );
    assert!(
        sample(&m, &format!("wconfd_resource_failures_total{}", label(&late))).unwrap_or(0.0) >= 1.0,
        "{m}"
    );
    assert!(
        sample(
            &m,
            &format!("wconfd_resource_last_success_timestamp_seconds{}", label(&good))
        )
        .unwrap()
            > 1.6e9
    );
    assert!(
        sample(&m, &format!("wconfd_render_duration_seconds_count{}", label(&good))).unwrap() >= 1.0,
        "{m}"
    );
    // The renderer's peak linear memory: its 72 MiB stack at least, within the 384 MiB cap.
    let peak = sample(&m, "wconfd_plugin_peak_memory_bytes{plugin=\"gotemplate\"}").expect(&m);
    assert!((72.0 * 1048576.0..=384.0 * 1048576.0).contains(&peak), "{peak}");
    // The data arrives: both render, the process is ready.
    dir.write("data.yaml", "app:\n  v: \"2\"\n  missing: here\n");
    eventually(30, "ready", || get(&addr, "/ready") == Some((200, "ready\n".into())));
    eventually(20, "good follows the change", || {
        dir.read_or_empty("good.out") == "v=2\n"
    });
    // The pass is counted just after it wrote the file: wait for the count, not the file.
    eventually(20, "the second update counted", || {
        get(&addr, "/metrics")
            .is_some_and(|(_, m)| sample(&m, &format!("wconfd_resource_updates_total{}", label(&good))) == Some(2.0))
    });
    assert_eq!(get(&addr, "/nope").map(|(c, _)| c), Some(404));
    stop_daemon(child);
}

#[test]
fn a_metrics_address_that_cannot_be_served_stops_the_start() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("good", "/app", "v={{getv \"/app/v\"}}\n");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let r = Wconfd::file_onetime(&dir).run();
    r.ok();
    file_daemon(&dir, &["-interval", "60", "-metrics-addr", &addr])
        .run()
        .code(1)
        .stderr_has(&format!("cannot serve metrics on {addr}"));
}

#[test]
fn a_plugin_that_runs_out_of_memory_is_counted_by_kind() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  v: \"1\"\n");
    dir.keyed("bomb", "/app", crate::plugins::memory_bomb());
    let addr = format!("127.0.0.1:{}", free_port());
    let child = file_daemon(&dir, &["-interval", "3600", "-metrics-addr", &addr]).spawn();
    let failures = "wconfd_plugin_failures_total{plugin=\"gotemplate\",kind=\"memory\"}";
    eventually(60, "the memory failure counted", || {
        get(&addr, "/metrics").is_some_and(|(_, m)| sample(&m, failures).unwrap_or(0.0) >= 1.0)
    });
    let (_, m) = get(&addr, "/metrics").unwrap();
    assert!(
        sample(&m, "wconfd_plugin_failures_total{plugin=\"gotemplate\",kind=\"trap\"}").is_none(),
        "{m}"
    );
    stop_daemon(child);
}
