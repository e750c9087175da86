//! Backends: where key/value data comes from.
//!
//! Every backend implements [`Backend`]: `get_values` reads all of a resource's keys as one
//! [`Snapshot`], and `watch` waits for a change under a resource's keys and returns a new
//! revision. Backends never see templates or destination files. [`connect`] maps confd's
//! `-backend` name to a native implementation; etcd, redis and WebAssembly backends slot into
//! the same registry.

mod changes;
pub mod env;
pub mod etcd;
pub mod file;
mod json;
pub mod redis;
pub mod yaml;
pub mod zookeeper;

use crate::config::Config;
use crate::plugin::{PluginBackend, Plugins};
use async_trait::async_trait;
use std::collections::BTreeMap;

/// All of a resource's keys at one point in time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The backend's revision for this read (etcd's store revision, a change counter
    /// elsewhere); 0 when the backend has none.
    pub revision: u64,
    /// Absolute keys and their values. A value is bytes, as the store holds it (a Go string in
    /// the template); a key must be text, and a backend skips a key that is not (saying so once,
    /// [`skipped_key`]).
    pub kv: BTreeMap<String, Vec<u8>>,
}

/// Warn, once per backend and key, that a key which is not UTF-8 was left out: confd's keys
/// are paths in templates, and a key nobody can name cannot be rendered.
pub fn skipped_key(backend: &str, key: &[u8]) {
    crate::log::warn_once(&format!(
        "{backend}: skipping key {:?}: it is not UTF-8",
        String::from_utf8_lossy(key)
    ));
}

/// A backend failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// An input file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An input file is not valid YAML/JSON, or not a mapping.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line (0 if unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The backend is not available in this build or configuration.
    #[error("{0}")]
    Unsupported(String),
    /// The backend's server or client failed.
    #[error("{0}")]
    Client(String),
}

/// A source of key/value data.
#[async_trait]
pub trait Backend: Send + Sync {
    /// What confd logs as `Backend source(s) set to ...`.
    fn sources(&self) -> String;

    /// Read every key under each of `keys` (absolute, cleaned). Matching is on path
    /// boundaries: `/app` returns `/app` and `/app/...`, never `/apples`.
    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError>;

    /// Wait until data under `keys` may differ from revision `since`, then return the new
    /// revision. `since == 0` returns at once (the initial render).
    async fn watch(&self, prefix: &str, keys: &[String], since: u64) -> Result<u64, BackendError>;
}

/// Whether `key` lies under `prefix` on a path boundary.
pub fn under(key: &str, prefix: &str) -> bool {
    prefix == "/"
        || key == prefix
        || (key.len() > prefix.len() && key.starts_with(prefix) && key.as_bytes()[prefix.len()] == b'/')
}

/// Build the backend `config.backend` names: a native one, else a backend plugin (built in or
/// from the plugin directory).
pub async fn connect(config: &Config, plugins: &Plugins) -> Result<Box<dyn Backend>, BackendError> {
    connect_as(config, plugins, None).await
}

/// The native backend `config.backend` names, connected; `None` when it names a plugin. Needs
/// no plugins, so the daemon connects it while they load.
pub async fn connect_native(config: &Config) -> Option<Result<Box<dyn Backend>, BackendError>> {
    Some(match config.backend.as_str() {
        "env" => Ok(Box::new(env::EnvBackend::new())),
        "file" => file::FileBackend::new(config.files.clone(), config.filter.clone()).map(|b| Box::new(b) as _),
        "etcd" | "etcdv3" => etcd::EtcdBackend::connect(config).await.map(|b| Box::new(b) as _),
        "redis" => redis::RedisBackend::connect(config).await.map(|b| Box::new(b) as _),
        "zookeeper" => zookeeper::ZookeeperBackend::connect(config)
            .await
            .map(|b| Box::new(b) as _),
        _ => return None,
    })
}

