//! A renderer plugin instance: one wasmtime store and instance reused across renders, parsed
//! templates cached inside it by content, and recovery from traps.
//!
//! Renderers built against `wconfd:plugin@0.3.0` compile templates with the helper functions
//! of the resource's [`HelperSet`]; those built against 0.1.0 still load and render, without
//! helpers.

use super::bindings::renderer_v1;
use super::bindings::wconfd::plugin::types::{Entry, ErrorKind, TemplateError};
use super::bindings::{RendererPlugin, RendererPluginPre};
use super::helpers::HelperSet;
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

/// A renderer, as the version of the contract it was built against.
#[derive(Clone)]
pub(crate) enum RendererPre {
    /// `wconfd:plugin@0.3.0`: helpers.
    Current(RendererPluginPre<PluginState>),
    /// `wconfd:plugin@0.1.0`: no helpers.
    V1(renderer_v1::RendererPluginPre<PluginState>),
}

/// What one call may spend: epoch ticks (time), and fuel when the instance has a budget (it
/// then runs on the fuel-counting engine).
#[derive(Clone, Copy)]
struct Budget {
    ticks: u64,
    fuel: Option<u64>,
}

impl Budget {
    /// Give the next call in `store` this budget, whatever the last one left.
    fn arm(self, store: &mut Store<PluginState>) -> wasmtime::Result<()> {
        store.set_epoch_deadline(self.ticks);
        if let Some(fuel) = self.fuel {
            store.set_fuel(fuel)?;
        }
        Ok(())
    }
}

enum Bindings {
    Current(RendererPlugin),
    V1(renderer_v1::RendererPlugin),
}

struct Live {
    store: Store<PluginState>,
    bindings: Bindings,
    /// Parsed templates by md5 of (name, text, helper libraries).
    templates: HashMap<[u8; 16], ResourceAny>,
}

/// A renderer plugin, ready to render.
pub struct WasmRenderer {
    name: String,
    engine: Engine,
    pre: RendererPre,
    grants: Arc<Grants>,
    limits: Limits,
    /// The instance pool: renders of different resources run in parallel, each in a free
    /// instance, up to `limits.instances`; an instance is made on first need and kept with
    /// its parsed templates.
    pool: Vec<Mutex<Option<Live>>>,
    /// Where a render waits when every instance is busy (round robin).
    next: std::sync::atomic::AtomicUsize,
}

