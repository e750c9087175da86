//! Compiled plugin code, cached on disk so a run does not recompile a plugin-directory plugin.
//! (Built-in plugins need no cache: they are compiled when wconfd is built.)
//!
//! Entries are keyed by the sha256 of the `.wasm` and by wasmtime's compatibility hash of the
//! engine configuration (a `.cwasm` made under another configuration is refused at load).
//! Loading a `.cwasm` runs native code, so entries are only trusted when this user owns them
//! and nobody else can write them; anything else is recompiled.
//!
//! A cache directory that cannot be used (read-only, not creatable, not a directory) is not an
//! error: it is said once at debug level and compiled code is then kept in memory only (a
//! container or a fresh host is a normal place to run). A cache that is there but fails is said
//! once as a warning, because it costs a compile on every start until someone looks: an entry
//! that cannot be read or is not trusted, a write that fails for another reason (a full disk).

use crate::debug;
use crate::log::warn_once;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use wasmtime::component::Component;
use wasmtime::Engine;

/// Where compiled code is cached when no `-plugin-cache-dir` is given, first match wins:
/// systemd's `$CACHE_DIRECTORY` (a unit with `CacheDirectory=wconfd`), `$XDG_CACHE_HOME/wconfd`,
/// `/var/cache/wconfd` for root, `$HOME/.cache/wconfd` when `$HOME` is a real directory
/// (services often run with `HOME=/` or `/nonexistent`), else no cache.
pub fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dirs) = std::env::var("CACHE_DIRECTORY").ok().filter(|v| !v.is_empty()) {
        // systemd joins several CacheDirectory= entries with ':'; the first is ours.
        return dirs.split(':').next().map(PathBuf::from);
    }
    if let Some(xdg) = var("XDG_CACHE_HOME") {
        return Some(xdg.join("wconfd"));
    }
    if nix::unistd::geteuid().is_root() {
        return Some(PathBuf::from("/var/cache/wconfd"));
    }
    var("HOME")
        .filter(|h| h != Path::new("/") && h.is_dir())
        .map(|h| h.join(".cache").join("wconfd"))
}

fn engine_key(engine: &Engine) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("{:016x}", h.finish())
}

fn trusted(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) => m.uid() == nix::unistd::geteuid().as_raw() && m.mode() & 0o022 == 0,
        Err(_) => false,
    }
}

/// How a component was obtained (for logs and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled when wconfd was built (a built-in plugin).
    Precompiled,
    /// Loaded from the disk cache.
    Cache,
    /// Compiled now (and written to the cache if it is usable).
    Compiled,
}

/// The compiled-code cache for one load of the plugins.
pub struct Cache {
    /// `None` when there is no cache or it proved unusable.
    dir: Option<PathBuf>,
}

impl Cache {
    /// A cache in `dir` (`None`: compile in memory every time). Nothing is touched yet.
    pub fn new(dir: Option<&Path>) -> Cache {
        Cache {
            dir: dir.map(Path::to_path_buf),
        }
    }

    /// Load `wasm` as a component, through the cache when there is one.
    pub fn load(&mut self, engine: &Engine, wasm: &[u8], sha256: &str) -> wasmtime::Result<(Component, Origin)> {
        let Some(dir) = self.dir.clone() else {
            return Ok((Component::new(engine, wasm)?, Origin::Compiled));
        };
        let path = dir.join(format!("{sha256}-{}.cwasm", engine_key(engine)));
        if trusted(&path) {
            // SAFETY: the file is owned by this user and writable by nobody else, and it was
            // written by `Engine::precompile_component` for an engine with this configuration
            // (the compatibility hash is part of its name; wasmtime checks it again on load).
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(c) => return Ok((c, Origin::Cache)),
                Err(e) => warn_once(&format!(
                    "Plugin cache entry {} cannot be read ({e:#}); compiling the plugin again",
                    path.display()
                )),
            }
        } else if path.exists() {
            warn_once(&format!(
                "Plugin cache entry {} is not trusted (it must belong to this user and be writable by nobody else); compiling the plugin again",
                path.display()
            ));
        }
        let bytes = engine.precompile_component(wasm)?;
        if let Err(e) = store(&dir, &path, &bytes) {
            use std::io::ErrorKind::*;
            let msg = format!(
                "Plugin cache directory {} cannot be used ({e}); compiled plugin code is kept in memory only",
                dir.display()
            );
            match e.kind() {
                PermissionDenied | ReadOnlyFilesystem | NotADirectory | AlreadyExists => debug!("{msg}"),
                _ => warn_once(&msg),
            }
            self.dir = None;
        }
        // SAFETY: `bytes` was produced just now by `precompile_component` on this engine.
        let component = unsafe { Component::deserialize(engine, &bytes)? };
        Ok((component, Origin::Compiled))
    }
}

/// Write one entry atomically (a temporary file renamed into place).
fn store(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The smallest component there is (`(component)`): compiles at once even in debug builds.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";

    #[test]
    fn entries_are_trusted_only_when_ours_and_writable_by_nobody_else() {
        let engine = crate::plugin::engine().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let load = || {
            Cache::new(Some(dir.path()))
                .load(&engine, EMPTY_COMPONENT, "empty")
                .unwrap()
                .1
        };
        assert_eq!(load(), Origin::Compiled);
        assert_eq!(load(), Origin::Cache);
        let entry = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
        // Group- or world-writable: someone else could have put code there.
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(load(), Origin::Compiled, "a writable entry is recompiled");
        assert_eq!(
            std::fs::metadata(&entry).unwrap().mode() & 0o022,
            0,
            "and replaced by a safe one"
        );
        assert_eq!(load(), Origin::Cache);
        // Owned by another user (only root can hand a file away; CI runs as root).
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(&entry, Some(65534), None).unwrap();
            assert_eq!(load(), Origin::Compiled, "an entry owned by someone else is recompiled");
        }
        // A cache directory that cannot be created is no error: compile in memory.
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let mut cache = Cache::new(Some(&file));
        assert_eq!(
            cache.load(&engine, EMPTY_COMPONENT, "empty").unwrap().1,
            Origin::Compiled
        );
        assert!(cache.dir.is_none());
    }
}
