//! Helper libraries (`helpers = [...]`): the built-in json and sprig libraries in templates
//! that also use confd's functions, on the file and etcd backends; helpers that misbehave;
//! name clashes; the Python library; renderers from before helpers existed.
//!
//! Where each expected value comes from:
//! - the confd part: Go's text/template with confd's functions (the oracle) wrote
//!   `fixtures/helpers/confd-part.out` from `confd-part.case.json`;
//! - toJson / toPrettyJson: Go's encoding/json wrote `fixtures/helpers/go-json.out`
//!   (`go-json.go`: sprig's toJson is json.Marshal);
//! - sprig functions: the examples and results in sprig's documentation (docs/*.md);
//! - jq: the examples in the jq manual; toYaml: go-yaml's README example.

use crate::servers::Etcd;
use crate::util::{install_test_plugin, repo, Dir, Wconfd};
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/helpers").join(name)).unwrap()
}

/// sprig's documented examples, one per line, each with the result its docs give.
const SPRIG_DOCS: &[(&str, &str)] = &[
    (r#"{{ trim "   hello    " }}"#, "hello"),
    (r#"{{ trimPrefix "-" "-hello" }}"#, "hello"),
    (r#"{{ upper "hello" }}"#, "HELLO"),
    (r#"{{ lower "HELLO" }}"#, "hello"),
    (r#"{{ title "hello world" }}"#, "Hello World"),
    (r#"{{ splitList "$" "foo$bar$baz" }}"#, "[foo bar baz]"),
    (
        r#"{{ regexMatch "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$" "test@acme.com" }}"#,
        "true",
    ),
    (r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}"#, "-W-xxW-"),
    (r#"{{ $myList := list 1 2 3 4 5 }}{{ first $myList }}"#, "1"),
    (r#"{{ $myList := list 1 2 3 4 5 }}{{ last $myList }}"#, "5"),
    (r#"{{ list 1 1 1 2 | uniq }}"#, "[1 2]"),
    (r#"{{ $myList := list 1 2 3 4 5 }}{{ has 4 $myList }}"#, "true"),
    (
        r#"{{ $myDict := dict "name1" "value1" "name2" "value2" "name3" "value 3" }}{{ hasKey $myDict "name1" }}"#,
        "true",
    ),
    (
        r#"{{ $myDict := dict "name1" "value1" "name2" "value2" "name3" "value 3" }}{{ keys $myDict | sortAlpha }}"#,
        "[name1 name2 name3]",
    ),
    (r#"{{ ternary "foo" "bar" true }}"#, "foo"),
    (r#"{{ true | ternary "foo" "bar" }}"#, "foo"),
    (r#"{{ ternary "foo" "bar" false }}"#, "bar"),
    (r#"{{ false | ternary "foo" "bar" }}"#, "bar"),
    (r#"{{ max 1 2 3 }}"#, "3"),
    (r#"{{ min 1 2 3 }}"#, "1"),
    // Go's %q, which sprig's quote applies to each argument.
    (
        r#"{{ quote "hello" "a\"b" }} {{ squote "hello" }}"#,
        r#""hello" "a\"b" 'hello'"#,
    ),
    // sprig's docs list these as empty: "", 0, false, nil, empty lists and dicts.
    (
        r#"{{ empty "" }} {{ empty 0 }} {{ empty (list) }} {{ empty "x" }}"#,
        "true true true false",
    ),
    (r#"{{ add1 41 }}"#, "42"),
    // RFC 4648's test vector and the well-known SHA-256 of "hello".
    (r#"{{ b64enc "foobar" }} {{ b64dec "Zm9vYmFy" }}"#, "Zm9vYmFy foobar"),
    (
        r#"{{ sha256sum "hello" }}"#,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    ),
    // sprig's indent: every line gets the pad; nindent starts with a newline.
    (r#"[{{ indent 2 "a\nb" }}]{{ nindent 1 "c" }}"#, "[  a\n  b]\n c"),
    // A []string from sprig feeds confd's join (which takes []string).
    (r#"{{ join (splitList "," "x,y,z") ";" }}"#, "x;y;z"),
];

/// jq's manual examples (through the json library) and go-yaml's README example.
const JSON_DOCS: &[(&str, &str)] = &[
    (
        r#"{{ jq ".foo" (fromJson "{\"foo\": 42, \"bar\": \"less interesting data\"}") }}"#,
        "42",
    ),
    (r#"{{ jq "map(.+1)" (fromJson "[1,2,3]") | toJson }}"#, "[2,3,4]"),
    (
        r#"{{ jq ".[] | .name" (fromJson "[{\"name\":\"JSON\", \"good\":true}, {\"name\":\"XML\", \"good\":false}]") }}"#,
        "[JSON XML]",
    ),
    (
        r#"{{ toYaml (fromYaml "a: Easy!\nb:\n  c: 2\n  d: [3, 4]\n") }}"#,
        "a: Easy!\nb:\n  c: 2\n  d:\n  - 3\n  - 4",
    ),
    (
        r#"{{ dig "user" "role" "name" "guest" (fromJson "{\"user\":{\"role\":{\"name\":\"admin\"}}}") }}"#,
        "admin",
    ),
    (
        r#"{{ dig "user" "missing" "guest" (fromJson "{\"user\":{}}") }}"#,
        "guest",
    ),
    (r#"{{ default "foo" "" }} {{ default "foo" "bar" }}"#, "foo bar"),
    (r#"{{ coalesce 0 "" "x" }}"#, "x"),
    (
        r#"{{ toJson (pick (fromJson "{\"a\":1,\"b\":2,\"c\":3}") "a" "c") }} {{ toJson (omit (fromJson "{\"a\":1,\"b\":2}") "a") }}"#,
        r#"{"a":1,"c":3} {"b":2}"#,
    ),
    (
        r#"{{ toJson (merge (fromJson "{\"a\":{\"x\":1},\"b\":\"keep\"}") (fromJson "{\"a\":{\"y\":2},\"b\":\"lose\",\"c\":3}")) }}"#,
        r#"{"a":{"x":1,"y":2},"b":"keep","c":3}"#,
    ),
];

/// The whole mixed template and what it must render: the confd part, the sprig and json
/// examples, then Go's JSON of `doc.json`.
fn mixed() -> (String, String) {
    let mut tmpl = fixture("confd-part.tmpl");
    let mut want = fixture("confd-part.out");
    for (t, out) in SPRIG_DOCS.iter().chain(JSON_DOCS) {
        tmpl.push_str(t);
        tmpl.push('\n');
        want.push_str(out);
        want.push('\n');
    }
    tmpl.push_str(
        "{{ $doc := fromJson (getv \"/app/doc\") }}toJson={{ toJson $doc }}\ntoPrettyJson={{ toPrettyJson $doc }}\n",
    );
    want.push_str(&fixture("go-json.out"));
    (tmpl, want)
}

/// The keys the mixed template reads, from `fixtures/helpers/data.yaml` plus `doc.json`.
fn mixed_keys() -> Vec<(String, String)> {
    let case: serde_json::Value = serde_json::from_str(&fixture("confd-part.case.json")).unwrap();
    let mut keys: Vec<(String, String)> = case["kv"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    keys.push(("/app/doc".into(), fixture("doc.json")));
    keys
}

fn mixed_resource(dir: &Dir, helpers: &str) {
    let (tmpl, _) = mixed();
    dir.resource(
        "mixed",
        &format!(
            "[template]\nsrc = \"mixed.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n{helpers}",
            dir.join("mixed.out").display()
        ),
        &tmpl,
    );
}

/// The keys as a data file for the file backend (JSON is YAML).
fn write_data(dir: &Dir, keys: &[(String, String)]) -> PathBuf {
    let mut root = serde_json::Map::new();
    for (k, v) in keys {
        let mut at = &mut root;
        let parts: Vec<&str> = k.trim_start_matches('/').split('/').collect();
        for p in &parts[..parts.len() - 1] {
            at = at
                .entry(p.to_string())
                .or_insert_with(|| serde_json::Value::Object(Default::default()))
                .as_object_mut()
                .unwrap();
        }
        at.insert(parts[parts.len() - 1].to_string(), serde_json::Value::String(v.clone()));
    }
    dir.write("data.yaml", serde_json::Value::Object(root).to_string())
}

#[test]
fn json_and_sprig_mix_with_confd_functions_on_the_file_backend() {
    let dir = Dir::new();
    write_data(&dir, &mixed_keys());
    mixed_resource(&dir, "helpers = [\"json\", \"sprig\"]\n");
    Wconfd::file_onetime(&dir).run().ok();
    assert_eq!(dir.read("mixed.out"), mixed().1);
}

#[test]
fn json_and_sprig_mix_with_confd_functions_on_etcd() {
    let etcd = Etcd::start();
    for (k, v) in mixed_keys() {
        etcd.put(&k, &v);
    }
    let dir = Dir::new();
    // The libraries chosen once for every resource, with -helpers.
    mixed_resource(&dir, "");
    Wconfd::over(
        &dir,
        &[
            "-onetime",
            "-backend",
            "etcdv3",
            "-node",
            &etcd.client_url,
            "-helpers",
            "json,sprig",
        ],
    )
    .run()
    .ok();
    assert_eq!(dir.read("mixed.out"), mixed().1);
}

#[test]
fn function_names_are_go_parse_errors_until_a_library_is_chosen() {
    let dir = Dir::new();
    dir.app_resources(&[
        ("none", "", "{{ toJson 1 }}\n"),
        (
            "chosen",
            "helpers = [\"json\"]\n",
            "{{ toJson (getv \"/app/name\") }}\n",
        ),
        ("other", "helpers = [\"json\"]\n", "{{ upper \"x\" }}\n"),
    ]);
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1)
        .stderr_has("none.tmpl:1: function \"toJson\" not defined")
        .stderr_has("other.tmpl:1: function \"upper\" not defined");
    assert_eq!(dir.read("chosen.out"), "\"web\"\n");
}

#[test]
fn helper_errors_read_like_go_function_errors() {
    let dir = Dir::new();
    dir.app_resources(&[
        ("b64", "helpers = [\"sprig\"]\n", "{{ b64dec \"%%%\" }}\n"),
        ("json", "helpers = [\"json\"]\n", "{{ fromJson \"{bad\" }}\n"),
        ("jq", "helpers = [\"json\"]\n", "{{ jq \".[\" 1 }}\n"),
        ("count", "helpers = [\"sprig\"]\n", "{{ ternary 1 2 }}\n"),
        ("fine", "helpers = [\"sprig\"]\n", "{{ upper (getv \"/app/name\") }}\n"),
    ]);
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1)
        .stderr_has("executing \"b64.tmpl\" at <b64dec \"%%%\">: error calling b64dec: invalid base64")
        .stderr_has("executing \"json.tmpl\" at <fromJson \"{bad\">: error calling fromJson: invalid JSON")
        .stderr_has("error calling jq: cannot parse jq query \".[\"")
        .stderr_has("executing \"count.tmpl\" at <ternary>: wrong number of args for ternary: want 3 got 2");
    assert_eq!(dir.read("fine.out"), "WEB\n");
    assert!(!dir.exists("b64.out") && !dir.exists("json.out") && !dir.exists("jq.out"));
}

#[test]
fn a_misbehaving_helper_fails_only_its_render() {
    let dir = Dir::new();
    let plugins = install_test_plugin(&dir, "wconfd-test-probe-helpers", "probe", "helpers", "");
    let probe = "helpers = [\"probe\"]\n";
    dir.app_resources(&[
        ("a_trap", probe, "{{ probeTrap }}\n"),
        (
            "b_after_trap",
            probe,
            "{{ probeEcho 1 \"two\" (getv \"/app/name\") }}\n",
        ),
        ("c_spin", probe, "{{ probeSpin }}\n"),
        ("d_huge", probe, "{{ probeHuge }}\n"),
        ("e_malformed", probe, "{{ probeMalformed }}\n"),
        ("f_fail", probe, "{{ probeFail }}\n"),
        ("g_plain", "", "{{ getv \"/app/name\" }}\n"),
    ]);
    // Destinations that exist already must be left as they are.
    for name in ["a_trap", "c_spin"] {
        std::fs::write(dir.join(&format!("{name}.out")), "previous\n").unwrap();
    }
    let r = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
    r.code(1)
        .stderr_has("error calling probeTrap: helper plugin \"probe\" failed: wasm trap")
        .stderr_has("error calling probeSpin: helper plugin \"probe\" failed: the call ran past its time limit")
        .stderr_has(
            "error calling probeHuge: helper plugin \"probe\" returned a malformed value: larger than the limit of",
        )
        .stderr_has(
            "error calling probeMalformed: helper plugin \"probe\" returned a malformed value: node 0 refers to node 0",
        )
        .stderr_has("error calling probeFail: the probe was asked to fail");
    assert_eq!(dir.read("a_trap.out"), "previous\n");
    assert_eq!(dir.read("c_spin.out"), "previous\n");
    // A fresh instance answers after the trap; resources without helpers never noticed.
    assert_eq!(dir.read("b_after_trap.out"), "[1 two web]\n");
    assert_eq!(dir.read("g_plain.out"), "web\n");
}

#[test]
fn clashing_names_are_refused_at_load_naming_both() {
    let dir = Dir::new();
    let plugins = install_test_plugin(&dir, "wconfd-test-clash-helpers", "clash", "helpers", "");
    // The built-in json library, installed again under another name: every name clashes.
    let builtin = dir.join("builtin");
    Wconfd::new().args(["plugin", "builtin"]).arg(&builtin).run().ok();
    std::fs::copy(builtin.join("json.wasm"), plugins.join("json2.wasm")).unwrap();
    crate::util::write_manifest(&plugins.join("json2.wasm"), "json2", "helpers", "");
    dir.app_resources(&[
        ("confd", "helpers = [\"clash\"]\n", "{{ getv \"/app/name\" }}\n"),
        ("twice", "helpers = [\"json\", \"json2\"]\n", "{{ toJson 1 }}\n"),
        ("missing", "helpers = [\"nosuch\"]\n", "x\n"),
        ("fine", "helpers = [\"json\", \"sprig\"]\n", "{{ upper (toJson 1) }}\n"),
    ]);
    let r = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
    r.code(1)
        .stderr_has("helper getv (from \"clash\") has the name of a built-in template function")
        .stderr_has("helper fromJson is provided by both \"json\" and \"json2\"; choose one of them")
        .stderr_has("no helper library named \"nosuch\"");
    assert_eq!(dir.read("fine.out"), "1\n");
    assert!(!dir.exists("confd.out") && !dir.exists("twice.out"));
}

#[test]
fn the_resource_list_wins_over_the_global_one() {
    let dir = Dir::new();
    dir.app_resources(&[
        ("global", "", "{{ upper \"a\" }}\n"),
        ("own", "helpers = [\"json\"]\n", "{{ toJson \"a\" }}\n"),
        ("nothing", "helpers = []\n", "{{ getv \"/app/name\" }}\n"),
    ]);
    dir.write("confdir/confd.toml", "helpers = [\"sprig\"]\n");
    Wconfd::file_onetime(&dir)
        .arg("-config-file")
        .arg(dir.join("confdir/confd.toml"))
        .run()
        .ok();
    assert_eq!(dir.read("global.out"), "A\n");
    assert_eq!(dir.read("own.out"), "\"a\"\n");
    assert_eq!(dir.read("nothing.out"), "web\n");
}

#[test]
fn a_helper_library_written_in_python_runs() {
    let dir = Dir::new();
    let plugins = dir.join("plugins");
    let status = std::process::Command::new(repo().join("scripts/build-python-helper.sh"))
        .arg(&plugins)
        .arg(env!("CARGO_BIN_EXE_wconfd"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "building examples/plugins/textpy failed (run scripts/setup.sh)"
    );
    dir.write("data.yaml", "app:\n  title: \"Hello, World! 2026\"\n");
    let py = "helpers = [\"textpy\", \"sprig\"]\n";
    for (name, tmpl) in [
        (
            "py",
            "{{ slugify (getv \"/app/title\") }}\n{{ wrap 10 \"the quick brown fox jumps over\" }}\n\
             {{ join (words \"a b  c\") \",\" }}\n{{ upper (slugify \"X Y\") }}\n",
        ),
        ("py_bad", "{{ wrap 0 \"x\" }}\n"),
    ] {
        dir.resource(
            name,
            &format!(
                "[template]\nsrc = \"{name}.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n{py}",
                dir.join(&format!("{name}.out")).display()
            ),
            tmpl,
        );
    }
    let r = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
    // Python's own exception, raised in the plugin, reaches the log as the function's error.
    r.code(1)
        .stderr_has("error calling wrap: wrap: width must be a positive integer, got 0");
    // Python's re and textwrap.fill define these (slugify: runs of non-alphanumerics become -).
    assert_eq!(
        dir.read("py.out"),
        "hello-world-2026\nthe quick\nbrown fox\njumps over\na,b,c\nX-Y\n"
    );
}

#[test]
fn renderers_built_before_helpers_still_load() {
    let dir = Dir::new();
    let plugins = install_test_plugin(&dir, "wconfd-test-legacy-renderer", "legacy", "renderer", "");
    let manifest = std::fs::read_to_string(plugins.join("legacy.toml")).unwrap();
    assert!(manifest.contains("wit = \"wconfd:plugin@0.1.0\""), "{manifest}");
    dir.app_resources(&[
        ("old", "renderer = \"legacy\"\n", "ignored\n"),
        (
            "old_helpers",
            "renderer = \"legacy\"\nhelpers = [\"json\"]\n",
            "ignored\n",
        ),
    ]);
    let r = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
    r.code(1)
        .stderr_has("the renderer is built against wconfd:plugin@0.1.0, which has no helper functions (helpers: json)");
    assert_eq!(dir.read("old.out"), "legacy old.tmpl:\n/app/name=web\n");
}

#[test]
fn a_helpers_key_that_is_not_a_list_names_file_line_and_key() {
    let dir = Dir::new();
    dir.app_resources(&[
        ("bad", "helpers = \"json\"\n", "x\n"),
        ("good", "", "{{ getv \"/app/name\" }}\n"),
    ]);
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1).stderr_has(&format!(
        "Cannot process template resource {} - line 5: key 'helpers': expected an array of strings, found string",
        dir.join("confdir/conf.d/bad.toml").display()
    ));
    assert_eq!(dir.read("good.out"), "web\n");
}
