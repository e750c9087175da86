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
        };
        e.spawn();
        e.wait_ready();
        e
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

    /// Run `etcdctl` against this server.
    pub fn ctl(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = Command::new("etcdctl");
        cmd.env("ETCDCTL_API", "3")
            .arg("--endpoints")
            .arg(&self.client_url)
            .arg("--dial-timeout=2s");
        for a in &self.extra {
            if let Some(v) = a.strip_prefix("--trusted-ca-file=") {
                cmd.arg(format!("--cacert={v}"));
            }
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
}

impl Redis {
    /// A redis-server with extra config arguments (e.g. `["--notify-keyspace-events", "KA"]`).
    pub fn start(extra: &[&str]) -> Redis {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("redis-server")
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
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (run scripts/setup.sh)");
        let password = extra
            .iter()
            .position(|a| *a == "--requirepass")
            .map(|i| extra[i + 1].to_string());
        let r = Redis {
            port,
            dir,
            child,
            password,
        };
        eventually(20, "redis to answer", || {
            r.cli(&["ping"]).is_ok_and(|o| o.trim() == "PONG")
        });
        r
    }

    pub fn node(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Run `redis-cli` against this server (as the given password's user).
    pub fn cli(&self, args: &[&str]) -> Result<String, String> {
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

    pub fn run(&self, args: &[&str]) {
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
