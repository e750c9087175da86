//! Real servers for backend tests: `etcd` and `redis-server` (Debian's packages, installed by
//! `scripts/setup.sh`) on free loopback ports with temporary data directories, stopped when
//! dropped. They are driven with their own command-line clients (`etcdctl`, `redis-cli`).

#![allow(dead_code)]

use crate::util::eventually;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A free TCP port on 127.0.0.1 (bound and released; the servers bind it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One etcd member (or a single-node cluster).
pub struct Etcd {
    pub client_url: String,
    pub peer_url: String,
    name: String,
    dir: tempfile::TempDir,
    child: Option<Child>,
    cluster: String,
    extra: Vec<String>,
    /// `user:password` for etcdctl once auth is enabled.
    pub auth: Option<String>,
}

impl Etcd {
    /// A single-node etcd, started and ready.
    pub fn start() -> Etcd {
        Self::start_with(&[])
    }

    /// A single-node etcd with extra server flags.
    pub fn start_with(extra: &[&str]) -> Etcd {
        let client = free_port();
        let peer = free_port();
        let name = "wconfd-test".to_string();
        let peer_url = format!("http://127.0.0.1:{peer}");
        let cluster = format!("{name}={peer_url}");
        let scheme = if extra.iter().any(|a| a.starts_with("--cert-file")) {
            "https"
        } else {
            "http"
        };
        let mut e = Etcd {
            client_url: format!("{scheme}://127.0.0.1:{client}"),
            peer_url,
            name,
            dir: tempfile::tempdir().unwrap(),
            child: None,
            cluster,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            auth: None,
        };
        e.spawn();
        e.wait_ready();
        e
    }

    /// A cluster of `n` members on loopback, started together and ready.
    pub fn cluster(n: usize) -> Vec<Etcd> {
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let cluster = ports
            .iter()
            .enumerate()
            .map(|(i, (_, p))| format!("m{i}=http://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut members: Vec<Etcd> = ports
            .iter()
            .enumerate()
            .map(|(i, (c, p))| Etcd {
                client_url: format!("http://127.0.0.1:{c}"),
                peer_url: format!("http://127.0.0.1:{p}"),
                name: format!("m{i}"),
                dir: tempfile::tempdir().unwrap(),
                child: None,
                cluster: cluster.clone(),
                extra: vec!["--initial-cluster-token=wconfd-test".into()],
                auth: None,
            })
            .collect();
        for m in &mut members {
            m.spawn();
        }
        for m in &members {
            m.wait_ready();
        }
        members
    }

    fn spawn(&mut self) {
        let child = Command::new("etcd")
            .arg("--name")
            .arg(&self.name)
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--listen-client-urls")
            .arg(&self.client_url)
            .arg("--advertise-client-urls")
            .arg(&self.client_url)
            .arg("--listen-peer-urls")
            .arg(&self.peer_url)
            .arg("--initial-advertise-peer-urls")
            .arg(&self.peer_url)
            .arg("--initial-cluster")
            .arg(&self.cluster)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("etcd (run scripts/setup.sh)");
        self.child = Some(child);
    }

    fn wait_ready(&self) {
        eventually(30, "etcd to answer", || {
            self.ctl(&["put", "/wconfd-ready", "1"]).is_ok()
        });
    }

    /// Run `etcdctl` against this server (arguments may be any bytes: values need not be UTF-8).
    pub fn ctl<A: AsRef<std::ffi::OsStr>>(&self, args: &[A]) -> Result<String, String> {
        let mut cmd = Command::new("etcdctl");
        cmd.env("ETCDCTL_API", "3")
            .arg("--endpoints")
            .arg(&self.client_url)
            .arg("--dial-timeout=2s");
        for a in &self.extra {
            if let Some(v) = a.strip_prefix("--trusted-ca-file=") {
                cmd.arg(format!("--cacert={v}"));
            }
            if let Some(v) = a.strip_prefix("--cert-file=") {
                cmd.arg(format!("--cert={v}"));
            }
            if let Some(v) = a.strip_prefix("--key-file=") {
                cmd.arg(format!("--key={v}"));
            }
        }
        if let Some(a) = &self.auth {
            cmd.arg(format!("--user={a}"));
        }
        let out = cmd.args(args).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into())
        }
    }

    pub fn put(&self, k: &str, v: &str) {
        self.ctl(&["put", k, v]).unwrap_or_else(|e| panic!("put {k}: {e}"));
    }

    /// `put`, retried while the cluster elects a new leader (a write can time out then).
    pub fn put_retrying(&self, k: &str, v: &str) {
        eventually(30, "a write to be accepted", || self.ctl(&["put", k, v]).is_ok());
    }

    pub fn del(&self, k: &str) {
        self.ctl(&["del", k]).unwrap_or_else(|e| panic!("del {k}: {e}"));
    }

    /// The current store revision.
    pub fn revision(&self) -> i64 {
        let out = self
            .ctl(&["get", "/", "--prefix", "--keys-only", "-w", "json"])
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["header"]["revision"].as_i64().unwrap()
    }

    /// Stop the server (keeping its data) and start it again on the same ports.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.spawn();
        self.wait_ready();
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A redis server.
pub struct Redis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
    password: Option<String>,
    extra: Vec<String>,
}

impl Redis {
    /// A redis-server with extra config arguments (e.g. `["--notify-keyspace-events", "KA"]`).
    pub fn start(extra: &[&str]) -> Redis {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let child = Self::spawn(port, dir.path(), &extra);
        let password = extra
            .iter()
            .position(|a| *a == "--requirepass")
            .map(|i| extra[i + 1].to_string());
        let r = Redis {
            port,
            dir,
            child,
            password,
            extra,
        };
        r.wait_ready();
        r
    }

    fn spawn(port: u16, dir: &std::path::Path, extra: &[String]) -> Child {
        Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(dir)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (run scripts/setup.sh)")
    }

    fn wait_ready(&self) {
        eventually(20, "redis to answer", || {
            self.cli(&["ping"]).is_ok_and(|o| o.trim() == "PONG")
        });
    }

    /// Kill the server and start a new one on the same port (its data is gone).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(std::time::Duration::from_millis(300));
        self.child = Self::spawn(self.port, self.dir.path(), &self.extra);
        self.wait_ready();
    }

    pub fn node(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Run `redis-cli` against this server (as the given password's user; arguments may be any
    /// bytes).
    pub fn cli<A: AsRef<std::ffi::OsStr>>(&self, args: &[A]) -> Result<String, String> {
        let mut cmd = Command::new("redis-cli");
        cmd.args(["-p", &self.port.to_string(), "--no-auth-warning"]);
        if let Some(p) = &self.password {
            cmd.args(["-a", p]);
        }
        let out = cmd.args(args).output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && !text.starts_with("ERR") && !text.starts_with("NOAUTH") {
            Ok(text)
        } else {
            Err(format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    pub fn run<A: AsRef<std::ffi::OsStr> + std::fmt::Debug>(&self, args: &[A]) {
        self.cli(args).unwrap_or_else(|e| panic!("redis-cli {args:?}: {e}"));
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.dir;
    }
}

/// A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with
/// the openssl command line.
pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub fn new() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let sh = |script: &str| {
            let st = Command::new("sh")
                .arg("-ec")
                .arg(script)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(st.success(), "openssl failed: {script}");
        };
        sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj /CN=wconfd-test-ca");
        std::fs::write(
            dir.path().join("san.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
        )
        .unwrap();
        for name in ["server", "client"] {
            sh(&format!(
                "openssl req -newkey rsa:2048 -nodes -keyout {name}-key.pem -out {name}.csr -subj /CN={name} && \
                 openssl x509 -req -in {name}.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out {name}.pem -days 2 -extfile san.cnf"
            ));
        }
        Certs { dir }
    }

    pub fn path(&self, f: &str) -> String {
        self.dir.path().join(f).display().to_string()
    }

    /// confd's flags for this CA and the client certificate.
    pub fn client_flags(&self) -> Vec<String> {
        [
            ("-client-ca-keys", "ca.pem"),
            ("-client-cert", "client.pem"),
            ("-client-key", "client-key.pem"),
        ]
        .iter()
        .flat_map(|(flag, file)| [flag.to_string(), self.path(file)])
        .collect()
    }
}

/// An authoritative DNS server on a loopback UDP port answering SRV queries from a fixed table
/// (what a zone holding `_etcd-client._tcp.example.test` would answer), NXDOMAIN for any other
/// name. It speaks real DNS (hickory's message encoding), so wconfd's resolver is exercised as
/// against a production server; it stops with the test process.
pub struct DnsServer {
    pub addr: std::net::SocketAddr,
}

/// One SRV record of a [`DnsServer`] zone: (target, port, priority, weight).
pub type SrvRecord = (String, u16, u16, u16);

impl DnsServer {
    /// Serve `zone`: SRV name (without the trailing dot) → its records.
    pub fn start(zone: std::collections::HashMap<String, Vec<SrvRecord>>) -> DnsServer {
        use hickory_proto::op::{Message, MessageType, ResponseCode};
        use hickory_proto::rr::rdata::SRV;
        use hickory_proto::rr::{Name, RData, Record, RecordType};
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok((n, peer)) = socket.recv_from(&mut buf) {
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut reply = Message::new();
                reply
                    .set_id(query.id())
                    .set_message_type(MessageType::Response)
                    .set_op_code(query.op_code())
                    .set_authoritative(true)
                    .set_recursion_desired(query.recursion_desired());
                let mut found = false;
                for q in query.queries() {
                    reply.add_query(q.clone());
                    let name = q.name().to_utf8();
                    let records = zone.get(name.trim_end_matches('.'));
                    found |= records.is_some();
                    for (target, port, priority, weight) in records.into_iter().flatten() {
                        if q.query_type() == RecordType::SRV {
                            let srv = SRV::new(*priority, *weight, *port, Name::from_utf8(target).unwrap());
                            reply.add_answer(Record::from_rdata(q.name().clone(), 60, RData::SRV(srv)));
                        }
                    }
                }
                if !found {
                    reply.set_response_code(ResponseCode::NXDomain);
                }
                let _ = socket.send_to(&reply.to_vec().unwrap(), peer);
            }
        });
        DnsServer { addr }
    }
}

/// A ZooKeeper server (Debian's `zookeeper` package: Java and the server's jar), standalone
/// on a loopback port with a temporary data directory, and a client session to write with.
pub struct ZooKeeper {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
    rt: tokio::runtime::Runtime,
    client: std::cell::RefCell<Option<zookeeper_client::Client>>,
    /// Requests [`ZooKeeper::put`] has sent (the benchmark counts the others).
    own_requests: std::cell::Cell<u64>,
}

impl ZooKeeper {
    pub fn start() -> ZooKeeper {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("zoo.cfg"),
            format!(
                "tickTime=500\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\n\
                 admin.enableServer=false\nmaxSessionTimeout=20000\n4lw.commands.whitelist=mntr\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Self::spawn(dir.path());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let zk = ZooKeeper {
            port,
            dir,
            child,
            rt,
            client: std::cell::RefCell::new(None),
            own_requests: std::cell::Cell::new(0),
        };
        zk.connect();
        zk
    }

    fn spawn(dir: &std::path::Path) -> Child {
        Command::new("java")
            .args([
                "-Xmx256m",
                "-cp",
                "/usr/share/java/zookeeper.jar",
                "org.apache.zookeeper.server.ZooKeeperServerMain",
            ])
            .arg(dir.join("zoo.cfg"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("java and zookeeper (run scripts/setup.sh)")
    }

    fn connect(&self) {
        let cluster = self.node();
        let rt = &self.rt;
        let mut client = None;
        // The JVM takes a few seconds to start on a busy machine.
        eventually(60, "zookeeper to accept a session", || {
            // A session that answers a request (right after a restart, a new session can be
            // refused as expired while the server is still loading).
            client = rt.block_on(async {
                let c = tokio::time::timeout(
                    std::time::Duration::from_secs(2),
                    zookeeper_client::Client::connect(&cluster),
                )
                .await
                .ok()?
                .ok()?;
                c.list_children("/").await.ok()?;
                Some(c)
            });
            client.is_some()
        });
        *self.client.borrow_mut() = client;
    }

    /// `127.0.0.1:PORT`.
    pub fn node(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Create or update znode `path` with `value`, creating its parents (with empty data).
    pub fn put(&self, path: &str, value: &str) {
        let mut last = None;
        for _ in 0..10 {
            match self.try_put(path, value) {
                Ok(()) => return,
                // Right after a restart that lost the sessions, a new session can be refused
                // or left unanswered for a while: a new one is made (writes are idempotent).
                Err(e) => {
                    last = Some(e);
                    self.connect();
                }
            }
        }
        panic!("put {path}: {last:?}");
    }

    fn try_put(&self, path: &str, value: &str) -> Result<(), zookeeper_client::Error> {
        let client = self.client.borrow().clone().expect("connected");
        self.rt.block_on(async {
            let options = zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all());
            let mut at = String::new();
            for part in path.trim_start_matches('/').split('/') {
                at = format!("{at}/{part}");
                let data: &[u8] = if at == path { value.as_bytes() } else { b"" };
                self.own_requests.set(self.own_requests.get() + 1);
                match client.create(&at, data, &options).await {
                    Ok(_) => {}
                    Err(zookeeper_client::Error::NodeExists) if at == path => {
                        self.own_requests.set(self.own_requests.get() + 1);
                        client.set_data(&at, data, None).await?;
                    }
                    Err(zookeeper_client::Error::NodeExists) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }

    /// Create znode `path` (its parent must exist) with `value`, readable only by a session
    /// authenticated as digest user `admin:secret`.
    pub fn put_private(&self, path: &str, value: &str) {
        let cluster = self.node();
        self.rt.block_on(async {
            let owner = zookeeper_client::Client::connect(&cluster).await.unwrap();
            owner.auth("digest", b"admin:secret").await.unwrap();
            let options = zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::creator_all());
            owner.create(path, value.as_bytes(), &options).await.unwrap();
        });
    }

    /// Requests the server received from others than [`ZooKeeper::put`] (its `mntr` count;
    /// keep-alive pings included).
    pub fn others_requests(&self) -> u64 {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.write_all(b"mntr").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let received: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("zk_packets_received"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        received.saturating_sub(self.own_requests.get())
    }

    /// Stop the server and start it again on the same port, with the same data or (`wipe`)
    /// none: then no session survives, and clients find theirs expired.
    pub fn restart(&mut self, wipe: bool) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self.client.borrow_mut() = None;
        if wipe {
            let _ = std::fs::remove_dir_all(self.dir.path().join("data"));
        }
        self.child = Self::spawn(self.dir.path());
        self.connect();
    }
}

impl Drop for ZooKeeper {
    fn drop(&mut self) {
        *self.client.borrow_mut() = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto (PyPI) in server mode: AWS's DynamoDB and SSM APIs, implemented for real, on a
/// loopback port. `auth_after`: requests after the first N are checked against moto's IAM
/// (unknown credentials are refused); `None`: nothing is checked.
pub struct Moto {
    pub port: u16,
    child: Child,
}

impl Moto {
    pub fn start(auth_after: Option<u32>) -> Moto {
        Moto::start_on(free_port(), auth_after)
    }

    /// A moto server on `port` (a restart: a new, empty moto where the old one was).
    pub fn start_on(port: u16, auth_after: Option<u32>) -> Moto {
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(n) = auth_after {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
        }
        let child = cmd.spawn().expect("moto_server (run scripts/setup.sh)");
        let moto = Moto { port, child };
        eventually(60, "moto to answer", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        moto
    }

    /// `http://127.0.0.1:PORT`.
    pub fn node(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One AWS JSON API call (`target`, e.g. `DynamoDB_20120810.PutItem`) in us-east-1, as
    /// the test's own client. Returns the status and the body.
    pub fn call(&self, target: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.call_in("us-east-1", target, body)
    }

    /// [`Moto::call`] in `region` (moto keeps each region's tables and parameters apart).
    pub fn call_in(&self, region: &str, target: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let (service, content_type) = if target.starts_with("DynamoDB") {
            ("dynamodb", "application/x-amz-json-1.0")
        } else {
            ("ssm", "application/x-amz-json-1.1")
        };
        let headers = format!("Content-Type: {content_type}\r\nX-Amz-Target: {target}\r\n");
        let (status, body) = self.post(region, service, &headers, &body.to_string());
        (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
    }

    /// One call of a query-protocol API (`iam`, `sts`): `action` with `params`, form-encoded.
    /// Returns the XML answer; anything but 200 fails the test.
    pub fn query(&self, service: &str, action: &str, params: &[(&str, &str)]) -> String {
        let version = if service == "iam" { "2010-05-08" } else { "2011-06-15" };
        let mut body = format!("Action={action}&Version={version}");
        for (k, v) in params {
            body.push_str(&format!("&{k}={}", form_encode(v)));
        }
        let headers = "Content-Type: application/x-www-form-urlencoded\r\n";
        let (status, answer) = self.post("us-east-1", service, headers, &body);
        assert_eq!(status, 200, "{action}: {answer}");
        answer
    }

    /// POST `body` as `service`'s client in `region`: unsigned, but with the credential scope
    /// moto routes by (it checks nothing until its IAM checks begin).
    fn post(&self, region: &str, service: &str, headers: &str, body: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{headers}\
             Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, \
             SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        (status, body.to_string())
    }

    /// An IAM user `name` allowed every action, and a new access key of it: (id, secret).
    /// Three requests.
    pub fn user_key(&self, name: &str) -> (String, String) {
        self.query("iam", "CreateUser", &[("UserName", name)]);
        self.query(
            "iam",
            "PutUserPolicy",
            &[("UserName", name), ("PolicyName", "all"), ("PolicyDocument", ALLOW_ALL)],
        );
        let answer = self.query("iam", "CreateAccessKey", &[("UserName", name)]);
        (xml_text(&answer, "AccessKeyId"), xml_text(&answer, "SecretAccessKey"))
    }

    /// A role `name` allowed every action, assumed: temporary credentials (id, secret, session
    /// token), as an instance profile or a task role hands them out. Three requests.
    pub fn role_credentials(&self, name: &str) -> (String, String, String) {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        self.query(
            "iam",
            "CreateRole",
            &[("RoleName", name), ("AssumeRolePolicyDocument", trust)],
        );
        self.query(
            "iam",
            "PutRolePolicy",
            &[("RoleName", name), ("PolicyName", "all"), ("PolicyDocument", ALLOW_ALL)],
        );
        let arn = format!("arn:aws:iam::123456789012:role/{name}");
        let answer = self.query("sts", "AssumeRole", &[("RoleArn", &arn), ("RoleSessionName", "wconfd")]);
        (
            xml_text(&answer, "AccessKeyId"),
            xml_text(&answer, "SecretAccessKey"),
            xml_text(&answer, "SessionToken"),
        )
    }

    /// Create DynamoDB table `name` as confd's integration test does (hash key `key`, a string).
    pub fn create_table(&self, name: &str) {
        let (status, answer) = self.call(
            "DynamoDB_20120810.CreateTable",
            &serde_json::json!({
                "TableName": name,
                "KeySchema": [{"AttributeName": "key", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "key", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        );
        assert_eq!(status, 200, "{answer}");
    }

    /// Put item `key` = `value` (a string) into table `table`.
    pub fn put_item(&self, table: &str, key: &str, value: &str) {
        let (status, answer) = self.call(
            "DynamoDB_20120810.PutItem",
            &serde_json::json!({"TableName": table, "Item": {"key": {"S": key}, "value": {"S": value}}}),
        );
        assert_eq!(status, 200, "{answer}");
    }
}

impl Moto {
    /// Put SSM parameter `name` = `value` (type `String`).
    pub fn put_parameter(&self, name: &str, value: &str) {
        self.put_parameter_in("us-east-1", name, value)
    }

    /// Put SSM parameter `name` = `value` in `region`.
    pub fn put_parameter_in(&self, region: &str, name: &str, value: &str) {
        let (status, answer) = self.call_in(
            region,
            "AmazonSSM.PutParameter",
            &serde_json::json!({"Name": name, "Value": value, "Type": "String", "Overwrite": true}),
        );
        assert_eq!(status, 200, "{answer}");
    }
}

/// An IAM policy allowing every action on every resource.
const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// `text` percent-encoded for a form body.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the first `<tag>` element of an XML answer.
fn xml_text(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no <{tag}> in {xml}")) + open.len();
    let end = start + xml[start..].find('<').unwrap();
    xml[start..end].to_string()
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
