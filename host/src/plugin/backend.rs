//! Backend plugins (world `backend-plugin`, `wconfd:plugin@0.3.0` with packed snapshots, or
//! 0.2.0 with a list of text pairs): a vendor's key/value store behind the same [`Backend`]
//! trait as the native ones.
//!
//! Each call runs on a blocking thread in an instance taken from a pool: instances are
//! single-threaded, so a watch long-polling in one instance never holds up a read or another
//! resource's watch in another. An instance opens its client once (`client.open` with the
//! operator's configuration) and is reused; a trap or an exceeded time budget discards it, and
//! the daemon's retry with backoff starts a fresh one.
//!
//! What a backend plugin may reach: `wasi:http` requests to the configured nodes only
//! ([`NodeAllowList`]), the `log` import, clocks and randomness. Its WASI context grants no
//! files, no environment and no sockets.

use super::bindings::backend as wit;
use super::bindings::backend_v3 as v3;
use super::limits::{Limiter, Limits, EPOCH_TICK};
use crate::backend::{under, Backend, BackendError, Snapshot};
use crate::config::Config;
use crate::{debug, error, info, warn};
use async_trait::async_trait;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::{ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// One origin a plugin may send requests to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

impl Origin {
    /// A node as confd's options give it: `host:port`, `host`, or a URL
    /// (`https://host:port/path`); `scheme` applies when the node has none.
    pub fn parse(node: &str, scheme: &str) -> Result<Origin, String> {
        let (scheme, rest) = match node.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => (
                if scheme.is_empty() {
                    "http".into()
                } else {
                    scheme.to_ascii_lowercase()
                },
                node,
            ),
        };
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            other => return Err(format!("node {node:?}: scheme {other:?} is not http or https")),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                let port = p.parse().map_err(|_| format!("node {node:?}: bad port {p:?}"))?;
                (h, port)
            }
            _ => (authority, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if host.is_empty() {
            return Err(format!("node {node:?} has no host"));
        }
        Ok(Origin { scheme, host, port })
    }

    /// Whether a request to `scheme://host:port` (lower-cased) goes to this origin. A label
    /// `{region}` in the origin's host stands for any one DNS label: an AWS backend's default
    /// endpoint is its region's, and the plugin finds the region (environment, profile,
    /// instance metadata).
    fn admits(&self, scheme: &str, host: &str, port: u16) -> bool {
        if self.scheme != scheme || self.port != port {
            return false;
        }
        if !self.host.contains(REGION) {
            return self.host == host;
        }
        let (mut want, mut have) = (self.host.split('.'), host.split('.'));
        loop {
            match (want.next(), have.next()) {
                (None, None) => return true,
                (Some(REGION), Some(label)) => {
                    if label.is_empty() || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                        return false;
                    }
                }
                (Some(w), Some(h)) if w == h => {}
                _ => return false,
            }
        }
    }
}

/// The label of a default node's host that stands for the AWS region.
const REGION: &str = "{region}";

/// The `wasi:http` policy of one backend plugin: requests go to the configured nodes and
/// nowhere else; a `Host` header cannot be set by the plugin (the host writes it from the
/// checked authority). Every refusal is logged, naming the plugin and the destination.
pub struct NodeAllowList {
    plugin: String,
    allowed: Arc<Vec<Origin>>,
    /// The operator's CA and client certificate for https nodes, when given.
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl NodeAllowList {
    fn allows(&self, uri: &http::Uri) -> bool {
        let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
        let Some(host) = uri.host() else { return false };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        self.allowed.iter().any(|o| o.admits(&scheme, &host, port))
    }
}

impl WasiHttpHooks for NodeAllowList {
    fn is_forbidden_header(&mut self, name: &http::HeaderName) -> bool {
        let forbidden = wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS.contains(name);
        if forbidden && name == http::header::HOST {
            warn!(
                "Backend plugin {}: refused a Host header set by the plugin (the host sets it from the checked node)",
                self.plugin
            );
        }
        forbidden
    }

