//! Scheduling: `-onetime`, the interval daemon and the watch daemon, and signals.
//!
//! The daemon only decides *when* a resource passes through the pipe (see `process`). SIGINT
//! and SIGTERM let passes in flight finish (their stage files are removed by sync) and then
//! exit; SIGHUP reloads confd.toml, conf.d, templates and plugins without a restart.

use crate::backend::{self, Backend};
use crate::config::{self, Config};
use crate::plugin::{self, Plugins};
use crate::process::{pass, PassError};
use crate::resource::{self, Defaults, Resource};
use crate::sync::SyncOptions;
use crate::{debug, error, fatal, info, warn};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Everything loaded for one configuration generation (replaced whole on SIGHUP).
pub struct Generation {
    /// The configuration.
    pub config: Config,
    /// The backends: the operator's, and tenants' own.
    pub backends: Arc<backend::Backends>,
    /// The plugins.
    pub plugins: Arc<Plugins>,
}

/// Resources loaded for a pass, and the ones that cannot run (with why).
pub struct ResourceSet {
    /// Good resources.
    pub resources: Vec<Arc<Resource>>,
    /// `(file, error)` for each resource that cannot run.
    pub failures: Vec<(String, String)>,
}

/// What the process should be doing, as set by signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Run,
    Stop,
    Reload,
}

fn sync_options(c: &Config) -> SyncOptions {
    SyncOptions {
        noop: c.noop,
        sync_only: c.sync_only,
        keep_stage_file: c.keep_stage_file,
        command_timeout: c.command_timeout,
    }
}

/// The plugins `config` asks for (built-ins, `-plugin-dir`, the `-backend` plugin if any).
pub async fn load_plugins(config: &Config) -> Plugins {
    let cache_dir = config.plugin_cache_dir.clone().or_else(plugin::cache::default_dir);
    let plugin_dir = config.plugin_dir.clone();
    let backend = config.backend.clone();
    let mut limits = plugin::Limits::default();
    if let Some(n) = config.render_instances {
        limits.instances = n;
    }
    let load = move || {
        Plugins::load(&plugin::LoadOptions {
            plugin_dir: plugin_dir.as_deref(),
            cache_dir: cache_dir.as_deref(),
            limits,
            grants: None,
            backend: Some(&backend),
            ..Default::default()
        })
    };
    // On this thread: handing the work to another costs as much as the work when the other
    // CPU is idle (0.3 ms to start running there, for a millisecond's load). A daemon's worker
    // first hands its other tasks over; a onetime run has nothing else for this thread to do.
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::CurrentThread => load(),
        _ => tokio::task::block_in_place(load),
    }
}

/// Load plugins and connect the backend for `config` (a backend may be a plugin).
pub async fn build(config: Config) -> Result<Generation, String> {
    info!("Backend set to {}", config.backend);
    info!("Starting confd");
    // A native backend starts connecting first (the file backend starts reading its files on
    // a thread of its own), then the plugins load (a millisecond or so: most of a small
    // onetime run) while it proceeds.
    let (native, plugins) = tokio::join!(backend::connect_native(&config), load_plugins(&config));
    for p in &plugins.loaded {
        debug!(
            "Loaded {} plugin {} from {} ({:?})",
            p.kind.as_str(),
            p.name,
            p.source,
            p.origin
        );
    }
    for r in &plugins.refused {
        error!("Plugin refused: {r}");
    }
    let backend = native
        .unwrap_or_else(|| backend::connect_plugin(&config, &plugins, None))
        .map_err(|e| e.to_string())?;
    info!("Backend source(s) set to {}", backend.sources());
    Ok(Generation {
        config,
        backends: Arc::new(backend::Backends::new(Arc::from(backend))),
        plugins: Arc::new(plugins),
    })
}

/// Load `conf.d` and check every template parses. `Ok(None)`: the confdir does not exist
/// (confd warns and does nothing).
pub async fn load_resources(g: &Generation) -> Result<Option<ResourceSet>, String> {
    load_resources_with(&g.config, &g.plugins).await
}

