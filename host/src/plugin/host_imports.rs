//! The host side of `wconfd:plugin/host` (0.1.0 and 0.3.0): what a renderer may ask of the
//! outside world, answered according to the instance's [`Grants`]; and of `helper-calls`,
//! which routes a template's helper calls to the libraries its resource chose.

use super::bindings::helpers::wconfd::plugin::log;
use super::bindings::renderer_v1::wconfd::plugin as v1;
use super::bindings::wconfd::plugin::{helper_calls, host, types};
use super::helpers::HelperSet;
use super::limits::{EnvGrant, Grants, Limiter};
use std::net::ToSocketAddrs;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Longest name the host will look up or read for a guest (guest-controlled input).
const MAX_NAME_BYTES: usize = 4096;

/// Per-instance state of a renderer or helper library: WASI (granted nothing), limits, this
/// instance's grants, and the helper libraries of the resource being rendered.
pub struct PluginState {
    /// The plugin's name, for log lines.
    pub(crate) plugin: Arc<str>,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: Limiter,
    pub(crate) grants: Arc<Grants>,
    /// Set by the renderer before each compile and render.
    pub(crate) helpers: Option<Arc<HelperSet>>,
}

impl PluginState {
    pub(crate) fn new(plugin: Arc<str>, limits: &super::Limits, grants: Arc<Grants>) -> Self {
        PluginState {
            limits: Limiter::new(plugin.clone(), limits),
            plugin,
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            grants,
            helpers: None,
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for PluginState {}
impl v1::types::Host for PluginState {}

impl helper_calls::Host for PluginState {
    fn call(&mut self, name: String, args: Vec<types::Value>) -> Result<types::Value, String> {
        match &self.helpers {
            Some(set) => set.call(&name, args),
            None => Err(format!("no helper library provides {name}")),
        }
    }
}

impl log::Host for PluginState {
    fn write(&mut self, level: log::Level, message: String) {
        let plugin = &self.plugin;
        match level {
            log::Level::Debug => crate::debug!("Plugin {plugin}: {message}"),
            log::Level::Info => crate::info!("Plugin {plugin}: {message}"),
            log::Level::Warn => crate::warn!("Plugin {plugin}: {message}"),
            log::Level::Error => crate::error!("Plugin {plugin}: {message}"),
        }
    }
}

impl host::Host for PluginState {
    fn getenv(&mut self, name: String) -> Option<String> {
        self.granted_getenv(name)
    }
    fn file_exists(&mut self, path: String) -> bool {
        self.granted_file_exists(path)
    }
    fn lookup_ip(&mut self, name: String) -> Vec<String> {
        self.granted_lookup_ip(name)
    }
    fn lookup_srv(&mut self, service: String, proto: String, name: String) -> Vec<types::SrvRecord> {
        self.granted_lookup_srv(&service, &proto, &name)
            .into_iter()
            .map(|r| types::SrvRecord {
                target: r.target,
                port: r.port,
                priority: r.priority,
                weight: r.weight,
            })
            .collect()
    }
    fn now(&mut self) -> types::Instant {
        let (unix_nanos, utc_offset_seconds, zone_name) = local_now();
        types::Instant {
            unix_nanos,
            utc_offset_seconds,
            zone_name,
        }
    }
}

/// The same answers for renderers built against 0.1.0.
impl v1::host::Host for PluginState {
    fn getenv(&mut self, name: String) -> Option<String> {
        self.granted_getenv(name)
    }
    fn file_exists(&mut self, path: String) -> bool {
        self.granted_file_exists(path)
    }
    fn lookup_ip(&mut self, name: String) -> Vec<String> {
        self.granted_lookup_ip(name)
    }
    fn lookup_srv(&mut self, service: String, proto: String, name: String) -> Vec<v1::types::SrvRecord> {
        self.granted_lookup_srv(&service, &proto, &name)
            .into_iter()
            .map(|r| v1::types::SrvRecord {
                target: r.target,
                port: r.port,
                priority: r.priority,
                weight: r.weight,
            })
            .collect()
    }
    fn now(&mut self) -> v1::types::Instant {
        let (unix_nanos, utc_offset_seconds, zone_name) = local_now();
        v1::types::Instant {
            unix_nanos,
            utc_offset_seconds,
            zone_name,
        }
    }
}

/// Now in the host's zone: nanoseconds since the epoch, offset from UTC, zone abbreviation.
fn local_now() -> (i64, i32, String) {
    let now = chrono::Local::now();
    (
        now.timestamp_nanos_opt().unwrap_or(0),
        now.offset().local_minus_utc(),
        now.format("%Z").to_string(),
    )
}

impl PluginState {
    fn granted_getenv(&self, name: String) -> Option<String> {
        if name.len() > MAX_NAME_BYTES {
            return None;
        }
        let allowed = match &self.grants.env {
            EnvGrant::All => true,
            EnvGrant::Only(names) => names.contains(&name),
            EnvGrant::Nothing => false,
        };
        allowed.then(|| std::env::var(&name).ok()).flatten()
    }

    fn granted_file_exists(&self, path: String) -> bool {
        if path.len() > MAX_NAME_BYTES || !self.grants.file_exists.allows(std::path::Path::new(&path)) {
            return false;
        }
        // confd: true unless stat says "does not exist" (permission errors count as existing).
        match std::fs::metadata(&path) {
            Ok(_) => true,
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        }
    }

    /// confd's `lookupSRV`: the records, or an empty list on any failure (said at debug level).
    fn granted_lookup_srv(&self, service: &str, proto: &str, name: &str) -> Vec<crate::dns::Srv> {
        if !self.grants.dns || service.len() + proto.len() + name.len() > MAX_NAME_BYTES {
            return Vec::new();
        }
        let query = crate::dns::srv_name(service, proto, name);
        crate::dns::lookup_srv(&query).unwrap_or_else(|e| {
            crate::debug!("Plugin {}: lookupSRV: {e}", self.plugin);
            Vec::new()
        })
    }

    fn granted_lookup_ip(&self, name: String) -> Vec<String> {
        if !self.grants.dns || name.len() > MAX_NAME_BYTES {
            return Vec::new();
        }
        let mut ips: Vec<String> = match (name.as_str(), 0u16).to_socket_addrs() {
            Ok(addrs) => addrs.map(|a| a.ip().to_string()).collect(),
            Err(_) => Vec::new(),
        };
        ips.sort();
        ips.dedup();
        ips
    }
}