impl WasmRenderer {
    pub(crate) fn new(name: String, engine: Engine, pre: RendererPre, grants: Grants, limits: Limits) -> Self {
        WasmRenderer {
            name,
            engine,
            pre,
            grants: Arc::new(grants),
            pool: (0..limits.instances.max(1)).map(|_| Mutex::new(None)).collect(),
            limits,
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same renderer with `grants` and `limits`, as an instance of its own: a tenant's
    /// templates run in their own linear memory, see only what the tenant was granted, and a
    /// trap discards only the tenant's instance.
    pub fn with_policy(&self, grants: Grants, limits: Limits) -> WasmRenderer {
        WasmRenderer::new(self.name.clone(), self.engine.clone(), self.pre.clone(), grants, limits)
    }

    fn plugin_error(&self, e: impl std::fmt::Display) -> RenderError {
        RenderError::Plugin {
            plugin: self.name.clone(),
            message: e.to_string(),
        }
    }

    fn instantiate(&self) -> Result<Live, RenderError> {
        let state = PluginState::new(self.name.as_str().into(), &self.limits, self.grants.clone());
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        self.budget()
            .arm(&mut store)
            .map_err(|e| self.plugin_error(format!("{e:#}")))?;
        let bindings = match &self.pre {
            RendererPre::Current(pre) => pre.instantiate(&mut store).map(Bindings::Current),
            RendererPre::V1(pre) => pre.instantiate(&mut store).map(Bindings::V1),
        }
        .map_err(|e| self.plugin_error(format!("{e:#}")))?;
        Ok(Live {
            store,
            bindings,
            templates: HashMap::new(),
        })
    }

    fn budget(&self) -> Budget {
        Budget {
            ticks: (self.limits.call_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64,
            fuel: self.limits.fuel,
        }
    }

    fn from_wit(e: TemplateError) -> RenderError {
        match e.kind {
            ErrorKind::Parse => RenderError::Parse { message: e.message },
            ErrorKind::Exec => RenderError::Exec { message: e.message },
        }
    }

    fn from_wit_v1(e: renderer_v1::wconfd::plugin::types::TemplateError) -> RenderError {
        use renderer_v1::wconfd::plugin::types::ErrorKind;
        match e.kind {
            ErrorKind::Parse => RenderError::Parse { message: e.message },
            ErrorKind::Exec => RenderError::Exec { message: e.message },
        }
    }

    /// Run `f` on the live instance (creating it if needed). A trap discards the instance.
    fn with_live<T>(
        &self,
        f: impl FnOnce(&mut Live, Budget) -> wasmtime::Result<Result<T, RenderError>>,
    ) -> Result<T, RenderError> {
        let mut guard = self.free_instance();
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
        match f(live, self.budget()) {
            Ok(r) => r,
            Err(trap) => {
                // A trapped instance cannot be entered again: drop it and its templates.
                *guard = None;
                Err(self.plugin_error(super::trapped(&self.name, &trap)))
            }
        }
    }

    fn compiled(
        live: &mut Live,
        name: &str,
        text: &[u8],
        helpers: &Arc<HelperSet>,
        budget: Budget,
    ) -> wasmtime::Result<Result<ResourceAny, RenderError>> {
        let mut ctx = md5::Context::new();
        ctx.consume(name.as_bytes());
        ctx.consume([0u8]);
        ctx.consume(text);
        for lib in helpers.names() {
            ctx.consume([0u8]);
            ctx.consume(lib.as_bytes());
        }
        let key = ctx.finalize().0;
        if let Some(h) = live.templates.get(&key) {
            return Ok(Ok(*h));
        }
        budget.arm(&mut live.store)?;
        let compiled = match &live.bindings {
            Bindings::Current(b) => b
                .wconfd_plugin_renderer()
                .template()
                .call_compile(&mut live.store, name, text, helpers.functions())?
                .map_err(Self::from_wit),
            Bindings::V1(_) if !helpers.functions().is_empty() => Err(RenderError::Parse {
                message: format!(
                    "the renderer is built against wconfd:plugin@0.1.0, which has no helper functions (helpers: {})",
                    helpers.names().join(", ")
                ),
            }),
            Bindings::V1(b) => b
                .wconfd_plugin_renderer()
                .template()
                // 0.1.0 takes the template as text: a byte that is not UTF-8 becomes U+FFFD.
                .call_compile(&mut live.store, name, &String::from_utf8_lossy(text))?
                .map_err(Self::from_wit_v1),
        };
        if let Ok(handle) = &compiled {
            live.templates.insert(key, *handle);
        }
        Ok(compiled)
    }

    /// Parse `text` (so a broken template is reported when its resource loads).
    pub fn check(&self, name: &str, text: &[u8]) -> Result<(), RenderError> {
        self.check_with_helpers(name, text, &HelperSet::none())
    }

    /// Render `text` against `kvs` with Go's and confd's functions only.
    pub fn render(&self, name: &str, text: &[u8], kvs: &[Entry]) -> Result<Vec<u8>, RenderError> {
        self.render_with_helpers(name, text, kvs, &HelperSet::none())
    }

    /// Parse `text` allowing calls to `helpers`.
    pub fn check_with_helpers(&self, name: &str, text: &[u8], helpers: &Arc<HelperSet>) -> Result<(), RenderError> {
        self.with_live(|live, budget| {
            live.store.data_mut().helpers = Some(helpers.clone());
            Ok(Self::compiled(live, name, text, helpers, budget)?.map(|_| ()))
        })
    }

    /// Render `text` (parsed once per content and reused) against `kvs` (keys relative to the
    /// resource prefix), with calls to `helpers` routed to their libraries.
    pub fn render_with_helpers(
        &self,
        name: &str,
        text: &[u8],
        kvs: &[Entry],
        helpers: &Arc<HelperSet>,
    ) -> Result<Vec<u8>, RenderError> {
        self.with_live(|live, budget| {
            live.store.data_mut().helpers = Some(helpers.clone());
            let handle = match Self::compiled(live, name, text, helpers, budget)? {
                Ok(h) => h,
                Err(e) => return Ok(Err(e)),
            };
            budget.arm(&mut live.store)?;
            Ok(match &live.bindings {
                Bindings::Current(b) => b
                    .wconfd_plugin_renderer()
                    .template()
                    .call_render(&mut live.store, handle, kvs)?
                    .map_err(Self::from_wit),
                Bindings::V1(b) => {
                    let kvs: Vec<renderer_v1::wconfd::plugin::types::Kv> = kvs
                        .iter()
                        .map(|kv| renderer_v1::wconfd::plugin::types::Kv {
                            key: kv.key.clone(),
                            value: String::from_utf8_lossy(&kv.value).into_owned(),
                        })
                        .collect();
                    b.wconfd_plugin_renderer()
                        .template()
                        .call_render(&mut live.store, handle, &kvs)?
                        .map_err(Self::from_wit_v1)
                }
            })
        })
    }

    /// A slot of the pool nobody is using, else (all busy) one to wait for in turn.
    fn free_instance(&self) -> std::sync::MutexGuard<'_, Option<Live>> {
        for slot in &self.pool {
            match slot.try_lock() {
                Ok(guard) => return guard,
                Err(std::sync::TryLockError::Poisoned(e)) => return e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.pool.len();
        self.pool[turn].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Peak linear memory of the largest instance, in bytes (0 if there is none yet).
    pub fn peak_memory_bytes(&self) -> usize {
        self.pool
            .iter()
            .map(|slot| {
                let guard = slot.lock().unwrap_or_else(|e| e.into_inner());
                guard.as_ref().map(|l| l.store.data().limits.peak_memory).unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }

    /// How many instances exist now (made on first need, up to the pool's bound).
    pub fn instances(&self) -> usize {
        self.pool
            .iter()
            .filter(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).is_some())
            .count()
    }

    /// Drop every instance (the next call starts a fresh one).
    pub fn reset(&self) {
        for slot in &self.pool {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// The plugin's own description (`describe`).
    pub fn describe(&self) -> Result<String, RenderError> {
        self.with_live(|live, budget| {
            budget.arm(&mut live.store)?;
            Ok(Ok(match &live.bindings {
                Bindings::Current(b) => b.wconfd_plugin_renderer().call_describe(&mut live.store)?,
                Bindings::V1(b) => b.wconfd_plugin_renderer().call_describe(&mut live.store)?,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::plugin::{Limits, LoadOptions, Plugins};

    #[test]
    fn a_render_while_an_instance_is_busy_runs_in_another() {
        let plugins = Plugins::load(&LoadOptions {
            limits: Limits {
                instances: 2,
                ..Limits::default()
            },
            ..Default::default()
        });
        let renderer = plugins.renderer("gotemplate").unwrap();
        assert_eq!(renderer.pool.len(), 2);
        // Instance 0 is busy (another resource's render holds it): this render must not wait.
        let busy = renderer.pool[0].lock().unwrap();
        let out = renderer.render("t", b"{{add 1 2}}", &[]).unwrap();
        assert_eq!(out, b"3");
        assert!(busy.is_none(), "the busy slot was left alone");
        drop(busy);
        assert_eq!(renderer.instances(), 1, "the render made a second slot's instance");
        assert!(renderer.pool[1].lock().unwrap().is_some());
        // Alone again, renders go back to the first free slot.
        assert_eq!(renderer.render("t", b"{{add 2 2}}", &[]).unwrap(), b"4");
        assert_eq!(renderer.instances(), 2);
    }
}
