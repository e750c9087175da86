//! The WebAssembly plugin host: one wasmtime engine, the built-in plugins plus those found in a
//! plugin directory (each a `.wasm` with a manifest), compiled code cached on disk, and one
//! host module per plugin world:
//!
//! - [`renderer`]: `renderer-plugin` (`wconfd:plugin@0.3.0`, or 0.1.0 without helpers), one
//!   reusable instance per renderer;
//! - [`backend`]: `backend-plugin` (`wconfd:plugin@0.3.0`, or 0.2.0 with text pairs), a pool of
//!   instances per backend;
//! - [`helpers`]: `helpers-plugin` (`wconfd:plugin@0.3.0`), one instance per helper library,
//!   called from renderers through the host;
//!
//! over a shared core: [`engine_config`] and [`engine`], [`cache`], [`manifest`], [`limits`].
//!
//! Invariant: a plugin failure (bad manifest, trap, timeout, memory cap) is an error for the
//! resources that use that plugin, never for the host or other resources.

pub mod backend;
pub mod bindings;
pub mod cache;
pub mod embedded;
mod engine;
mod engine_config;
pub mod helpers;
mod host_imports;
pub mod limits;
pub mod manifest;
mod renderer;
pub mod starter;
mod tls;
mod wasi_link;

pub use backend::{BackendPlugin, PluginBackend};
pub use bindings::wconfd::plugin::types::Entry;
pub use engine::{engine, fuel_engine, on_plugin_stack, run_blocking};
pub use engine_config::PLUGIN_THREAD_STACK;
pub use helpers::{HelperPlugin, HelperSet};
pub use limits::{EnvGrant, Grants, Limits, PathGrant};
pub use renderer::{RenderError, WasmRenderer};

use cache::Cache;
use host_imports::PluginState;
use manifest::Kind;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::Engine;

/// A plugin compiled into wconfd: its component, compiled to native code by `build.rs` with
/// this host's engine configuration so that no run has to compile it.
pub struct Builtin {
    /// Its name (`renderer = "..."`, `-backend ...`).
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// The component.
    pub wasm: &'static [u8],
    /// The component compiled for this host (run in place: see [`embedded`]).
    native: &'static embedded::PageAligned<[u8]>,
    /// The component compiled for this host's fuel-counting engine (renderers only).
    native_fuel: Option<&'static embedded::PageAligned<[u8]>>,
    /// Backends: where requests may go when no `-node` is given.
    pub nodes: &'static [&'static str],
    /// Environment variables the plugin receives as options `env.NAME` (what confd's client
    /// library for this backend reads from the environment).
    pub env: &'static [&'static str],
    /// Files the plugin receives as options `file:PATH` (their contents, when readable).
    pub files: &'static [&'static str],
    /// What else it takes from wconfd's environment when it loads (the AWS backends: their
    /// credential endpoints, confd's `DYNAMODB_LOCAL` and `SSM_LOCAL`).
    pub(crate) from_environment: fn(&mut BackendDefaults),
}

