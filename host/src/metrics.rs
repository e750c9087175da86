//! What an operator watches: Prometheus metrics and health, served on `-metrics-addr` (off by
//! default) at `/metrics`, `/health` (the process is alive) and `/ready` (every resource has
//! rendered at least once and none has been failing for longer than `-ready-max-age`).
//!
//! The counters are always kept (they cost an atomic add per event); only the listener is
//! optional. Passes record into the one process-wide [`Metrics`] from `process` and `sync`.

use crate::{error, info};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// A template resource, by its TOML file.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabel {
    /// The resource's TOML file.
    pub resource: String,
}

/// A command of a resource.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabel {
    /// The resource's TOML file.
    pub resource: String,
    /// `check` or `reload`.
    pub command: String,
}

/// A backend.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BackendLabel {
    /// `-backend`.
    pub backend: String,
}

/// A plugin.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PluginLabel {
    /// The plugin's name.
    pub plugin: String,
}

/// A plugin and how a call into it failed: `trap`, `timeout` or `memory`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PluginFailureLabel {
    /// The plugin's name.
    pub plugin: String,
    /// `trap`, `timeout` or `memory`.
    pub kind: &'static str,
}

type Seconds = Gauge<f64, AtomicU64>;

/// Every metric wconfd keeps.
pub struct Metrics {
    registry: Registry,
    /// Passes that rendered (whether or not the destination changed).
    pub renders: Family<ResourceLabel, Counter>,
    /// Passes that changed the destination.
    pub updates: Family<ResourceLabel, Counter>,
    /// Passes that failed (fetch, render, check, reload, write).
    pub failures: Family<ResourceLabel, Counter>,
    /// Unix time of the last successful pass.
    pub last_success: Family<ResourceLabel, Seconds>,
    /// Unix time of the last change written.
    pub last_change: Family<ResourceLabel, Seconds>,
    /// Time to render a template (fetch excluded).
    pub render_seconds: Family<ResourceLabel, Histogram>,
    /// Time a check or reload command ran.
    pub command_seconds: Family<CommandLabel, Histogram>,
    /// Backend reads that failed.
    pub fetch_errors: Family<BackendLabel, Counter>,
    /// Backend watches that failed (each is retried with backoff).
    pub watch_errors: Family<BackendLabel, Counter>,
    /// Watches that succeeded again after failing: the backend came back.
    pub reconnects: Family<BackendLabel, Counter>,
    /// Plugin calls that trapped, ran out of time or memory, by kind.
    pub plugin_failures: Family<PluginFailureLabel, Counter>,
    /// Largest linear memory any instance of a plugin has been granted.
    pub plugin_peak_memory: Family<PluginLabel, Gauge>,
    /// Readiness: per resource of the current configuration, when it last succeeded and since
    /// when it has been failing.
    health: Mutex<BTreeMap<String, Health>>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Health {
    succeeded: Option<SystemTime>,
    failing_since: Option<SystemTime>,
}

fn histogram() -> Histogram {
    // 1 ms to about 65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// The process-wide metrics.
pub fn get() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("wconfd");
        let m = Metrics {
            renders: Family::default(),
            updates: Family::default(),
            failures: Family::default(),
            last_success: Family::default(),
            last_change: Family::default(),
            render_seconds: Family::new_with_constructor(histogram),
            command_seconds: Family::new_with_constructor(histogram),
            fetch_errors: Family::default(),
            watch_errors: Family::default(),
            reconnects: Family::default(),
            plugin_failures: Family::default(),
            plugin_peak_memory: Family::default(),
            health: Mutex::new(BTreeMap::new()),
            registry: Registry::default(),
        };
        registry.register(
            "resource_renders",
            "Passes that rendered the template",
            m.renders.clone(),
        );
        registry.register(
            "resource_updates",
            "Passes that changed the destination",
            m.updates.clone(),
        );
        registry.register("resource_failures", "Passes that failed", m.failures.clone());
        registry.register(
            "resource_last_success_timestamp_seconds",
            "Unix time of the last successful pass",
            m.last_success.clone(),
        );
        registry.register(
            "resource_last_change_timestamp_seconds",
            "Unix time of the last change written",
            m.last_change.clone(),
        );
        registry.register(
            "render_duration_seconds",
            "Time to render a template",
            m.render_seconds.clone(),
        );
        registry.register(
            "command_duration_seconds",
            "Time a check_cmd or reload_cmd ran",
            m.command_seconds.clone(),
        );
        registry.register(
            "backend_fetch_errors",
            "Backend reads that failed",
            m.fetch_errors.clone(),
        );
        registry.register(
            "backend_watch_errors",
            "Backend watches that failed",
            m.watch_errors.clone(),
        );
        registry.register(
            "backend_reconnects",
            "Watches that succeeded again after failing",
            m.reconnects.clone(),
        );
        registry.register(
            "plugin_failures",
            "Plugin calls that trapped or ran out of time or memory",
            m.plugin_failures.clone(),
        );
        registry.register(
            "plugin_peak_memory_bytes",
            "Largest linear memory an instance of the plugin has been granted",
            m.plugin_peak_memory.clone(),
        );
        Metrics { registry, ..m }
    })
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Metrics {
    /// A call into `plugin` failed (`kind`: `trap`, `timeout` or `memory`).
    pub fn plugin_failed(&self, plugin: &str, kind: &'static str) {
        self.plugin_failures
            .get_or_create(&PluginFailureLabel {
                plugin: plugin.to_string(),
                kind,
            })
            .inc();
    }

    /// A watch on `backend` failed (it is retried).
    pub fn watch_failed(&self, backend: &str) {
        self.watch_errors
            .get_or_create(&BackendLabel {
                backend: backend.to_string(),
            })
            .inc();
    }

    /// A watch on `backend` works again after failing.
    pub fn reconnected(&self, backend: &str) {
        self.reconnects
            .get_or_create(&BackendLabel {
                backend: backend.to_string(),
            })
            .inc();
    }

    /// An instance of `plugin` was granted `bytes` of linear memory: keep the largest.
    pub fn plugin_memory(&self, plugin: &str, bytes: usize) {
        let gauge = self.plugin_peak_memory.get_or_create(&PluginLabel {
            plugin: plugin.to_string(),
        });
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        if gauge.get() < bytes {
            gauge.set(bytes);
        }
    }

    /// The resources of the configuration now in force (after start or SIGHUP).
    pub fn set_resources(&self, resources: impl IntoIterator<Item = String>) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let old = std::mem::take(&mut *health);
        for r in resources {
            let h = old.get(&r).copied().unwrap_or_default();
            health.insert(r, h);
        }
    }

    /// A pass of `resource` succeeded; `changed` if it wrote the destination.
    pub fn passed(&self, resource: &str, changed: bool) {
        let label = ResourceLabel {
            resource: resource.to_string(),
        };
        let now = SystemTime::now();
        self.renders.get_or_create(&label).inc();
        self.last_success.get_or_create(&label).set(unix_seconds(now));
        if changed {
            self.updates.get_or_create(&label).inc();
            self.last_change.get_or_create(&label).set(unix_seconds(now));
        }
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let h = health.entry(resource.to_string()).or_default();
        h.succeeded = Some(now);
        h.failing_since = None;
    }

    /// A pass of `resource` failed.
    pub fn failed(&self, resource: &str) {
        self.failures
            .get_or_create(&ResourceLabel {
                resource: resource.to_string(),
            })
            .inc();
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let h = health.entry(resource.to_string()).or_default();
        h.failing_since.get_or_insert_with(SystemTime::now);
    }

    /// Resources that keep the process from being ready, each with why (empty: ready).
    pub fn not_ready(&self, max_failing: Duration) -> Vec<String> {
        let now = SystemTime::now();
        let health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        health
            .iter()
            .filter_map(|(r, h)| match (h.succeeded, h.failing_since) {
                (None, _) => Some(format!("{r}: not rendered yet")),
                (Some(_), Some(since)) if now.duration_since(since).unwrap_or_default() > max_failing => Some(format!(
                    "{r}: failing for {}s",
                    now.duration_since(since).unwrap_or_default().as_secs()
                )),
                _ => None,
            })
            .collect()
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Serve `/metrics`, `/health` and `/ready` on `addr` until the process exits.
pub async fn serve(addr: String, ready_max_failing: Duration) -> std::io::Result<()> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper::{Response, StatusCode};
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    info!("Serving metrics and health on http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| async move {
                        let m = get();
                        let (status, body, kind) = match req.uri().path() {
                            "/metrics" => (
                                StatusCode::OK,
                                m.encode(),
                                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                            ),
                            "/health" => (StatusCode::OK, "ok\n".to_string(), "text/plain"),
                            "/ready" => match m.not_ready(ready_max_failing) {
                                reasons if reasons.is_empty() => (StatusCode::OK, "ready\n".to_string(), "text/plain"),
                                reasons => (StatusCode::SERVICE_UNAVAILABLE, reasons.join("\n") + "\n", "text/plain"),
                            },
                            _ => (StatusCode::NOT_FOUND, "not found\n".to_string(), "text/plain"),
                        };
                        Response::builder()
                            .status(status)
                            .header("content-type", kind)
                            .body(Full::new(Bytes::from(body)))
                    });
                let io = hyper_util::rt::TokioIo::new(stream);
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await
                {
                    crate::debug!("metrics connection: {e}");
                }
            });
        }
    });
    Ok(())
}

/// Start the listener if `-metrics-addr` asks for one; a bad address is an error at start.
pub async fn start(addr: Option<&str>, ready_max_failing: Duration) -> Result<(), String> {
    let Some(addr) = addr else { return Ok(()) };
    serve(addr.to_string(), ready_max_failing).await.map_err(|e| {
        let msg = format!("cannot serve metrics on {addr}: {e}");
        error!("{msg}");
        msg
    })
}
