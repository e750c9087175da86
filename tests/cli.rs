//! Flags, `CONFD_*` variables and confd.toml, as an operator meets them.

use crate::util::{Dir, Wconfd};

fn simple(dir: &Dir) {
    dir.write("data.yaml", "app:\n  name: web\n");
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dir.join("out/app.conf").display()
        ),
        "name={{getv \"/app/name\"}}\n",
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
}

#[test]
fn unknown_flag_exits_2_with_gos_message_and_usage() {
    let r = Wconfd::new().arg("-bogus").run();
    r.code(2)
        .stderr_has("flag provided but not defined: -bogus")
        .stderr_has("Usage of wconfd:")
        .stderr_has("-confdir string");
}

#[test]
fn bad_flag_values_exit_2() {
    Wconfd::new()
        .args(["-interval", "soon"])
        .run()
        .code(2)
        .stderr_has("invalid value \"soon\" for flag -interval: parse error");
    Wconfd::new()
        .arg("--node")
        .run()
        .code(2)
        .stderr_has("flag needs an argument: -node");
}

#[test]
fn version_prints_and_exits_0() {
    let r = Wconfd::new().arg("--version").run();
    r.ok();
    assert!(r.stdout.starts_with("wconfd "), "{}", r.stdout);
}

#[test]
fn bad_config_file_exits_1_naming_file_line_and_key() {
    let dir = Dir::new();
    let cfg = dir.write("confd.toml", "backend = \"file\"\n\ninterval = \"often\"\n");
    let r = Wconfd::new().arg("-onetime").arg("-config-file").arg(&cfg).run();
    r.code(1).stderr_has(&format!(
        "FATAL {}:3: key 'interval': expected an integer, found string",
        cfg.display()
    ));
    let cfg = dir.write("broken.toml", "backend = \n");
    Wconfd::new()
        .arg("-onetime")
        .arg("-config-file")
        .arg(&cfg)
        .run()
        .code(1)
        .stderr_has(&format!("{}:1:", cfg.display()));
}

#[test]
fn bad_log_level_is_a_config_error() {
    Wconfd::new()
        .args(["-onetime", "-config-file", "/dev/null", "-log-level", "loud"])
        .run()
        .code(1)
        .stderr_has("not a valid level: \"loud\"");
}

#[test]
fn flags_beat_environment_beat_config_file() {
    let dir = Dir::new();
    simple(&dir);
    // The file asks for debug logs; the flag says error: the flag wins (confd lets the file win).
    let cfg = dir.write("confd.toml", "log-level = \"debug\"\nbackend = \"file\"\n");
    let mut w = Wconfd::file_onetime(&dir);
    w.arg("-config-file").arg(&cfg).args(["-log-level", "error"]);
    w.run().ok().stderr_lacks("DEBUG").stderr_lacks("INFO");
    // Without the flag, CONFD_LOG_LEVEL beats the file.
    let mut w = Wconfd::file_onetime(&dir);
    w.arg("-config-file").arg(&cfg).env("CONFD_LOG_LEVEL", "warn");
    w.run().ok().stderr_lacks("DEBUG").stderr_lacks("INFO");
    // Without either, the file's debug applies.
    let mut w = Wconfd::file_onetime(&dir);
    w.arg("-config-file").arg(&cfg);
    w.run().ok().stderr_has("DEBUG Retrieving keys from store");
}

#[test]
fn every_option_can_come_from_confd_toml_in_confds_spellings() {
    let dir = Dir::new();
    simple(&dir);
    let cfg = dir.write(
        "confd.toml",
        format!(
            "backend = \"file\"\nconfdir = \"{}\"\nfile = [\"{}\"]\nlog-level = \"info\"\nsync-only = true\nonetime = true\nnoop = false\n",
            dir.join("confdir").display(),
            dir.join("data.yaml").display()
        ),
    );
    let mut w = Wconfd::new();
    w.arg("-config-file")
        .arg(&cfg)
        .arg("-plugin-cache-dir")
        .arg(crate::util::plugin_cache());
    w.run().ok().stderr_has("INFO Backend set to file");
    assert_eq!(dir.read("out/app.conf"), "name=web\n");
}

#[test]
fn confd_environment_variables_configure_a_run() {
    let dir = Dir::new();
    simple(&dir);
    let mut w = Wconfd::new();
    w.env("CONFD_BACKEND", "file")
        .env("CONFD_FILE", dir.join("data.yaml"))
        .env("CONFD_CONFDIR", dir.join("confdir"))
        .env("CONFD_ONETIME", "true")
        .env("CONFD_CONFIG_FILE", "/dev/null")
        .env("CONFD_PLUGIN_CACHE_DIR", crate::util::plugin_cache());
    w.run().ok();
    assert_eq!(dir.read("out/app.conf"), "name=web\n");
}

#[test]
fn logs_follow_confds_line_format() {
    let dir = Dir::new();
    simple(&dir);
    let r = Wconfd::file_onetime(&dir).run();
    r.ok();
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("INFO Backend set to file"))
        .expect("backend line");
    // <RFC3339> <host> <argv0>[<pid>]: INFO Backend set to file
    let mut parts = line.splitn(4, ' ');
    let time = parts.next().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "time {time:?}");
    let host = parts.next().unwrap();
    let expected_host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    assert_eq!(host, expected_host);
    // argv[0] verbatim (the full path it was run with), then the pid in brackets.
    let prog = parts.next().unwrap();
    let (argv0, pid) = prog
        .strip_suffix("]:")
        .and_then(|p| p.split_once('['))
        .expect("argv0[pid]:");
    assert_eq!(argv0, env!("CARGO_BIN_EXE_wconfd"));
    assert!(pid.parse::<u32>().is_ok_and(|p| p > 1), "pid {pid:?}");
    let order: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.split_once(": INFO ").map(|(_, m)| m))
        .take(3)
        .collect();
    assert_eq!(order[0], "Backend set to file");
    assert_eq!(order[1], "Starting confd");
    assert!(order[2].starts_with("Backend source(s) set to "), "{order:?}");
}

