//! Watch-mode figures on real servers, in one run (`scripts/bench.sh watch`):
//! the time from a PUT/SET to the destination file replaced (p50/p99 over 1,000 updates),
//! the daemon's resident memory with 200 resources over 20,000 keys, and the backend requests
//! the daemon makes per change (counted by etcd's gRPC metrics and redis's commandstats).

#[path = "../../tests/util.rs"]
mod util;

#[path = "../../tests/servers.rs"]
mod servers;

use servers::{Etcd, Redis};
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use util::{eventually, Dir, Wconfd};

const UPDATES: usize = 1000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn start_daemon(args: &[&str], dir: &Dir) -> std::process::Child {
    let mut w = Wconfd::new();
    w.args([
        "-watch",
        "-interval",
        "0",
        "-config-file",
        "/dev/null",
        "-log-level",
        "warn",
    ])
    .args(args)
    .arg("-confdir")
    .arg(dir.join("confdir"))
    .arg("-plugin-cache-dir")
    .arg(util::plugin_cache());
    w.spawn()
}

fn stop(child: &mut std::process::Child) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = child.wait();
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// etcd's count of unary KV calls (Range and Txn) served so far.
fn etcd_kv_calls(url: &str) -> u64 {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body.lines()
        .filter(|l| {
            l.starts_with("grpc_server_handled_total{")
                && l.contains("etcdserverpb.KV")
                && (l.contains("\"Range\"") || l.contains("\"Txn\""))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// redis's count of commands served so far, except the benchmark's own SETs and probes.
fn redis_calls(r: &Redis) -> u64 {
    let info = r.cli(&["info", "commandstats"]).unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_") && !l.starts_with("cmdstat_set:") && !l.starts_with("cmdstat_info:"))
        .filter_map(|l| l.split("calls=").nth(1)?.split(',').next()?.parse::<u64>().ok())
        .sum()
}

/// PUT a new value UPDATES times, each time timing until the file shows it.
fn latencies(dir: &Dir, mut put: impl FnMut(&str)) -> Vec<Duration> {
    let dest = dir.join("bench.out");
    let mut out = Vec::with_capacity(UPDATES);
    for i in 0..UPDATES {
        let v = format!("value-{i}");
        let want = format!("{v}\n");
        let start = Instant::now();
        put(&v);
        loop {
            if std::fs::read_to_string(&dest).map(|s| s == want).unwrap_or(false) {
                break;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("update {i} never arrived");
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        out.push(start.elapsed());
    }
    out.sort();
    out
}

fn one_resource(dir: &Dir) {
    dir.resource(
        "bench",
        &format!(
            "[template]\nsrc = \"bench.tmpl\"\ndest = \"{}\"\nkeys = [\"/bench\"]\n",
            dir.join("bench.out").display()
        ),
        "{{getv \"/bench/key\" \"\"}}\n",
    );
}

fn many_resources(dir: &Dir) {
    for r in 0..200 {
        dir.resource(
            &format!("r{r:03}"),
            &format!(
                "[template]\nsrc = \"r{r:03}.tmpl\"\ndest = \"{}\"\nkeys = [\"/r{r:03}\"]\n",
                dir.join(&format!("out/r{r:03}")).display()
            ),
            &format!("{{{{range gets \"/r{r:03}/*\"}}}}{{{{.Value}}}}\n{{{{end}}}}"),
        );
    }
    std::fs::create_dir_all(dir.join("out")).unwrap();
}

fn all_rendered(dir: &Dir) -> bool {
    (0..200).all(|r| {
        std::fs::metadata(dir.join(&format!("out/r{r:03}")))
            .map(|m| m.len() > 0)
            .unwrap_or(false)
    })
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "| backend | PUT→file p50 | PUT→file p99 | RSS, 200 resources / 20,000 keys | backend requests per change |"
    );
    println!("|---|---|---|---|---|");

    // ---- etcd
    {
        let etcd = Etcd::start();
        let mut client = rt
            .block_on(etcd_client::Client::connect([etcd.client_url.as_str()], None))
            .unwrap();
        let dir = Dir::new();
        one_resource(&dir);
        let mut child = start_daemon(&["-backend", "etcdv3", "-node", &etcd.client_url], &dir);
        eventually(30, "first render", || dir.join("bench.out").exists());
        let before = etcd_kv_calls(&etcd.client_url);
        let lat = latencies(&dir, |v| {
            rt.block_on(client.put("/bench/key", v, None)).unwrap();
        });
        let requests = (etcd_kv_calls(&etcd.client_url) - before) as f64 / UPDATES as f64;
        stop(&mut child);

        let dir = Dir::new();
        many_resources(&dir);
        for r in 0..200 {
            let ops: Vec<etcd_client::TxnOp> = (0..100)
                .map(|k| etcd_client::TxnOp::put(format!("/r{r:03}/k{k:03}"), format!("v{r}-{k}"), None))
                .collect();
            rt.block_on(client.txn(etcd_client::Txn::new().and_then(ops))).unwrap();
        }
        let mut child = start_daemon(&["-backend", "etcdv3", "-node", &etcd.client_url], &dir);
        eventually(120, "200 renders", || all_rendered(&dir));
        std::thread::sleep(Duration::from_secs(1));
        let rss = rss_kib(child.id());
        stop(&mut child);
        println!(
            "| etcd v3 | {:.2} ms | {:.2} ms | {:.1} MiB | {:.2} |",
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
            rss as f64 / 1024.0,
            requests
        );
    }

    // ---- redis
    {
        let r = Redis::start(&["--notify-keyspace-events", "KA"]);
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/0", r.port)).unwrap();
        let mut conn = client.get_connection().unwrap();
        let dir = Dir::new();
        one_resource(&dir);
        let mut child = start_daemon(&["-backend", "redis", "-node", &r.node()], &dir);
        eventually(30, "first render", || dir.join("bench.out").exists());
        let before = redis_calls(&r);
        let lat = latencies(&dir, |v| {
            redis::cmd("SET").arg("/bench/key").arg(v).exec(&mut conn).unwrap();
        });
        let requests = (redis_calls(&r) - before) as f64 / UPDATES as f64;
        stop(&mut child);

        let dir = Dir::new();
        many_resources(&dir);
        for res in 0..200 {
            let mut cmd = redis::cmd("MSET");
            for k in 0..100 {
                cmd.arg(format!("/r{res:03}/k{k:03}")).arg(format!("v{res}-{k}"));
            }
            cmd.exec(&mut conn).unwrap();
        }
        let mut child = start_daemon(&["-backend", "redis", "-node", &r.node()], &dir);
        eventually(120, "200 renders", || all_rendered(&dir));
        std::thread::sleep(Duration::from_secs(1));
        let rss = rss_kib(child.id());
        stop(&mut child);
        println!(
            "| redis | {:.2} ms | {:.2} ms | {:.1} MiB | {:.2} |",
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
            rss as f64 / 1024.0,
            requests
        );
    }
}
