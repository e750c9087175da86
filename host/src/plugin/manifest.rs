//! Plugin manifests: a small TOML file beside each `.wasm` naming the plugin, its kind, the
//! WIT version it was built against and the sha256 of its code.
//!
//! ```toml
//! name = "gotemplate"
//! kind = "renderer"
//! wit = "wconfd:plugin@0.3.0"
//! wasm = "gotemplate.wasm"   # default: the manifest's name with .wasm
//! sha256 = "4f9c..."
//! ```
//!
//! A renderer may declare what it needs of the host (a `[grants]` table, as in a tenant file);
//! it then gets that, within what its owner (the operator, or the tenant whose directory it is
//! in) allows. Without the table, a renderer gets its owner's grants.
//!
//! A backend plugin (`kind = "backend"`, `wit = "wconfd:plugin@0.2.0"`) may add the nodes it
//! talks to when the operator gives none, and default options:
//!
//! ```toml
//! nodes = ["http://rancher-metadata"]
//! [options]
//! max_wait = "10"
//! ```

use super::bindings::{BACKEND_WITS, HELPERS_WIT, RENDERER_WITS};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What a plugin provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A template engine (`renderer` world).
    Renderer,
    /// A key/value backend (`backend` world; a later WIT version).
    Backend,
    /// Template helper functions (`helpers` world; a later WIT version).
    Helpers,
}

/// A parsed, verified manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// Plugin name (resources select renderers by it).
    pub name: String,
    /// What it provides.
    pub kind: Kind,
    /// The `.wasm` file.
    pub wasm_path: PathBuf,
    /// Its code, already checked against `sha256`.
    pub wasm: Vec<u8>,
    /// The code's sha256 (hex), as the manifest states it.
    pub sha256: String,
    /// Backends: where requests may go when no `-node` is given.
    pub nodes: Vec<String>,
    /// Backends: default `key = value` options.
    pub options: Vec<(String, String)>,
    /// Renderers: what it declares it needs of the host (`None`: no `[grants]` table).
    pub grants: Option<super::Grants>,
}

impl Kind {
    /// The WIT package versions plugins of this kind may be built against, newest first.
    pub fn wit_versions(self) -> &'static [&'static str] {
        match self {
            Kind::Renderer => RENDERER_WITS,
            Kind::Backend => BACKEND_WITS,
            Kind::Helpers => std::slice::from_ref(&HELPERS_WIT),
        }
    }

    /// The interface a plugin of this kind exports (`renderer`, `backend`, `helpers`).
    pub fn export_interface(self) -> &'static str {
        match self {
            Kind::Renderer => "renderer",
            Kind::Backend => "backend",
            Kind::Helpers => "helpers",
        }
    }

    /// The version `wasm` was built against: the first of [`Kind::wit_versions`] whose export
    /// name (`wconfd:plugin/renderer@0.1.0`) appears in the component (export names are stored
    /// as plain text), else the newest.
    pub fn detect_wit_version(self, wasm: &[u8]) -> &'static str {
        let versions = self.wit_versions();
        versions
            .iter()
            .find(|v| {
                let (_, version) = v.rsplit_once('@').unwrap_or_default();
                let export = format!("wconfd:plugin/{}@{version}", self.export_interface());
                wasm.windows(export.len()).any(|w| w == export.as_bytes())
            })
            .unwrap_or(&versions[0])
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Renderer => "renderer",
            Kind::Backend => "backend",
            Kind::Helpers => "helpers",
        }
    }
}

/// Why a plugin was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The manifest or the `.wasm` could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest is not valid.
    #[error("{}: {message}", crate::toml_lines::at(.path, *.line))]
    Invalid {
        /// The manifest.
        path: PathBuf,
        /// The line of the key (or of the syntax error), when known.
        line: Option<usize>,
        /// What is wrong (with the key).
        message: String,
    },
    /// Built against a WIT version this host does not implement.
    #[error("{path}: plugin {name:?} was built for {found}, this wconfd implements {expected} for {kind} plugins")]
    Version {
        /// The manifest.
        path: PathBuf,
        /// The plugin.
        name: String,
        /// Its kind.
        kind: &'static str,
        /// The version it names.
        found: String,
        /// The version this host implements for that kind.
        expected: String,
    },
    /// The code does not match the manifest's hash.
    #[error("{path}: plugin {name:?}: sha256 of {wasm} is {actual}, the manifest says {expected}")]
    Hash {
        /// The manifest.
        path: PathBuf,
        /// The plugin.
        name: String,
        /// The `.wasm`.
        wasm: String,
        /// What the manifest says.
        expected: String,
        /// What the file hashes to.
        actual: String,
    },
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest text for `wasm` (what `wconfd plugin manifest` prints).
pub fn render_manifest(name: &str, kind: Kind, wasm_file: &str, wasm: &[u8]) -> String {
    let wit = kind.detect_wit_version(wasm);
    format!(
        "name = {name:?}\nkind = {:?}\nwit = {wit:?}\nwasm = {wasm_file:?}\nsha256 = {:?}\n",
        kind.as_str(),
        sha256_hex(wasm)
    )
}

