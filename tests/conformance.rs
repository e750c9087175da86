//! confd's own acceptance data (`tests/fixtures/confd-integration`): the integration confdir
//! on the file and env backends must produce exactly the files the real confd wrote, and
//! confd's template unit cases must render through the real binary and component as Go renders
//! them.

use crate::util::{copy_tree, repo, rewrite_tree, Dir, Wconfd};
use std::path::PathBuf;

/// The fixture: confd's integration confdir, file-backend data and recorded outputs.
pub(crate) fn integration_fixture() -> PathBuf {
    repo().join("tests/fixtures/confd-integration")
}

/// confd's integration confdir in `dir/confdir`, writing into `dir/out`.
pub(crate) fn integration_confdir(dir: &Dir) {
    copy_tree(&integration_fixture().join("confdir"), &dir.join("confdir"));
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    rewrite_tree(
        &dir.join("confdir/conf.d"),
        "/tmp/confd-",
        &format!("{}/confd-", out.display()),
    );
}

/// Every file in `dir/out` equals what the real confd wrote on `backend`.
pub(crate) fn assert_matches_confd(dir: &Dir, backend: &str) {
    let expect = integration_fixture().join("expect").join(backend);
    let mut n = 0;
    for e in std::fs::read_dir(&expect).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let want = std::fs::read_to_string(e.path()).unwrap();
        let got = dir.read(&format!("out/{name}"));
        assert_eq!(got, want, "{backend}: {name} differs from what confd wrote");
        n += 1;
    }
    assert_eq!(n, 5, "five resources in confd's suite");
    // confd's suite also requires manykeys to equal basic.
    assert_eq!(
        dir.read("out/confd-manykeys-test.conf"),
        dir.read("out/confd-basic-test.conf")
    );
}

/// The keys confd's suite loads into key/value backends.
pub(crate) const SUITE_KEYS: [(&str, &str); 13] = [
    ("/key", "foobar"),
    ("/database/host", "127.0.0.1"),
    ("/database/password", "p@sSw0rd"),
    ("/database/port", "3306"),
    ("/database/username", "confd"),
    ("/upstream/app1", "10.0.1.10:8080"),
    ("/upstream/app2", "10.0.1.11:8080"),
    ("/prefix/database/host", "127.0.0.1"),
    ("/prefix/database/password", "p@sSw0rd"),
    ("/prefix/database/port", "3306"),
    ("/prefix/database/username", "confd"),
    ("/prefix/upstream/app1", "10.0.1.10:8080"),
    ("/prefix/upstream/app2", "10.0.1.11:8080"),
];

const DATABASE: [(&str, &str); 4] = [
    ("host", "127.0.0.1"),
    ("password", "p@sSw0rd"),
    ("port", "3306"),
    ("username", "confd"),
];

#[test]
fn integration_suite_on_the_file_backend() {
    let dir = Dir::new();
    integration_confdir(&dir);
    let mut w = Wconfd::new();
    w.args(["-onetime", "--backend", "file", "-config-file", "/dev/null"])
        .arg("--confdir")
        .arg(dir.join("confdir"))
        .arg("--file")
        .arg(format!("{}/", integration_fixture().join("data/dir1").display()))
        .arg("--file")
        .arg(format!("{}/", integration_fixture().join("data/dir2").display()))
        .arg("-plugin-cache-dir")
        .arg(crate::util::plugin_cache())
        .env("HOSTNAME", "localhost");
    w.run().ok();
    assert_matches_confd(&dir, "file");
}

