//! The limits that bound what a template or plugin can make the host do, each shown to stop
//! what it is for, through the real binary and component: one broken resource, the others
//! rendered.

use crate::util::{install_test_plugin, Dir, Wconfd};

/// The resources plus a plain one that must still render.
fn resources(dir: &Dir, templates: &[(&str, &str)]) {
    let mut all: Vec<(&str, &str, &str)> = templates.iter().map(|(n, t)| (*n, "", *t)).collect();
    all.push(("plain", "", "{{getv \"/app/name\"}}\n"));
    dir.app_resources(&all);
}

#[test]
fn template_engine_limits_end_runaway_templates_as_errors() {
    let dir = Dir::new();
    let nested = format!("{{{{{}1{}}}}}\n", "(".repeat(600), ")".repeat(600));
    // Each level calls the next twice: 2^40 calls, where Go would run for ever.
    let mut fanout = String::new();
    for i in 0..40 {
        fanout.push_str(&format!(
            "{{{{define \"f{i}\"}}}}{{{{template \"f{}\"}}}}{{{{template \"f{}\"}}}}{{{{end}}}}",
            i + 1,
            i + 1
        ));
    }
    fanout.push_str("{{define \"f40\"}}{{end}}{{template \"f0\"}}\n");
    resources(
        &dir,
        &[
            ("nesting", &nested),
            ("steps", &fanout),
            (
                "value",
                "{{$s := \"xxxxxxxx\"}}{{range seq 1 40}}{{$s = printf \"%s%s\" $s $s}}{{end}}{{len $s}}\n",
            ),
            ("seq", "{{len (seq 1 20000000)}}\n"),
        ],
    );
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1)
        .stderr_has("nested more than 500 deep")
        .stderr_has("error calling printf: result exceeds the renderer's limit of 67108864 bytes")
        .stderr_has("error calling seq: seq: 20000000 elements is too many");
    // 2^40 calls reach either the per-call time limit (10 s) or the step limit (100 million
    // nodes, 7 to 10 s of this renderer on this machine): whichever comes first ends the render
    // as an error.
    let timed_out =
        "steps.toml: renderer plugin \"gotemplate\" failed: the call ran past its time limit and was interrupted";
    let steps_error = "steps.toml: template: steps.tmpl:1:";
    let stepped_out =
        |line: &str| line.contains(steps_error) && line.contains("execution stopped after 100000000 steps");
    assert!(
        r.stderr.contains(timed_out) || r.stderr.lines().any(stepped_out),
        "the fan-out template did not end on a limit:\n{}",
        r.stderr
    );
    for name in ["nesting", "steps", "value", "seq"] {
        assert!(!dir.exists(&format!("{name}.out")), "{name} wrote its destination");
    }
    assert_eq!(dir.read("plain.out"), "web\n");
}

#[test]
fn a_plugin_importing_what_the_host_does_not_provide_is_refused() {
    let dir = Dir::new();
    let plugins = install_test_plugin(&dir, "wconfd-test-greedy-renderer", "greedy", "renderer", "");
    resources(&dir, &[("greedy", "x\n")]);
    std::fs::write(
        dir.join("confdir/conf.d/greedy.toml"),
        format!(
            "[template]\nsrc = \"greedy.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\nrenderer = \"greedy\"\n",
            dir.join("greedy.out").display()
        ),
    )
    .unwrap();
    let r = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
    r.code(1)
        .stderr_has("Plugin refused:")
        .stderr_has("acme:greedy/secrets@0.1.0")
        .stderr_has("renderer \"greedy\" is unavailable");
    assert!(!dir.exists("greedy.out"));
    assert_eq!(dir.read("plain.out"), "web\n");
}
