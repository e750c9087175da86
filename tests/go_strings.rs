//! Go strings are bytes, end to end: a template file that is not UTF-8, and backend values that
//! are not UTF-8 (etcd, redis, the environment, consul), render to the bytes Go writes. The expected
//! bytes are the oracle's, from the renderer's differential corpus (never written here).

use crate::conformance::{case_bytes, corpus};
use crate::servers::{Etcd, Redis};
use crate::util::{Dir, Wconfd};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// The stored bytes of `/a` in the data tests.
const VALUE: &[u8] = b"\xff\xfeok";

/// The same expressions as corpus case `bytes-data-literal`, reading `/a` instead of a literal.
const DATA_TEMPLATE: &str = r#"{{getv "/a"}}|{{len (getv "/a")}}|{{printf "%q %x" (getv "/a") (getv "/a")}}|{{toUpper (getv "/a")}}|{{slice (getv "/a") 1 3}}"#;

/// A case from `plugins/gotemplate/tests/corpus/go.json`: its template bytes and Go's output.
fn corpus_case(id: &str) -> (Vec<u8>, Vec<u8>) {
    let cases = corpus("go.json");
    let case = cases
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the corpus"));
    assert!(
        case["expected"]["error"].as_str().unwrap_or("").is_empty(),
        "{id}: Go failed"
    );
    case_bytes(case)
}

/// A resource `bytes` reading `/a` with `template` into `out/bytes.conf`.
fn bytes_resource(dir: &Dir, template: &[u8]) {
    dir.resource(
        "bytes",
        &format!(
            "[template]\nsrc = \"bytes.tmpl\"\ndest = \"{}\"\nkeys = [\"/a\", \"/b\"]\n",
            dir.join("out/bytes.conf").display()
        ),
        template,
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
}

fn rendered(dir: &Dir) -> Vec<u8> {
    std::fs::read(dir.join("out/bytes.conf")).unwrap()
}

#[test]
fn a_template_that_is_not_utf8_renders_gos_bytes() {
    let (template, want) = corpus_case("bytes-template-text");
    assert!(std::str::from_utf8(&template).is_err(), "the case must not be UTF-8");
    let dir = Dir::new();
    dir.write("data.yaml", "a: \"1\"\nb: two\n");
    bytes_resource(&dir, &template);
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(rendered(&dir), want);
}

#[test]
fn etcd_values_that_are_not_utf8_render_gos_bytes() {
    let (_, want) = corpus_case("bytes-data-literal");
    let etcd = Etcd::start();
    etcd.ctl(&[OsStr::new("put"), OsStr::new("/a"), OsStr::from_bytes(VALUE)])
        .unwrap();
    let dir = Dir::new();
    bytes_resource(&dir, DATA_TEMPLATE.as_bytes());
    Wconfd::over(&dir, &["-onetime", "-backend", "etcdv3", "-node", &etcd.client_url])
        .run()
        .ok();
    assert_eq!(rendered(&dir), want);
}

#[test]
fn redis_values_that_are_not_utf8_render_gos_bytes_and_unnameable_keys_are_said() {
    let (_, want) = corpus_case("bytes-data-literal");
    let r = Redis::start(&[]);
    r.run(&[OsStr::new("set"), OsStr::new("/a"), OsStr::from_bytes(VALUE)]);
    // A set member becomes a key; this one is not UTF-8, so no template can name it.
    r.run(&[
        OsStr::new("sadd"),
        OsStr::new("/b"),
        OsStr::from_bytes(b"x\xff"),
        OsStr::new("y"),
    ]);
    let dir = Dir::new();
    bytes_resource(
        &dir,
        format!("{DATA_TEMPLATE}|{{{{range gets \"/b/*\"}}}}{{{{.Key}}}};{{{{end}}}}").as_bytes(),
    );
    let run = Wconfd::over(&dir, &["-onetime", "-backend", "redis", "-node", &r.node()]).run();
    run.ok()
        .stderr_has("redis: skipping key \"/b/x\u{FFFD}\": it is not UTF-8");
    let mut want = want;
    want.extend_from_slice(b"|/b/y;");
    assert_eq!(rendered(&dir), want);
}

#[test]
fn environment_values_that_are_not_utf8_render_gos_bytes() {
    let (_, want) = corpus_case("bytes-data-literal");
    let dir = Dir::new();
    bytes_resource(&dir, DATA_TEMPLATE.as_bytes());
    Wconfd::over(&dir, &["-onetime", "-backend", "env"])
        .env("A", OsStr::from_bytes(VALUE))
        .run()
        .ok();
    assert_eq!(rendered(&dir), want);
}

#[test]
fn consul_values_that_are_not_utf8_render_gos_bytes() {
    // Through the consul plugin: the value crosses the WebAssembly boundary as bytes
    // (wconfd:plugin@0.3.0's packed snapshot).
    let (_, want) = corpus_case("bytes-data-literal");
    let kv = crate::consul_kv::ConsulKv::start();
    kv.put_bytes("/a", VALUE);
    let dir = Dir::new();
    bytes_resource(&dir, DATA_TEMPLATE.as_bytes());
    Wconfd::over(&dir, &["-onetime", "-backend", "consul", "-node", &kv.node()])
        .run()
        .ok();
    assert_eq!(rendered(&dir), want);
}