#[test]
fn integration_suite_on_the_env_backend() {
    let dir = Dir::new();
    integration_confdir(&dir);
    let mut w = Wconfd::new();
    w.args(["-onetime", "-backend", "env", "-config-file", "/dev/null", "-confdir"])
        .arg(dir.join("confdir"))
        .arg("-plugin-cache-dir")
        .arg(crate::util::plugin_cache())
        .env("HOSTNAME", "localhost")
        .env("KEY", "foobar")
        .env("UPSTREAM_APP1", "10.0.1.10:8080")
        .env("UPSTREAM_APP2", "10.0.1.11:8080")
        .env("PREFIX_UPSTREAM_APP1", "10.0.1.10:8080")
        .env("PREFIX_UPSTREAM_APP2", "10.0.1.11:8080");
    for (k, v) in DATABASE {
        w.env(&format!("DATABASE_{}", k.to_uppercase()), v);
        w.env(&format!("PREFIX_DATABASE_{}", k.to_uppercase()), v);
    }
    w.run().ok();
    assert_matches_confd(&dir, "env");
}

/// The differential corpus (Go's outputs) run through the real binary and component: every
/// case becomes a resource in one confdir, fed by a file backend holding exactly its keys.
/// The cases of corpus file `file` (`plugins/gotemplate/tests/corpus`), as Go's oracle wrote them.
pub fn corpus(file: &str) -> Vec<serde_json::Value> {
    let path = crate::util::repo().join("plugins/gotemplate/tests/corpus").join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A corpus case's template bytes and the bytes Go wrote. Bytes that are not UTF-8 travel as
/// base64 (`template_base64`, `output_base64`): JSON strings cannot hold them.
pub fn case_bytes(case: &serde_json::Value) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine;
    let b64 = |v: &serde_json::Value| base64::engine::general_purpose::STANDARD.decode(v.as_str()?).ok();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").as_bytes().to_vec();
    let template = b64(&case["template_base64"]).unwrap_or_else(|| text(&case["template"]));
    let output = b64(&case["expected"]["output_base64"]).unwrap_or_else(|| text(&case["expected"]["output"]));
    (template, output)
}

fn corpus_through_the_binary(file: &str, mut filter: impl FnMut(&serde_json::Value) -> bool) -> usize {
    let cases = corpus(file);
    let mut ran = 0;
    for case in cases
        .iter()
        .filter(|c| c.get("env").is_none() && c.get("wconfd_differs").is_none() && filter(c))
    {
        let dir = Dir::new();
        let id = case["id"].as_str().unwrap();
        let prefix = case["prefix"].as_str().unwrap_or("");
        let name = case["template_name"].as_str().unwrap_or("test.tmpl");
        // Keys containing '/' are paths to confd's file backend, so a flat map of absolute
        // keys (JSON is YAML) reproduces the case's store exactly, leaf and parent alike.
        dir.write("data.yaml", serde_json::to_string(&case["kv"]).unwrap());
        let (template, want) = case_bytes(case);
        dir.write(&format!("confdir/templates/{name}"), template);
        dir.write(
            "confdir/conf.d/case.toml",
            format!(
                "[template]\nsrc = {name:?}\ndest = {:?}\nprefix = {prefix:?}\nkeys = [\"/\"]\n",
                dir.join("out.txt").display().to_string()
            ),
        );
        let run = Wconfd::file_onetime(&dir).run();
        let want_err = case["expected"]["error"].as_str().unwrap_or("");
        if want_err.is_empty() {
            run.ok();
            assert_eq!(
                String::from_utf8_lossy(&std::fs::read(dir.join("out.txt")).unwrap()),
                String::from_utf8_lossy(&want),
                "case {id}"
            );
            assert_eq!(std::fs::read(dir.join("out.txt")).unwrap(), want, "case {id}: bytes");
        } else {
            run.code(1);
            assert!(
                run.stderr.contains(want_err),
                "case {id}: stderr lacks Go's error {want_err:?}:\n{}",
                run.stderr
            );
            assert!(
                !dir.exists("out.txt"),
                "case {id}: a failed render must not write the destination"
            );
        }
        ran += 1;
    }
    ran
}

