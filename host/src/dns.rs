//! SRV records: discovering a backend's nodes (`-srv-domain`, `-srv-record`, as confd does)
//! and the templates' `lookupSRV`. The standard library resolves only addresses, so SRV goes
//! through hickory's resolver: the system's configuration (`/etc/resolv.conf`), or the server
//! `-dns-server` names (a Consul agent's DNS port, a test's server on loopback).
//!
//! Lookups come from synchronous code (configuration loading, a renderer's host call on a
//! blocking thread), so the resolver lives on a small runtime of its own and callers wait for
//! the answer on a channel.

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Longest a lookup may take, retries included (a template waits for it).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// One SRV record (Go's `net.SRV`, the engine's type): `target` keeps its trailing dot, as
/// Go's does.
pub use wconfd_gotemplate::Srv;

struct Dns {
    runtime: tokio::runtime::Runtime,
    /// The resolver and the server it was built for (`None`: the system's).
    resolver: Mutex<Option<(Option<SocketAddr>, TokioResolver)>>,
}

/// The server lookups use (`-dns-server`); `None` is the system's. Set at every configuration
/// load, so SIGHUP can change it.
static SERVER: Mutex<Option<SocketAddr>> = Mutex::new(None);

/// Use `server` for SRV lookups from now on (`None`: the system's resolver).
pub fn use_server(server: Option<SocketAddr>) {
    *SERVER.lock().unwrap_or_else(|e| e.into_inner()) = server;
}

fn dns() -> Result<&'static Dns, String> {
    static DNS: OnceLock<Result<Dns, String>> = OnceLock::new();
    DNS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("wconfd-dns")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the DNS runtime: {e}"))?;
        Ok(Dns {
            runtime,
            resolver: Mutex::new(None),
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn build(server: Option<SocketAddr>) -> Result<TokioResolver, String> {
    let mut builder = match server {
        Some(addr) => TokioResolver::builder_with_config(
            ResolverConfig::from_parts(
                None,
                Vec::new(),
                NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true),
            ),
            TokioConnectionProvider::default(),
        ),
        None => {
            TokioResolver::builder_tokio().map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?
        }
    };
    let opts: &mut ResolverOpts = builder.options_mut();
    opts.timeout = Duration::from_secs(3);
    opts.attempts = 2;
    Ok(builder.build())
}

/// The SRV records of `name` (queried as given: `_etcd-client._tcp.example.com`), in the order
/// a client tries them: by priority, then by weight, heaviest first. (Go's resolver shuffles
/// records of one priority by weight; a fixed order keeps configuration and logs stable.)
pub fn lookup_srv(name: &str) -> Result<Vec<Srv>, String> {
    let dns = dns()?;
    let server = *SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let resolver = {
        let mut slot = dns.resolver.lock().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Some((built_for, r)) if *built_for == server => r.clone(),
            _ => {
                // Building needs the runtime's context (its connections belong to it).
                let _enter = dns.runtime.enter();
                let r = build(server)?;
                *slot = Some((server, r.clone()));
                r
            }
        }
    };
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let query = name.to_string();
    dns.runtime.spawn(async move {
        let answer = match tokio::time::timeout(LOOKUP_TIMEOUT, resolver.srv_lookup(query.as_str())).await {
            Err(_) => Err(format!("lookup {query}: timed out after {LOOKUP_TIMEOUT:?}")),
            Ok(Err(e)) => Err(format!("lookup {query}: {e}")),
            Ok(Ok(found)) => Ok(found
                .iter()
                .map(|r| Srv {
                    target: r.target().to_utf8(),
                    port: r.port(),
                    priority: r.priority(),
                    weight: r.weight(),
                })
                .collect::<Vec<_>>()),
        };
        let _ = tx.send(answer);
    });
    let mut records = rx
        .recv()
        .map_err(|_| format!("lookup {name}: the DNS runtime stopped"))??;
    records.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.weight.cmp(&a.weight)));
    Ok(records)
}

/// The name Go's `net.LookupSRV(service, proto, name)` queries: `_service._proto.name`, or
/// `name` itself when service and proto are both empty.
pub fn srv_name(service: &str, proto: &str, name: &str) -> String {
    if service.is_empty() && proto.is_empty() {
        name.to_string()
    } else {
        format!("_{service}._{proto}.{name}")
    }
}

/// confd's node discovery: the SRV record's targets as `host:port` (trailing dot removed), with
/// `scheme://` in front for the `etcd` backend only (confd's rule).
pub fn discover_nodes(record: &str, backend: &str, scheme: &str) -> Result<Vec<String>, String> {
    let records = lookup_srv(record)?;
    if records.is_empty() {
        return Err(format!("lookup {record}: no SRV records"));
    }
    Ok(records
        .iter()
        .map(|r| {
            let node = format!("{}:{}", r.target.trim_end_matches('.'), r.port);
            if backend == "etcd" {
                format!("{scheme}://{node}")
            } else {
                node
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_as_go_builds_them() {
        assert_eq!(
            srv_name("etcd-client", "tcp", "example.com"),
            "_etcd-client._tcp.example.com"
        );
        assert_eq!(srv_name("", "", "_x._udp.example.com"), "_x._udp.example.com");
    }
}
