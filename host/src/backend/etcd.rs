//! The `etcdv3` backend (also `etcd`, as in confd ≥ 0.17), with `etcd-client`.
//!
//! Reads: all of a resource's keys at one revision, in transactions of at most 128 range
//! reads (etcd's default operation limit), later batches pinned to the first one's revision;
//! results kept on path boundaries. Watches: one etcd watch per prefixed key, shared by every
//! resource that reads it, started from the revision the first resource rendered at and
//! restarted from the last seen revision after a lost stream. A compacted history or a
//! restart that cannot prove continuity makes waiting resources re-read: nothing is lost.

use super::{under, Backend, BackendError, Snapshot};
use crate::config::Config;
use crate::{debug, warn};
use async_trait::async_trait;
use etcd_client::{Client, ConnectOptions, GetOptions, Txn, TxnOp, TxnOpResponse, WatchOptions};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// etcd's default `--max-txn-ops`.
const MAX_TXN_OPS: usize = 128;
/// confd's per-transaction timeout.
const READ_TIMEOUT: Duration = Duration::from_secs(3);

/// One shared watch on a prefixed key.
struct KeyWatch {
    /// The revision the watch started from: changes before it are not covered.
    start: i64,
    /// Highest revision of a change (or forced re-read) seen under the key.
    latest: AtomicI64,
}

/// The etcd v3 backend.
pub struct EtcdBackend {
    client: Client,
    nodes: Vec<String>,
    watches: Mutex<HashMap<String, Arc<KeyWatch>>>,
    /// Woken whenever any watch records a change.
    changed: Arc<Notify>,
    /// `-backend` as given (`etcd` or `etcdv3`), the metrics' label.
    label: Arc<str>,
}

impl EtcdBackend {
    /// Connect to `config.nodes` with TLS and basic auth as configured.
    pub async fn connect(config: &Config) -> Result<Self, BackendError> {
        let tls = !config.client_ca_keys.is_empty() || !config.client_cert.is_empty();
        let nodes: Vec<String> = config
            .nodes
            .iter()
            .map(|n| {
                if n.contains("://") {
                    n.clone()
                } else if tls {
                    format!("https://{n}")
                } else {
                    format!("http://{n}")
                }
            })
            .collect();
        let mut opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_keep_alive(Duration::from_secs(10), Duration::from_secs(3));
        if config.basic_auth {
            opts = opts.with_user(config.username.clone(), config.password.clone());
        }
        if tls {
            opts = opts.with_tls(tls_options(config)?);
        }
        let client = Client::connect(&nodes, Some(opts))
            .await
            .map_err(|e| BackendError::Client(format!("cannot connect to etcd {}: {e}", nodes.join(", "))))?;
        Ok(EtcdBackend {
            client,
            nodes,
            watches: Mutex::new(HashMap::new()),
            changed: Arc::new(Notify::new()),
            label: config.backend.as_str().into(),
        })
    }

    /// The shared watch for `key`, created to start at `since + 1` if there is none.
    fn watch_for(&self, key: &str, since: i64) -> Arc<KeyWatch> {
        let mut watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = watches.get(key) {
            return w.clone();
        }
        let w = Arc::new(KeyWatch {
            start: since + 1,
            latest: AtomicI64::new(0),
        });
        watches.insert(key.to_string(), w.clone());
        debug!("Watch created on {key}");
        tokio::spawn(run_watch(
            self.client.clone(),
            key.to_string(),
            w.clone(),
            self.changed.clone(),
            self.label.clone(),
        ));
        w
    }
}

fn tls_options(config: &Config) -> Result<etcd_client::TlsOptions, BackendError> {
    let read = |p: &str| {
        std::fs::read(p).map_err(|e| BackendError::Io {
            path: p.to_string(),
            source: e,
        })
    };
    let mut tls = etcd_client::TlsOptions::new();
    if !config.client_ca_keys.is_empty() {
        tls = tls.ca_certificate(etcd_client::Certificate::from_pem(read(&config.client_ca_keys)?));
    }
    if !config.client_cert.is_empty() && !config.client_key.is_empty() {
        tls = tls.identity(etcd_client::Identity::from_pem(
            read(&config.client_cert)?,
            read(&config.client_key)?,
        ));
    }
    Ok(tls)
}