#[test]
fn confd_unit_cases_through_the_binary() {
    // Cases that need a DNS stub run natively only (the binary resolves for real).
    let ran = corpus_through_the_binary("confd-unit.json", |c| c.get("dns").is_none());
    assert!(ran >= 16, "ran {ran} confd unit cases through the binary");
}

#[test]
fn language_cases_through_the_binary() {
    // Every fourth language case keeps this test quick while covering each construct family.
    let mut i = 0;
    let ran = corpus_through_the_binary("lang.json", |_| {
        i += 1;
        i % 4 == 0
    });
    assert!(ran >= 50, "ran {ran} language cases through the binary");
}

#[test]
fn function_and_edge_cases_through_the_binary() {
    // Every third case of each file; cases whose store holds keys outside the resource prefix
    // are left to the native suite (the file backend matches on path boundaries, unlike the
    // oracle's unfiltered store).
    let mut i = 0;
    let mut every_third = |c: &serde_json::Value| {
        i += 1;
        let prefix = c["prefix"].as_str().unwrap_or("");
        let inside = c["kv"].as_object().is_some_and(|m| {
            m.keys()
                .all(|k| prefix.is_empty() || k == prefix || k.starts_with(&format!("{prefix}/")))
        });
        i % 3 == 0 && inside && c.get("dns").is_none()
    };
    let ran = corpus_through_the_binary("funcs.json", &mut every_third)
        + corpus_through_the_binary("edge.json", &mut every_third);
    assert!(ran >= 60, "ran {ran} cases through the binary");
}

#[test]
fn go_drift_cases_through_the_binary() {
    // Every case of go.json: recursion to Go's depth limit (the guest's stacks), time.Time
    // methods, complex constants and case mapping, through the real component.
    let ran = corpus_through_the_binary("go.json", |_| true);
    assert!(ran >= 40, "ran {ran} go.json cases through the binary");
}

#[test]
fn confd_unit_cases_match_what_the_real_confd_printed() {
    // confd's 19 template unit tests (tests/fixtures/confd-unit, copied from
    // ../shared/confd-conformance and cross-checked there by scripts/check-shared.sh), each with
    // the output the real confd binary printed. Each runs through wconfd as a user runs it:
    // its resource TOML, its template, its store as the file backend's data.
    let path = repo().join("tests/fixtures/confd-unit/template_tests.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cases.len(), 19);
    for (i, case) in cases.iter().enumerate() {
        let desc = case["desc"].as_str().unwrap();
        let dir = Dir::new();
        let toml = case["toml"].as_str().unwrap().replace(
            "\"./tmp/test.conf\"",
            &format!("{:?}", dir.join("out.conf").display().to_string()),
        );
        dir.write("confdir/conf.d/test.toml", toml);
        dir.write("confdir/templates/test.conf.tmpl", case["tmpl"].as_str().unwrap());
        dir.write("data.yaml", serde_json::to_string(&case["store"]).unwrap());
        let run = Wconfd::file_onetime(&dir).run();
        let confd = case["actual_confd_head"].as_str().unwrap();
        if desc == "jsonArray test" {
            // Explained: confd's unit test puts `/test/data/` into the store directly; a key
            // from any backend goes through confd's setVars (path.Join), which drops the
            // trailing slash, so `getv "/test/data/"` finds nothing in the confd daemon either
            // (the oracle, which fills the store as setVars does, agrees).
            run.code(1).stderr_has("key does not exist: /test/data/");
            continue;
        }
        run.ok();
        let got = dir.read("out.conf");
        match &case["expected"] {
            // The lookup cases depend on the machine's /etc/hosts: confd's test accepts any of
            // these; the real confd printed one of them on its machine.
            serde_json::Value::Array(alternatives) => assert!(
                alternatives.iter().any(|a| a.as_str() == Some(got.as_str())),
                "case {i} ({desc}): {got:?} is none of confd's accepted outputs {alternatives:?}"
            ),
            _ => assert_eq!(got, confd, "case {i} ({desc}): what the real confd printed"),
        }
    }
}
