//! Limits and grants for plugin instances: what a plugin may use and how much.
//!
//! Every limit bounds something a plugin (guest) controls. Grants default to confd's
//! behaviour for the built-in renderer (templates may read the environment, test files and
//! resolve names); a tenant's or vendor's plugin can be given less.

use std::sync::OnceLock;
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
            instances: default_instances(),
            fuel: None,
        }
    }
}

/// Renderer instances by default: one per CPU, at most 4. Counted once per process (the
/// count reads cgroup files).
pub fn default_instances() -> usize {
    static INSTANCES: OnceLock<usize> = OnceLock::new();
    *INSTANCES.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4)
    })
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

impl Grants {
    /// What both `self` and `other` allow: a plugin's grants are its owner's (the operator's
    /// or a tenant's) narrowed by what its manifest declares, so that nobody grants themselves
    /// more.
    pub fn intersect(&self, other: &Grants) -> Grants {
        let env = match (&self.env, &other.env) {
            (EnvGrant::Nothing, _) | (_, EnvGrant::Nothing) => EnvGrant::Nothing,
            (EnvGrant::All, e) | (e, EnvGrant::All) => e.clone(),
            (EnvGrant::Only(a), EnvGrant::Only(b)) => {
                EnvGrant::Only(a.iter().filter(|n| b.contains(n)).cloned().collect())
            }
        };
        let file_exists = match (&self.file_exists, &other.file_exists) {
            (PathGrant::Nothing, _) | (_, PathGrant::Nothing) => PathGrant::Nothing,
            (PathGrant::All, g) | (g, PathGrant::All) => g.clone(),
            (PathGrant::Under(a), PathGrant::Under(b)) => {
                // A directory both allow is one under a directory of the other.
                let mut both: Vec<_> = a
                    .iter()
                    .filter(|d| b.iter().any(|e| d.starts_with(e)))
                    .chain(b.iter().filter(|d| a.iter().any(|e| d.starts_with(e))))
                    .cloned()
                    .collect();
                both.sort();
                both.dedup();
                PathGrant::Under(both)
            }
        };
        Grants {
            env,
            file_exists,
            dns: self.dns && other.dns,
        }
    }
}

/// A `[grants]` table, as tenant files and plugin manifests write it:
///
/// ```toml
/// [grants]
/// env = ["REGION"]              # getenv of these names only
/// file_exists = ["/srv/team-a"] # fileExists under these directories (true: anywhere)
/// dns = true                    # lookupIP, lookupSRV
/// ```
///
/// Whatever is left out is denied.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GrantsTable {
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    file_exists: FileExistsGrant,
    #[serde(default)]
    dns: bool,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum FileExistsGrant {
    Anywhere(bool),
    Under(Vec<std::path::PathBuf>),
}

impl Default for FileExistsGrant {
    fn default() -> Self {
        FileExistsGrant::Anywhere(false)
    }
}

impl GrantsTable {
    /// The grants, or why not (naming the key).
    pub fn grants(self) -> Result<Grants, String> {
        let file_exists = match self.file_exists {
            FileExistsGrant::Anywhere(true) => PathGrant::All,
            FileExistsGrant::Anywhere(false) => PathGrant::Nothing,
            FileExistsGrant::Under(dirs) if dirs.iter().all(|d| d.is_absolute()) => PathGrant::Under(
                dirs.iter()
                    .map(|d| std::path::PathBuf::from(crate::resource::clean_path(&d.to_string_lossy())))
                    .collect(),
            ),
            FileExistsGrant::Under(_) => return Err("key 'grants.file_exists': give absolute directories".into()),
        };
        Ok(Grants {
            env: if self.env.is_empty() {
                EnvGrant::Nothing
            } else {
                EnvGrant::Only(self.env)
            },
            file_exists,
            dns: self.dns,
        })
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

    #[test]
    fn grants_narrow_to_what_both_sides_allow() {
        use super::{EnvGrant, Grants};
        let owner = Grants {
            env: EnvGrant::Only(vec!["A".into(), "B".into()]),
            file_exists: PathGrant::Under(vec!["/srv/a".into(), "/srv/c".into()]),
            dns: false,
        };
        let declared = Grants {
            env: EnvGrant::Only(vec!["B".into(), "C".into()]),
            file_exists: PathGrant::Under(vec!["/srv/a/x".into(), "/srv".into(), "/etc".into()]),
            dns: true,
        };
        let both = owner.intersect(&declared);
        assert!(matches!(&both.env, EnvGrant::Only(n) if n == &["B".to_string()]));
        assert!(matches!(&both.file_exists, PathGrant::Under(d)
            if d == &[PathBuf::from("/srv/a"), PathBuf::from("/srv/a/x"), PathBuf::from("/srv/c")]));
        assert!(!both.dns);
        let everything = Grants::confd_compatible().intersect(&owner);
        assert!(matches!(&everything.env, EnvGrant::Only(n) if n.len() == 2));
        assert!(matches!(
            Grants::none().intersect(&owner).file_exists,
            PathGrant::Nothing
        ));
    }
}
