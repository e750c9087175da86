//! Compiled plugin code, cached on disk so a onetime run does not recompile the renderer.
//!
//! Entries are keyed by the sha256 of the `.wasm` and by wasmtime's compatibility hash of the
//! engine configuration (a `.cwasm` made under another configuration is refused at load).
//! Loading a `.cwasm` runs native code, so entries are only trusted when this user owns them
//! and nobody else can write them; anything else is recompiled.

use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The default cache directory: `$XDG_CACHE_HOME/wconfd`, else `$HOME/.cache/wconfd`.
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .map(|d| d.join("wconfd"))
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
    /// Loaded from the disk cache.
    Cache,
    /// Compiled now (and written to the cache if it is usable).
    Compiled,
}

/// Load `wasm` as a component, through the cache in `dir` when there is one.
pub fn load(engine: &Engine, wasm: &[u8], sha256: &str, dir: Option<&Path>) -> wasmtime::Result<(Component, Origin)> {
    let Some(dir) = dir else {
        return Ok((Component::new(engine, wasm)?, Origin::Compiled));
    };
    let path = dir.join(format!("{sha256}-{}.cwasm", engine_key(engine)));
    if trusted(&path) {
        // SAFETY: the file is owned by this user and writable by nobody else, and it was
        // written by `Engine::precompile_component` for an engine with this configuration
        // (the compatibility hash is part of its name; wasmtime checks it again on load).
        if let Ok(c) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok((c, Origin::Cache));
        }
    }
    let bytes = engine.precompile_component(wasm)?;
    if std::fs::create_dir_all(dir).is_ok() {
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            use std::io::Write;
            if tmp.write_all(&bytes).is_ok() && tmp.as_file().sync_all().is_ok() {
                let _ = tmp.persist(&path);
            }
        }
    }
    // SAFETY: `bytes` was produced just now by `precompile_component` on this engine.
    let component = unsafe { Component::deserialize(engine, &bytes)? };
    Ok((component, Origin::Compiled))
}
