//! Renderer speed against Go, measured in the same run (`scripts/bench.sh`).
//!
//! Each workload is rendered through the real host and the real WebAssembly component (what a
//! resource pass costs after the fetch: the pairs built from the backend's snapshot as
//! `process::render` builds them, handed to the guest, store built, template executed; the
//! template is parsed once and reused) and through `oracle -bench` (Go's
//! text/template with confd's functions): `pass_ns` is what confd does on every pass (fill the
//! store, parse, execute), `exec_ns` executes a pre-parsed template. Each workload also runs at
//! half size to show how the cost grows with the input, and once more on the fuel-counting
//! engine (a tenant with a fuel budget pays that; nobody else does).

mod common;

use common::{nginx, oracle, oracle_case, printf_keys, twemproxy, Workload};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};
use wconfd::plugin::Entry;

/// The backend's snapshot of a workload: absolute keys and byte values.
fn snapshot(w: &Workload) -> BTreeMap<String, Vec<u8>> {
    w.kv.iter().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect()
}

/// The pairs a resource pass hands the renderer, built from the snapshot as
/// `process::render` builds them (keys made relative to the prefix, values moved).
fn pairs(snapshot: BTreeMap<String, Vec<u8>>) -> Vec<Entry> {
    snapshot
        .into_iter()
        .map(|(k, value)| Entry {
            key: wconfd::resource::relative_key("/", &k),
            value,
        })
        .collect()
}

struct Go {
    pass_ns: f64,
    exec_ns: f64,
    bytes: u64,
}

fn run_oracle(w: &Workload, renders: u32) -> Go {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.json");
    std::fs::write(&path, oracle_case(w)).unwrap();
    let out = Command::new(oracle())
        .arg("-bench")
        .arg(renders.to_string())
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "oracle: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Go {
        pass_ns: v["pass_ns"].as_f64().unwrap(),
        exec_ns: v["exec_ns"].as_f64().unwrap(),
        bytes: v["output_bytes"].as_u64().unwrap(),
    }
}

fn main() {
    let plugins = common::builtin_plugins();
    let renderer = plugins.renderer("gotemplate").expect("built-in renderer");
    // A budget no workload reaches: what counting costs, not what stopping does.
    let fuelled = plugins
        .fuel_renderer(
            "gotemplate",
            wconfd::plugin::Grants::confd_compatible(),
            wconfd::plugin::Limits {
                fuel: Some(u64::MAX / 2),
                ..Default::default()
            },
        )
        .expect("built-in renderer on the fuel-counting engine");
    let workloads: Vec<(Workload, Workload)> = vec![
        (nginx(1000), nginx(2000)),
        (printf_keys(10_000), printf_keys(20_000)),
        (twemproxy(250), twemproxy(500)),
    ];
    println!("| workload | keys | wconfd ms/render | Go pass_ms | Go exec_ms | wconfd / Go pass | wconfd / Go exec | wconfd ms at half size | with a fuel budget |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut peak = 0;
    for (half, full) in &workloads {
        let time = |renderer: &wconfd::plugin::WasmRenderer, w: &Workload| {
            let name = "bench.tmpl";
            let out = renderer
                .render(name, w.template.as_bytes(), &pairs(snapshot(w)))
                .expect("render");
            let renders = 20u32;
            let mut spent = Duration::ZERO;
            for _ in 0..renders {
                // A fresh snapshot per pass, as a fetch delivers one; copying it is not timed.
                let fetched = snapshot(w);
                let start = Instant::now();
                let kvs = pairs(fetched);
                std::hint::black_box(renderer.render(name, w.template.as_bytes(), &kvs).expect("render"));
                spent += start.elapsed();
            }
            (spent.as_nanos() as f64 / renders as f64, out.len())
        };
        let (half_ns, _) = time(&renderer, half);
        let (ns, bytes) = time(&renderer, full);
        let (fuel_ns, fuel_bytes) = time(&fuelled, full);
        assert_eq!(fuel_bytes, bytes, "{}: counting fuel changes no output", full.name);
        let go = run_oracle(full, 20);
        assert_eq!(
            bytes as u64, go.bytes,
            "{}: wconfd and Go must produce the same number of bytes",
            full.name
        );
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2}x | {:.2}x | {:.2} | {:.2} ({:.2}x) |",
            full.name,
            full.kv.len(),
            ns / 1e6,
            go.pass_ns / 1e6,
            go.exec_ns / 1e6,
            ns / go.pass_ns,
            ns / go.exec_ns,
            half_ns / 1e6,
            fuel_ns / 1e6,
            fuel_ns / ns
        );
        if full.name.starts_with("nginx") {
            // Peak linear memory of one render of workload (1) in a fresh instance.
            renderer.reset();
            renderer
                .render("bench.tmpl", full.template.as_bytes(), &pairs(snapshot(full)))
                .expect("render");
            peak = renderer.peak_memory_bytes();
        }
    }
    println!(
        "\npeak linear memory of one nginx render (2,000 services) in a fresh instance: {:.1} MiB",
        peak as f64 / (1 << 20) as f64
    );
}
