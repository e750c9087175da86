//! The differential suite: every case under `tests/corpus/` was rendered by Go 1.19's real
//! text/template with confd's function map (`scripts/gen-corpus.py` runs `../shared/oracle`).
//! The engine must produce the same bytes, or the same error text.
//!
//! Cases where wconfd differs from confd on purpose carry `"wconfd_differs"` with the reason and
//! the expected wconfd output; the list is printed so a run shows every deliberate difference.

use base64::Engine;
use serde_json::Value as Json;
use std::collections::HashMap;
use wconfd_gotemplate::{Host, Limits, Srv, Store, Template, Time};

/// The oracle's deterministic stand-ins for the outside world: the case's `env` and `dns`.
pub struct CaseHost {
    env: HashMap<String, String>,
    hosts: HashMap<String, Vec<String>>,
    srv: HashMap<String, Vec<Srv>>,
}

impl CaseHost {
    pub fn from_case(c: &Json) -> Self {
        let env = c["env"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let hosts = c["dns"]["hosts"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let ips = v
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|x| x.as_str().map(String::from))
                            .collect();
                        (k.clone(), ips)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let srv = c["dns"]["srv"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let recs = v
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|r| Srv {
                                target: r["target"].as_str().unwrap_or("").to_string(),
                                port: r["port"].as_u64().unwrap_or(0) as u16,
                                priority: r["priority"].as_u64().unwrap_or(0) as u16,
                                weight: r["weight"].as_u64().unwrap_or(0) as u16,
                            })
                            .collect();
                        (k.clone(), recs)
                    })
                    .collect()
            })
            .unwrap_or_default();
        CaseHost { env, hosts, srv }
    }
}

impl Host for CaseHost {
    fn getenv(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
    fn file_exists(&self, path: &str) -> bool {
        std::path::Path::new(path).exists()
    }
    fn lookup_ip(&self, name: &str) -> Vec<String> {
        if name.parse::<std::net::IpAddr>().is_ok() {
            return vec![name.to_string()];
        }
        self.hosts.get(name).cloned().unwrap_or_default()
    }
    fn lookup_srv(&self, service: &str, proto: &str, name: &str) -> Vec<Srv> {
        let key = format!("_{service}._{proto}.{name}");
        self.srv.get(&key).cloned().unwrap_or_default()
    }
    fn now(&self) -> Time {
        // The oracle's datetime is the real clock; corpus cases only use it time-independently.
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        Time {
            unix_nanos: since_epoch.as_nanos() as i64,
            offset: 0,
            zone: "UTC".into(),
        }
    }
}

/// Render one case with the engine: `Ok(output bytes)` or `Err((kind, message))`.
pub fn render_case(c: &Json) -> Result<Vec<u8>, (String, String)> {
    let name = c["template_name"].as_str().unwrap_or("test.tmpl");
    // A template that is not UTF-8 travels as base64 (JSON strings cannot hold it).
    let text: Vec<u8> = match c["template_base64"].as_str() {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("template_base64 is base64"),
        None => c["template"].as_str().expect("case has a template").as_bytes().to_vec(),
    };
    let prefix = match c["prefix"].as_str().unwrap_or("") {
        "" => "/".to_string(),
        p if p.starts_with('/') => p.to_string(),
        p => format!("/{p}"),
    };
    let kv: Vec<(String, String)> = c["kv"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let store = Store::from_pairs(kv.iter().map(|(k, v)| (k.as_str(), v.as_str())), &prefix);
    let host = CaseHost::from_case(c);
    let t = Template::parse(name, &text).map_err(|e| ("parse".to_string(), e.message))?;
    t.execute(&store, &host, Limits::default())
        .map_err(|e| ("exec".to_string(), e.message))
}

/// The output Go wrote: `output_base64` when it is not UTF-8 (JSON cannot carry raw bytes).
fn expected_bytes(exp: &Json) -> Vec<u8> {
    match exp["output_base64"].as_str() {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("output_base64 is base64"),
        None => exp["output"].as_str().unwrap_or("").as_bytes().to_vec(),
    }
}

fn load_corpus() -> Vec<(String, Json)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let list: Vec<Json> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for c in list {
            cases.push((f.file_name().unwrap().to_string_lossy().into_owned(), c));
        }
    }
    cases
}

#[test]
fn engine_matches_go_on_the_corpus() {
    // Template recursion runs to Go's depth limit; unoptimised debug frames need more than the
    // default 2 MiB test-thread stack for that (the wasm guest is linked with its own stack).
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(run_corpus)
        .expect("spawn")
        .join()
        .expect("corpus run panicked");
}

fn run_corpus() {
    let cases = load_corpus();
    assert!(!cases.is_empty(), "the corpus is empty");
    let mut failures = Vec::new();
    let mut deliberate = Vec::new();
    for (file, c) in &cases {
        let id = c["id"].as_str().unwrap_or("?");
        let exp = &c["expected"];
        let (want_out, want_err) = if let Some(d) = c.get("wconfd_differs") {
            deliberate.push(format!("{id}: {}", d["reason"].as_str().unwrap_or("")));
            (expected_bytes(d), d["error"].as_str().unwrap_or("").to_string())
        } else {
            (expected_bytes(exp), exp["error"].as_str().unwrap_or("").to_string())
        };
        let got = render_case(c);
        let ok = match &got {
            Ok(out) => want_err.is_empty() && *out == want_out,
            Err((_, msg)) => !want_err.is_empty() && *msg == want_err,
        };
        if !ok {
            failures.push(format!(
                "{file} {id}\n  template: {:?}\n  want: {:?} / err {:?}\n  got:  {:?}",
                c["template"].as_str().unwrap_or(""),
                String::from_utf8_lossy(&want_out),
                want_err,
                got.map(|b| String::from_utf8_lossy(&b).into_owned())
            ));
        }
    }
    println!(
        "differential corpus: {} cases, {} passed, {} failed",
        cases.len(),
        cases.len() - failures.len(),
        failures.len()
    );
    for d in &deliberate {
        println!("deliberate difference: {d}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