/// Every built-in plugin (built from `plugins/` by `build.rs`).
pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "gotemplate",
        kind: Kind::Renderer,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/gotemplate.wasm")),
        native: embedded::embed!("gotemplate.cwasm"),
        native_fuel: Some(embedded::embed!("gotemplate.fuel.cwasm")),
        nodes: &[],
        env: &[],
        files: &[],
        from_environment: nothing_more,
    },
    Builtin {
        name: "json",
        kind: Kind::Helpers,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/json.wasm")),
        native: embedded::embed!("json.cwasm"),
        native_fuel: None,
        nodes: &[],
        env: &[],
        files: &[],
        from_environment: nothing_more,
    },
    Builtin {
        name: "sprig",
        kind: Kind::Helpers,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/sprig.wasm")),
        native: embedded::embed!("sprig.cwasm"),
        native_fuel: None,
        nodes: &[],
        env: &[],
        files: &[],
        from_environment: nothing_more,
    },
    Builtin {
        name: "rancher",
        kind: Kind::Backend,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/rancher.wasm")),
        native: embedded::embed!("rancher.cwasm"),
        native_fuel: None,
        // confd's rancher backend talks to http://rancher-metadata without -node.
        nodes: &["http://rancher-metadata"],
        env: &[],
        files: &[],
        from_environment: nothing_more,
    },
    Builtin {
        name: "consul",
        kind: Kind::Backend,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/consul.wasm")),
        native: embedded::embed!("consul.cwasm"),
        native_fuel: None,
        nodes: &["127.0.0.1:8500"],
        // confd's consul client takes its ACL token from the environment only.
        env: &["CONSUL_HTTP_TOKEN"],
        files: &[],
        from_environment: nothing_more,
    },
    Builtin {
        name: "vault",
        kind: Kind::Backend,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/vault.wasm")),
        native: embedded::embed!("vault.cwasm"),
        native_fuel: None,
        nodes: &["http://127.0.0.1:8200"],
        env: &[],
        // The kubernetes auth type logs in with the pod's service account token.
        files: &["/var/run/secrets/kubernetes.io/serviceaccount/token"],
        from_environment: nothing_more,
    },
    Builtin {
        name: "dynamodb",
        kind: Kind::Backend,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/dynamodb.wasm")),
        native: embedded::embed!("dynamodb.cwasm"),
        native_fuel: None,
        // The region's endpoint: `{region}` is the region the plugin signs for, which it
        // finds (environment, profile, instance); the allow-list admits any one label there.
        nodes: &["https://dynamodb.{region}.amazonaws.com"],
        // What AWS's SDKs read from the environment and their shared files for credentials
        // and region.
        env: &AWS_ENV,
        files: &AWS_FILES,
        from_environment: |d| aws_environment(d, "DYNAMODB_LOCAL", "http://localhost:8000"),
    },
    Builtin {
        name: "ssm",
        kind: Kind::Backend,
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/ssm.wasm")),
        native: embedded::embed!("ssm.cwasm"),
        native_fuel: None,
        nodes: &["https://ssm.{region}.amazonaws.com"],
        env: &AWS_ENV,
        files: &AWS_FILES,
        from_environment: |d| aws_environment(d, "SSM_LOCAL", "http://localhost:8001"),
    },
];

/// The environment an AWS backend is granted: credentials, region, profile and the credential
/// endpoints, as AWS's SDKs read them.
const AWS_ENV: [&str; 12] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_DISABLED",
];

/// A built-in that takes nothing more from the environment.
fn nothing_more(_: &mut BackendDefaults) {}

/// What an AWS backend takes from wconfd's environment at load: the endpoints AWS's SDKs fetch
/// a role's credentials from (the container credentials endpoint when
/// `AWS_CONTAINER_CREDENTIALS_*` names one, with the token file it names; the instance metadata
/// service unless `AWS_EC2_METADATA_DISABLED=true`), which its requests may reach besides the
/// store; and confd's `local` variable (`DYNAMODB_LOCAL`, `SSM_LOCAL`): when set, the default
/// endpoint is the local one.
fn aws_environment(d: &mut BackendDefaults, local: &str, local_node: &str) {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if set(local).is_some() {
        d.nodes = vec![local_node.to_string()];
    }
    if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some() {
        d.origins.push("http://169.254.170.2".into());
    }
    if let Some(full) = set("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        d.origins.push(full);
    }
    if let Some(token_file) = set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        d.files.push(token_file);
    }
    if !set("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        d.origins
            .push(set("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| "http://169.254.169.254".into()));
    }
}

/// The shared files an AWS backend is granted (`~` is the home directory of the user wconfd
/// runs as): the plugin reads the profile's credentials and region from them when the
/// environment has none.
const AWS_FILES: [&str; 2] = ["~/.aws/credentials", "~/.aws/config"];

/// Name of the default renderer.
pub const DEFAULT_RENDERER: &str = "gotemplate";

/// How a trap or host error inside a plugin call reads in a log line.
/// A call into `plugin` failed and its instance is discarded: count it in the metrics by kind
/// (`timeout`, `fuel`, `memory`, `trap`) and say why.
pub(crate) fn trapped(plugin: &str, e: &wasmtime::Error) -> String {
    let kind = match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => "timeout",
        Some(wasmtime::Trap::OutOfFuel) => "fuel",
        Some(_) => "trap",
        None if hit_memory_cap(e) => "memory",
        None => "trap",
    };
    crate::metrics::get().plugin_failed(plugin, kind);
    describe_trap(e)
}

/// Whether `e` is the limiter refusing to grow linear memory past the cap (wasmtime words it
/// as a forced trap on growth, or as a growth failure).
fn hit_memory_cap(e: &wasmtime::Error) -> bool {
    let root = e.root_cause().to_string();
    root.contains("forcing trap when growing memory") || root.contains("memory growth failure")
}

