//! Write wconfd backend plugins and helper libraries in Rust ([`helpers`] for the latter).
//!
//! A backend plugin is a `wasm32-wasip2` component exporting the `backend` interface of
//! `wit/v0.3.0/wconfd-plugin.wit` (`wconfd:plugin@0.3.0`, world `backend-plugin`). This crate
//! holds the generated bindings and what every HTTP backend needs:
//!
//! - [`http`]: requests over `wasi:http`, which the host sends only to the configured nodes
//!   (and wraps in TLS with the operator's CA and client certificate: a plugin never sees key
//!   files);
//! - [`flatten`]: confd's JSON-to-keys flattening;
//! - [`log`]: log lines in the host's log;
//! - [`sleep`]: waiting inside a call (start-up probes, backoff);
//! - [`backend::snapshot`] and [`backend::SnapshotBuilder`]: the packed snapshot the contract
//!   returns, from pairs.
//!
//! A plugin implements `Guest` and `GuestClient` and exports them:
//!
//! ```ignore
//! use wconfd_plugin_sdk::backend::{BackendError, Client, Config, Guest, GuestClient, Snapshot};
//! struct MyStore;
//! impl Guest for MyStore { type Client = MyClient; fn describe() -> String { "mystore 1.0".into() } }
//! struct MyClient { base: String }
//! impl GuestClient for MyClient { /* open, get_values, watch */ }
//! wconfd_plugin_sdk::export_backend!(MyStore);
//! ```
//!
//! `plugins/rancher` is a complete example.

wit_bindgen::generate!({
    path: "../../wit/v0.3.0",
    world: "backend-plugin",
    pub_export_macro: true,
    export_macro_name: "export_backend",
    default_bindings_module: "wconfd_plugin_sdk",
});

pub mod flatten;
pub mod helpers;
pub mod http;

/// The backend interface: the traits a plugin implements and the types it exchanges.
pub mod backend {
    pub use crate::exports::wconfd::plugin::backend::{BackendError, Client, Config, Guest, GuestClient, Snapshot};

    /// One key and its value, as a plugin collects them before packing a [`Snapshot`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Kv {
        /// Absolute, `/`-rooted.
        pub key: String,
        /// The value.
        pub value: String,
    }

    /// `kvs` packed into a snapshot at `revision`.
    pub fn snapshot(revision: u64, kvs: impl IntoIterator<Item = Kv>) -> Snapshot {
        let mut packed = SnapshotBuilder::default();
        for kv in kvs {
            packed.push(&kv.key, kv.value.as_bytes());
        }
        packed.finish(revision)
    }

    /// A snapshot packed pair by pair; values are bytes (a Go string in the template), so a
    /// store's value that is not UTF-8 passes through as it is.
    #[derive(Default)]
    pub struct SnapshotBuilder {
        keys: Vec<u8>,
        values: Vec<u8>,
        lengths: Vec<u32>,
    }

    impl SnapshotBuilder {
        /// Add `key` (absolute, `/`-rooted) with `value`. A key or value past 4 GiB cannot be
        /// described and is left out.
        pub fn push(&mut self, key: &str, value: &[u8]) {
            let (Ok(k), Ok(v)) = (u32::try_from(key.len()), u32::try_from(value.len())) else {
                return;
            };
            self.keys.extend_from_slice(key.as_bytes());
            self.values.extend_from_slice(value);
            self.lengths.extend([k, v]);
        }

        /// The snapshot at `revision`.
        pub fn finish(self, revision: u64) -> Snapshot {
            Snapshot {
                revision,
                keys: self.keys,
                values: self.values,
                lengths: self.lengths,
            }
        }
    }

    /// The operator's option `name` (`-backend-option`, `[backend_options]`, the manifest's
    /// `[options]`; the last one given wins).
    pub fn option<'a>(config: &'a Config, name: &str) -> Option<&'a str> {
        config
            .options
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Option `name` parsed, `default` when absent; a value that does not parse is a
    /// `bad-config` error naming the option.
    pub fn option_or<T: std::str::FromStr>(config: &Config, name: &str, default: T) -> Result<T, BackendError> {
        match option(config, name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| BackendError::BadConfig(format!("option {name} = {v:?} is not valid"))),
        }
    }

    /// The base URL for a node given as `host:port` or as a URL: `scheme` applies when it has
    /// none; no trailing `/`.
    pub fn base_url(node: &str, scheme: &str) -> String {
        let node = node.trim_end_matches('/');
        if node.contains("://") {
            node.to_string()
        } else {
            format!("{}://{node}", if scheme.is_empty() { "http" } else { scheme })
        }
    }

    /// The message of `e` without its kind, for a log line.
    pub fn message(e: &BackendError) -> &str {
        match e {
            BackendError::Unreachable(m)
            | BackendError::Denied(m)
            | BackendError::BadConfig(m)
            | BackendError::Other(m) => m,
        }
    }
}

/// The log functions over a world's `log` import (backends and helper libraries each generate
/// their own bindings of it).
macro_rules! log_functions {
    ($($import:ident)::+) => {
        use $($import)::+::{write, Level};

        /// Shown at `-log-level debug` only.
        pub fn debug(message: &str) {
            write(Level::Debug, message);
        }
        /// An informational line.
        pub fn info(message: &str) {
            write(Level::Info, message);
        }
        /// Something the operator should look at.
        pub fn warn(message: &str) {
            write(Level::Warn, message);
        }
        /// [`warn`], the first time this instance meets `message`: for a condition every call
        /// meets again (a value the contract cannot carry), which should be said, not repeated.
        pub fn warn_once(message: &str) {
            thread_local! {
                static SAID: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
            }
            if SAID.with(|said| said.borrow_mut().insert(message.to_string())) {
                warn(message);
            }
        }
        /// A failure.
        pub fn error(message: &str) {
            write(Level::Error, message);
        }
    };
}
pub(crate) use log_functions;

/// Log lines in the host's log, prefixed with the plugin's name (for backends; a helper
/// library uses [`helpers::log`]).
pub mod log {
    crate::log_functions!(crate::wconfd::plugin::log);
}

/// Block the plugin for `d` (the call's time budget keeps running).
pub fn sleep(d: std::time::Duration) {
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    wasip2::clocks::monotonic_clock::subscribe_duration(nanos).block();
}

/// A stable 64-bit hash (FNV-1a) of `text`, never 0: turns a store's opaque version string
/// into a `revision` (0 means "no revision" to the host).
pub fn revision_of(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h.max(1)
}
