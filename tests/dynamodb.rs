//! The dynamodb backend plugin against moto in server mode (a real implementation of the
//! DynamoDB API, on loopback): confd's integration suite, a prefix read across many Scan pages,
//! a missing table, credentials DynamoDB does not know, an item whose value is not a string.

use crate::conformance::{assert_matches_confd, integration_confdir, SUITE_KEYS};
use crate::servers::Moto;
use crate::util::{Dir, Wconfd};

/// A onetime run of `backend` at `moto` with `args`, test credentials in the environment.
pub(crate) fn aws(dir: &Dir, moto: &Moto, backend: &str, args: &[&str]) -> Wconfd {
    let node = moto.node();
    let mut all = vec!["-onetime", "-backend", backend, "-node", node.as_str()];
    all.extend_from_slice(args);
    let mut w = Wconfd::over(dir, &all);
    w.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .env("AWS_REGION", "us-east-1");
    w
}

/// A onetime run on table `table` at `moto`.
fn dynamodb(dir: &Dir, moto: &Moto, table: &str, extra: &[&str]) -> Wconfd {
    let mut args = vec!["-table", table];
    args.extend_from_slice(extra);
    aws(dir, moto, "dynamodb", &args)
}

#[test]
fn integration_suite_on_dynamodb_gives_what_confd_wrote() {
    let moto = Moto::start(None);
    moto.create_table("confd");
    for (k, v) in SUITE_KEYS {
        moto.put_item("confd", k, v);
    }
    let dir = Dir::new();
    integration_confdir(&dir);
    dynamodb(&dir, &moto, "confd", &[])
        .env("HOSTNAME", "localhost")
        .run()
        .ok();
    // The real confd's outputs on etcdv3: the same keys, the same files.
    assert_matches_confd(&dir, "etcdv3");
}

#[test]
fn a_prefix_is_read_across_every_scan_page() {
    let moto = Moto::start(None);
    moto.create_table("big");
    for i in 0..35 {
        moto.put_item("big", &format!("/app/k{i:02}"), &format!("v{i}"));
    }
    moto.put_item("big", "/apples", "not under /app");
    // An item whose value is a number: skipped, said once.
    let (status, answer) = moto.call(
        "DynamoDB_20120810.PutItem",
        &serde_json::json!({"TableName": "big", "Item": {"key": {"S": "/app/n"}, "value": {"N": "1"}}}),
    );
    assert_eq!(status, 200, "{answer}");
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{range gets \"/app/*\"}}{{.Key}}={{.Value}}\n{{end}}");
    // Ten items a page: four pages (confd read only the first).
    let run = dynamodb(&dir, &moto, "big", &["-backend-option", "page_size=10"]).run();
    run.ok().stderr_has("item /app/n: its value is not a string; skipped");
    let want: String = (0..35).map(|i| format!("/app/k{i:02}=v{i}\n")).collect();
    assert_eq!(dir.read("app.out"), want);
}

#[test]
fn a_missing_table_and_unknown_credentials_are_clear_errors() {
    let moto = Moto::start(None);
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    std::fs::write(dir.join("app.out"), "earlier\n").unwrap();
    dynamodb(&dir, &moto, "nosuchtable", &[])
        .run()
        .code(1)
        .stderr_has("backend dynamodb (bad configuration): DescribeTable: HTTP 400 ResourceNotFoundException");
    assert_eq!(dir.read("app.out"), "earlier\n");

    // Past the table's creation, moto checks every request against its IAM: the test
    // credentials are no user's.
    let moto = Moto::start(Some(1));
    moto.create_table("confd");
    dynamodb(&dir, &moto, "confd", &[])
        .run()
        .code(1)
        .stderr_has("backend dynamodb (denied): DescribeTable: HTTP");
    assert_eq!(dir.read("app.out"), "earlier\n");
}

#[test]
fn an_unreachable_endpoint_and_a_garbage_answer_are_clear_errors() {
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    std::fs::write(dir.join("app.out"), "earlier\n").unwrap();
    let creds = |w: &mut Wconfd| {
        w.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret");
    };
    // Nobody listens there.
    let closed = format!("http://127.0.0.1:{}", crate::servers::free_port());
    for (backend, extra) in [("dynamodb", vec!["-table", "t"]), ("ssm", vec![])] {
        let mut args = vec!["-onetime", "-backend", backend, "-node", closed.as_str()];
        args.extend(extra.iter().copied());
        let mut w = Wconfd::over(&dir, &args);
        creds(&mut w);
        w.run().code(1).stderr_has(&format!("backend {backend} (unreachable)"));
    }
    // A server that answers every request with something that is not JSON.
    let garbage = crate::http_emulator::HttpEmulator::start(|_| {
        crate::http_emulator::Response::new(200, "application/x-amz-json-1.1", "<html>not an API</html>")
    });
    let node = format!("http://127.0.0.1:{}", garbage.port);
    for (backend, extra, action) in [
        ("dynamodb", vec!["-table", "t"], "DescribeTable"),
        ("ssm", vec![], "GetParametersByPath"),
    ] {
        let mut args = vec!["-onetime", "-backend", backend, "-node", node.as_str()];
        args.extend(extra.iter().copied());
        let mut w = Wconfd::over(&dir, &args);
        creds(&mut w);
        w.run()
            .code(1)
            .stderr_has(&format!("backend {backend} (error): {action}: the answer is not JSON"));
    }
    assert_eq!(dir.read("app.out"), "earlier\n");
}

#[test]
fn dynamodb_local_in_the_environment_chooses_confds_local_endpoint() {
    // confd: DYNAMODB_LOCAL set and no -node: http://localhost:8000 (DynamoDB Local's port).
    let dir = Dir::new();
    dir.keyed("app", "/app", "{{getv \"/app/name\"}}\n");
    let run = Wconfd::over(&dir, &["-onetime", "-backend", "dynamodb", "-table", "confd"])
        .env("DYNAMODB_LOCAL", "1")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .run();
    run.stderr_has("Backend source(s) set to http://localhost:8000")
        .stderr_has("http://localhost:8000/");
}