/// [`load_resources`] for a configuration and plugins without a backend (`wconfd check`).
pub async fn load_resources_with(c: &Config, plugins: &Arc<Plugins>) -> Result<Option<ResourceSet>, String> {
    debug!("Loading template resources from confdir {}", c.confdir.display());
    if !c.confdir.exists() {
        warn!(
            "Cannot load template resources: confdir '{}' does not exist",
            c.confdir.display()
        );
        return Ok(None);
    }
    let conf_d = c.confdir.join("conf.d");
    let defaults = Defaults {
        prefix: c.prefix.clone(),
        template_dir: c.confdir.join("templates"),
        wait: c.wait,
        min_reload_interval: c.min_reload_interval,
        helpers: c.helpers.clone(),
    };
    let mut loaded = resource::load_dir(&conf_d, &defaults).map_err(|e| format!("stat {}: {e}", conf_d.display()))?;
    let mut set = ResourceSet {
        resources: Vec::new(),
        failures: Vec::new(),
    };
    load_tenants(c, &defaults, &mut loaded, &mut set);
    for w in &loaded.warnings {
        warn!("{w}");
    }
    for e in loaded.errors {
        set.failures.push((e.path().display().to_string(), e.to_string()));
    }
    if loaded.resources.is_empty() && set.failures.is_empty() {
        warn!("Found no templates");
    }
    let plugins = plugins.clone();
    let checked = crate::plugin::run_blocking(move || {
        loaded
            .resources
            .into_iter()
            .map(|r| {
                debug!("Found template: {}", r.toml_path.display());
                let check = plugins.renderer_for(&r.renderer, r.tenant.as_deref()).and_then(|rd| {
                    let helpers = plugins.helper_set_for(&r.helpers, r.tenant.as_deref())?;
                    rd.check_with_helpers(&r.template_name(), &r.template_text, &helpers)
                        .map_err(|e| e.to_string())
                });
                (r, check)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| e.to_string())?;
    for (r, check) in checked {
        match check {
            Ok(()) => set.resources.push(Arc::new(r)),
            Err(e) => set.failures.push((
                r.toml_path.display().to_string(),
                format!("Unable to process template {}, {e}", r.src.display()),
            )),
        }
    }
    Ok(Some(set))
}

fn log_failure(resource: &Resource, e: &PassError) {
    error!("{}: {e}", resource.label());
}

/// Add each tenant's resources (`<confdir>/tenants.d`) to `loaded`, those it may run: a
/// resource asking for keys, destinations or commands beyond its tenant's is a failure naming
/// both, as is a tenant file that cannot be read.
fn load_tenants(c: &Config, defaults: &Defaults, loaded: &mut resource::Loaded, set: &mut ResourceSet) {
    let (tenants, errors) = crate::tenant::load_dir(&c.confdir);
    for e in errors {
        set.failures
            .push((c.confdir.join("tenants.d").display().to_string(), e));
    }
    for tenant in tenants {
        let tenant = Arc::new(tenant);
        let conf_d = tenant.confdir.join("conf.d");
        let theirs = Defaults {
            template_dir: tenant.confdir.join("templates"),
            ..defaults.clone()
        };
        let found = match resource::load_dir(&conf_d, &theirs) {
            Ok(found) => found,
            Err(e) => {
                let who = format!("tenant {}", tenant.name);
                let why = format!("{who}: stat {}: {e}", conf_d.display());
                set.failures.push((who, why));
                continue;
            }
        };
        loaded.warnings.extend(found.warnings);
        for e in found.errors {
            set.failures.push((
                format!("tenant {}: {}", tenant.name, e.path().display()),
                format!("tenant {}: {e}", tenant.name),
            ));
        }
        for mut r in found.resources {
            r.tenant = Some(tenant.clone());
            r.min_reload_interval = r.min_reload_interval.max(tenant.min_reload_interval);
            match tenant.admit(&r) {
                Ok(()) => loaded.resources.push(r),
                Err(why) => set.failures.push((r.label(), format!("{}: refused: {why}", r.label()))),
            }
        }
    }
}

/// One pass of `resource`, counted in the metrics.
async fn counted_pass(
    resource: &Arc<Resource>,
    backend: &dyn Backend,
    plugins: &Arc<Plugins>,
    opts: SyncOptions,
    backend_name: &str,
) -> Result<(crate::sync::Outcome, u64), PassError> {
    let result = pass(resource.clone(), backend, plugins.clone(), opts).await;
    record(backend_name, resource, &result);
    result
}

/// Count a pass of `resource` in the metrics (and in readiness).
fn record(backend: &str, resource: &Resource, result: &Result<(crate::sync::Outcome, u64), PassError>) {
    let m = crate::metrics::get();
    let name = resource.toml_path.display().to_string();
    match result {
        Ok((outcome, _)) => m.passed(&name, *outcome == crate::sync::Outcome::Updated),
        Err(e) => {
            m.failed(&name);
            if matches!(e, PassError::Backend(_)) {
                m.fetch_errors
                    .get_or_create(&crate::metrics::BackendLabel {
                        backend: backend.to_string(),
                    })
                    .inc();
            }
        }
    }
}

/// One pass over every resource (stopping early if asked); returns the files that failed.
async fn pass_all(g: &Generation, set: &ResourceSet, phase: Option<&watch::Receiver<Phase>>) -> Vec<String> {
    let mut failed = Vec::new();
    for (file, e) in &set.failures {
        error!("{e}");
        failed.push(file.clone());
    }
    for r in &set.resources {
        if phase.is_some_and(|p| *p.borrow() != Phase::Run) {
            break;
        }
        let result = match g.backends.of(r, &g.config.backend, &g.plugins).await {
            Ok((backend, name)) => counted_pass(r, backend.as_ref(), &g.plugins, sync_options(&g.config), &name).await,
            Err(e) => Err(PassError::Backend(e)),
        };
        if let Err(e) = result {
            log_failure(r, &e);
            failed.push(r.toml_path.display().to_string());
        }
    }
    failed
}

/// Run with `config` until done (onetime) or stopped; returns the exit code. `reload` reads
/// the configuration again on SIGHUP.
pub async fn run(config: Config, reload: impl Fn() -> Result<Config, config::ConfigError>) -> ExitCode {
    let onetime = config.onetime;
    let mut generation = match build(config).await {
        Ok(g) => g,
        Err(e) => {
            fatal!("{e}");
            return ExitCode::from(1);
        }
    };
    if onetime {
        let code = run_once(&generation).await;
        // The process ends now; its plugin instances and connections need no teardown.
        std::mem::forget(generation);
        return code;
    }
    let c = &generation.config;
    if crate::metrics::start(c.metrics_addr.as_deref(), c.ready_stale_after)
        .await
        .is_err()
    {
        return ExitCode::from(1);
    }
    let (tx, rx) = watch::channel(Phase::Run);
    spawn_signal_listener(tx.clone());
    if let Some(every) = crate::systemd::watchdog_interval() {
        tokio::spawn(async move {
            loop {
                crate::systemd::notify("WATCHDOG=1");
                tokio::time::sleep(every).await;
            }
        });
    }
    loop {
        let code = if generation.config.watch {
            watch_until_signal(&generation, rx.clone()).await
        } else {
            interval_until_signal(&generation, rx.clone()).await
        };
        if let Some(code) = code {
            return code;
        }
        // SIGHUP: reload configuration, backend and plugins; keep the old generation on error.
        info!("Captured hangup. Reloading configuration, template resources and plugins");
        crate::systemd::notify("RELOADING=1");
        match reload() {
            Ok(c) => match build(c).await {
                Ok(g) => generation = g,
                Err(e) => error!("Reload failed, keeping the previous configuration: {e}"),
            },
            Err(e) => error!("Reload failed, keeping the previous configuration: {e}"),
        }
        // A stop that arrived during the reload wins.
        tx.send_if_modified(|p| {
            if *p == Phase::Reload {
                *p = Phase::Run;
                true
            } else {
                false
            }
        });
        if *rx.borrow() == Phase::Stop {
            return ExitCode::SUCCESS;
        }
    }
}

/// `-onetime`: one pass; exit 1 naming every failed resource.
async fn run_once(g: &Generation) -> ExitCode {
    let set = match load_resources(g).await {
        Ok(Some(set)) => set,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            fatal!("{e}");
            return ExitCode::from(1);
        }
    };
    let total = set.resources.len() + set.failures.len();
    let failed = pass_all(g, &set, None).await;
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    fatal!(
        "{} of {total} template resources failed: {}",
        failed.len(),
        failed.join(", ")
    );
    ExitCode::from(1)
}

fn spawn_signal_listener(tx: watch::Sender<Phase>) {
    use tokio::signal::unix::{signal, SignalKind};
    tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            error!("cannot install signal handlers");
            return;
        };
        loop {
            let name = tokio::select! {
                _ = int.recv() => "interrupt",
                _ = term.recv() => "terminated",
                _ = hup.recv() => "hangup",
            };
            if name == "hangup" {
                tx.send_if_modified(|p| {
                    if *p == Phase::Run {
                        *p = Phase::Reload;
                        true
                    } else {
                        false
                    }
                });
            } else {
                info!("Captured {name}. Exiting...");
                crate::systemd::notify("STOPPING=1");
                tx.send_replace(Phase::Stop);
            }
        }
    });
}

