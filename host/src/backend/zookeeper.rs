//! The `zookeeper` backend, native, with the `zookeeper-client` crate.
//!
//! Native rather than a plugin: ZooKeeper speaks its own protocol over TCP with long-lived
//! sessions, and the backend plugin contract grants only `wasi:http` (a plugin would need
//! `wasi:sockets` with the host checking every address, and a ZooKeeper client that runs in a
//! wasm32-wasip2 guest; no maintained one does).
//!
//! Reads as confd's: a key (confd's `/*` stripped) is walked recursively and every leaf znode
//! (no children) is a key with its data as the value; data of inner znodes is ignored. A key
//! that does not exist reads as nothing (confd failed the whole read).
//!
//! Watching: one persistent recursive watch per key a resource names (ZooKeeper 3.6 or later),
//! set before the first read, so that a change is never missed between a render and the next
//! wait; an event wakes only the resources whose keys it lies under. After a disconnection the
//! client reconnects within the session and every resource re-reads (events during the outage
//! are not replayed); when the session expires (a server restart longer than the session
//! timeout), a new session is made, the watches are set again and every resource re-reads.
//! confd watched every znode one-shot and woke every resource under the prefix.

use super::changes::Changes;
use super::{Backend, BackendError, Snapshot};
use crate::config::Config;
use crate::{debug, warn};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zookeeper_client as zk;

/// How long the server keeps a session (and its watches) across a disconnection.
const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The zookeeper backend.
pub struct ZookeeperBackend {
    cluster: String,
    /// The session in use; replaced when it expires.
    client: tokio::sync::Mutex<Option<zk::Client>>,
    changes: Arc<Changes>,
    /// Keys with a persistent watch in the current session.
    watched: Arc<Mutex<HashSet<String>>>,
}

fn client_error(cluster: &str, what: &str, e: zk::Error) -> BackendError {
    BackendError::Client(format!("zookeeper {cluster}: {what}: {e}"))
}

impl ZookeeperBackend {
    /// Connect to `config.nodes` (confd's default `127.0.0.1:2181`).
    pub async fn connect(config: &Config) -> Result<ZookeeperBackend, BackendError> {
        let cluster = config.nodes.join(",");
        let backend = ZookeeperBackend {
            cluster,
            client: tokio::sync::Mutex::new(None),
            changes: Arc::new(Changes::default()),
            watched: Arc::new(Mutex::new(HashSet::new())),
        };
        backend.session().await?;
        Ok(backend)
    }

    /// The live session, made anew if there is none or it has ended.
    async fn session(&self) -> Result<zk::Client, BackendError> {
        let mut slot = self.client.lock().await;
        if let Some(c) = slot.as_ref() {
            if !c.state().is_terminated() {
                return Ok(c.clone());
            }
            warn!(
                "zookeeper {}: session ended ({}); starting a new one",
                self.cluster,
                c.state()
            );
            crate::metrics::get().watch_failed("zookeeper");
        }
        let client = tokio::time::timeout(
            SESSION_TIMEOUT,
            zk::Client::connector()
                .with_session_timeout(SESSION_TIMEOUT)
                .with_connection_timeout(Duration::from_secs(2))
                // Fail when no server answers, rather than retrying until the session timeout:
                // the daemon retries with backoff and says why.
                .with_fail_eagerly()
                .connect(&self.cluster),
        )
        .await
        .map_err(|_| BackendError::Client(format!("zookeeper {}: connecting timed out", self.cluster)))?
        .map_err(|e| client_error(&self.cluster, "connecting", e))?;
        if slot.is_some() {
            // A new session has none of the old one's watches, and changes may have been missed.
            self.watched.lock().unwrap_or_else(|e| e.into_inner()).clear();
            self.changes.record_all();
            crate::metrics::get().reconnected("zookeeper");
        }
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Set a persistent recursive watch on each of `keys` not watched in this session yet; a
    /// task records its events until the session ends.
    async fn watch_keys(&self, client: &zk::Client, keys: &[String]) -> Result<(), BackendError> {
        for key in keys.iter().map(|k| k.replace("/*", "")) {
            if !self
                .watched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.clone())
            {
                continue;
            }
            let watcher = match client.watch(&key, zk::AddWatchMode::PersistentRecursive).await {
                Ok(w) => w,
                Err(e) => {
                    self.watched.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
                    return Err(client_error(&self.cluster, &format!("watching {key}"), e));
                }
            };
            debug!("zookeeper: watching {key}");
            tokio::spawn(record_events(
                client.clone(),
                watcher,
                key,
                self.changes.clone(),
                self.watched.clone(),
            ));
        }
        Ok(())
    }