/// The key a grants error names (`key 'grants.file_exists': ...`), else `grants`.
pub(crate) fn grant_key(why: &str) -> &str {
    why.strip_prefix("key '")
        .and_then(|rest| rest.split_once('\''))
        .map(|(key, _)| key)
        .unwrap_or("grants")
}

/// The kind named `s` in a manifest or on the command line.
pub fn parse_kind(s: &str) -> Option<Kind> {
    match s {
        "renderer" => Some(Kind::Renderer),
        "backend" => Some(Kind::Backend),
        "helpers" => Some(Kind::Helpers),
        _ => None,
    }
}

/// Read and verify the manifest at `path` (and the `.wasm` it names).
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|e| ManifestError::Read {
        path: path.into(),
        source: e,
    })?;
    // An error about `key`, on the line the key is written on.
    let invalid_key = |key: &str, message: String| ManifestError::Invalid {
        path: path.into(),
        line: crate::toml_lines::key_line(&text, key),
        message,
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| ManifestError::Invalid {
        path: path.into(),
        line: e.span().map(|s| crate::toml_lines::line_of(&text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let field = |key: &str| -> Result<Option<String>, ManifestError> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(invalid_key(
                key,
                format!("key '{key}': expected a string, found {}", v.type_str()),
            )),
        }
    };
    let required = |key: &str| {
        field(key)?.ok_or_else(|| ManifestError::Invalid {
            path: path.into(),
            line: None,
            message: format!("missing key '{key}'"),
        })
    };
    let name = required("name")?;
    let kind_text = required("kind")?;
    let kind = parse_kind(&kind_text).ok_or_else(|| {
        invalid_key(
            "kind",
            format!("key 'kind': unknown kind {kind_text:?} (renderer, backend, helpers)"),
        )
    })?;
    let wit = required("wit")?;
    if !kind.wit_versions().contains(&wit.as_str()) {
        return Err(ManifestError::Version {
            path: path.into(),
            name,
            kind: kind.as_str(),
            found: wit,
            expected: kind.wit_versions().join(" or "),
        });
    }
    let nodes = match table.get("nodes") {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid_key("nodes", "key 'nodes': expected a list of strings".into()))?,
        Some(v) => {
            return Err(invalid_key(
                "nodes",
                format!("key 'nodes': expected a list, found {}", v.type_str()),
            ))
        }
    };
    let options = match table.get("options") {
        None => Vec::new(),
        Some(toml::Value::Table(t)) => t
            .iter()
            .map(|(k, v)| match v {
                toml::Value::String(s) => Ok((k.clone(), s.clone())),
                toml::Value::Integer(_) | toml::Value::Boolean(_) | toml::Value::Float(_) => {
                    Ok((k.clone(), v.to_string()))
                }
                other => Err(invalid_key(
                    &format!("options.{k}"),
                    format!("key 'options.{k}': expected a string, found {}", other.type_str()),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(v) => {
            return Err(invalid_key(
                "options",
                format!("key 'options': expected a table, found {}", v.type_str()),
            ))
        }
    };
    let grants = match table.get("grants") {
        None => None,
        Some(v) => Some(
            v.clone()
                .try_into::<super::limits::GrantsTable>()
                .map_err(|e| invalid_key("grants", format!("key 'grants': {}", e.message().trim())))?
                .grants()
                .map_err(|why| {
                    let key = grant_key(&why).to_owned();
                    invalid_key(&key, why)
                })?,
        ),
    };
    let expected = required("sha256")?.to_ascii_lowercase();
    let wasm_file = match field("wasm")? {
        Some(w) => w,
        None => format!("{}.wasm", path.file_stem().unwrap_or_default().to_string_lossy()),
    };
    let wasm_path = path.parent().unwrap_or(Path::new(".")).join(&wasm_file);
    let wasm = std::fs::read(&wasm_path).map_err(|e| ManifestError::Read {
        path: wasm_path.clone(),
        source: e,
    })?;
    let actual = sha256_hex(&wasm);
    if actual != expected {
        return Err(ManifestError::Hash {
            path: path.into(),
            name,
            wasm: wasm_file,
            expected,
            actual,
        });
    }
    Ok(Manifest {
        name,
        kind,
        wasm_path,
        wasm,
        sha256: actual,
        nodes,
        options,
        grants,
    })
}
