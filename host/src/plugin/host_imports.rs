//! The host side of `wconfd:plugin/host`: what a renderer may ask of the outside world,
//! answered according to the instance's [`Grants`].

use super::bindings::wconfd::plugin::{host, types};
use super::limits::{EnvGrant, Grants, Limiter};
use std::net::ToSocketAddrs;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Longest name the host will look up or read for a guest (guest-controlled input).
const MAX_NAME_BYTES: usize = 4096;

/// Per-instance state: WASI (granted nothing), limits, and this instance's grants.
pub struct PluginState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: Limiter,
    pub(crate) grants: Arc<Grants>,
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

impl host::Host for PluginState {
    fn getenv(&mut self, name: String) -> Option<String> {
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

    fn file_exists(&mut self, path: String) -> bool {
        if !self.grants.file_exists || path.len() > MAX_NAME_BYTES {
            return false;
        }
        // confd: true unless stat says "does not exist" (permission errors count as existing).
        match std::fs::metadata(&path) {
            Ok(_) => true,
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        }
    }

    fn lookup_ip(&mut self, name: String) -> Vec<String> {
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

    fn lookup_srv(&mut self, _service: String, _proto: String, _name: String) -> Vec<types::SrvRecord> {
        // The standard library has no SRV resolver; confd's lookupSRV returns an empty list on
        // any failure, which is what a template sees here until a resolver is granted.
        Vec::new()
    }

    fn now(&mut self) -> types::Instant {
        let now = chrono::Local::now();
        types::Instant {
            unix_nanos: now.timestamp_nanos_opt().unwrap_or(0),
            utc_offset_seconds: now.offset().local_minus_utc(),
            zone_name: now.format("%Z").to_string(),
        }
    }
}
