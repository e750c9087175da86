//! A broken resource fails alone: the others still render, `-onetime` exits 1 naming every
//! failed resource, errors name the file, line and key, and destinations stay untouched.

use crate::util::{Dir, Wconfd};

#[test]
fn broken_resources_fail_alone_and_are_all_named() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n");
    let dest = |n: &str| dir.join(&format!("out/{n}")).display().to_string();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    dir.resource(
        "a_good",
        &format!(
            "[template]\nsrc = \"a_good.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dest("good")
        ),
        "{{getv \"/app/name\"}}\n",
    );
    dir.resource("b_toml", "[template]\nsrc = \"b_toml.tmpl\"\ndest = \n", "x");
    dir.resource(
        "c_parse",
        &format!(
            "[template]\nsrc = \"c_parse.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dest("parse")
        ),
        "{{if}}\n",
    );
    dir.resource(
        "d_exec",
        &format!(
            "[template]\nsrc = \"d_exec.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dest("exec")
        ),
        "line1\n{{getv \"/app/missing\"}}\n",
    );
    dir.resource(
        "e_mode",
        &format!(
            "[template]\nsrc = \"e_mode.tmpl\"\ndest = \"{}\"\nmode = \"rw-r--r--\"\n",
            dest("mode")
        ),
        "x",
    );
    dir.write(
        "confdir/conf.d/f_missing.toml",
        format!("[template]\nsrc = \"nope.tmpl\"\ndest = \"{}\"\n", dest("missing")),
    );
    dir.write("out/exec", "previous\n");
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1);
    assert_eq!(dir.read("out/good"), "web\n", "the good resource still renders");
    assert_eq!(
        dir.read("out/exec"),
        "previous\n",
        "a failed render leaves the destination untouched"
    );
    assert!(!dir.exists("out/parse"));
    let conf_d = dir.join("confdir/conf.d");
    r.stderr_has(&format!("{}/b_toml.toml - line 3:", conf_d.display()));
    r.stderr_has("template: c_parse.tmpl:1: missing value for if");
    r.stderr_has("template: d_exec.tmpl:2:2: executing \"d_exec.tmpl\" at <getv \"/app/missing\">: error calling getv: key does not exist: /app/missing");
    r.stderr_has(&format!(
        "{}/e_mode.toml - line 4: key 'mode': invalid file mode \"rw-r--r--\"",
        conf_d.display()
    ));
    r.stderr_has("Missing template: ");
    let fatal = r
        .stderr
        .lines()
        .find(|l| l.contains(" FATAL "))
        .expect("a FATAL summary");
    for name in [
        "b_toml.toml",
        "c_parse.toml",
        "d_exec.toml",
        "e_mode.toml",
        "f_missing.toml",
    ] {
        assert!(fatal.contains(name), "FATAL line names {name}: {fatal}");
    }
    assert!(fatal.contains("5 of 6 template resources failed"), "{fatal}");
}

#[test]
fn unknown_keys_warn_with_file_line_and_key() {
    let dir = Dir::new();
    dir.write("data.yaml", "a: b\n");
    dir.resource(
        "x",
        &format!(
            "[template]\nsrc = \"x.tmpl\"\ndest = \"{}\"\nkeys = [\"/a\"]\nreload_command = \"oops\"\n",
            dir.join("x.out").display()
        ),
        "{{getv \"/a\"}}",
    );
    let r = Wconfd::file_onetime(&dir).run();
    r.ok().stderr_has(&format!(
        "{}:5: unknown key 'reload_command' in [template] ignored",
        dir.join("confdir/conf.d/x.toml").display()
    ));
}

#[test]
fn prefix_and_keys_follow_confd() {
    let dir = Dir::new();
    dir.write("data.yaml", "myapp:\n  subdomain: web\n  upstream:\n    a: 10.0.0.1:80\n    b: 10.0.0.2:80\n  upstreamx: leak\napples: red\n");
    dir.resource(
        "p",
        &format!(
            "[template]\nsrc = \"p.tmpl\"\ndest = \"{}\"\nprefix = \"myapp\"\nkeys = [\"/subdomain\", \"upstream/\"]\n",
            dir.join("p.out").display()
        ),
        "{{getv \"/subdomain\"}}:{{range gets \"/*\"}}{{.Key}} {{end}}{{range ls \"/upstream\"}}[{{.}}]{{end}}\n",
    );
    Wconfd::file_onetime(&dir).run().ok();
    // Keys are relative to the prefix; `/upstreamx` is not under `/upstream`.
    assert_eq!(dir.read("p.out"), "web:/subdomain [a][b]\n");
    // A global -prefix replaces the resource's (confd's rule).
    let dir2 = Dir::new();
    dir2.write("data.yaml", "other:\n  subdomain: api\n");
    dir2.resource(
        "p",
        &format!(
            "[template]\nsrc = \"p.tmpl\"\ndest = \"{}\"\nprefix = \"myapp\"\nkeys = [\"/subdomain\"]\n",
            dir2.join("p.out").display()
        ),
        "{{getv \"/subdomain\"}}\n",
    );
    Wconfd::file_onetime(&dir2).args(["-prefix", "/other"]).run().ok();
    assert_eq!(dir2.read("p.out"), "api\n");
}

#[test]
fn bad_yaml_data_names_the_file_and_line_and_keeps_destinations() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n  list: [unclosed\n");
    dir.keyed("a", "/app", "{{getv \"/app/name\"}}");
    dir.write("a.out", "previous");
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1).stderr_has(&format!("{}:", dir.join("data.yaml").display()));
    assert!(
        r.stderr.contains("while parsing a flow sequence") || r.stderr.contains("did not find expected"),
        "{}",
        r.stderr
    );
    assert_eq!(dir.read("a.out"), "previous");
}