fn verdict(phase: Phase) -> Option<Option<ExitCode>> {
    match phase {
        Phase::Run => None,
        Phase::Stop => Some(Some(ExitCode::SUCCESS)),
        Phase::Reload => Some(None),
    }
}

/// Interval mode: re-read conf.d and pass every resource, then sleep `interval` seconds.
/// Returns `Some(exit code)` to stop, `None` to reload.
async fn interval_until_signal(g: &Generation, mut phase: watch::Receiver<Phase>) -> Option<ExitCode> {
    // As in watch mode: the reload that led here is not a new signal.
    if let Some(v) = verdict(*phase.borrow_and_update()) {
        return v;
    }
    let mut readiness: Option<crate::systemd::Readiness> = None;
    loop {
        match load_resources(g).await {
            Ok(Some(set)) => {
                crate::metrics::get().set_resources(set.resources.iter().map(|r| r.toml_path.display().to_string()));
                let failed = pass_all(g, &set, Some(&phase)).await;
                let ready = readiness.get_or_insert_with(|| {
                    crate::systemd::Readiness::new(set.resources.iter().map(|r| r.toml_path.clone()))
                });
                for r in &set.resources {
                    if !failed.contains(&r.toml_path.display().to_string()) {
                        ready.rendered(&r.toml_path);
                    }
                }
            }
            Ok(None) => {
                readiness.get_or_insert_with(|| crate::systemd::Readiness::new([]));
            }
            Err(e) => error!("{e}"),
        }
        if let Some(v) = verdict(*phase.borrow_and_update()) {
            return v;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(g.config.interval)) => {}
            _ = phase.changed() => {}
        }
        if let Some(v) = verdict(*phase.borrow_and_update()) {
            return v;
        }
    }
}

