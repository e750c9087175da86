//! The change log a watching backend keeps when its store pushes events (redis keyspace
//! notifications, ZooKeeper watches): one global sequence, and for each key a resource watches,
//! the sequence number of the last event under it.
//!
//! A snapshot's revision is the sequence when its read began, so an event during or after the
//! read is newer than it, and a watch for that resource returns at once: nothing is missed
//! between a render and the next wait. An event wakes only the resources whose keys it lies
//! under (confd woke every resource under the prefix).

use super::under;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::Notify;

/// See the module documentation.
pub struct Changes {
    seq: AtomicU64,
    latest: Mutex<HashMap<String, u64>>,
    changed: Notify,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            seq: AtomicU64::new(1),
            latest: Mutex::new(HashMap::new()),
            changed: Notify::new(),
        }
    }
}

impl Changes {
    /// The sequence now: a snapshot's revision when taken before its read.
    pub fn current(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// A new sequence number, recorded nowhere (a polling backend's "something changed").
    pub fn bump(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Start following `keys` (confd's `/*` stripped); returns those not followed before, for
    /// the backend to subscribe to before the first read.
    pub fn follow(&self, keys: &[String]) -> Vec<String> {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .map(|k| k.replace("/*", ""))
            .filter(|k| {
                let fresh = !latest.contains_key(k);
                latest.entry(k.clone()).or_insert(0);
                fresh
            })
            .collect()
    }

    /// Something changed at `key`: every followed key it lies under (or that lies under it: a
    /// deleted directory) gets a new sequence number, and their watchers wake.
    pub fn record(&self, key: &str) {
        let seq = self.bump();
        let mut woke = false;
        for (followed, latest) in self.latest.lock().unwrap_or_else(|e| e.into_inner()).iter_mut() {
            if under(key, followed) || under(followed, key) {
                *latest = seq;
                woke = true;
            }
        }
        if woke {
            self.changed.notify_waiters();
        }
    }

    /// Anything may have changed (events were missed during a reconnection): every watcher
    /// re-reads.
    pub fn record_all(&self) {
        let seq = self.bump();
        for latest in self.latest.lock().unwrap_or_else(|e| e.into_inner()).values_mut() {
            *latest = seq;
        }
        self.changed.notify_waiters();
    }

    /// Wait until something under one of `keys` changed after `since`; returns its number.
    pub async fn wait(&self, keys: &[String], since: u64) -> u64 {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let newest = {
                let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
                keys.iter()
                    .filter_map(|k| latest.get(&k.replace("/*", "")).copied())
                    .max()
                    .unwrap_or(0)
            };
            if newest > since {
                return newest;
            }
            notified.await;
        }
    }
}
