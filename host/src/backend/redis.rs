//! The `redis` backend, with the `redis` crate.
//!
//! Keys as confd maps them: with the default separator `/` a confd key is the redis key
//! verbatim; with `-separator :` the leading `/` is dropped and `/` becomes `:`. A string key
//! is its value; a hash gives `<key>/<field>`; anything else is a directory scanned with SCAN
//! (never KEYS), where strings, hashes, lists (`<key>/<index>`), sets (`<key>/<member>` =
//! member) and sorted sets (`<key>/<member>` = score) are all read (confd read only strings).
//!
//! Watching uses keyspace notifications on a dedicated pub/sub connection, with a pattern for
//! every resource's keys (confd subscribed only the first resource's prefix) and each event
//! waking every resource it concerns. If the server has notifications off, wconfd says so at
//! start and either enables them (`-redis-enable-notifications`) or polls at `-interval`.

use super::changes::Changes;
use super::{under, Backend, BackendError, Snapshot};
use crate::config::Config;
use crate::{debug, info, warn};
use async_trait::async_trait;
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How change detection works on this server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Keyspace notifications.
    Notify,
    /// Re-read and compare every `interval`.
    Poll(Duration),
}

/// A request to the pub/sub task: subscribe this pattern, answer when the server confirmed.
type SubscribeRequest = (String, oneshot::Sender<()>);

/// What the watch side shares between resources and the pub/sub task.
struct WatchState {
    /// Events recorded, by key.
    changes: Changes,
    /// New patterns for the pub/sub task to subscribe.
    subscribe: Mutex<Option<mpsc::UnboundedSender<SubscribeRequest>>>,
    /// Fingerprints of the last read of each key set (polling mode).
    fingerprints: Mutex<HashMap<Vec<String>, [u8; 16]>>,
}

/// The redis backend.
pub struct RedisBackend {
    client: redis::Client,
    conn: ConnectionManager,
    source: String,
    db: i64,
    separator: String,
    mode: Mode,
    state: Arc<WatchState>,
}

/// Percent-encode for the userinfo part of a URL.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A redis URL for one confd node: `host:port`, `host:port/db` or a unix socket path.
fn node_url(node: &str, password: &str) -> (String, i64) {
    let (addr, db) = match node.rsplit_once('/') {
        Some((a, d)) if !a.is_empty() && d.parse::<i64>().is_ok() && !std::path::Path::new(node).exists() => {
            (a, d.parse().unwrap_or(0))
        }
        _ => (node, 0),
    };
    if std::path::Path::new(addr).exists() {
        let pass = if password.is_empty() {
            String::new()
        } else {
            format!("&pass={}", encode(password))
        };
        return (format!("redis+unix://{addr}?db={db}{pass}"), db);
    }
    let auth = if password.is_empty() {
        String::new()
    } else {
        format!(":{}@", encode(password))
    };
    (format!("redis://{auth}{addr}/{db}"), db)
}

