//! What the benchmarks share: the workloads (seed 000's nginx and twemproxy templates, a
//! `range gets` + `printf` template) and the Go reference (`../shared/oracle`, Go's
//! text/template with confd's functions).

#![allow(dead_code)] // each bench uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;

/// A template and the keys it renders.
pub struct Workload {
    pub name: &'static str,
    pub template: String,
    pub kv: Vec<(String, String)>,
}

pub fn nginx(services: usize) -> Workload {
    // Seed 000's nginx template: lsdir + gets + json, 4 upstreams per service.
    let template = "{{range $dir := lsdir \"/services/web\"}}\nupstream {{base $dir}} {\n    {{$custdir := printf \"/services/web/%s/*\" $dir}}{{range gets $custdir}}\n    server {{$data := json .Value}}{{$data.IP}}:80;\n    {{end}}\n}\n\nserver {\n    server_name {{base $dir}}.example.com;\n    location / {\n        proxy_pass {{base $dir}};\n    }\n}\n{{end}}\n".to_string();
    let mut kv = Vec::new();
    for s in 0..services {
        for h in 1..=4 {
            kv.push((
                format!("/services/web/cust{s}/{h}"),
                format!("{{\"IP\": \"10.{}.{}.{h}\"}}", s / 256, s % 256),
            ));
        }
    }
    Workload {
        name: "nginx lsdir+gets+json",
        template,
        kv,
    }
}

pub fn printf_keys(keys: usize) -> Workload {
    let template = "{{range gets \"/*\"}}{{printf \"%s=%s\\n\" .Key .Value}}{{end}}".to_string();
    let kv = (0..keys)
        .map(|i| (format!("/key{i:05}"), format!("value-{i}")))
        .collect();
    Workload {
        name: "range gets /* + printf",
        template,
        kv,
    }
}

pub fn twemproxy(pools: usize) -> Workload {
    let seed = std::fs::read_to_string(repo().join("examples/twemproxy/confdir/templates/twemproxy.tmpl")).unwrap();
    let kv = (0..pools)
        .map(|p| {
            let v = format!(
                "{{\"ListenAddr\": {{\"IP\": \"192.168.5.7\", \"Port\": \"{}\"}}, \"Servers\": [{{\"IP\": \"10.233.{}.1\", \"Port\": \"6379\", \"Master\": true}}, {{\"IP\": \"10.233.{}.2\", \"Port\": \"6379\", \"Master\": false}}], \"Password\": \"pw{p}\"}}",
                20000 + p,
                p % 250,
                p % 250
            );
            (format!("/twemproxy/pool/redis{p}"), v)
        })
        .collect();
    Workload {
        name: "twemproxy pools",
        template: seed,
        kv,
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The oracle binary: `$WCONFD_ORACLE`, else built from `../shared/oracle` into target/.
pub fn oracle() -> PathBuf {
    if let Ok(p) = std::env::var("WCONFD_ORACLE") {
        return PathBuf::from(p);
    }
    let out = repo().join("target/oracle/oracle");
    if !out.exists() {
        let src = repo().parent().unwrap().join("shared/oracle");
        let status = Command::new("go")
            .arg("build")
            .arg("-o")
            .arg(&out)
            .arg(".")
            .current_dir(&src)
            .status()
            .expect("go (install golang-go)");
        assert!(status.success(), "building the oracle failed");
    }
    out
}

/// `kv` as one nested JSON document, the shape a file-backend data file has: `/a/b = v`
/// becomes `{"a": {"b": "v"}}`.
pub fn nested_json(kv: &[(String, String)]) -> String {
    let mut root = serde_json::Map::new();
    for (k, v) in kv {
        let mut node = &mut root;
        let parts: Vec<&str> = k.trim_start_matches('/').split('/').collect();
        for p in &parts[..parts.len() - 1] {
            node = node
                .entry(p.to_string())
                .or_insert_with(|| serde_json::Value::Object(Default::default()))
                .as_object_mut()
                .expect("a key is not both a leaf and a directory");
        }
        node.insert(parts[parts.len() - 1].to_string(), serde_json::Value::String(v.clone()));
    }
    serde_json::Value::Object(root).to_string()
}

/// The oracle's input for `w`: its template and its keys.
pub fn oracle_case(w: &Workload) -> String {
    serde_json::json!({
        "template": w.template,
        "kv": w.kv.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
    })
    .to_string()
}

/// The built-in plugins, with plugin-directory code cached under `target/bench-plugin-cache`.
pub fn builtin_plugins() -> wconfd::plugin::Plugins {
    let cache = repo().join("target/bench-plugin-cache");
    wconfd::plugin::Plugins::load(&wconfd::plugin::LoadOptions {
        cache_dir: Some(&cache),
        ..Default::default()
    })
}