/// consul-template's `wait`: after a change at `rev`, keep waiting while changes keep coming,
/// until things are quiet for `min` or `max` has passed since the first change.
async fn quiesce(backend: &dyn Backend, r: &Resource, rev: u64) {
    let Some(w) = r.wait else { return };
    let first = tokio::time::Instant::now();
    let mut seen = rev;
    loop {
        let quiet = w.min.min(w.max.saturating_sub(first.elapsed()));
        if quiet.is_zero() {
            return;
        }
        match tokio::time::timeout(quiet, backend.watch(&r.prefix, &r.prefixed_keys, seen)).await {
            Ok(Ok(next)) => seen = next.max(seen),
            _ => return,
        }
    }
}

/// Watch mode: one task per resource, each waiting on the backend and passing its resource on
/// every change; a failed fetch or pass is retried with backoff instead of waiting for the next
/// change. With a non-zero interval, the interval also triggers passes (reconciliation).
async fn watch_until_signal(g: &Generation, mut phase: watch::Receiver<Phase>) -> Option<ExitCode> {
    // The phase went Run → Reload → Run to get here: mark that seen, or every task below would
    // take it for a new change and stop at once (resources then went unwatched after a SIGHUP).
    if let Some(v) = verdict(*phase.borrow_and_update()) {
        return v;
    }
    let set = match load_resources(g).await {
        Ok(Some(set)) => set,
        Ok(None) => ResourceSet {
            resources: Vec::new(),
            failures: Vec::new(),
        },
        Err(e) => {
            fatal!("{e}");
            return Some(ExitCode::from(1));
        }
    };
    for (_, e) in &set.failures {
        error!("{e}");
    }
    // Resources that cannot load are logged above and cannot render until fixed: readiness
    // waits for the others.
    let readiness = Arc::new(crate::systemd::Readiness::new(
        set.resources.iter().map(|r| r.toml_path.clone()),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    crate::metrics::get().set_resources(set.resources.iter().map(|r| r.toml_path.display().to_string()));
    for r in set.resources {
        let readiness = readiness.clone();
        let global_backend = g.config.backend.clone();
        let backends = g.backends.clone();
        let plugins = g.plugins.clone();
        let opts = sync_options(&g.config);
        let interval = Duration::from_secs(g.config.interval);
        let mut phase = phase.clone();
        tasks.spawn(async move {
            let mut last = 0u64;
            let mut last_update: Option<tokio::time::Instant> = None;
            let mut backoff = Duration::from_millis(250);
            // Whether the last watch failed: the next one that succeeds is a reconnection.
            let mut watch_failing = false;
            loop {
                // The resource's backend: the operator's, or its tenant's (connected on first
                // use; a failure to connect is retried like a failed watch).
                let (backend, backend_name) = match backends.of(&r, &global_backend, &plugins).await {
                    Ok(b) => b,
                    Err(e) => {
                        log_failure(&r, &PassError::Backend(e));
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            _ = phase.changed() => return,
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                        continue;
                    }
                };
                let wait = async {
                    if last == 0 || interval.is_zero() {
                        backend.watch(&r.prefix, &r.prefixed_keys, last).await
                    } else {
                        tokio::time::timeout(interval, backend.watch(&r.prefix, &r.prefixed_keys, last))
                            .await
                            .unwrap_or(Ok(last))
                    }
                };
                let waited = tokio::select! {
                    w = wait => w,
                    _ = phase.changed() => return,
                };
                if *phase.borrow() != Phase::Run {
                    return;
                }
                // Quiescence and the minimum reload interval both delay the pass; the pass then
                // reads the latest state, so changes meanwhile are coalesced, never lost.
                if let (Ok(rev), true) = (&waited, last > 0) {
                    let hold = quiesce(backend.as_ref(), &r, *rev);
                    let spacing = async {
                        if let (Some(min), Some(at)) = (r.min_reload_interval, last_update) {
                            tokio::time::sleep_until(at + min).await;
                        }
                    };
                    tokio::select! {
                        _ = async { tokio::join!(hold, spacing) } => {}
                        _ = phase.changed() => return,
                    }
                }
                if waited.is_ok() && std::mem::take(&mut watch_failing) {
                    crate::metrics::get().reconnected(&backend_name);
                }
                // A pass is never cancelled half-way: it runs to the end before the next check.
                let failed = match waited {
                    Ok(_) => match counted_pass(&r, backend.as_ref(), &plugins, opts, &backend_name).await {
                        Ok((outcome, rendered_at)) => {
                            // Wait for changes after what was rendered, not after the event that woke
                            // us: a change in between is then never missed.
                            last = rendered_at.max(1);
                            readiness.rendered(&r.toml_path);
                            if outcome == crate::sync::Outcome::Updated {
                                last_update = Some(tokio::time::Instant::now());
                            }
                            false
                        }
                        Err(e) => {
                            log_failure(&r, &e);
                            true
                        }
                    },
                    Err(e) => {
                        watch_failing = true;
                        error!("Watch error: {e}");
                        crate::metrics::get().watch_failed(&backend_name);
                        true
                    }
                };
                if failed {
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = phase.changed() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                } else {
                    backoff = Duration::from_millis(250);
                }
            }
        });
    }
    loop {
        if phase.changed().await.is_err() {
            return Some(ExitCode::SUCCESS);
        }
        if let Some(v) = verdict(*phase.borrow_and_update()) {
            // Let passes in flight finish; tasks return at their next check.
            while tasks.join_next().await.is_some() {}
            return v;
        }
    }
}
