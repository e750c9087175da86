//! Watch-mode figures in one run (`scripts/bench.sh watch`): the time from a PUT/SET to the
//! destination file replaced (p50/p99 over 1,000 updates), the daemon's resident memory with
//! 200 resources over 20,000 keys, and the backend requests the daemon makes per change
//! (counted by etcd's gRPC metrics, redis's commandstats, ZooKeeper's `mntr` and the
//! emulators' request logs).
//!
//! Backends: native etcd, redis and zookeeper on real servers; the consul and rancher WebAssembly plugins
//! on the test suite's API emulators (no Consul or Rancher can be installed here), so their
//! rows measure wconfd and the plugin boundary, not a real server's latency. A last table
//! compares a 20,000-key consul fetch through the plugin with the same fetch done natively.

#[path = "../../tests/util.rs"]
mod util;

#[path = "../../tests/servers.rs"]
mod servers;

#[allow(dead_code)]
#[path = "../../tests/http_emulator.rs"]
mod http_emulator;

#[allow(dead_code)]
#[path = "../../tests/consul_kv.rs"]
mod consul_kv;

#[allow(dead_code)]
#[path = "../../tests/rancher_metadata.rs"]
mod rancher_metadata;

use consul_kv::ConsulKv;
use rancher_metadata::RancherMetadata;
use servers::{Etcd, Redis, ZooKeeper};
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
fn latencies(dir: &Dir, put: &mut impl FnMut(&str)) -> Vec<Duration> {
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
            format!("{{{{range gets \"/r{r:03}/*\"}}}}{{{{.Value}}}}\n{{{{end}}}}"),
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

/// One table row: latency over UPDATES changes of one resource's key (`put`), the backend
/// requests per change (`calls` counts them), and the daemon's memory with 200 resources over
/// 20,000 keys (`load_many` stores them).
fn row(name: &str, args: &[&str], mut put: impl FnMut(&str), calls: impl Fn() -> u64, load_many: impl FnOnce()) {
    let dir = Dir::new();
    one_resource(&dir);
    let mut child = start_daemon(args, &dir);
    eventually(30, "first render", || dir.join("bench.out").exists());
    let before = calls();
    let lat = latencies(&dir, &mut put);
    let requests = (calls() - before) as f64 / UPDATES as f64;
    stop(&mut child);

    let dir = Dir::new();
    many_resources(&dir);
    load_many();
    let mut child = start_daemon(args, &dir);
    eventually(120, "200 renders", || all_rendered(&dir));
    std::thread::sleep(Duration::from_secs(1));
    let rss = rss_kib(child.id());
    stop(&mut child);
    println!(
        "| {name} | {:.2} ms | {:.2} ms | {:.1} MiB | {:.2} |",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        rss as f64 / 1024.0,
        requests
    );
}

/// The keys of [`many_resources`]: `/rNNN/kNNN`.
fn many_keys() -> impl Iterator<Item = (String, String)> {
    (0..200).flat_map(|r| (0..100).map(move |k| (format!("/r{r:03}/k{k:03}"), format!("v{r}-{k}"))))
}

fn main() {
    println!("Daemons run with -log-level warn (no per-change INFO lines on their stderr).\n");
    let rt = tokio::runtime::Runtime::new().unwrap();
    if std::env::args().skip(1).any(|a| a == "fetch") {
        return fetch_table(&rt);
    }
    if std::env::args().skip(1).any(|a| a == "tenants") {
        return tenants_table(&rt);
    }
    println!(
        "| backend | PUT→file p50 | PUT→file p99 | RSS, 200 resources / 20,000 keys | backend requests per change |"
    );
    println!("|---|---|---|---|---|");

    let etcd = Etcd::start();
    let mut client = rt
        .block_on(etcd_client::Client::connect([etcd.client_url.as_str()], None))
        .unwrap();
    let mut loader = client.clone();
    row(
        "etcd v3",
        &["-backend", "etcdv3", "-node", &etcd.client_url],
        |v| {
            rt.block_on(client.put("/bench/key", v, None)).unwrap();
        },
        || etcd_kv_calls(&etcd.client_url),
        || {
            let keys: Vec<_> = many_keys().collect();
            for chunk in keys.chunks(100) {
                let ops: Vec<etcd_client::TxnOp> = chunk
                    .iter()
                    .map(|(k, v)| etcd_client::TxnOp::put(k.as_str(), v.as_str(), None))
                    .collect();
                rt.block_on(loader.txn(etcd_client::Txn::new().and_then(ops))).unwrap();
            }
        },
    );
    drop(etcd);

    let r = Redis::start(&["--notify-keyspace-events", "KA"]);
    let redis_client = redis::Client::open(format!("redis://127.0.0.1:{}/0", r.port)).unwrap();
    let mut conn = redis_client.get_connection().unwrap();
    let mut loader = redis_client.get_connection().unwrap();
    row(
        "redis",
        &["-backend", "redis", "-node", &r.node()],
        |v| redis::cmd("SET").arg("/bench/key").arg(v).exec(&mut conn).unwrap(),
        || redis_calls(&r),
        || {
            let mut cmd = redis::cmd("MSET");
            for (k, v) in many_keys() {
                cmd.arg(k).arg(v);
            }
            cmd.exec(&mut loader).unwrap();
        },
    );
    drop(r);

    let zk = ZooKeeper::start();
    zk.put("/bench/key", "init");
    row(
        "zookeeper",
        &["-backend", "zookeeper", "-node", &zk.node()],
        |v| zk.put("/bench/key", v),
        || zk.others_requests(),
        || many_keys().for_each(|(k, v)| zk.put(&k, &v)),
    );
    drop(zk);

    let kv = ConsulKv::start();
    row(
        "consul (plugin; emulated server)",
        &["-backend", "consul", "-node", &kv.node(), "-backend-option", "wait=30"],
        |v| kv.put("/bench/key", v),
        || kv.requests().len() as u64,
        || many_keys().for_each(|(k, v)| kv.put(&k, &v)),
    );

    let md = RancherMetadata::start(serde_json::json!({"bench": {"key": "init"}}));
    row(
        "rancher (plugin; emulated server)",
        &["-backend", "rancher", "-prefix", "/2015-12-19", "-node", &md.node()],
        |v| md.set("/bench/key", serde_json::Value::String(v.into())),
        || md.requests().len() as u64,
        || many_keys().for_each(|(k, v)| md.set(&k, serde_json::Value::String(v))),
    );

    fetch_table(&rt);
}

/// Tenant B's change→file latency on etcd while tenant A is idle, then while A's template spins
/// (36 million loop iterations a render, re-triggered every 50 ms, so A's renderer is always
/// busy): A's renders run in A's own instance, so B should not notice.
fn tenants_table(rt: &tokio::runtime::Runtime) {
    let etcd = Etcd::start();
    let client = rt
        .block_on(etcd_client::Client::connect([etcd.client_url.as_str()], None))
        .unwrap();
    let dir = Dir::new();
    std::fs::create_dir_all(dir.join("confdir/conf.d")).unwrap();
    let tenant = |name: &str, prefix: &str, extra: &str| {
        dir.write(
            &format!("confdir/tenants.d/{name}.toml"),
            format!(
                "confdir = {:?}\nprefixes = [{prefix:?}]\nroots = [{:?}]\n{extra}",
                dir.join(name).display().to_string(),
                dir.path().display().to_string()
            ),
        );
    };
    tenant("a", "/team-a", "[limits]\nrender_time = \"5s\"\n");
    tenant("b", "/bench", "");
    let resource = |tenant: &str, name: &str, key: &str, template: &str| {
        dir.write(
            &format!("{tenant}/conf.d/{name}.toml"),
            format!(
                "[template]\nsrc = \"{name}.tmpl\"\ndest = {:?}\nkeys = [{key:?}]\n",
                dir.join(&format!("{name}.out")).display().to_string()
            ),
        );
        dir.write(&format!("{tenant}/templates/{name}.tmpl"), template);
    };
    resource(
        "a",
        "spin",
        "/team-a",
        "{{range seq 1 6000}}{{range seq 1 6000}}{{end}}{{end}}{{getv \"/team-a/v\" \"0\"}}\n",
    );
    resource("b", "bench", "/bench", "{{getv \"/bench/key\" \"\"}}\n");
    let mut child = start_daemon(&["-backend", "etcdv3", "-node", &etcd.client_url], &dir);
    eventually(30, "first render", || dir.join("bench.out").exists());
    eventually(60, "tenant A's first render", || dir.join("spin.out").exists());
    println!("| tenant B's PUT→file on etcd ({UPDATES} updates) | p50 | p99 |");
    println!("|---|---|---|");
    let spinning = std::sync::atomic::AtomicBool::new(false);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut writer = client.clone();
            let mut i = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if spinning.load(std::sync::atomic::Ordering::Relaxed) {
                    i += 1;
                    rt.block_on(writer.put("/team-a/v", i.to_string(), None)).unwrap();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        for (label, spin) in [("tenant A idle", false), ("tenant A spinning", true)] {
            spinning.store(spin, std::sync::atomic::Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(300));
            let a_before = dir.read_or_empty("spin.out");
            let mut put_client = client.clone();
            let lat = latencies(&dir, &mut |v| {
                rt.block_on(put_client.put("/bench/key", v, None)).unwrap();
            });
            let a_after = dir.read_or_empty("spin.out");
            // While spinning, A must really have rendered all along (its file moved on).
            assert_eq!(
                spin,
                a_before != a_after,
                "tenant A rendered: {a_before:?} -> {a_after:?}"
            );
            println!(
                "| {label} | {:.2} ms | {:.2} ms |",
                percentile(&lat, 0.5).as_secs_f64() * 1e3,
                percentile(&lat, 0.99).as_secs_f64() * 1e3
            );
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    stop(&mut child);
}

/// A 20,000-key consul fetch: through the plugin (host → guest → wasi:http → guest → host)
/// and the same work done natively in this process (one HTTP GET, JSON, base64, a map). The
/// server sends one precomputed answer, so both sides measure the client's work only.
fn fetch_table(rt: &tokio::runtime::Runtime) {
    use base64::Engine;
    const KEYS: usize = 20_000;
    const RUNS: usize = 20;
    let entries: Vec<serde_json::Value> = (0..KEYS)
        .map(|i| {
            serde_json::json!({
                "Key": format!("big/k{i:05}"),
                "CreateIndex": 10 + i,
                "ModifyIndex": 10 + i,
                "LockIndex": 0,
                "Flags": 0,
                "Value": base64::engine::general_purpose::STANDARD.encode(format!("value-{i}")),
                "Session": "",
            })
        })
        .collect();
    let answer = serde_json::Value::Array(entries).to_string().into_bytes();
    let server = http_emulator::HttpEmulator::start(move |_| {
        http_emulator::Response::new(200, "application/json", answer.clone()).header("X-Consul-Index", 20_010)
    });
    let node = format!("127.0.0.1:{}", server.port);
    let plugins = wconfd::plugin::Plugins::load(&wconfd::plugin::LoadOptions {
        backend: Some("consul"),
        ..Default::default()
    });
    let flags: wconfd::config::Layer = vec![
        ("backend", wconfd::config::Val::Str("consul".into())),
        ("node", wconfd::config::Val::List(vec![node.clone()])),
        ("config-file", wconfd::config::Val::Str("/dev/null".into())),
    ];
    let config = wconfd::config::load(flags, std::iter::empty()).unwrap();
    let backend = rt.block_on(wconfd::backend::connect(&config, &plugins)).unwrap();
    let keys = vec!["/big".to_string()];
    let median = |mut f: Box<dyn FnMut() -> usize + '_>| {
        assert_eq!(f(), KEYS, "every key fetched");
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect();
        times.sort();
        times[RUNS / 2]
    };
    let plugin = median(Box::new(|| rt.block_on(backend.get_values(&keys)).unwrap().kv.len()));
    let native = median(Box::new(|| native_consul_fetch(&node, "big").len()));
    // The boundary alone: a plugin that already holds the 20,000 pairs hands them over (moved,
    // not copied), and the host takes them into its snapshot map.
    let dir = util::Dir::new();
    let probe_dir = util::install_test_plugin(&dir, "wconfd-test-probe-backend", "probe", "backend", "");
    let probe_plugins = wconfd::plugin::Plugins::load(&wconfd::plugin::LoadOptions {
        plugin_dir: Some(&probe_dir),
        backend: Some("probe"),
        ..Default::default()
    });
    let flags: wconfd::config::Layer = vec![
        ("backend", wconfd::config::Val::Str("probe".into())),
        ("node", wconfd::config::Val::List(vec![node.clone()])),
        (
            "backend-option",
            // One ready-made answer per call (the median's calls plus the check): the plugin
            // copies nothing while it is timed.
            wconfd::config::Val::List(vec![
                format!("synthetic={KEYS}"),
                format!("synthetic_copies={}", RUNS + 1),
            ]),
        ),
        ("config-file", wconfd::config::Val::Str("/dev/null".into())),
    ];
    let config = wconfd::config::load(flags, std::iter::empty()).unwrap();
    let probe = rt.block_on(wconfd::backend::connect(&config, &probe_plugins)).unwrap();
    let crossing = median(Box::new(|| rt.block_on(probe.get_values(&keys)).unwrap().kv.len()));
    // Of that, the host's own part: making its snapshot map from the packed pairs (a string
    // and a value per pair, as a native backend makes them from what it read) and dropping it
    // afterwards. The packed pairs are made outside the timing.
    let (mut packed_keys, mut packed_values, mut lengths) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..KEYS {
        let (k, v) = (format!("/big/k{i:05}"), format!("value-{i}"));
        packed_keys.extend_from_slice(k.as_bytes());
        packed_values.extend_from_slice(v.as_bytes());
        lengths.extend([k.len() as u32, v.len() as u32]);
    }
    let host_map = {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let map = wconfd::plugin::backend::unpack_pairs("probe", &packed_keys, &packed_values, &lengths, &keys)
                    .unwrap();
                assert_eq!(map.len(), KEYS);
                drop(std::hint::black_box(map));
                t.elapsed()
            })
            .collect();
        times.sort();
        times[RUNS / 2]
    };
    let pct = |d: Duration| d.as_secs_f64() / plugin.as_secs_f64() * 100.0;
    println!("\n| 20,000-key consul fetch ({RUNS} runs, median) | ms | share of the plugin fetch |");
    println!("|---|---|---|");
    println!("| through the plugin | {:.2} | 100% |", plugin.as_secs_f64() * 1e3);
    println!(
        "| the same fetch natively | {:.2} | {:.0}% |",
        native.as_secs_f64() * 1e3,
        pct(native)
    );
    println!(
        "| 20,000 pairs handed over by a plugin that holds them, into the host's snapshot | {:.2} | {:.1}% |",
        crossing.as_secs_f64() * 1e3,
        pct(crossing)
    );
    println!(
        "| of which the host's snapshot map, made from the packed pairs and dropped (native backends make theirs too) | {:.2} | {:.1}% |",
        host_map.as_secs_f64() * 1e3,
        pct(host_map)
    );
    let boundary = crossing.saturating_sub(host_map);
    println!(
        "| the WebAssembly boundary alone: the call, and the packed pairs copied out of the guest | {:.2} | {:.1}% |",
        boundary.as_secs_f64() * 1e3,
        pct(boundary)
    );
    println!(
        "| the rest: the plugin's own work running as WebAssembly | {:.2} | {:.1}% |",
        (plugin.as_secs_f64() - native.as_secs_f64() - crossing.as_secs_f64()) * 1e3,
        pct(plugin.saturating_sub(native).saturating_sub(crossing))
    );
}

/// What the consul plugin does for one key, natively: GET, parse (typed, as the plugin does),
/// decode, map.
fn native_consul_fetch(node: &str, key: &str) -> std::collections::BTreeMap<String, String> {
    use base64::Engine;
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(rename = "Key")]
        key: String,
        #[serde(rename = "Value")]
        value: Option<String>,
    }
    let mut s = std::net::TcpStream::connect(node).unwrap();
    write!(
        s,
        "GET /v1/kv/{key}?recurse= HTTP/1.1\r\nHost: {node}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let entries: Vec<Entry> = serde_json::from_slice(&raw[split..]).unwrap();
    entries
        .into_iter()
        .map(|e| {
            let value = base64::engine::general_purpose::STANDARD
                .decode(e.value.unwrap_or_default())
                .unwrap();
            (format!("/{}", e.key), String::from_utf8(value).unwrap())
        })
        .collect()
}
