//! Hostile plugin code, each trying to reach past the sandbox or hurt the host: a helper
//! library that reads host files (`/etc/passwd`, another tenant's secret) through WASI, reads
//! the environment, opens a TCP connection, recurses until its stack ends, allocates without
//! bound and calls a host import a million times. Every attempt gets nothing or fails its own
//! render; the host runs on and every other resource renders. (Looping, huge and malformed
//! answers and traps: `helpers.rs`; denied hosts, forged headers and redirects for backends:
//! `backend_plugins.rs`; a tenant's keys, roots and symlinks: `tenants.rs`.)

use crate::util::{install_test_plugin, Dir, Wconfd};

#[test]
fn hostile_helper_code_reaches_nothing_and_hurts_no_one() {
    let dir = Dir::new();
    let plugins = install_test_plugin(&dir, "wconfd-test-probe-helpers", "probe", "helpers", "");
    let secret = dir.write("other-tenant/secret.txt", "the other tenant's secret\n");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let probe = "helpers = [\"probe\"]\n";
    dir.app_resources(&[
        ("a_passwd", probe, "{{ probeReadFile \"/etc/passwd\" }}\n"),
        (
            "b_secret",
            probe,
            &format!("{{{{ probeReadFile {:?} }}}}\n", secret.display().to_string()),
        ),
        ("c_env", probe, "{{ probeEnv \"WCONFD_TEST_SECRET\" }}\n"),
        ("d_connect", probe, &format!("{{{{ probeConnect {addr:?} }}}}\n")),
        ("e_recurse", probe, "{{ probeRecurse }}\n"),
        ("f_alloc", probe, "{{ probeAlloc }}\n"),
        ("g_flood", probe, "{{ probeLogFlood }}\n"),
        ("h_plain", "", "{{ getv \"/app/name\" }}\n"),
    ]);
    let r = Wconfd::file_onetime(&dir)
        .arg("-plugin-dir")
        .arg(&plugins)
        .env("WCONFD_TEST_SECRET", "s3cret")
        .run();
    // The run ends normally (exit 1: some resources failed), not in a crash.
    r.code(1)
        .stderr_has("error calling probeRecurse: helper plugin \"probe\" failed: wasm trap")
        .stderr_has(
            "error calling probeAlloc: helper plugin \"probe\" failed: the call reached the instance's memory limit",
        );
    // WASI was granted no directories, no environment and no network.
    let passwd = dir.read("a_passwd.out");
    assert!(passwd.starts_with("error: ") && !passwd.contains("root:"), "{passwd}");
    let stolen = dir.read("b_secret.out");
    assert!(stolen.starts_with("error: ") && !stolen.contains("secret"), "{stolen}");
    assert_eq!(dir.read("c_env.out"), "error: environment variable not found\n");
    let connect = dir.read("d_connect.out");
    assert!(connect.starts_with("error: "), "{connect}");
    assert!(listener.accept().is_err(), "nothing connected to the listener");
    assert!(!dir.exists("e_recurse.out") && !dir.exists("f_alloc.out"));
    // A million host calls end in the call's time limit or finish; either way only that render.
    match dir.read_or_empty("g_flood.out").as_str() {
        "flooded\n" => {}
        "" => {
            r.stderr_has(
                "error calling probeLogFlood: helper plugin \"probe\" failed: the call ran past its time limit",
            );
        }
        other => panic!("unexpected flood output {other:?}"),
    }
    assert_eq!(dir.read("h_plain.out"), "web\n");
}