    /// confd's `nodeWalk`: every leaf under `node` (or `node` itself) with its data.
    async fn walk(
        &self,
        client: &zk::Client,
        node: &str,
        out: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), BackendError> {
        let mut pending = vec![node.to_string()];
        while let Some(node) = pending.pop() {
            let children = match client.list_children(&node).await {
                Ok(c) => c,
                Err(zk::Error::NoNode) => continue,
                Err(e) => return Err(client_error(&self.cluster, &format!("listing {node}"), e)),
            };
            if children.is_empty() {
                match client.get_data(&node).await {
                    Ok((data, _)) => {
                        out.insert(node, data);
                    }
                    Err(zk::Error::NoNode) => {}
                    Err(e) => return Err(client_error(&self.cluster, &format!("reading {node}"), e)),
                }
                continue;
            }
            let parent = node.trim_end_matches('/');
            pending.extend(children.iter().map(|c| format!("{parent}/{c}")));
        }
        Ok(())
    }
}

/// Record `watcher`'s events under `key` until its session ends. A disconnection means events
/// may have been missed, and a restarted server may not have kept the watch: when the session
/// is back, the watch is set again and then every resource re-reads.
async fn record_events(
    client: zk::Client,
    mut watcher: zk::PersistentWatcher,
    key: String,
    changes: Arc<Changes>,
    watched: Arc<Mutex<HashSet<String>>>,
) {
    let mut disconnected = false;
    loop {
        let event = watcher.changed().await;
        match event.event_type {
            zk::EventType::Session if event.session_state.is_terminated() => {
                // The session is gone, and its watches with it: the next call makes a new one.
                watched.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
                changes.record_all();
                return;
            }
            zk::EventType::Session if event.session_state == zk::SessionState::Disconnected => disconnected = true,
            zk::EventType::Session => {
                if std::mem::take(&mut disconnected) {
                    match client.watch(&key, zk::AddWatchMode::PersistentRecursive).await {
                        Ok(fresh) => watcher = fresh,
                        Err(e) => warn!("zookeeper: watching {key} again after a reconnection: {e}"),
                    }
                    crate::metrics::get().reconnected("zookeeper");
                    changes.record_all();
                }
            }
            _ => {
                debug!("zookeeper: {} {}", event.event_type, event.path);
                changes.record(&event.path);
            }
        }
    }
}

#[async_trait]
impl Backend for ZookeeperBackend {
    fn sources(&self) -> String {
        self.cluster.clone()
    }

    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError> {
        // The revision is taken before reading: an event during the read wakes the watcher.
        let revision = self.changes.current();
        let client = self.session().await?;
        let mut kv = BTreeMap::new();
        for key in keys {
            self.walk(&client, &key.replace("/*", ""), &mut kv).await?;
        }
        Ok(Snapshot { revision, kv })
    }

    async fn watch(&self, _prefix: &str, keys: &[String], since: u64) -> Result<u64, BackendError> {
        self.changes.follow(keys);
        let client = self.session().await?;
        // Watches are set before the first read (the `since == 0` call), and again in a new
        // session.
        self.watch_keys(&client, keys).await?;
        if since == 0 {
            return Ok(self.changes.current());
        }
        // Wake on a change under these keys, or when the session ends (to make a new one).
        let mut state = client.state_watcher();
        tokio::select! {
            rev = self.changes.wait(keys, since) => Ok(rev),
            _ = async {
                while !state.changed().await.is_terminated() {}
            } => Ok(self.changes.bump()),
        }
    }
}
