//! Limits and grants for plugin instances: what a plugin may use and how much.
//!
//! Every limit bounds something a plugin (guest) controls. Grants default to confd's
//! behaviour for the built-in renderer (templates may read the environment, test files and
//! resolve names); a tenant's or vendor's plugin can be given less.

use std::time::Duration;

/// Resource limits for one plugin instance.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory cap. A render of 20,000 keys uses a few MiB of heap beside the renderer's
    /// 72 MiB stack reservation; 384 MiB leaves room for unusual templates (a value at the
    /// engine's 64 MiB limit needs about three times that while it is built) and stops a
    /// runaway guest long before it hurts the host.
    pub memory_bytes: usize,
    /// Wall-clock budget for one call (compile, render, a backend read), enforced by epoch
    /// interruption.
    pub call_timeout: Duration,
    /// Budget for one backend `watch` call: a long-poll waits on the server on purpose.
    pub watch_timeout: Duration,
    /// Parsed templates kept in one instance before it is recycled (templates change on
    /// SIGHUP and interval passes; old handles would otherwise accumulate).
    pub max_templates: usize,
    /// Budget for one helper function call: helpers compute small things, so a call that
    /// takes seconds is a loop, and it should fail its render well before the render's own
    /// budget runs out.
    pub helper_call_timeout: Duration,
    /// Largest value a helper may return (its nodes and text): a template cannot use more,
    /// and the renderer must hold it.
    pub max_value_bytes: usize,
    /// Renderer instances that may run at once (renders of different resources in parallel);
    /// each is made on first need.
    pub instances: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 384 << 20,
            call_timeout: Duration::from_secs(10),
            watch_timeout: Duration::from_secs(300),
            max_templates: 1024,
            helper_call_timeout: Duration::from_secs(2),
            max_value_bytes: 16 << 20,
            instances: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(4),
        }
    }
}

/// How often the epoch advances; the call deadline is counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Which environment variables a plugin may read through `getenv`.
#[derive(Clone, Debug)]
pub enum EnvGrant {
    /// All of the process environment (confd's `getenv`).
    All,
    /// Only these names.
    Only(Vec<String>),
    /// None.
    Nothing,
}

/// What a plugin may ask of the outside world through the host interface.
#[derive(Clone, Debug)]
pub struct Grants {
    /// `getenv`.
    pub env: EnvGrant,
    /// `fileExists`.
    pub file_exists: bool,
    /// `lookupIP`, `lookupSRV`.
    pub dns: bool,
}

impl Grants {
    /// confd's behaviour: everything a confd template could see.
    pub fn confd_compatible() -> Self {
        Grants {
            env: EnvGrant::All,
            file_exists: true,
            dns: true,
        }
    }

    /// Nothing at all.
    pub fn none() -> Self {
        Grants {
            env: EnvGrant::Nothing,
            file_exists: false,
            dns: false,
        }
    }
}

/// A store's resource limiter: wasmtime's `StoreLimits`, plus the peak linear memory the
/// instance asked for (reported by benchmarks, and per plugin as the `plugin_peak_memory_bytes`
/// metric).
pub struct Limiter {
    inner: wasmtime::StoreLimits,
    /// The plugin the instance runs, for the metric.
    plugin: std::sync::Arc<str>,
    /// Largest linear memory size granted so far, in bytes.
    pub peak_memory: usize,
}

impl Limiter {
    /// A limiter enforcing `limits` on an instance of `plugin`.
    pub fn new(plugin: std::sync::Arc<str>, limits: &Limits) -> Self {
        let inner = wasmtime::StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build();
        Limiter {
            inner,
            plugin,
            peak_memory: 0,
        }
    }
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let granted = self.inner.memory_growing(current, desired, maximum)?;
        // Memory only grows, and rarely (a few times per instance): the metric costs nothing
        // on the render path.
        if granted && desired > self.peak_memory {
            self.peak_memory = desired;
            crate::metrics::get().plugin_memory(&self.plugin, desired);
        }
        Ok(granted)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.memory_grow_failed(error)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}