/// The first read of the native backend `config.backend` names, to run on a thread of its own
/// before the backend is connected: [`connect_native`] then takes its result. Only the file
/// backend reads ahead (a read of local files, the same whatever happens meanwhile).
pub fn read_ahead(config: &Config) -> Option<impl FnOnce() + Send + 'static> {
    match config.backend.as_str() {
        "file" => file::read_ahead(config.files.clone(), config.filter.clone()),
        _ => None,
    }
}

/// [`connect`] for `tenant`'s own backend: a backend plugin may come from its plugin
/// directory, and its requests may only go to the nodes of `config` (the tenant's).
pub async fn connect_as(
    config: &Config,
    plugins: &Plugins,
    tenant: Option<&crate::tenant::Tenant>,
) -> Result<Box<dyn Backend>, BackendError> {
    match connect_native(config).await {
        Some(native) => native,
        None => connect_plugin(config, plugins, tenant),
    }
}

/// The backend plugin `config.backend` names, configured (for `tenant`: from its plugin
/// directory too, its requests limited to its nodes).
pub fn connect_plugin(
    config: &Config,
    plugins: &Plugins,
    tenant: Option<&crate::tenant::Tenant>,
) -> Result<Box<dyn Backend>, BackendError> {
    let name = config.backend.as_str();
    match tenant.map_or_else(|| plugins.backend(name), |t| plugins.backend_for(name, t)) {
        Some(Ok(plugin)) => Ok(Box::new(PluginBackend::configure(plugin, config)?)),
        Some(Err(why)) => Err(BackendError::Unsupported(why)),
        None => Err(BackendError::Unsupported(format!(
            "backend {name:?} is not available (native backends: {}; plugins: {})",
            crate::config::NATIVE_BACKENDS.join(", "),
            plugins.backend_names().join(", ")
        ))),
    }
}

/// The backend each resource reads: the operator's, or its tenant's own (`[backend]` in the
/// tenant's file), connected on first use and kept for the configuration's lifetime.
pub struct Backends {
    /// The operator's (`-backend`).
    pub global: std::sync::Arc<dyn Backend>,
    /// Each tenant's, connected on first use. One cell per tenant, so that a tenant whose
    /// backend is slow to connect holds up only its own resources.
    tenants: std::sync::Mutex<std::collections::HashMap<(String, u64), std::sync::Arc<TenantBackend>>>,
}

type TenantBackend = tokio::sync::OnceCell<std::sync::Arc<dyn Backend>>;

impl Backends {
    /// The operator's backend, and none of the tenants' yet.
    pub fn new(global: std::sync::Arc<dyn Backend>) -> Self {
        Backends {
            global,
            tenants: Default::default(),
        }
    }

    /// The backend `resource` reads, and its name (for metrics).
    pub async fn of(
        &self,
        resource: &crate::resource::Resource,
        global_name: &str,
        plugins: &Plugins,
    ) -> Result<(std::sync::Arc<dyn Backend>, String), BackendError> {
        let Some((tenant, config)) = resource
            .tenant
            .as_ref()
            .and_then(|t| t.backend.as_ref().map(|c| (t, c)))
        else {
            return Ok((self.global.clone(), global_name.to_string()));
        };
        let cell = self
            .tenants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((tenant.name.clone(), tenant.fingerprint))
            .or_default()
            .clone();
        // A failed connection leaves the cell empty: the next pass tries again.
        let backend = cell
            .get_or_try_init(|| async {
                let backend: std::sync::Arc<dyn Backend> = connect_as(config, plugins, Some(tenant))
                    .await
                    .map_err(|e| {
                        BackendError::Client(format!("tenant {}: backend {}: {e}", tenant.name, config.backend))
                    })?
                    .into();
                crate::info!(
                    "tenant {}: Backend set to {}, source(s) {}",
                    tenant.name,
                    config.backend,
                    backend.sources()
                );
                Ok::<_, BackendError>(backend)
            })
            .await?;
        Ok((backend.clone(), config.backend.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_respects_path_boundaries() {
        assert!(under("/app", "/app"));
        assert!(under("/app/x", "/app"));
        assert!(!under("/apples", "/app"));
        assert!(under("/anything", "/"));
    }
}