/// Keep one etcd watch on `key` alive, recording the revision of every change under it. Errors
/// and the reconnection after them are counted under `label` in the metrics.
async fn run_watch(mut client: Client, key: String, w: Arc<KeyWatch>, changed: Arc<Notify>, label: Arc<str>) {
    let mut next = w.start;
    let mut backoff = Duration::from_millis(250);
    let mut failing = false;
    let metrics = crate::metrics::get();
    loop {
        let opts = WatchOptions::new().with_prefix().with_start_revision(next.max(1));
        match client.watch(key.as_str(), Some(opts)).await {
            Ok(mut stream) => loop {
                if std::mem::take(&mut failing) {
                    metrics.reconnected(&label);
                }
                match stream.message().await {
                    Ok(Some(resp)) => {
                        backoff = Duration::from_millis(250);
                        if resp.compact_revision() > 0 {
                            // The history we needed is gone: everyone re-reads at the present.
                            let rev = resp
                                .header()
                                .map(|h| h.revision())
                                .unwrap_or(0)
                                .max(resp.compact_revision());
                            warn!(
                                "Watch to '{key}' compacted at revision {}; re-reading",
                                resp.compact_revision()
                            );
                            w.latest.fetch_max(rev, Ordering::SeqCst);
                            changed.notify_waiters();
                            next = rev + 1;
                            break;
                        }
                        if resp.canceled() {
                            warn!("Watch to '{key}' stopped at revision {next}: {}", resp.cancel_reason());
                            break;
                        }
                        let mut max_rev = 0;
                        for ev in resp.events() {
                            if let Some(kv) = ev.kv() {
                                // A prefix watch on /app also sees /apples: skip those.
                                if kv.key_str().is_ok_and(|k| under(k, &key)) {
                                    max_rev = max_rev.max(kv.mod_revision());
                                }
                                next = next.max(kv.mod_revision() + 1);
                            }
                        }
                        if max_rev > 0 {
                            debug!("Watch to '{key}' updated to {max_rev}");
                            w.latest.fetch_max(max_rev, Ordering::SeqCst);
                            changed.notify_waiters();
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        warn!("Watch error on '{key}': {e}");
                        metrics.watch_failed(&label);
                        failing = true;
                        break;
                    }
                }
            },
            Err(e) => {
                warn!("Watch error on '{key}': {e}");
                metrics.watch_failed(&label);
                failing = true;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

#[async_trait]
impl Backend for EtcdBackend {
    fn sources(&self) -> String {
        self.nodes.join(", ")
    }

    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError> {
        let mut kv = BTreeMap::new();
        let mut revision = 0i64;
        let mut client = self.client.clone();
        for chunk in keys.chunks(MAX_TXN_OPS) {
            let ops: Vec<TxnOp> = chunk
                .iter()
                .map(|k| {
                    let mut o = GetOptions::new().with_prefix();
                    if revision > 0 {
                        o = o.with_revision(revision);
                    }
                    TxnOp::get(k.as_str(), Some(o))
                })
                .collect();
            let resp = tokio::time::timeout(READ_TIMEOUT, client.txn(Txn::new().and_then(ops)))
                .await
                .map_err(|_| BackendError::Client(format!("etcd read timed out after {READ_TIMEOUT:?}")))?
                .map_err(|e| BackendError::Client(format!("etcd read failed: {e}")))?;
            if revision == 0 {
                revision = resp.header().map(|h| h.revision()).unwrap_or(0);
            }
            for (key, op) in chunk.iter().zip(resp.op_responses()) {
                if let TxnOpResponse::Get(get) = op {
                    for item in get.kvs() {
                        let Ok(k) = item.key_str() else {
                            super::skipped_key("etcd", item.key());
                            continue;
                        };
                        if under(k, key) {
                            kv.insert(k.to_string(), item.value().to_vec());
                        }
                    }
                }
            }
        }
        Ok(Snapshot {
            revision: revision.max(0) as u64,
            kv,
        })
    }

    async fn watch(&self, _prefix: &str, keys: &[String], since: u64) -> Result<u64, BackendError> {
        if since == 0 {
            return Ok(1);
        }
        let since = since as i64;
        let watches: Vec<Arc<KeyWatch>> = keys.iter().map(|k| self.watch_for(k, since)).collect();
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            for w in &watches {
                // A watch that began after our snapshot cannot vouch for the gap: re-read.
                if w.start > since + 1 {
                    return Ok(w.start as u64);
                }
                let latest = w.latest.load(Ordering::SeqCst);
                if latest > since {
                    return Ok(latest as u64);
                }
            }
            notified.await;
        }
    }
}