pub(crate) fn describe_trap(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => "the call ran past its time limit and was interrupted".into(),
        Some(wasmtime::Trap::OutOfFuel) => "the call ran out of fuel".into(),
        // wasmtime's text already says "wasm trap: ...".
        Some(t) => t.to_string(),
        // The limiter's refusal to grow memory, or a host error: the cause, without the wasm
        // backtrace wasmtime wraps it in (a log line, not a debugger session).
        None => {
            if hit_memory_cap(e) {
                "the call reached the instance's memory limit".into()
            } else {
                e.root_cause().to_string()
            }
        }
    }
}

/// Where each plugin came from, for logs.
#[derive(Clone, Debug)]
pub struct PluginInfo {
    /// Plugin name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// `built-in` or the `.wasm` path.
    pub source: String,
    /// Precompiled, loaded from the compiled-code cache, or compiled now.
    pub origin: cache::Origin,
}

/// The loaded plugins.
#[derive(Default)]
pub struct Plugins {
    renderers: BTreeMap<String, Result<Arc<WasmRenderer>, String>>,
    /// Where each loaded renderer's component came from, to compile it again for the
    /// fuel-counting engine when a tenant with a fuel limit uses it.
    renderer_sources: HashMap<String, ComponentSource>,
    /// What each renderer's manifest declares it needs (`[grants]`): a tenant using it gets
    /// the tenant's grants narrowed to these.
    declared_grants: HashMap<String, Grants>,
    backends: BTreeMap<String, Result<BackendPlugin, String>>,
    helpers: BTreeMap<String, HelperSource>,
    /// Checked helper sets by tenant (`None`: the operator's), then by the list of library
    /// names, shared by resources choosing alike.
    helper_sets: Mutex<HashMap<Option<TenantKey>, HelperSets>>,
    /// Each tenant's own instance of each renderer it uses, by (tenant, renderer).
    tenant_renderers: Mutex<HashMap<(TenantKey, String), Arc<WasmRenderer>>>,
    /// Each tenant's plugin directory, loaded on first use with the tenant's grants and limits.
    tenant_plugins: Mutex<HashMap<TenantKey, Arc<Plugins>>>,
    /// The engine and limits built-in helpers are made ready with.
    engine: Option<Engine>,
    limits: Limits,
    /// The compiled-code cache directory (for tenants' plugin directories).
    cache_dir: Option<std::path::PathBuf>,
    /// Every backend plugin that could be loaded, loaded or not (for messages).
    available_backends: Vec<String>,
    /// What was loaded.
    pub loaded: Vec<PluginInfo>,
    /// Plugins that were refused, each with why (already worded for a log line).
    pub refused: Vec<String>,
}

/// A tenant as the plugin host tells tenants apart: its name and a fingerprint of its policy,
/// so that an edited tenant file gets new instances (old ones go with the next SIGHUP).
type TenantKey = (String, u64);

fn tenant_key(t: &crate::tenant::Tenant) -> TenantKey {
    (t.name.clone(), t.fingerprint)
}

/// Where a plugin's component came from.
#[derive(Clone)]
enum ComponentSource {
    Builtin(&'static Builtin),
    Wasm { bytes: Arc<[u8]>, sha256: String },
}

/// Options for loading plugins.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions<'a> {
    /// Plugin directory (adds or overrides plugins).
    pub plugin_dir: Option<&'a Path>,
    /// Compiled-code cache (`None`: compile in memory every time).
    pub cache_dir: Option<&'a Path>,
    /// Limits for every instance.
    pub limits: Limits,
    /// What renderers may ask of the host; `None`: confd's grants (environment, files, DNS).
    pub grants: Option<Grants>,
    /// The backend in use (`-backend`): only a backend plugin of this name is loaded; the
    /// others cost neither memory nor start-up time.
    pub backend: Option<&'a str>,
    /// Load only the plugin directory, not the built-ins (a tenant's own directory).
    pub skip_builtins: bool,
    /// Renderers and helper libraries run on the fuel-counting engine (`limits.fuel` is set).
    pub fuel: bool,
}

/// A built-in plugin's component: the artifact compiled at build time, or, if wasmtime refuses
/// it (it checks the configuration, version and CPU features it was made for), compiled from
/// the embedded `.wasm` like any plugin.
fn builtin_component(engine: &Engine, b: &Builtin, cache: &mut Cache) -> Result<(Component, cache::Origin), String> {
    // SAFETY: the artifact is part of this executable, written by build.rs with
    // `Engine::precompile_component` under `engine_config::config`, the configuration `engine`
    // was made from; wasmtime validates its header before using it.
    match unsafe { embedded::load(engine, b.native) } {
        Ok(c) => Ok((c, cache::Origin::Precompiled)),
        Err(e) => {
            crate::debug!(
                "The precompiled built-in plugin {} does not fit this engine ({e:#}); compiling it",
                b.name
            );
            cache
                .load(engine, b.wasm, &manifest::sha256_hex(b.wasm))
                .map_err(|e| format!("{e:#}"))
        }
    }
}

