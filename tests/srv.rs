//! DNS SRV, against a DNS server on loopback: confd's node discovery (`-srv-domain`,
//! `-srv-record`, `-scheme`) and the templates' `lookupSRV`, whose expected output is Go's (the
//! oracle ran the same case against a stub holding the same records).

use crate::conformance::{case_bytes, corpus};
use crate::servers::{DnsServer, Etcd, SrvRecord};
use crate::util::{Dir, Wconfd};
use std::collections::HashMap;

fn one(target: &str, port: u16) -> Vec<SrvRecord> {
    vec![(target.to_string(), port, 10, 1)]
}

/// A resource printing `/app/v` from whatever backend the run uses.
fn app_resource(dir: &Dir) {
    dir.keyed("app", "/app", "v={{getv \"/app/v\"}}\n");
}

#[test]
fn srv_domain_and_srv_record_discover_etcd_nodes() {
    let etcd = Etcd::start();
    etcd.put("/app/v", "from-srv");
    let port: u16 = etcd.client_url.rsplit(':').next().unwrap().parse().unwrap();
    let dns = DnsServer::start(HashMap::from([
        // -srv-domain builds `_<backend>._tcp.<domain>.`, as confd does.
        ("_etcdv3._tcp.example.test".to_string(), one("localhost.", port)),
        (
            "_etcd-client._tcp.example.test".to_string(),
            vec![("localhost.".to_string(), port, 20, 1)],
        ),
    ]));
    let dns_addr = dns.addr.to_string();
    let dir = Dir::new();
    app_resource(&dir);
    let r = Wconfd::over(
        &dir,
        &[
            "-onetime",
            "-backend",
            "etcdv3",
            "-srv-domain",
            "example.test",
            "-dns-server",
            &dns_addr,
        ],
    )
    .run();
    r.ok()
        .stderr_has("INFO SRV record set to _etcdv3._tcp.example.test.")
        .stderr_has(&format!("localhost:{port}"));
    assert_eq!(dir.read("app.out"), "v=from-srv\n");
    // `-srv-record` names the record; for `-backend etcd` confd puts `-scheme` in front.
    let by_record = |scheme: &str| {
        Wconfd::over(
            &dir,
            &[
                "-onetime",
                "-backend",
                "etcd",
                "-srv-record",
                "_etcd-client._tcp.example.test",
                "-scheme",
                scheme,
                "-dns-server",
                &dns_addr,
            ],
        )
        .run()
    };
    std::fs::remove_file(dir.join("app.out")).unwrap();
    by_record("http")
        .ok()
        .stderr_has(&format!("Backend source(s) set to http://localhost:{port}"));
    assert_eq!(dir.read("app.out"), "v=from-srv\n");
    // The scheme is the one given: https to this plain server is refused, and says so.
    by_record("https")
        .code(1)
        .stderr_has(&format!("Backend source(s) set to https://localhost:{port}"));
}

#[test]
fn a_record_that_does_not_resolve_stops_the_start_naming_it() {
    let dns = DnsServer::start(HashMap::new());
    let dir = Dir::new();
    app_resource(&dir);
    Wconfd::over(
        &dir,
        &[
            "-onetime",
            "-backend",
            "etcdv3",
            "-srv-record",
            "_nope._tcp.example.test",
            "-dns-server",
            &dns.addr.to_string(),
        ],
    )
    .run()
    .code(1)
    .stderr_has("Cannot get nodes from SRV records lookup _nope._tcp.example.test");
    assert!(!dir.exists("app.out"));
}

#[test]
fn lookup_srv_in_templates_resolves_as_go_does() {
    for id in ["lookupsrv", "lookupsrv-empty"] {
        let cases = corpus("funcs.json");
        let case = cases.iter().find(|c| c["id"] == id).unwrap();
        // Serve the records the oracle's stub held.
        let zone: HashMap<String, Vec<SrvRecord>> = case["dns"]["srv"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, records)| {
                let records = records
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let n = |k: &str| r[k].as_u64().unwrap() as u16;
                        (
                            r["target"].as_str().unwrap().to_string(),
                            n("port"),
                            n("priority"),
                            n("weight"),
                        )
                    })
                    .collect();
                (name.clone(), records)
            })
            .collect();
        let dns = DnsServer::start(zone);
        let (template, want) = case_bytes(case);
        let dir = Dir::new();
        dir.write("data.yaml", "app:\n  v: x\n");
        dir.keyed("app", "/app", template);
        Wconfd::file_onetime(&dir)
            .args(["-dns-server", &dns.addr.to_string()])
            .run()
            .ok();
        assert_eq!(std::fs::read(dir.join("app.out")).unwrap(), want, "case {id}");
    }
}
