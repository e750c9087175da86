//! The WebAssembly plugin host: one wasmtime engine, plugins found in a plugin directory (each
//! a `.wasm` with a manifest) plus the built-in Go-template renderer, compiled code cached on
//! disk, and one reusable instance per renderer.
//!
//! Invariant: a plugin failure (bad manifest, trap, timeout, memory cap) is an error for the
//! resources that use that plugin, never for the host or other resources.

pub mod bindings;
pub mod cache;
mod engine_config;
mod host_imports;
pub mod limits;
pub mod manifest;
mod renderer;

pub use bindings::wconfd::plugin::types::Kv;
pub use limits::{Grants, Limits};
pub use renderer::{RenderError, WasmRenderer};

use cache::Cache;
use host_imports::PluginState;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::Engine;

/// The default renderer, built from `plugins/gotemplate-component` by `build.rs`.
pub static BUILTIN_GOTEMPLATE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gotemplate.wasm"));

/// The same renderer compiled to native code by `build.rs` with this host's engine
/// configuration, so that no run has to compile it.
static BUILTIN_GOTEMPLATE_NATIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gotemplate.cwasm"));

/// Name of the default renderer.
pub const DEFAULT_RENDERER: &str = "gotemplate";

/// The engine every plugin runs on, with its epoch ticker. Built once per process: its
/// configuration is part of the compiled-code cache key.
pub fn engine() -> wasmtime::Result<Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(e) = ENGINE.get() {
        return Ok(e.clone());
    }
    let engine = Engine::new(&engine_config::config(None)?)?;
    let engine = ENGINE.get_or_init(|| engine).clone();
    let ticker = engine.clone();
    std::thread::Builder::new()
        .name("wconfd-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(limits::EPOCH_TICK);
            ticker.increment_epoch();
        })
        .map_err(|e| wasmtime::Error::msg(format!("cannot start the epoch thread: {e}")))?;
    Ok(engine)
}

/// Where each renderer came from, for logs.
#[derive(Clone, Debug)]
pub struct PluginInfo {
    /// Plugin name.
    pub name: String,
    /// `built-in` or the `.wasm` path.
    pub source: String,
    /// Loaded from the compiled-code cache or compiled now.
    pub origin: cache::Origin,
}

/// The loaded plugins.
#[derive(Default)]
pub struct Plugins {
    renderers: BTreeMap<String, Result<Arc<WasmRenderer>, String>>,
    /// What was loaded.
    pub loaded: Vec<PluginInfo>,
    /// Plugins that were refused, each with why (already worded for a log line).
    pub refused: Vec<String>,
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
}

/// The built-in renderer's component: the artifact compiled at build time, or, if wasmtime
/// refuses it (it checks the configuration, version and CPU features it was made for),
/// compiled from the embedded `.wasm` like any plugin.
fn builtin_component(engine: &Engine, cache: &mut Cache) -> Result<(Component, cache::Origin), String> {
    // SAFETY: the artifact is part of this executable, written by build.rs with
    // `Engine::precompile_component` under `engine_config::config`, the configuration `engine`
    // was made from; wasmtime validates its header before using it.
    match unsafe { Component::deserialize(engine, BUILTIN_GOTEMPLATE_NATIVE) } {
        Ok(c) => Ok((c, cache::Origin::Precompiled)),
        Err(e) => {
            crate::debug!("The precompiled built-in renderer does not fit this engine ({e:#}); compiling it");
            cache
                .load(engine, BUILTIN_GOTEMPLATE, &manifest::sha256_hex(BUILTIN_GOTEMPLATE))
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
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| format!("{e:#}"))?;
    bindings::RendererPlugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)
        .map_err(|e| format!("{e:#}"))?;
    // Linking checks the plugin's imports against what the host provides: a plugin that
    // imports anything else (sockets beyond WASI's denied defaults, other worlds) is refused.
    let pre = linker.instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
    let pre =
        bindings::RendererPluginPre::new(pre).map_err(|e| format!("does not export the renderer interface: {e:#}"))?;
    Ok(WasmRenderer::new(
        name.to_string(),
        engine.clone(),
        pre,
        Grants::confd_compatible(),
        opts.limits.clone(),
    ))
}

impl Plugins {
    /// Load the built-in renderer and every plugin in the plugin directory.
    pub fn load(opts: &LoadOptions<'_>) -> Plugins {
        let mut plugins = Plugins::default();
        let engine = match engine() {
            Ok(e) => e,
            Err(e) => {
                plugins
                    .renderers
                    .insert(DEFAULT_RENDERER.into(), Err(format!("cannot start wasmtime: {e:#}")));
                return plugins;
            }
        };
        let mut cache = Cache::new(opts.cache_dir);
        let builtin = builtin_component(&engine, &mut cache)
            .and_then(|(c, origin)| Ok((renderer_from_component(&engine, DEFAULT_RENDERER, &c, opts)?, origin)));
        match builtin {
            Ok((r, origin)) => {
                plugins.loaded.push(PluginInfo {
                    name: DEFAULT_RENDERER.into(),
                    source: "built-in".into(),
                    origin,
                });
                plugins.renderers.insert(DEFAULT_RENDERER.into(), Ok(Arc::new(r)));
            }
            Err(e) => {
                plugins.renderers.insert(DEFAULT_RENDERER.into(), Err(e));
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
            let m = match manifest::load(&path) {
                Ok(m) => m,
                Err(e) => {
                    let msg = e.to_string();
                    // A refused override must not silently fall back to the built-in.
                    if let Ok(t) = std::fs::read_to_string(&path) {
                        if let Some(name) = t
                            .parse::<toml::Table>()
                            .ok()
                            .and_then(|t| t.get("name").and_then(|n| n.as_str().map(String::from)))
                        {
                            plugins.renderers.insert(name, Err(msg.clone()));
                        }
                    }
                    plugins.refused.push(msg);
                    continue;
                }
            };
            match m.kind {
                manifest::Kind::Renderer => match cache
                    .load(&engine, &m.wasm, &m.sha256)
                    .map_err(|e| format!("{e:#}"))
                    .and_then(|(c, origin)| Ok((renderer_from_component(&engine, &m.name, &c, opts)?, origin)))
                {
                    Ok((r, origin)) => {
                        plugins.loaded.push(PluginInfo {
                            name: m.name.clone(),
                            source: m.wasm_path.display().to_string(),
                            origin,
                        });
                        plugins.renderers.insert(m.name, Ok(Arc::new(r)));
                    }
                    Err(e) => {
                        let msg = format!("{}: plugin {:?}: {e}", path.display(), m.name);
                        plugins.renderers.insert(m.name, Err(msg.clone()));
                        plugins.refused.push(msg);
                    }
                },
                other => plugins.refused.push(format!(
                    "{}: plugin {:?}: {other:?} plugins need a later wconfd:plugin version",
                    path.display(),
                    m.name
                )),
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
}
