//! The ssm backend plugin against moto in server mode (a real implementation of the SSM
//! Parameter Store API, on loopback): confd's integration suite, a path read across many
//! pages, a single parameter, a missing one, credentials SSM does not know.

use crate::conformance::{assert_matches_confd, integration_confdir, SUITE_KEYS};
use crate::dynamodb::aws;
use crate::servers::Moto;
use crate::util::Dir;

#[test]
fn integration_suite_on_ssm_gives_what_confd_wrote() {
    let moto = Moto::start(None);
    for (k, v) in SUITE_KEYS {
        moto.put_parameter(k, v);
    }
    let dir = Dir::new();
    integration_confdir(&dir);
    aws(&dir, &moto, "ssm", &[]).env("HOSTNAME", "localhost").run().ok();
    // The real confd's outputs on etcdv3: the same keys, the same files.
    assert_matches_confd(&dir, "etcdv3");
}

#[test]
fn a_path_is_read_across_every_page_and_a_missing_parameter_reads_as_nothing() {
    let moto = Moto::start(None);
    // GetParametersByPath answers ten parameters a page: four pages.
    for i in 0..35 {
        moto.put_parameter(&format!("/app/k{i:02}"), &format!("v{i}"));
    }
    moto.put_parameter("/single", "one");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{range gets \"/app/*\"}}{{.Key}}={{.Value}}\n{{end}}");
    dir.keyed("single", "/single", "{{getv \"/single\"}}\n");
    dir.keyed("missing", "/missing", "{{getv \"/missing\" \"default\"}}\n");
    aws(&dir, &moto, "ssm", &[]).run().ok();
    let want: String = (0..35).map(|i| format!("/app/k{i:02}=v{i}\n")).collect();
    assert_eq!(dir.read("app.out"), want);
    assert_eq!(dir.read("single.out"), "one\n");
    assert_eq!(dir.read("missing.out"), "default\n");
}

#[test]
fn unknown_credentials_are_a_clear_error() {
    // Past the first request (the parameter's creation), moto checks every request against its
    // IAM: the test credentials are no user's.
    let moto = Moto::start(Some(1));
    moto.put_parameter("/app/name", "web");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    std::fs::write(dir.join("app.out"), "earlier\n").unwrap();
    aws(&dir, &moto, "ssm", &[])
        .run()
        .code(1)
        .stderr_has("backend ssm (denied): GetParametersByPath: HTTP");
    assert_eq!(dir.read("app.out"), "earlier\n");
}

#[test]
fn watch_mode_re_reads_ssm_every_interval_and_says_so() {
    let moto = Moto::start(None);
    moto.put_parameter("/app/name", "one");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let node = moto.node();
    let child = crate::util::Wconfd::over(&dir, &["-backend", "ssm", "-node", &node, "-watch", "-interval", "1"])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .spawn();
    crate::util::eventually(30, "first render", || dir.read_or_empty("app.out") == "one\n");
    moto.put_parameter("/app/name", "two");
    crate::util::eventually(30, "the change, by polling", || dir.read_or_empty("app.out") == "two\n");
    let stderr = crate::util::stop_daemon(child);
    assert!(
        stderr.contains("ssm has no change notification: in watch mode its keys are re-read every 1s (-interval)"),
        "{stderr}"
    );
}

#[test]
fn a_watching_daemon_survives_an_ssm_restart_and_follows_the_new_server() {
    let moto = Moto::start(None);
    moto.put_parameter("/app/name", "one");
    let port = moto.port;
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let node = moto.node();
    let mut child = crate::util::Wconfd::over(&dir, &["-backend", "ssm", "-node", &node, "-watch", "-interval", "1"])
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .env("AWS_REGION", "us-east-1")
        .spawn();
    crate::util::eventually(30, "first render", || dir.read_or_empty("app.out") == "one\n");
    drop(moto);
    // Down for a few polls: errors, the file as it was, the daemon alive.
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(dir.read("app.out"), "one\n");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the daemon exited while SSM was down"
    );
    let moto = Moto::start_on(port, None);
    moto.put_parameter("/app/name", "two");
    crate::util::eventually(30, "the new server's value", || dir.read_or_empty("app.out") == "two\n");
    let stderr = crate::util::stop_daemon(child);
    assert!(stderr.contains("backend ssm (unreachable)"), "{stderr}");
}
