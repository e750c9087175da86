//! One pass of one resource through the pipe: fetch its keys from the backend, render its
//! template in the renderer plugin, and hand the bytes to sync.
//!
//! Data flows one way: the renderer never calls the backend, sync never knows how the bytes
//! were made.

use crate::backend::{Backend, BackendError};
use crate::debug;
use crate::plugin::{Entry, Plugins, RenderError};
use crate::resource::{relative_key, Resource};
use crate::sync::{sync, Outcome, SyncError, SyncOptions};
use std::sync::Arc;

/// Why a resource's pass failed. Every variant's text names what failed and why.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    /// The backend could not be read.
    #[error("{0}")]
    Backend(#[from] BackendError),
    /// The template could not be rendered.
    #[error("{0}")]
    Render(RenderError),
    /// The renderer or a helper library is unavailable (refused plugin, no such plugin, a
    /// helper name clash).
    #[error("{0}")]
    Renderer(String),
    /// The destination could not be synced.
    #[error("{0}")]
    Sync(#[from] SyncError),
    /// A worker thread failed (should not happen; reported rather than panicking).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Render `resource` against `kv` (absolute backend keys) with its renderer.
pub fn render(
    resource: &Resource,
    plugins: &Plugins,
    kv: std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, PassError> {
    let renderer = plugins
        .renderer_for(&resource.renderer, resource.tenant.as_deref())
        .map_err(PassError::Renderer)?;
    let helpers = plugins
        .helper_set_for(&resource.helpers, resource.tenant.as_deref())
        .map_err(PassError::Renderer)?;
    // Values move into the pairs the guest receives: one copy per key, none per value.
    let kvs: Vec<Entry> = kv
        .into_iter()
        .map(|(k, value)| Entry {
            key: relative_key(&resource.prefix, &k),
            value,
        })
        .collect();
    debug!("Using source template {}", resource.src.display());
    debug!("Compiling source template {}", resource.src.display());
    let started = std::time::Instant::now();
    let rendered = renderer.render_with_helpers(&resource.template_name(), &resource.template_text, &kvs, &helpers);
    let metrics = crate::metrics::get();
    metrics
        .render_seconds
        .get_or_create(&crate::metrics::ResourceLabel {
            resource: resource.toml_path.display().to_string(),
        })
        .observe(started.elapsed().as_secs_f64());
    let bytes = rendered.map_err(|e| match e {
        RenderError::Parse { message } => PassError::Render(RenderError::Parse {
            message: format!("Unable to process template {}, {message}", resource.src.display()),
        }),
        other => PassError::Render(other),
    })?;
    if let Some(limit) = resource.tenant.as_ref().and_then(|t| t.max_output_bytes) {
        if bytes.len() > limit {
            return Err(PassError::Render(RenderError::Exec {
                message: format!(
                    "the output of {} bytes exceeds the tenant's limit of {limit} bytes",
                    bytes.len()
                ),
            }));
        }
    }
    Ok(bytes)
}

/// One full pass: fetch, render, sync. Returns what sync did and the backend revision the
/// render was made from (the watch waits for changes after it).
pub async fn pass(
    resource: Arc<Resource>,
    backend: &dyn Backend,
    plugins: Arc<Plugins>,
    opts: SyncOptions,
) -> Result<(Outcome, u64), PassError> {
    debug!("Retrieving keys from store");
    debug!("Key prefix set to {}", resource.prefix);
    let snapshot = backend.get_values(&resource.prefixed_keys).await?;
    if crate::log::enabled(crate::log::Level::Debug) {
        let pairs: Vec<String> = snapshot
            .kv
            .iter()
            .map(|(k, v)| format!("{k}:{}", String::from_utf8_lossy(v)))
            .collect();
        debug!("Got the following map from store: map[{}]", pairs.join(" "));
    }
    crate::plugin::run_blocking(move || {
        let bytes = render(&resource, &plugins, snapshot.kv)?;
        Ok((sync(&resource, &bytes, opts)?, snapshot.revision))
    })
    .await
    .map_err(|e| PassError::Internal(e.to_string()))?
}