fn renderer_from_component(
    engine: &Engine,
    name: &str,
    component: &Component,
    opts: &LoadOptions<'_>,
) -> Result<WasmRenderer, String> {
    let mut linker: Linker<PluginState> = Linker::new(engine);
    wasi_link::add_imported(&mut linker, component, engine).map_err(|e| format!("{e:#}"))?;
    // The contract version is the one the component exports the renderer interface of.
    let exports_v1 = component
        .component_type()
        .exports(engine)
        .any(|(n, _)| n == "wconfd:plugin/renderer@0.1.0");
    let pre = if exports_v1 {
        bindings::renderer_v1::RendererPlugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)
            .map_err(|e| format!("{e:#}"))?;
        let pre = linker.instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
        renderer::RendererPre::V1(
            bindings::renderer_v1::RendererPluginPre::new(pre)
                .map_err(|e| format!("does not export the renderer interface: {e:#}"))?,
        )
    } else {
        bindings::RendererPlugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)
            .map_err(|e| format!("{e:#}"))?;
        // Linking checks the plugin's imports against what the host provides: a plugin that
        // imports anything else (sockets beyond WASI's denied defaults, other worlds) is refused.
        let pre = linker.instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
        renderer::RendererPre::Current(
            bindings::RendererPluginPre::new(pre)
                .map_err(|e| format!("does not export the renderer interface: {e:#}"))?,
        )
    };
    Ok(WasmRenderer::new(
        name.to_string(),
        engine.clone(),
        pre,
        opts.grants.clone().unwrap_or_else(Grants::confd_compatible),
        opts.limits.clone(),
    ))
}

fn helpers_from_component(
    engine: &Engine,
    name: &str,
    component: &Component,
    limits: &Limits,
) -> Result<HelperPlugin, String> {
    let mut linker: Linker<PluginState> = Linker::new(engine);
    wasi_link::add_imported(&mut linker, component, engine).map_err(|e| format!("{e:#}"))?;
    bindings::helpers::HelpersPlugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)
        .map_err(|e| format!("{e:#}"))?;
    let pre = linker.instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
    let pre = bindings::helpers::HelpersPluginPre::new(pre)
        .map_err(|e| format!("does not export the helpers interface: {e:#}"))?;
    Ok(HelperPlugin::new(name, engine.clone(), pre, limits.clone()))
}

/// A checked helper set, or why the libraries cannot be used together.
type HelperSetResult = Result<Arc<HelperSet>, String>;

/// One owner's helper sets, by the list of library names.
type HelperSets = HashMap<Vec<String>, HelperSetResult>;