#[test]
fn a_missing_confdir_warns_and_exits_0_like_confd() {
    let r = Wconfd::new()
        .args([
            "-onetime",
            "-backend",
            "env",
            "-config-file",
            "/dev/null",
            "-confdir",
            "/nonexistent/confd",
        ])
        .run();
    r.ok()
        .stderr_has("WARNING Cannot load template resources: confdir '/nonexistent/confd' does not exist");
}

#[test]
fn log_format_json_writes_one_object_per_line_with_the_text_fields() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n");
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let text = Wconfd::file_onetime(&dir).run();
    text.ok().stderr_has("INFO Target config");
    std::fs::remove_file(dir.join("app.out")).unwrap();
    let r = Wconfd::file_onetime(&dir).args(["-log-format", "json"]).run();
    r.ok();
    let lines: Vec<serde_json::Value> = r
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty());
    for l in &lines {
        for field in ["time", "host", "process", "level", "msg"] {
            assert!(l[field].is_string(), "{field} missing in {l}");
        }
        assert!(l["pid"].as_u64().is_some(), "pid missing in {l}");
    }
    let updated = format!("Target config {} has been updated", dir.join("app.out").display());
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "INFO" && l["msg"] == updated.as_str()),
        "{}",
        r.stderr
    );
    Wconfd::file_onetime(&dir)
        .args(["-log-format", "xml"])
        .run()
        .code(1)
        .stderr_has("not a valid log format: \"xml\" (text or json)");
}

#[test]
fn render_prints_a_template_in_the_sandbox_granted_nothing_unless_asked() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n  port: \"80\"\nother: x\n");
    let tmpl = dir.write(
        "t.tmpl",
        "{{getv \"/name\"}}:{{getv \"/port\"}} env=[{{getenv \"WCONFD_TEST_SECRET\"}}] {{upper \"x\"}}\n",
    );
    let render = |extra: &[&str]| {
        Wconfd::new()
            .arg("render")
            .arg(&tmpl)
            .arg("-data")
            .arg(dir.join("data.yaml"))
            .args(["-prefix", "/app", "-helpers", "sprig"])
            .args(extra)
            .env("WCONFD_TEST_SECRET", "s3cret")
            .run()
    };
    let r = render(&[]);
    r.ok();
    assert_eq!(r.stdout, "web:80 env=[] X\n");
    let r = render(&["-grant-env", "WCONFD_TEST_SECRET"]);
    r.ok();
    assert_eq!(r.stdout, "web:80 env=[s3cret] X\n");
    render(&["-o", dir.join("out.txt").to_str().unwrap()]).ok();
    assert_eq!(dir.read("out.txt"), "web:80 env=[] X\n");
    // Go's errors, and exit codes a CI job can use.
    let bad = dir.write("bad.tmpl", "{{getv \"/nope\"}}\n");
    Wconfd::new()
        .arg("render")
        .arg(&bad)
        .arg("-data")
        .arg(dir.join("data.yaml"))
        .run()
        .code(1)
        .stderr_has("template: bad.tmpl:1:2: executing \"bad.tmpl\" at <getv \"/nope\">: error calling getv: key does not exist: /nope");
    Wconfd::new()
        .arg("render")
        .arg(&tmpl)
        .run()
        .code(2)
        .stderr_has("missing -data FILE");
    dir.write("broken.yaml", "app: [\n");
    Wconfd::new()
        .arg("render")
        .arg(&tmpl)
        .arg("-data")
        .arg(dir.join("broken.yaml"))
        .run()
        .code(1)
        .stderr_has(&format!("{}:", dir.join("broken.yaml").display()));
}

#[test]
fn check_reports_every_broken_resource_and_writes_nothing() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n");
    dir.keyed("good", "/app", "{{getv \"/app/name\"}}\n");
    dir.keyed("badtmpl", "/app", "{{getv \"/app/name\"\n");
    dir.resource(
        "badhelper",
        &format!(
            "[template]\nsrc = \"badhelper.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\nhelpers = [\"nosuch\"]\n",
            dir.join("badhelper.out").display()
        ),
        "x\n",
    );
    let check = |confdir: &std::path::Path| {
        Wconfd::new()
            .arg("check")
            .arg("-confdir")
            .arg(confdir)
            .args(["-backend", "file", "-config-file", "/dev/null"])
            .arg("-file")
            .arg(dir.join("data.yaml"))
            .run()
    };
    let r = check(&dir.join("confdir"));
    r.code(1)
        .stderr_has("template: badtmpl.tmpl:2: unclosed action started at badtmpl.tmpl:1")
        .stderr_has("no helper library named \"nosuch\"")
        .stderr_has("3 template resources in");
    assert!(
        !dir.exists("good.out") && !dir.exists("badtmpl.out"),
        "check writes nothing"
    );
    std::fs::remove_file(dir.join("confdir/conf.d/badtmpl.toml")).unwrap();
    std::fs::remove_file(dir.join("confdir/conf.d/badhelper.toml")).unwrap();
    check(&dir.join("confdir")).ok().stderr_has("1 template resources in");
    assert!(!dir.exists("good.out"));
}
