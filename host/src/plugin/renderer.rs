//! A renderer plugin instance: one wasmtime store and instance reused across renders, parsed
//! templates cached inside it by content, and recovery from traps.

use super::bindings::wconfd::plugin::types::{ErrorKind, Kv, TemplateError};
use super::bindings::{RendererPlugin, RendererPluginPre};
use super::host_imports::PluginState;
use super::limits::{Grants, Limits, EPOCH_TICK};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime::component::ResourceAny;
use wasmtime::{Engine, Store};

/// Why a render did not produce output.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The template failed to parse (the resource is broken until it is fixed).
    #[error("{message}")]
    Parse {
        /// Go's message: `template: NAME:LINE: ...`.
        message: String,
    },
    /// The template failed while executing against this data.
    #[error("{message}")]
    Exec {
        /// Go's message: `template: NAME:LINE:COL: executing ...`.
        message: String,
    },
    /// The plugin trapped, ran out of time or memory, or could not be instantiated. The
    /// instance is discarded; the next render gets a fresh one.
    #[error("renderer plugin {plugin:?} failed: {message}")]
    Plugin {
        /// The plugin.
        plugin: String,
        /// What happened.
        message: String,
    },
}

struct Live {
    store: Store<PluginState>,
    bindings: RendererPlugin,
    /// Parsed templates by md5 of (name, text).
    templates: HashMap<[u8; 16], ResourceAny>,
}

/// A renderer plugin, ready to render.
pub struct WasmRenderer {
    name: String,
    engine: Engine,
    pre: RendererPluginPre<PluginState>,
    grants: Arc<Grants>,
    limits: Limits,
    live: Mutex<Option<Live>>,
}

impl WasmRenderer {
    pub(crate) fn new(
        name: String,
        engine: Engine,
        pre: RendererPluginPre<PluginState>,
        grants: Grants,
        limits: Limits,
    ) -> Self {
        WasmRenderer {
            name,
            engine,
            pre,
            grants: Arc::new(grants),
            limits,
            live: Mutex::new(None),
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn plugin_error(&self, e: impl std::fmt::Display) -> RenderError {
        RenderError::Plugin {
            plugin: self.name.clone(),
            message: e.to_string(),
        }
    }

    fn instantiate(&self) -> Result<Live, RenderError> {
        let state = PluginState {
            wasi: wasmtime_wasi::WasiCtx::builder().build(),
            table: wasmtime::component::ResourceTable::new(),
            limits: super::limits::Limiter::new(&self.limits),
            grants: self.grants.clone(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(self.deadline_ticks());
        let bindings = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.plugin_error(format!("{e:#}")))?;
        Ok(Live {
            store,
            bindings,
            templates: HashMap::new(),
        })
    }

    fn deadline_ticks(&self) -> u64 {
        (self.limits.call_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }

    fn from_wit(e: TemplateError) -> RenderError {
        match e.kind {
            ErrorKind::Parse => RenderError::Parse { message: e.message },
            ErrorKind::Exec => RenderError::Exec { message: e.message },
        }
    }

    /// Run `f` on the live instance (creating it if needed). A trap discards the instance.
    fn with_live<T>(
        &self,
        f: impl FnOnce(&mut Live, u64) -> wasmtime::Result<Result<T, RenderError>>,
    ) -> Result<T, RenderError> {
        let mut guard = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if guard
            .as_ref()
            .is_some_and(|l| l.templates.len() >= self.limits.max_templates)
        {
            *guard = None;
        }
        if guard.is_none() {
            *guard = Some(self.instantiate()?);
        }
        let live = guard.as_mut().expect("instantiated above");
        let ticks = self.deadline_ticks();
        match f(live, ticks) {
            Ok(r) => r,
            Err(trap) => {
                // A trapped instance cannot be entered again: drop it and its templates.
                *guard = None;
                Err(self.plugin_error(super::describe_trap(&trap)))
            }
        }
    }

    fn compiled(
        live: &mut Live,
        name: &str,
        text: &str,
        ticks: u64,
    ) -> wasmtime::Result<Result<ResourceAny, RenderError>> {
        let mut ctx = md5::Context::new();
        ctx.consume(name.as_bytes());
        ctx.consume([0u8]);
        ctx.consume(text.as_bytes());
        let key = ctx.finalize().0;
        if let Some(h) = live.templates.get(&key) {
            return Ok(Ok(*h));
        }
        live.store.set_epoch_deadline(ticks);
        let api = live.bindings.wconfd_plugin_renderer().template();
        match api.call_compile(&mut live.store, name, text)? {
            Ok(handle) => {
                live.templates.insert(key, handle);
                Ok(Ok(handle))
            }
            Err(e) => Ok(Err(Self::from_wit(e))),
        }
    }

    /// Parse `text` (so a broken template is reported when its resource loads).
    pub fn check(&self, name: &str, text: &str) -> Result<(), RenderError> {
        self.with_live(|live, ticks| Ok(Self::compiled(live, name, text, ticks)?.map(|_| ())))
    }

    /// Render `text` (parsed once per content and reused) against `kvs` (keys relative to the
    /// resource prefix).
    pub fn render(&self, name: &str, text: &str, kvs: &[Kv]) -> Result<Vec<u8>, RenderError> {
        self.with_live(|live, ticks| {
            let handle = match Self::compiled(live, name, text, ticks)? {
                Ok(h) => h,
                Err(e) => return Ok(Err(e)),
            };
            live.store.set_epoch_deadline(ticks);
            let api = live.bindings.wconfd_plugin_renderer().template();
            Ok(api.call_render(&mut live.store, handle, kvs)?.map_err(Self::from_wit))
        })
    }

    /// Peak linear memory of the current instance, in bytes (0 if there is none yet).
    pub fn peak_memory_bytes(&self) -> usize {
        let guard = self.live.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|l| l.store.data().limits.peak_memory).unwrap_or(0)
    }

    /// Drop the current instance (the next call starts a fresh one).
    pub fn reset(&self) {
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The plugin's own description (`describe`).
    pub fn describe(&self) -> Result<String, RenderError> {
        self.with_live(|live, ticks| {
            live.store.set_epoch_deadline(ticks);
            Ok(Ok(live
                .bindings
                .wconfd_plugin_renderer()
                .call_describe(&mut live.store)?))
        })
    }
}
