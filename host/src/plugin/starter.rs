//! `wconfd plugin new backend|helpers|renderer NAME`: a buildable starter project.
//!
//! The project carries its own copy of the WIT contract it builds against (and, for backends
//! and helper libraries, of the SDK, `plugins/sdk`), so it builds anywhere with
//! `cargo build --target wasm32-wasip2`.

use std::path::Path;

use super::manifest::Kind;

/// The SDK and the WIT version it generates bindings for.
const SDK: &[(&str, &str)] = &[
    (
        "wit/v0.3.0/wconfd-plugin.wit",
        include_str!("../../../wit/v0.3.0/wconfd-plugin.wit"),
    ),
    (
        "wconfd-plugin-sdk/src/lib.rs",
        include_str!("../../../plugins/sdk/src/lib.rs"),
    ),
    (
        "wconfd-plugin-sdk/src/helpers.rs",
        include_str!("../../../plugins/sdk/src/helpers.rs"),
    ),
    (
        "wconfd-plugin-sdk/src/http.rs",
        include_str!("../../../plugins/sdk/src/http.rs"),
    ),
    (
        "wconfd-plugin-sdk/src/flatten.rs",
        include_str!("../../../plugins/sdk/src/flatten.rs"),
    ),
];

/// The SDK's manifest outside wconfd's workspace (same dependencies, pinned as wconfd pins
/// them).
const SDK_MANIFEST: &str = r#"[package]
name = "wconfd-plugin-sdk"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
wit-bindgen = { version = "0.63", default-features = false, features = ["macros", "realloc"] }
wasip2 = "2.0.1"
serde_json = "1"
base64 = "0.22"
"#;

/// (path in the project, contents) for each kind; `@NAME@` and `@CRATE@` are replaced.
const BACKEND: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../starter/backend/Cargo.toml.in")),
    ("src/lib.rs", include_str!("../../starter/backend/src/lib.rs.in")),
];
const HELPERS: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../starter/helpers/Cargo.toml.in")),
    ("src/lib.rs", include_str!("../../starter/helpers/src/lib.rs.in")),
];
const RENDERER: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../starter/renderer/Cargo.toml.in")),
    ("src/lib.rs", include_str!("../../starter/renderer/src/lib.rs.in")),
    (
        "wit/v0.3.0/wconfd-plugin.wit",
        include_str!("../../../wit/v0.3.0/wconfd-plugin.wit"),
    ),
];

/// Write a `kind` plugin project called `name` into `dir` (which must not exist yet).
pub fn new_project(kind: Kind, dir: &Path, name: &str) -> Result<(), String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("{name:?}: a plugin name is letters, digits, '-' and '_'"));
    }
    if dir.exists() {
        return Err(format!("{}: already exists", dir.display()));
    }
    let krate = name.replace('-', "_");
    let fill = |text: &str| text.replace("@NAME@", name).replace("@CRATE@", &krate);
    let (own, sdk) = match kind {
        Kind::Backend => (BACKEND, true),
        Kind::Helpers => (HELPERS, true),
        Kind::Renderer => (RENDERER, false),
    };
    let mut files: Vec<(String, String)> = own.iter().map(|(p, t)| (p.to_string(), fill(t))).collect();
    if sdk {
        files.extend(SDK.iter().map(|(p, t)| (p.to_string(), t.to_string())));
        files.push(("wconfd-plugin-sdk/Cargo.toml".into(), SDK_MANIFEST.into()));
    }
    for (path, text) in &mut files {
        if path.starts_with("wconfd-plugin-sdk/src/") {
            // In wconfd's tree the SDK sits two levels below the WIT; here one.
            *text = text.replace("\"../../wit/", "\"../wit/");
        }
    }
    for (path, text) in files {
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}
