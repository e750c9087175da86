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
    /// Fuel for one renderer call (compile or render): a budget counted in WebAssembly
    /// instructions, so that a template stops at the same point on any machine and under any
    /// load. `None`: no fuel, only the time limit (fuel costs speed, so only instances given a
    /// budget run on the fuel-counting engine).
    pub fuel: Option<u64>,
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
            fuel: None,
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

/// Which paths a plugin may test with `fileExists` (a path outside the grant reads as absent).
#[derive(Clone, Debug)]
pub enum PathGrant {
    /// Any path (confd's `fileExists`).
    All,
    /// Paths under these directories, on path boundaries, both as written (after `.` and `..`
    /// are resolved) and after symlinks are resolved, so that a link inside cannot probe
    /// outside.
    Under(Vec<std::path::PathBuf>),
    /// None: `fileExists` is always false.
    Nothing,
}

impl PathGrant {
    /// Whether `path` may be tested.
    pub fn allows(&self, path: &std::path::Path) -> bool {
        let roots = match self {
            PathGrant::All => return true,
            PathGrant::Nothing => return false,
            PathGrant::Under(roots) => roots,
        };
        if !path.is_absolute() {
            return false;
        }
        let lexical = std::path::PathBuf::from(crate::resource::clean_path(&path.to_string_lossy()));
        let under = |p: &std::path::Path| roots.iter().any(|r| p.starts_with(r));
        if !under(&lexical) {
            return false;
        }
        // The nearest existing ancestor, with its links resolved, must stay inside too.
        let mut probe = lexical.as_path();
        loop {
            match probe.canonicalize() {
                Ok(real) => {
                    return roots
                        .iter()
                        .any(|r| r.canonicalize().is_ok_and(|root| real.starts_with(root)))
                }
                Err(_) => match probe.parent() {
                    Some(parent) => probe = parent,
                    None => return false,
                },
            }
        }
    }
}

/// What a plugin may ask of the outside world through the host interface.
#[derive(Clone, Debug)]
pub struct Grants {
    /// `getenv`.
    pub env: EnvGrant,
    /// `fileExists`.
    pub file_exists: PathGrant,
    /// `lookupIP`, `lookupSRV`.
    pub dns: bool,
}

impl Grants {
    /// confd's behaviour: everything a confd template could see.
    pub fn confd_compatible() -> Self {
        Grants {
            env: EnvGrant::All,
            file_exists: PathGrant::All,
            dns: true,
        }
    }

    /// Nothing at all.
    pub fn none() -> Self {
        Grants {
            env: EnvGrant::Nothing,
            file_exists: PathGrant::Nothing,
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

#[cfg(test)]
mod tests {
    use super::PathGrant;
    use std::path::{Path, PathBuf};

    #[test]
    fn a_path_grant_holds_on_path_boundaries_through_dots_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("granted");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(dir.path().join("granted-not")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("granted-not"), root.join("out")).unwrap();
        let grant = PathGrant::Under(vec![root.clone()]);
        assert!(grant.allows(&root.join("sub")));
        assert!(grant.allows(&root.join("sub/not-yet-there")));
        assert!(grant.allows(&root.join("sub/../sub")));
        assert!(!grant.allows(&dir.path().join("granted-not/x")));
        assert!(!grant.allows(&root.join("../granted-not")));
        assert!(!grant.allows(&root.join("out/x")), "a link inside leads outside");
        assert!(!grant.allows(Path::new("granted/sub")), "relative paths");
        assert!(PathGrant::All.allows(Path::new("/etc/passwd")));
        assert!(!PathGrant::Nothing.allows(&PathBuf::from(&root)));
    }
}