    fn default_scheme(&mut self) -> Option<http::uri::Scheme> {
        Some(http::uri::Scheme::HTTP)
    }

    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
                )>,
            > + Send,
    > {
        drop(fut);
        if !self.allows(request.uri()) {
            let list: Vec<String> = self.allowed.iter().map(|o| o.to_string()).collect();
            warn!(
                "Backend plugin {}: request to {} refused: not one of the configured nodes ({})",
                self.plugin,
                request.uri(),
                list.join(", ")
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        if let (Some(tls), Some("https")) = (self.tls.clone(), request.uri().scheme_str()) {
            return Box::new(super::tls::send(request, tls));
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// Per-instance state of a backend plugin.
pub struct BackendState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: NodeAllowList,
    table: ResourceTable,
    limits: Limiter,
}

impl WasiView for BackendState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for BackendState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl wit::wconfd::plugin::types::Host for BackendState {}

/// The `log` import of either contract version (the same interface, two generated types).
macro_rules! log_host {
    ($($log:ident)::+) => {
        impl $($log)::+::Host for BackendState {
            fn write(&mut self, level: $($log)::+::Level, message: String) {
                use $($log)::+::Level;
                let plugin = &self.hooks.plugin;
                match level {
                    Level::Debug => debug!("Backend plugin {plugin}: {message}"),
                    Level::Info => info!("Backend plugin {plugin}: {message}"),
                    Level::Warn => warn!("Backend plugin {plugin}: {message}"),
                    Level::Error => error!("Backend plugin {plugin}: {message}"),
                }
            }
        }
    };
}
log_host!(wit::wconfd::plugin::log);
log_host!(super::bindings::helpers::wconfd::plugin::log);

/// A backend plugin's component, as the contract version it was built against.
#[derive(Clone)]
pub(crate) enum BackendPre {
    /// `wconfd:plugin@0.3.0`: packed snapshots, values as bytes.
    Current(v3::BackendPluginPre<BackendState>),
    /// `wconfd:plugin@0.2.0`: a list of text pairs.
    V2(wit::BackendPluginPre<BackendState>),
}

enum Bindings {
    Current(v3::BackendPlugin),
    V2(wit::BackendPlugin),
}

/// A loaded backend plugin, before it is configured.
#[derive(Clone)]
pub struct BackendPlugin {
    pub(crate) name: String,
    pub(crate) engine: Engine,
    pub(crate) pre: BackendPre,
    /// Where requests may go when the operator gives no `-node` (e.g. `http://rancher-metadata`).
    pub(crate) default_nodes: Vec<String>,
    /// Where requests may also go whatever the nodes (an AWS backend's credential endpoints).
    pub(crate) extra_origins: Vec<String>,
    /// `[options]` from the manifest; confd.toml's `[backend_options]` override them.
    pub(crate) options: Vec<(String, String)>,
    /// Environment variables passed as options `env.NAME` when set.
    pub(crate) env_grants: Vec<String>,
    /// Files whose contents are passed as options `file:PATH` when readable.
    pub(crate) file_grants: Vec<String>,
    pub(crate) limits: Limits,
}

/// A live instance with its opened client.
struct Instance {
    store: Store<BackendState>,
    bindings: Bindings,
    client: ResourceAny,
}

struct Shared {
    plugin: BackendPlugin,
    config: WitConfig,
    allowed: Arc<Vec<Origin>>,
    tls: Option<Arc<rustls::ClientConfig>>,
    sources: String,
    idle: Mutex<Vec<Instance>>,
}

/// A backend plugin configured by the operator: wconfd's [`Backend`] over a pool of instances.
#[derive(Clone)]
pub struct PluginBackend {
    shared: Arc<Shared>,
}

/// How long `client.open` may take: start-up probes retry with backoff (confd's rancher
/// backend waits up to 31 s).
const OPEN_BUDGET: Duration = Duration::from_secs(60);

fn ticks(budget: Duration) -> u64 {
    (budget.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
}

fn plugin_failure(plugin: &str, what: &str, e: &wasmtime::Error) -> BackendError {
    BackendError::Client(format!(
        "backend plugin {plugin:?} failed in {what}: {}; the instance was discarded",
        super::trapped(plugin, e)
    ))
}

/// The operator's configuration as 0.2.0's record (0.3.0's has the same fields).
type WitConfig = wit::exports::wconfd::plugin::backend::Config;

/// `config` as contract version `$module`'s record.
macro_rules! config_as {
    ($($module:ident)::+, $c:expr) => {{
        let c: &WitConfig = $c;
        $($module)::+::exports::wconfd::plugin::backend::Config {
            nodes: c.nodes.clone(),
            scheme: c.scheme.clone(),
            auth_type: c.auth_type.clone(),
            basic_auth: c.basic_auth,
            username: c.username.clone(),
            password: c.password.clone(),
            auth_token: c.auth_token.clone(),
            app_id: c.app_id.clone(),
            user_id: c.user_id.clone(),
            role_id: c.role_id.clone(),
            secret_id: c.secret_id.clone(),
            path: c.path.clone(),
            table: c.table.clone(),
            separator: c.separator.clone(),
            options: c.options.clone(),
        }
    }};
}

/// A plugin's typed error (of contract version `$module`) as a log line's text.
macro_rules! error_from {
    ($($module:ident)::+, $plugin:expr, $e:expr) => {{
        use $($module)::+::exports::wconfd::plugin::backend::BackendError as E;
        let (kind, msg) = match $e {
            E::Unreachable(m) => ("unreachable", m),
            E::Denied(m) => ("denied", m),
            E::BadConfig(m) => ("bad configuration", m),
            E::Other(m) => ("error", m),
        };
        BackendError::Client(format!("backend {} ({kind}): {msg}", $plugin))
    }};
}

/// A 0.3.0 snapshot unpacked into the pairs under `keys` (see [`unpack_pairs`]).
fn unpack(
    plugin: &str,
    snap: v3::exports::wconfd::plugin::backend::Snapshot,
    keys: &[String],
) -> Result<Snapshot, BackendError> {
    Ok(Snapshot {
        revision: snap.revision,
        kv: unpack_pairs(plugin, &snap.keys, &snap.values, &snap.lengths, keys)?,
    })
}

/// The pairs of a packed snapshot (keys' bytes, values' bytes, two lengths per pair) that lie
/// under `keys`: the host hands a resource only the keys it asked for, whatever the plugin
/// sent. A key that is not UTF-8 is skipped and said once; lengths that do not fit the buffers
/// are the plugin's error. (Public for the fetch benchmark, which times this host-side part
/// apart from the boundary.)
pub fn unpack_pairs(
    plugin: &str,
    packed_keys: &[u8],
    packed_values: &[u8],
    lengths: &[u32],
    keys: &[String],
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, BackendError> {
    let malformed = |why: &str| {
        BackendError::Client(format!(
            "backend plugin {plugin:?} returned a malformed snapshot: {why}"
        ))
    };
    if !lengths.len().is_multiple_of(2) {
        return Err(malformed("an odd number of lengths"));
    }
    let (mut k_at, mut v_at) = (0usize, 0usize);
    // Collected, not inserted one by one: a map built from a whole (usually sorted) list is
    // bulk-loaded, several times faster for tens of thousands of keys.
    let mut kv = Vec::with_capacity(lengths.len() / 2);
    for pair in lengths.chunks_exact(2) {
        let (k_end, v_end) = (k_at + pair[0] as usize, v_at + pair[1] as usize);
        let (Some(key), Some(value)) = (packed_keys.get(k_at..k_end), packed_values.get(v_at..v_end)) else {
            return Err(malformed("lengths past the end of the keys or values"));
        };
        (k_at, v_at) = (k_end, v_end);
        let Ok(key) = std::str::from_utf8(key) else {
            crate::backend::skipped_key(plugin, key);
            continue;
        };
        if keys.iter().any(|k| under(key, k)) {
            kv.push((key.to_string(), value.to_vec()));
        }
    }
    if k_at != packed_keys.len() || v_at != packed_values.len() {
        return Err(malformed("bytes left over after the last pair"));
    }
    Ok(kv.into_iter().collect())
}

impl PluginBackend {
    /// Configure `plugin` with the operator's options.
    pub fn configure(plugin: BackendPlugin, config: &Config) -> Result<PluginBackend, BackendError> {
        let nodes: Vec<String> = if config.nodes.is_empty() {
            plugin.default_nodes.clone()
        } else {
            config.nodes.clone()
        };
        let allowed = nodes
            .iter()
            .chain(&plugin.extra_origins)
            .map(|n| Origin::parse(n, &config.scheme))
            .collect::<Result<Vec<_>, _>>()
            .map_err(BackendError::Unsupported)?;
        let extra = |k: &str| match config.extra.get(k) {
            Some(crate::config::Val::Str(s)) => s.clone(),
            _ => String::new(),
        };
        // What the host tells every backend plugin, then its grants, then the manifest's and
        // the operator's options (later entries win).
        let mut options = vec![
            ("watch".to_string(), config.watch.to_string()),
            ("interval".to_string(), config.interval.to_string()),
        ];
        options.extend(plugin.options.iter().cloned());
        for path in &plugin.file_grants {
            if let Ok(text) = std::fs::read_to_string(path) {
                options.push((format!("file:{path}"), text));
            }
        }
        for name in &plugin.env_grants {
            if let Ok(v) = std::env::var(name) {
                options.push((format!("env.{name}"), v));
            }
        }
        options.extend(config.backend_options.iter().cloned());
        let wit_config = WitConfig {
            // The nodes the allow-list admits: the operator's, else the manifest's.
            nodes: nodes.clone(),
            scheme: config.scheme.clone(),
            auth_type: extra("auth-type"),
            basic_auth: config.basic_auth,
            username: config.username.clone(),
            password: config.password.clone(),
            auth_token: extra("auth-token"),
            app_id: extra("app-id"),
            user_id: extra("user-id"),
            role_id: extra("role-id"),
            secret_id: extra("secret-id"),
            path: extra("path"),
            table: extra("table"),
            separator: config.separator.clone(),
            options,
        };
        let sources = nodes.join(", ");
        let tls = super::tls::client_config(config)?;
        Ok(PluginBackend {
            shared: Arc::new(Shared {
                plugin,
                config: wit_config,
                allowed: Arc::new(allowed),
                tls,
                sources,
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    fn instantiate(&self) -> Result<Instance, BackendError> {
        let s = &self.shared;
        let p = &s.plugin;
        let state = BackendState {
            // No preopens, no environment, no sockets: only clocks and randomness.
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            hooks: NodeAllowList {
                plugin: p.name.clone(),
                allowed: s.allowed.clone(),
                tls: s.tls.clone(),
            },
            table: ResourceTable::new(),
            limits: Limiter::new(p.name.as_str().into(), &p.limits),
        };
        let mut store = Store::new(&p.engine, state);
        store.limiter(|st| &mut st.limits);
        store.set_epoch_deadline(ticks(OPEN_BUDGET));
        let failed = |e: wasmtime::Error| plugin_failure(&p.name, "instantiation", &e);
        let open_failed = |e: wasmtime::Error| plugin_failure(&p.name, "open", &e);
        let (bindings, client) = match &p.pre {
            BackendPre::Current(pre) => {
                let b = pre.instantiate(&mut store).map_err(failed)?;
                let config = config_as!(v3, &s.config);
                let client = b
                    .wconfd_plugin_backend()
                    .client()
                    .call_open(&mut store, &config)
                    .map_err(open_failed)?
                    .map_err(|e| error_from!(v3, p.name, e))?;
                (Bindings::Current(b), client)
            }
            BackendPre::V2(pre) => {
                let b = pre.instantiate(&mut store).map_err(failed)?;
                let client = b
                    .wconfd_plugin_backend()
                    .client()
                    .call_open(&mut store, &s.config)
                    .map_err(open_failed)?
                    .map_err(|e| error_from!(wit, p.name, e))?;
                (Bindings::V2(b), client)
            }
        };
        Ok(Instance {
            store,
            bindings,
            client,
        })
    }

    /// Run `f` on an idle instance (or a new one) within `budget`. A trap discards the
    /// instance; otherwise it goes back to the pool.
    fn call<T>(
        &self,
        what: &str,
        budget: Duration,
        f: impl FnOnce(&mut Instance) -> wasmtime::Result<T>,
    ) -> Result<T, BackendError> {
        let pooled = self.shared.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut inst = match pooled {
            Some(i) => i,
            None => self.instantiate()?,
        };
        inst.store.set_epoch_deadline(ticks(budget));
        match f(&mut inst) {
            Ok(v) => {
                self.shared.idle.lock().unwrap_or_else(|e| e.into_inner()).push(inst);
                Ok(v)
            }
            Err(e) => Err(plugin_failure(&self.shared.plugin.name, what, &e)),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(PluginBackend) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(this))
            .await
            .map_err(|e| BackendError::Client(format!("backend plugin thread failed: {e}")))?
    }
}

#[async_trait]
impl Backend for PluginBackend {
    fn sources(&self) -> String {
        self.shared.sources.clone()
    }

    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError> {
        let keys = keys.to_vec();
        self.blocking(move |b| {
            let name = b.shared.plugin.name.clone();
            let budget = b.shared.plugin.limits.call_timeout;
            b.call("get-values", budget, |i| {
                let client = i.client;
                Ok(match &i.bindings {
                    Bindings::Current(w) => w
                        .wconfd_plugin_backend()
                        .client()
                        .call_get_values(&mut i.store, client, &keys)?
                        .map_err(|e| error_from!(v3, name, e))
                        .and_then(|snap| unpack(&name, snap, &keys)),
                    Bindings::V2(w) => w
                        .wconfd_plugin_backend()
                        .client()
                        .call_get_values(&mut i.store, client, &keys)?
                        .map_err(|e| error_from!(wit, name, e))
                        .map(|snap| Snapshot {
                            revision: snap.revision,
                            // One pass: a fetch may hold tens of thousands of keys.
                            kv: snap
                                .kvs
                                .into_iter()
                                .filter(|kv| keys.iter().any(|k| under(&kv.key, k)))
                                .map(|kv| (kv.key, kv.value.into_bytes()))
                                .collect(),
                        }),
                })
            })?
        })
        .await
    }

    async fn watch(&self, prefix: &str, keys: &[String], since: u64) -> Result<u64, BackendError> {
        loop {
            let (prefix, keys) = (prefix.to_string(), keys.to_vec());
            let next = self
                .blocking(move |b| {
                    let name = b.shared.plugin.name.clone();
                    let budget = b.shared.plugin.limits.watch_timeout;
                    b.call("watch", budget, |i| {
                        let client = i.client;
                        Ok(match &i.bindings {
                            Bindings::Current(w) => w
                                .wconfd_plugin_backend()
                                .client()
                                .call_watch(&mut i.store, client, &prefix, &keys, since)?
                                .map_err(|e| error_from!(v3, name, e)),
                            Bindings::V2(w) => w
                                .wconfd_plugin_backend()
                                .client()
                                .call_watch(&mut i.store, client, &prefix, &keys, since)?
                                .map_err(|e| error_from!(wit, name, e)),
                        })
                    })?
                })
                .await?;
            // `None`: the long-poll ended without a change; ask again (the daemon cancels this
            // future on shutdown or reload).
            if let Some(rev) = next {
                return Ok(rev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_parse_into_origins() {
        let o = |n: &str, s: &str| Origin::parse(n, s).map(|o| o.to_string());
        assert_eq!(o("127.0.0.1:8500", ""), Ok("http://127.0.0.1:8500".into()));
        assert_eq!(o("consul.local", "https"), Ok("https://consul.local:443".into()));
        assert_eq!(
            o("http://Rancher-Metadata", ""),
            Ok("http://rancher-metadata:80".into())
        );
        assert_eq!(o("https://[::1]:8200/v1", ""), Ok("https://::1:8200".into()));
        assert!(o("ftp://x", "").is_err());
        assert!(o("host:notaport", "").is_err());
    }

    #[test]
    fn the_allow_list_matches_scheme_host_and_port() {
        let list = NodeAllowList {
            plugin: "t".into(),
            allowed: Arc::new(vec![Origin::parse("127.0.0.1:8500", "").unwrap()]),
            tls: None,
        };
        let allows = |u: &str| list.allows(&u.parse::<http::Uri>().unwrap());
        assert!(allows("http://127.0.0.1:8500/v1/kv/a"));
        assert!(!allows("http://127.0.0.1:8501/v1/kv/a"));
        assert!(!allows("https://127.0.0.1:8500/"));
        assert!(!allows("http://localhost:8500/"));
        assert!(!allows("http://127.0.0.2:8500/"));
    }

    #[test]
    fn a_region_label_admits_any_one_label_and_nothing_else() {
        let list = NodeAllowList {
            plugin: "t".into(),
            allowed: Arc::new(vec![
                Origin::parse("https://dynamodb.{region}.amazonaws.com", "").unwrap()
            ]),
            tls: None,
        };
        let allows = |u: &str| list.allows(&u.parse::<http::Uri>().unwrap());
        assert!(allows("https://dynamodb.eu-west-1.amazonaws.com/"));
        assert!(allows("https://dynamodb.us-east-1.amazonaws.com/"));
        assert!(!allows("http://dynamodb.eu-west-1.amazonaws.com/"));
        assert!(!allows("https://dynamodb.amazonaws.com/"));
        assert!(!allows("https://dynamodb.a.b.amazonaws.com/"));
        assert!(!allows("https://dynamodb.eu-west-1.amazonaws.com.evil.example/"));
        assert!(!allows("https://ssm.eu-west-1.amazonaws.com/"));
    }
}