/// A helper library: a built-in one is made ready on first use (most resources choose none),
/// one from the plugin directory when the directory is loaded.
enum HelperSource {
    Builtin(&'static Builtin, OnceLock<Result<Arc<HelperPlugin>, String>>),
    Loaded(Result<Arc<HelperPlugin>, String>),
}

/// What a backend plugin is given besides the operator's configuration.
#[derive(Clone, Debug, Default)]
pub(crate) struct BackendDefaults {
    /// Where requests go when the operator gives no `-node`.
    nodes: Vec<String>,
    /// Where requests may also go, whatever the nodes (credential endpoints).
    origins: Vec<String>,
    options: Vec<(String, String)>,
    env: Vec<String>,
    files: Vec<String>,
}

impl BackendDefaults {
    /// A built-in backend's.
    fn of(b: &Builtin) -> Self {
        let mut defaults = BackendDefaults {
            nodes: b.nodes.iter().map(|n| n.to_string()).collect(),
            origins: Vec::new(),
            options: Vec::new(),
            env: b.env.iter().map(|n| n.to_string()).collect(),
            files: b
                .files
                .iter()
                .filter_map(|f| match f.strip_prefix("~/") {
                    Some(rest) => std::env::var_os("HOME").map(|h| format!("{}/{rest}", h.to_string_lossy())),
                    None => Some(f.to_string()),
                })
                .collect(),
        };
        (b.from_environment)(&mut defaults);
        defaults
    }
}

fn backend_from_component(
    engine: &Engine,
    name: &str,
    component: &Component,
    defaults: BackendDefaults,
    opts: &LoadOptions<'_>,
) -> Result<BackendPlugin, String> {
    use backend::{BackendPre, BackendState};
    let mut linker: Linker<BackendState> = Linker::new(engine);
    wasi_link::add_imported(&mut linker, component, engine).map_err(|e| format!("{e:#}"))?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker).map_err(|e| format!("{e:#}"))?;
    // The contract version is the one the component exports the backend interface of.
    let exports_v2 = component
        .component_type()
        .exports(engine)
        .any(|(n, _)| n == "wconfd:plugin/backend@0.2.0");
    let pre = if exports_v2 {
        bindings::backend::BackendPlugin::add_to_linker::<BackendState, HasSelf<BackendState>>(&mut linker, |s| s)
            .map_err(|e| format!("{e:#}"))?;
        let pre = linker.instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
        BackendPre::V2(
            bindings::backend::BackendPluginPre::new(pre)
                .map_err(|e| format!("does not export the backend interface: {e:#}"))?,
        )
    } else {
        bindings::backend_v3::BackendPlugin::add_to_linker::<BackendState, HasSelf<BackendState>>(&mut linker, |s| s)
            .map_err(|e| format!("{e:#}"))?;
        let pre = linker.instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
        BackendPre::Current(
            bindings::backend_v3::BackendPluginPre::new(pre)
                .map_err(|e| format!("does not export the backend interface: {e:#}"))?,
        )
    };
    Ok(BackendPlugin {
        name: name.to_string(),
        engine: engine.clone(),
        pre,
        default_nodes: defaults.nodes,
        extra_origins: defaults.origins,
        options: defaults.options,
        env_grants: defaults.env,
        file_grants: defaults.files,
        limits: opts.limits.clone(),
    })
}

impl Plugins {
    /// Record a plugin that failed to load, so that its users fail instead of silently falling
    /// back to a built-in of the same name.
    fn refuse(&mut self, name: Option<String>, kind: Option<Kind>, msg: String) {
        match (name, kind) {
            (Some(n), Some(Kind::Backend)) => {
                self.backends.insert(n, Err(msg.clone()));
            }
            (Some(n), Some(Kind::Helpers)) => {
                self.helpers.insert(n, HelperSource::Loaded(Err(msg.clone())));
            }
            (Some(n), _) => {
                self.renderers.insert(n, Err(msg.clone()));
            }
            (None, _) => {}
        }
        self.refused.push(msg);
    }

    /// Add `component` (already compiled) as plugin `name` of `kind`.
    fn add(
        &mut self,
        engine: &Engine,
        (name, kind, source): (&str, Kind, String),
        loaded: Result<(Component, cache::Origin), String>,
        defaults: BackendDefaults,
        opts: &LoadOptions<'_>,
    ) {
        let (component, origin) = match loaded {
            Ok(c) => c,
            Err(e) => return self.refuse(Some(name.into()), Some(kind), format!("{source}: plugin {name:?}: {e}")),
        };
        let result = match kind {
            Kind::Renderer => renderer_from_component(engine, name, &component, opts).map(|r| {
                self.renderers.insert(name.into(), Ok(Arc::new(r)));
            }),
            Kind::Backend => backend_from_component(engine, name, &component, defaults, opts).map(|b| {
                self.backends.insert(name.into(), Ok(b));
            }),
            Kind::Helpers => helpers_from_component(engine, name, &component, &opts.limits).map(|h| {
                self.helpers.insert(name.into(), HelperSource::Loaded(Ok(Arc::new(h))));
            }),
        };
        match result {
            Ok(()) => self.loaded.push(PluginInfo {
                name: name.into(),
                kind,
                source,
                origin,
            }),
            Err(e) => self.refuse(Some(name.into()), Some(kind), format!("{source}: plugin {name:?}: {e}")),
        }
    }