impl RedisBackend {
    /// Connect to the first node that answers (confd tries them in order).
    pub async fn connect(config: &Config) -> Result<Self, BackendError> {
        // confd reads the redis password from -client-key; -password works too.
        let password = if config.client_key.is_empty() {
            &config.password
        } else {
            &config.client_key
        };
        let separator = if config.separator.is_empty() {
            "/".to_string()
        } else {
            config.separator.clone()
        };
        let mut last_err = String::from("no nodes");
        for node in &config.nodes {
            debug!("Trying to connect to redis node {node}");
            let (url, db) = node_url(node, password);
            let client = match redis::Client::open(url.as_str()) {
                Ok(c) => c,
                Err(e) => {
                    last_err = format!("{node}: {e}");
                    continue;
                }
            };
            let conn = match tokio::time::timeout(Duration::from_secs(2), ConnectionManager::new(client.clone())).await
            {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    last_err = format!("{node}: {e}");
                    continue;
                }
                Err(_) => {
                    last_err = format!("{node}: timed out");
                    continue;
                }
            };
            let mut backend = RedisBackend {
                client,
                conn,
                source: node.clone(),
                db,
                separator: separator.clone(),
                mode: Mode::Notify,
                state: Arc::new(WatchState {
                    changes: Changes::default(),
                    subscribe: Mutex::new(None),
                    fingerprints: Mutex::new(HashMap::new()),
                }),
            };
            if config.watch && !config.onetime {
                backend.mode = backend.notification_mode(config).await;
            }
            return Ok(backend);
        }
        Err(BackendError::Client(format!("cannot connect to redis: {last_err}")))
    }

    /// Check `notify-keyspace-events`; enable it if asked, else fall back to polling.
    async fn notification_mode(&mut self, config: &Config) -> Mode {
        let poll = Mode::Poll(Duration::from_secs(config.interval.max(1)));
        let current: Result<Vec<String>, _> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("notify-keyspace-events")
            .query_async(&mut self.conn)
            .await;
        let flags = match current {
            Ok(v) => v.get(1).cloned().unwrap_or_default(),
            Err(e) => {
                warn!(
                    "redis: cannot read notify-keyspace-events ({e}); polling every {}s",
                    config.interval.max(1)
                );
                return poll;
            }
        };
        // Keyspace channel ('K') and some event class ('A' or specific ones).
        let on = flags.contains('K') && flags.chars().any(|c| "Ag$lshzxetmd".contains(c));
        if on {
            return self.subscribable_or(poll, config.interval).await;
        }
        if config.redis_enable_notifications {
            let set: Result<(), _> = redis::cmd("CONFIG")
                .arg("SET")
                .arg("notify-keyspace-events")
                .arg("KA")
                .query_async(&mut self.conn)
                .await;
            match set {
                Ok(()) => {
                    info!("redis: keyspace notifications were off; enabled them (notify-keyspace-events KA)");
                    return self.subscribable_or(poll, config.interval).await;
                }
                Err(e) => warn!("redis: cannot enable keyspace notifications: {e}"),
            }
        }
        warn!(
            "redis: keyspace notifications are off (notify-keyspace-events={flags:?}); polling every {}s. \
             Enable them on the server (CONFIG SET notify-keyspace-events KA) or run with -redis-enable-notifications",
            config.interval.max(1)
        );
        poll
    }

    /// Notifications if the server lets this client subscribe to them (an ACL or a renamed
    /// `PSUBSCRIBE` may not), else `poll`, said once at start instead of failing in a loop.
    async fn subscribable_or(&self, poll: Mode, interval: u64) -> Mode {
        let probe = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            let pattern = format!("__keyspace@{}__:wconfd-probe", self.db);
            pubsub.psubscribe(&pattern).await?;
            pubsub.punsubscribe(&pattern).await
        };
        match tokio::time::timeout(Duration::from_secs(10), probe).await {
            Ok(Ok(())) => Mode::Notify,
            Ok(Err(e)) => {
                warn!(
                    "redis: the server refuses keyspace subscriptions ({e}); polling every {}s",
                    interval.max(1)
                );
                poll
            }
            Err(_) => {
                warn!(
                    "redis: subscribing to keyspace notifications timed out; polling every {}s",
                    interval.max(1)
                );
                poll
            }
        }
    }

    fn to_redis(&self, key: &str) -> String {
        if self.separator == "/" {
            key.to_string()
        } else {
            key.trim_start_matches('/').replace('/', &self.separator)
        }
    }

    fn to_confd(&self, key: &str) -> String {
        if self.separator == "/" {
            key.to_string()
        } else {
            format!("/{}", key.replace(&self.separator, "/"))
        }
    }

    fn join(&self, base: &str, child: &str) -> String {
        if base.ends_with(&self.separator) {
            format!("{base}{child}")
        } else {
            format!("{base}{}{child}", self.separator)
        }
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &mut redis::Cmd) -> Result<T, BackendError> {
        let mut conn = self.conn.clone();
        cmd.query_async(&mut conn)
            .await
            .map_err(|e| BackendError::Client(format!("redis: {e}")))
    }

    /// Read one redis key of any type into `kv` under the confd key `base`.
    /// Values are read as bytes (redis strings need not be UTF-8); a hash field or a set or
    /// sorted-set member becomes part of a key, so one that is not UTF-8 is skipped.
    async fn read_key(&self, rkey: &str, typ: &str, kv: &mut BTreeMap<String, Vec<u8>>) -> Result<(), BackendError> {
        let base = self.to_confd(rkey);
        let child = |c: &[u8]| match std::str::from_utf8(c) {
            Ok(c) => Some(crate::resource::clean_path(&format!("{base}/{c}"))),
            Err(_) => {
                let mut whole = format!("{rkey}/").into_bytes();
                whole.extend_from_slice(c);
                super::skipped_key("redis", &whole);
                None
            }
        };
        match typ {
            "string" => {
                if let Some(v) = self.query::<Option<Vec<u8>>>(redis::cmd("GET").arg(rkey)).await? {
                    kv.insert(base, v);
                }
            }
            "hash" => {
                let mut cursor = 0u64;
                loop {
                    let (next, items): (u64, Vec<Vec<u8>>) = self
                        .query(redis::cmd("HSCAN").arg(rkey).arg(cursor).arg("COUNT").arg(1000))
                        .await?;
                    for pair in items.chunks(2) {
                        if let [f, v] = pair {
                            if let Some(k) = child(f) {
                                kv.insert(k, v.clone());
                            }
                        }
                    }
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            "list" => {
                let items: Vec<Vec<u8>> = self.query(redis::cmd("LRANGE").arg(rkey).arg(0).arg(-1)).await?;
                for (i, v) in items.into_iter().enumerate() {
                    if let Some(k) = child(i.to_string().as_bytes()) {
                        kv.insert(k, v);
                    }
                }
            }
            "set" => {
                let items: Vec<Vec<u8>> = self.query(redis::cmd("SMEMBERS").arg(rkey)).await?;
                for m in items {
                    if let Some(k) = child(&m) {
                        kv.insert(k, m);
                    }
                }
            }
            "zset" => {
                let items: Vec<Vec<u8>> = self
                    .query(redis::cmd("ZRANGE").arg(rkey).arg(0).arg(-1).arg("WITHSCORES"))
                    .await?;
                for pair in items.chunks(2) {
                    if let [m, score] = pair {
                        if let Some(k) = child(m) {
                            kv.insert(k, score.clone());
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn read(&self, keys: &[String]) -> Result<BTreeMap<String, Vec<u8>>, BackendError> {
        let mut kv = BTreeMap::new();
        for key in keys {
            let key = key.replace("/*", "");
            let rkey = self.to_redis(&key);
            let typ: String = self.query(redis::cmd("TYPE").arg(&rkey)).await?;
            if typ == "string" || typ == "hash" {
                self.read_key(&rkey, &typ, &mut kv).await?;
                continue;
            }
            if typ != "none" {
                self.read_key(&rkey, &typ, &mut kv).await?;
            }
            // A directory: everything below it, found with SCAN.
            let pattern = if key == "/" || rkey.is_empty() {
                "*".to_string()
            } else {
                self.join(&rkey, "*")
            };
            let mut cursor = 0u64;
            loop {
                let (next, found): (u64, Vec<Vec<u8>>) = self
                    .query(
                        redis::cmd("SCAN")
                            .arg(cursor)
                            .arg("MATCH")
                            .arg(&pattern)
                            .arg("COUNT")
                            .arg(1000),
                    )
                    .await?;
                for rk in found {
                    let rk = match String::from_utf8(rk) {
                        Ok(rk) => rk,
                        Err(e) => {
                            super::skipped_key("redis", e.as_bytes());
                            continue;
                        }
                    };
                    let t: String = self.query(redis::cmd("TYPE").arg(&rk)).await?;
                    self.read_key(&rk, &t, &mut kv).await?;
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        Ok(kv
            .into_iter()
            .filter(|(k, _)| keys.iter().any(|p| under(k, &p.replace("/*", ""))))
            .collect())
    }

    /// Start the pub/sub task if needed and subscribe `key`'s pattern; the receiver fires
    /// once the server confirmed the subscription.
    fn subscribe(&self, key: &str) -> oneshot::Receiver<()> {
        let mut sub = self.state.subscribe.lock().unwrap_or_else(|e| e.into_inner());
        let tx = sub.get_or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_pubsub(
                self.client.clone(),
                self.db,
                self.separator.clone(),
                self.state.clone(),
                rx,
            ));
            tx
        });
        let rkey = self.to_redis(key);
        let pattern = if key == "/" || rkey.is_empty() {
            format!("__keyspace@{}__:*", self.db)
        } else {
            format!("__keyspace@{}__:{rkey}*", self.db)
        };
        let (ack, acked) = oneshot::channel();
        let _ = tx.send((pattern, ack));
        acked
    }
}

/// Keep a pub/sub connection subscribed to every pattern asked for, recording events.
async fn run_pubsub(
    client: redis::Client,
    db: i64,
    separator: String,
    state: Arc<WatchState>,
    mut requests: mpsc::UnboundedReceiver<SubscribeRequest>,
) {
    let mut patterns: Vec<String> = Vec::new();
    let mut backoff = Duration::from_millis(250);
    let prefix = format!("__keyspace@{db}__:");
    loop {
        let mut pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                warn!("redis watch: {e}");
                crate::metrics::get().watch_failed("redis");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        let mut refused = None;
        for p in &patterns {
            if let Err(e) = pubsub.psubscribe(p).await {
                refused = Some(e);
            }
        }
        if let Some(e) = refused {
            // Said once, then retried with backoff (not in a tight loop): the server accepted
            // subscriptions at start, so this is likely a restart or an ACL change.
            crate::log::warn_once(&format!(
                "redis watch: the server refuses a subscription ({e}); retrying"
            ));
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
            continue;
        }
        if backoff > Duration::from_millis(250) {
            // Reconnected: events may have been missed, so every watcher re-reads.
            crate::metrics::get().reconnected("redis");
            state.changes.record_all();
        }
        backoff = Duration::from_millis(250);
        let (mut sink, mut stream) = pubsub.split();
        loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(msg) = msg else { break };
                    let Some(rkey) = msg.get_channel_name().strip_prefix(&prefix) else { continue };
                    let key = if separator == "/" { rkey.to_string() } else { format!("/{}", rkey.replace(&separator, "/")) };
                    let event: String = msg.get_payload().unwrap_or_default();
                    debug!("Redis Message: {} {event}", msg.get_channel_name());
                    state.changes.record(&key);
                }
                req = requests.recv() => {
                    let Some((p, ack)) = req else { return };
                    if !patterns.contains(&p) {
                        debug!("Redis Subscription: psubscribe {p}");
                        let ok = sink.psubscribe(&p).await.is_ok();
                        patterns.push(p);
                        if !ok {
                            break; // reconnect; the pattern is re-subscribed with the others
                        }
                    }
                    let _ = ack.send(());
                }
            }
        }
        warn!("redis watch connection lost; reconnecting");
        crate::metrics::get().watch_failed("redis");
        tokio::time::sleep(backoff).await;
        backoff = Duration::from_millis(500);
    }
}

fn fingerprint(kv: &BTreeMap<String, Vec<u8>>) -> [u8; 16] {
    let mut ctx = md5::Context::new();
    for (k, v) in kv {
        ctx.consume(k.as_bytes());
        ctx.consume([0]);
        ctx.consume(v);
        ctx.consume([0]);
    }
    ctx.finalize().0
}

#[async_trait]
impl Backend for RedisBackend {
    fn sources(&self) -> String {
        self.source.clone()
    }

    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError> {
        // The revision is taken before reading: an event during the read wakes the watcher.
        let revision = self.state.changes.current();
        let kv = self.read(keys).await?;
        if let Mode::Poll(_) = self.mode {
            self.state
                .fingerprints
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(keys.to_vec(), fingerprint(&kv));
        }
        Ok(Snapshot { revision, kv })
    }

    async fn watch(&self, _prefix: &str, keys: &[String], since: u64) -> Result<u64, BackendError> {
        match self.mode {
            Mode::Poll(every) => {
                if since == 0 {
                    return Ok(self.state.changes.current());
                }
                loop {
                    tokio::time::sleep(every).await;
                    let kv = self.read(keys).await?;
                    let before = self
                        .state
                        .fingerprints
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(keys)
                        .copied();
                    if before != Some(fingerprint(&kv)) {
                        return Ok(self.state.changes.bump());
                    }
                }
            }
            Mode::Notify => {
                for k in self.state.changes.follow(keys) {
                    // Subscribed (and confirmed) before the first read: nothing after it is missed.
                    let acked = self.subscribe(&k);
                    if tokio::time::timeout(Duration::from_secs(5), acked).await.is_err() {
                        warn!("redis: subscribing to changes under {k} is taking long; continuing");
                    }
                }
                if since == 0 {
                    return Ok(self.state.changes.current());
                }
                Ok(self.state.changes.wait(keys, since).await)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_become_urls() {
        assert_eq!(
            node_url("127.0.0.1:6379", ""),
            ("redis://127.0.0.1:6379/0".to_string(), 0)
        );
        assert_eq!(
            node_url("127.0.0.1:6379/2", "p@ss"),
            ("redis://:p%40ss@127.0.0.1:6379/2".to_string(), 2)
        );
    }
}