    /// Load the built-in plugins and every plugin in the plugin directory.
    pub fn load(opts: &LoadOptions<'_>) -> Plugins {
        let mut plugins = Plugins::default();
        let engines = engine().and_then(|plain| {
            let fuel = if opts.fuel { fuel_engine()? } else { plain.clone() };
            Ok((plain, fuel))
        });
        let (engine, fuel_engine) = match engines {
            Ok(e) => e,
            Err(e) => {
                plugins
                    .renderers
                    .insert(DEFAULT_RENDERER.into(), Err(format!("cannot start wasmtime: {e:#}")));
                return plugins;
            }
        };
        // Backends have no fuel budget: their calls wait on the network by design.
        let engine_for = |kind: Kind| if kind == Kind::Backend { &engine } else { &fuel_engine };
        // Built-in helper libraries are made ready on this one (they are precompiled for it).
        plugins.engine = Some(engine.clone());
        plugins.limits = opts.limits.clone();
        plugins.cache_dir = opts.cache_dir.map(Path::to_path_buf);
        let mut cache = Cache::new(opts.cache_dir);
        let wanted = |kind: Kind, name: &str| kind != Kind::Backend || opts.backend == Some(name);
        for b in BUILTINS.iter().filter(|_| !opts.skip_builtins) {
            if b.kind == Kind::Backend {
                plugins.available_backends.push(b.name.to_string());
            }
            if b.kind == Kind::Helpers {
                plugins
                    .helpers
                    .insert(b.name.into(), HelperSource::Builtin(b, OnceLock::new()));
                continue;
            }
            if !wanted(b.kind, b.name) {
                continue;
            }
            let engine = engine_for(b.kind);
            let loaded = builtin_component(engine, b, &mut cache);
            plugins.add(
                engine,
                (b.name, b.kind, "built-in".into()),
                loaded,
                BackendDefaults::of(b),
                opts,
            );
            if b.kind == Kind::Renderer {
                plugins
                    .renderer_sources
                    .insert(b.name.into(), ComponentSource::Builtin(b));
            }
        }
        let Some(dir) = opts.plugin_dir else {
            return plugins;
        };
        let mut manifests: Vec<_> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(e) => {
                plugins.refused.push(format!("plugin directory {}: {e}", dir.display()));
                return plugins;
            }
        };
        manifests.sort();
        for path in manifests {
            match manifest::load(&path) {
                Ok(m) if !wanted(m.kind, &m.name) => {
                    plugins.available_backends.push(m.name);
                }
                Ok(m) => {
                    let engine = engine_for(m.kind);
                    let loaded = cache.load(engine, &m.wasm, &m.sha256).map_err(|e| format!("{e:#}"));
                    let source = m.wasm_path.display().to_string();
                    // A directory plugin gets no environment: granting it is the operator's call.
                    let defaults = BackendDefaults {
                        nodes: m.nodes,
                        options: m.options,
                        ..BackendDefaults::default()
                    };
                    // A renderer gets its owner's grants, narrowed to what it declares.
                    let owner = opts.grants.clone().unwrap_or_else(Grants::confd_compatible);
                    let grants = match &m.grants {
                        Some(declared) => owner.intersect(declared),
                        None => owner,
                    };
                    let its_opts = LoadOptions {
                        grants: Some(grants),
                        ..opts.clone()
                    };
                    plugins.add(engine, (&m.name, m.kind, source), loaded, defaults, &its_opts);
                    if let (Kind::Renderer, Some(declared)) = (m.kind, m.grants) {
                        plugins.declared_grants.insert(m.name.clone(), declared);
                    }
                    if m.kind == Kind::Renderer {
                        let component = ComponentSource::Wasm {
                            bytes: m.wasm.into(),
                            sha256: m.sha256,
                        };
                        plugins.renderer_sources.insert(m.name, component);
                    }
                }
                Err(e) => {
                    // Learn the name and kind from the raw text, so that a refused override
                    // fails its users rather than falling back to a built-in.
                    let raw = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.parse::<toml::Table>().ok());
                    let text = |k: &str| {
                        raw.as_ref()
                            .and_then(|t| t.get(k).and_then(|v| v.as_str().map(String::from)))
                    };
                    let kind = text("kind").and_then(|k| manifest::parse_kind(&k));
                    plugins.refuse(text("name"), kind, e.to_string());
                }
            }
        }
        plugins
    }

    /// The renderer called `name`, or why it is unavailable.
    pub fn renderer(&self, name: &str) -> Result<Arc<WasmRenderer>, String> {
        match self.renderers.get(name) {
            Some(Ok(r)) => Ok(r.clone()),
            Some(Err(e)) => Err(format!("renderer {name:?} is unavailable: {e}")),
            None => Err(format!("no renderer plugin named {name:?}")),
        }
    }

    /// The renderer called `name` for a resource of `tenant`: the shared one for the operator's
    /// resources; for a tenant's, one from its own plugin directory if it has one of that
    /// name, else the tenant's own instance of the shared one, with the tenant's grants and
    /// limits (made on first use; on the fuel-counting engine if the tenant has a fuel limit).
    pub fn renderer_for(
        &self,
        name: &str,
        tenant: Option<&crate::tenant::Tenant>,
    ) -> Result<Arc<WasmRenderer>, String> {
        let Some(tenant) = tenant else {
            return self.renderer(name);
        };
        if let Some(own) = self.tenant_plugins(tenant) {
            if own.renderers.contains_key(name) {
                return own.renderer(name);
            }
        }
        let key = (tenant_key(tenant), name.to_string());
        if let Some(r) = self
            .tenant_renderers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(r.clone());
        }
        let shared = self.renderer(name)?;
        let grants = match self.declared_grants.get(name) {
            Some(declared) => tenant.grants.intersect(declared),
            None => tenant.grants.clone(),
        };
        let theirs = match tenant.limits.fuel {
            None => shared.with_policy(grants, tenant.limits.clone()),
            Some(_) => self.fuel_renderer(name, grants, tenant.limits.clone())?,
        };
        let mut all = self.tenant_renderers.lock().unwrap_or_else(|e| e.into_inner());
        Ok(all.entry(key).or_insert_with(|| Arc::new(theirs)).clone())
    }

    /// Renderer `name` made again on the fuel-counting engine, with `grants` and `limits` (whose
    /// `fuel` each call gets).
    pub fn fuel_renderer(&self, name: &str, grants: Grants, limits: Limits) -> Result<WasmRenderer, String> {
        let engine = fuel_engine().map_err(|e| format!("cannot start wasmtime: {e:#}"))?;
        let mut cache = Cache::new(self.cache_dir.as_deref());
        let component = match self.renderer_sources.get(name) {
            None => return Err(format!("no renderer plugin named {name:?}")),
            Some(ComponentSource::Builtin(b)) => match b.native_fuel {
                // SAFETY: as in `builtin_component`: build.rs wrote it for this configuration
                // (with fuel), and wasmtime validates its header.
                Some(native) => match unsafe { embedded::load(&engine, native) } {
                    Ok(c) => c,
                    Err(_) => cache
                        .load(&engine, b.wasm, &manifest::sha256_hex(b.wasm))
                        .map(|c| c.0)
                        .map_err(|e| format!("{e:#}"))?,
                },
                None => cache
                    .load(&engine, b.wasm, &manifest::sha256_hex(b.wasm))
                    .map(|c| c.0)
                    .map_err(|e| format!("{e:#}"))?,
            },
            Some(ComponentSource::Wasm { bytes, sha256 }) => cache
                .load(&engine, bytes, sha256)
                .map(|c| c.0)
                .map_err(|e| format!("{e:#}"))?,
        };
        let opts = LoadOptions {
            limits,
            grants: Some(grants),
            ..Default::default()
        };
        renderer_from_component(&engine, name, &component, &opts)
            .map_err(|e| format!("renderer {name:?} on the fuel-counting engine: {e}"))
    }

    /// `tenant`'s own plugin directory, loaded on first use with its grants and limits (its
    /// refusals logged under its name); `None` if it has none.
    fn tenant_plugins(&self, tenant: &crate::tenant::Tenant) -> Option<Arc<Plugins>> {
        let dir = tenant.plugin_dir.as_deref()?;
        let mut all = self.tenant_plugins.lock().unwrap_or_else(|e| e.into_inner());
        let own = all.entry(tenant_key(tenant)).or_insert_with(|| {
            let own = Plugins::load(&LoadOptions {
                plugin_dir: Some(dir),
                cache_dir: self.cache_dir.as_deref(),
                limits: tenant.limits.clone(),
                grants: Some(tenant.grants.clone()),
                backend: tenant.backend.as_ref().map(|b| b.backend.as_str()),
                skip_builtins: true,
                fuel: tenant.limits.fuel.is_some(),
            });
            for p in &own.loaded {
                crate::debug!(
                    "tenant {}: loaded {} plugin {} from {}",
                    tenant.name,
                    p.kind.as_str(),
                    p.name,
                    p.source
                );
            }
            for r in &own.refused {
                crate::error!("tenant {}: Plugin refused: {r}", tenant.name);
            }
            Arc::new(own)
        });
        Some(own.clone())
    }

    /// The helper library called `name`, made ready if it is a built-in not used before.
    pub fn helper_library(&self, name: &str) -> Result<Arc<HelperPlugin>, String> {
        let loaded = match self.helpers.get(name) {
            None => return Err(format!("no helper library named {name:?}")),
            Some(HelperSource::Loaded(h)) => h,
            Some(HelperSource::Builtin(b, ready)) => ready.get_or_init(|| {
                let engine = self.engine.as_ref().ok_or("wasmtime is not running")?;
                // Built-in helpers never touch the compiled-code cache: they are precompiled.
                let (component, _) = builtin_component(engine, b, &mut Cache::new(None))?;
                helpers_from_component(engine, b.name, &component, &self.limits).map(Arc::new)
            }),
        };
        loaded
            .clone()
            .map_err(|e| format!("helper library {name:?} is unavailable: {e}"))
    }

    /// The checked set of helper libraries `names` (see [`HelperSet::new`]), shared by every
    /// resource that names the same list.
    pub fn helper_set(&self, names: &[String]) -> Result<Arc<HelperSet>, String> {
        self.helper_set_for(names, None)
    }

    /// [`Plugins::helper_set`] for a resource of `tenant`: each library from the tenant's own
    /// plugin directory if it has one of that name, else the tenant's own instance of the
    /// shared one (its own linear memory, under its limits; fuel counts the renderer only).
    pub fn helper_set_for(
        &self,
        names: &[String],
        tenant: Option<&crate::tenant::Tenant>,
    ) -> Result<Arc<HelperSet>, String> {
        // Looked up on every render: by the list as given, without copying it.
        let whose = tenant.map(tenant_key);
        if let Some(set) = self
            .helper_sets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&whose)
            .and_then(|sets| sets.get(names))
        {
            return set.clone();
        }
        let own = tenant.and_then(|t| self.tenant_plugins(t));
        let library = |n: &String| match (&own, tenant) {
            (Some(own), _) if own.helpers.contains_key(n) => own.helper_library(n),
            (_, Some(t)) => self.helper_library(n).map(|shared| {
                let mut limits = t.limits.clone();
                limits.fuel = None;
                Arc::new(shared.with_limits(limits))
            }),
            (_, None) => self.helper_library(n),
        };
        let set = names
            .iter()
            .map(library)
            .collect::<Result<Vec<_>, _>>()
            .and_then(|libs| HelperSet::new(&libs, wconfd_gotemplate::builtin_function_names()))
            .map(Arc::new);
        let mut sets = self.helper_sets.lock().unwrap_or_else(|e| e.into_inner());
        sets.entry(whose)
            .or_default()
            .entry(names.to_vec())
            .or_insert(set)
            .clone()
    }

    /// The backend plugin `name` for `tenant`'s own backend: from its plugin directory if it
    /// has one of that name, else the shared one.
    pub fn backend_for(&self, name: &str, tenant: &crate::tenant::Tenant) -> Option<Result<BackendPlugin, String>> {
        if let Some(own) = self.tenant_plugins(tenant).and_then(|own| own.backend(name)) {
            return Some(own);
        }
        if let Some(shared) = self.backend(name) {
            return Some(shared);
        }
        // A built-in backend the operator's `-backend` did not load.
        let b = BUILTINS.iter().find(|b| b.kind == Kind::Backend && b.name == name)?;
        let made = engine()
            .map_err(|e| format!("cannot start wasmtime: {e:#}"))
            .and_then(|engine| {
                let (component, _) = builtin_component(&engine, b, &mut Cache::new(None))?;
                let mut limits = tenant.limits.clone();
                limits.fuel = None;
                let opts = LoadOptions {
                    limits,
                    ..Default::default()
                };
                backend_from_component(&engine, name, &component, BackendDefaults::of(b), &opts)
            });
        Some(made.map_err(|e| format!("backend plugin {name:?} is unavailable: {e}")))
    }

    /// The names of the helper libraries there are (built in and in the plugin directory).
    pub fn helper_names(&self) -> Vec<String> {
        self.helpers.keys().cloned().collect()
    }

    /// The names of the backend plugins there are (built in and in the plugin directory).
    pub fn backend_names(&self) -> Vec<String> {
        let mut names = self.available_backends.clone();
        names.extend(self.backends.keys().cloned());
        names.sort();
        names.dedup();
        names
    }

    /// The backend plugin called `name`: `None` if there is none, `Some(Err)` if it was refused.
    pub fn backend(&self, name: &str) -> Option<Result<BackendPlugin, String>> {
        self.backends.get(name).map(|b| match b {
            Ok(b) => Ok(b.clone()),
            Err(e) => Err(format!("backend plugin {name:?} is unavailable: {e}")),
        })
    }
}
