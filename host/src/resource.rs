//! Template resources: `conf.d/**/*.toml`, each naming a template, a destination, the keys it
//! reads and the commands to run.
//!
//! Key and prefix rules are confd's: a non-empty global prefix replaces the resource's, `/` is
//! prepended, every key is `path.Join(prefix, key)`, and templates see keys relative to the
//! prefix. Loading a directory never stops at a broken file: each file is loaded on its own and
//! the broken ones come back as errors beside the good resources.

use crate::toml_lines::line_of;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One template resource, ready to process.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The TOML file it came from.
    pub toml_path: PathBuf,
    /// `src` joined under `confdir/templates`.
    pub src: PathBuf,
    /// The template text (read at load time, so SIGHUP picks up changes).
    pub template_text: Vec<u8>,
    /// Destination file.
    pub dest: PathBuf,
    /// Effective prefix (always starts with `/`).
    pub prefix: String,
    /// Keys as written in the TOML.
    pub keys: Vec<String>,
    /// `path.Join(prefix, key)` for each key.
    pub prefixed_keys: Vec<String>,
    /// Permission bits; `None` keeps the destination's mode (0644 for a new file).
    pub mode: Option<u32>,
    /// Owner; `None` is the effective uid.
    pub uid: Option<u32>,
    /// Group; `None` is the effective gid.
    pub gid: Option<u32>,
    /// Command checking the staged file (`{{.src}}` is its path).
    pub check_cmd: Option<String>,
    /// Command run after the destination changed (`{{.src}}`, `{{.dest}}`).
    pub reload_cmd: Option<String>,
    /// Renderer plugin name (wconfd extension; default `gotemplate`).
    pub renderer: String,
    /// Helper libraries the template may call (wconfd extension; default: `-helpers`).
    pub helpers: Vec<String>,
    /// Time limit for this resource's commands (wconfd extension; zero: none; default:
    /// `-command-timeout`).
    pub command_timeout: Option<std::time::Duration>,
    /// Quiescence before rendering after a change (watch mode; wconfd extension).
    pub wait: Option<crate::config::duration::Wait>,
    /// Least time between two updates (and so reloads) of this resource (wconfd extension).
    pub min_reload_interval: Option<std::time::Duration>,
    /// The tenant the resource belongs to (`None`: the operator's own confdir).
    pub tenant: Option<std::sync::Arc<crate::tenant::Tenant>>,
}

impl Resource {
    /// How log lines name the resource: its file, after its tenant's name if it has one.
    pub fn label(&self) -> String {
        match &self.tenant {
            Some(t) => format!("tenant {}: {}", t.name, self.toml_path.display()),
            None => self.toml_path.display().to_string(),
        }
    }
}

impl Resource {
    /// The name templates are parsed under: the base name of `src`, as confd does.
    pub fn template_name(&self) -> String {
        self.src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Why a resource could not be loaded. Each names the file and, where there is one, the line
/// and key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The TOML file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML.
    #[error("Cannot process template resource {path} - line {line}: {message}")]
    Syntax {
        /// The TOML file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A key is missing or has a bad value.
    #[error("Cannot process template resource {path} - line {line}: key '{key}': {message}")]
    Key {
        /// The TOML file.
        path: PathBuf,
        /// 1-based line (0 when the key is missing).
        line: usize,
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The template file is missing.
    #[error("Missing template: {template}")]
    MissingTemplate {
        /// The resource's TOML file.
        path: PathBuf,
        /// The template it names.
        template: PathBuf,
    },
    /// The template file could not be read.
    #[error("cannot read template {path}: {source}")]
    TemplateRead {
        /// The template.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl ResourceError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ResourceError::Read { path, .. }
            | ResourceError::Syntax { path, .. }
            | ResourceError::Key { path, .. }
            | ResourceError::TemplateRead { path, .. }
            | ResourceError::MissingTemplate { path, .. } => path,
        }
    }
}

/// Global settings a resource needs to resolve itself.
#[derive(Clone, Debug, Default)]
pub struct Defaults {
    /// `-prefix` (replaces the resource prefix when non-empty).
    pub prefix: String,
    /// `confdir/templates`.
    pub template_dir: PathBuf,
    /// `-wait`, for resources that set none.
    pub wait: Option<crate::config::duration::Wait>,
    /// `-min-reload-interval`, for resources that set none.
    pub min_reload_interval: Option<std::time::Duration>,
    /// `-helpers`, for resources that name none.
    pub helpers: Vec<String>,
}

/// What loading `conf.d` found: the good resources and, separately, each broken file.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Resources that loaded.
    pub resources: Vec<Resource>,
    /// Files that did not, with why.
    pub errors: Vec<ResourceError>,
    /// Non-fatal findings (unknown keys), each naming file, line and key.
    pub warnings: Vec<String>,
}

/// Every `*toml` file under `dir`, recursively, in lexical order (confd's walk). Symlinked
/// directories are not followed, as in confd.
pub fn find_toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type()?;
        let p = e.path();
        if ft.is_dir() {
            out.extend(find_toml_files(&p)?);
        } else if e.file_name().to_string_lossy().ends_with("toml") {
            out.push(p);
        }
    }
    Ok(out)
}

/// Load every resource under `conf_d`.
pub fn load_dir(conf_d: &Path, defaults: &Defaults) -> std::io::Result<Loaded> {
    let mut loaded = Loaded::default();
    for path in find_toml_files(conf_d)? {
        match load_file(&path, defaults) {
            Ok((r, warnings)) => {
                loaded.resources.push(r);
                loaded.warnings.extend(warnings);
            }
            Err(e) => loaded.errors.push(e),
        }
    }
    Ok(loaded)
}

const KNOWN_KEYS: &[&str] = &[
    "src",
    "dest",
    "keys",
    "prefix",
    "mode",
    "uid",
    "gid",
    "owner",
    "group",
    "check_cmd",
    "reload_cmd",
    "renderer",
    "helpers",
    "command_timeout",
    "wait",
    "min_reload_interval",
];

/// Load one resource file.
pub fn load_file(path: &Path, defaults: &Defaults) -> Result<(Resource, Vec<String>), ResourceError> {
    let text = std::fs::read_to_string(path).map_err(|e| ResourceError::Read {
        path: path.into(),
        source: e,
    })?;
    let syntax = |e: toml::de::Error| ResourceError::Syntax {
        path: path.into(),
        line: e.span().map(|s| line_of(&text, s.start)).unwrap_or(0),
        message: e.message().trim().to_string(),
    };
    let doc: BTreeMap<String, toml::Spanned<toml::Value>> = toml::from_str(&text).map_err(syntax)?;
    let mut warnings = Vec::new();
    #[derive(serde::Deserialize)]
    struct Doc {
        template: BTreeMap<String, toml::Spanned<toml::Value>>,
    }
    let (table, tline) = match doc.get("template") {
        Some(t) if matches!(t.get_ref(), toml::Value::Table(_)) => {
            for (k, v) in &doc {
                if k != "template" {
                    warnings.push(format!(
                        "{}:{}: unknown key '{k}' ignored",
                        path.display(),
                        line_of(&text, v.span().start)
                    ));
                }
            }
            (
                toml::from_str::<Doc>(&text).map_err(syntax)?.template,
                line_of(&text, t.span().start),
            )
        }
        Some(t) => {
            return Err(ResourceError::Key {
                path: path.into(),
                line: line_of(&text, t.span().start),
                key: "template".into(),
                message: "expected a table".into(),
            })
        }
        // Some published confd examples leave out the [template] header; confd then fails
        // with "empty src template". Read the keys from the top level instead, and say so.
        None if doc.contains_key("src") => {
            warnings.push(format!(
                "{}: no [template] table; reading the resource from the top level",
                path.display()
            ));
            (doc, 1)
        }
        None => {
            return Err(ResourceError::Key {
                path: path.into(),
                line: 0,
                key: "template".into(),
                message: "missing [template] table".into(),
            })
        }
    };
    for (k, v) in &table {
        if !KNOWN_KEYS.contains(&k.as_str()) {
            warnings.push(format!(
                "{}:{}: unknown key '{k}' in [template] ignored",
                path.display(),
                line_of(&text, v.span().start)
            ));
        }
    }
    let err = |key: &str, line: usize, message: String| ResourceError::Key {
        path: path.into(),
        line,
        key: key.into(),
        message,
    };
    let line_for = |key: &str| table.get(key).map(|v| line_of(&text, v.span().start)).unwrap_or(tline);
    let string = |key: &str| -> Result<Option<String>, ResourceError> {
        match table.get(key).map(|v| v.get_ref()) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(err(
                key,
                line_for(key),
                format!("expected a string, found {}", v.type_str()),
            )),
        }
    };
    let int = |key: &str| -> Result<Option<u32>, ResourceError> {
        match table.get(key).map(|v| v.get_ref()) {
            None => Ok(None),
            Some(toml::Value::Integer(n)) if *n >= 0 && *n <= u32::MAX as i64 => Ok(Some(*n as u32)),
            Some(v) => Err(err(
                key,
                line_for(key),
                format!("expected a non-negative integer, found {}", v),
            )),
        }
    };
    let src = string("src")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("src", tline, "empty src template".into()))?;
    let dest = string("dest")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("dest", tline, "missing dest".into()))?;
    let string_array = |key: &str| -> Result<Option<Vec<String>>, ResourceError> {
        let Some(v) = table.get(key).map(|v| v.get_ref()) else {
            return Ok(None);
        };
        let wrong = |found: String| {
            err(
                key,
                line_for(key),
                format!("expected an array of strings, found {found}"),
            )
        };
        let toml::Value::Array(a) = v else {
            return Err(wrong(v.type_str().to_string()));
        };
        a.iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s.clone()),
                v => Err(wrong(format!("an element of type {}", v.type_str()))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let keys = string_array("keys")?.unwrap_or_default();
    let mode = match string("mode")? {
        None => None,
        Some(m) if m.is_empty() => None,
        Some(m) => Some(parse_mode(&m).ok_or_else(|| {
            err(
                "mode",
                line_for("mode"),
                format!("invalid file mode {m:?} (use octal, e.g. \"0644\")"),
            )
        })?),
    };
    let mut uid = int("uid")?;
    let mut gid = int("gid")?;
    // confd ignores owner/group entirely, so confdirs carry `owner = "nginx"` from its docs
    // onto hosts without that user: names that resolve are honoured, the rest are warned about.
    for (key, id) in [("owner", &mut uid), ("group", &mut gid)] {
        let Some(name) = string(key)? else { continue };
        let (what, id_key, found) = if key == "owner" {
            (
                "user",
                "uid",
                nix::unistd::User::from_name(&name)
                    .ok()
                    .flatten()
                    .map(|u| u.uid.as_raw()),
            )
        } else {
            (
                "group",
                "gid",
                nix::unistd::Group::from_name(&name)
                    .ok()
                    .flatten()
                    .map(|g| g.gid.as_raw()),
            )
        };
        match found {
            Some(n) if id.is_some_and(|x| x != n) => {
                let msg = format!("{what} {name:?} is {id_key} {n} but {id_key} is {}", id.unwrap_or(0));
                return Err(err(key, line_for(key), msg));
            }
            Some(n) => *id = Some(n),
            None => warnings.push(format!(
                "{}:{}: key '{key}': unknown {what} {name:?}; ownership left to {id_key}",
                path.display(),
                line_for(key)
            )),
        }
    }
    // confd: a non-empty global prefix replaces the resource's own.
    let mut prefix = if defaults.prefix.is_empty() {
        string("prefix")?.unwrap_or_default()
    } else {
        defaults.prefix.clone()
    };
    if !prefix.starts_with('/') {
        prefix.insert(0, '/');
    }
    let prefixed_keys = keys.iter().map(|k| clean_path(&format!("{prefix}/{k}"))).collect();
    // confd joins src under the templates dir even when it is absolute.
    let src_path = defaults.template_dir.join(src.trim_start_matches('/'));
    // Bytes, as Go reads them: a template need not be UTF-8.
    let template_text = match std::fs::read(&src_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ResourceError::MissingTemplate {
                path: path.into(),
                template: src_path,
            })
        }
        Err(e) => {
            return Err(ResourceError::TemplateRead {
                path: src_path,
                source: e,
            })
        }
    };
    let wait = match string("wait")? {
        None => defaults.wait,
        Some(w) => Some(crate::config::duration::parse_wait(&w).ok_or_else(|| {
            err(
                "wait",
                line_for("wait"),
                format!("invalid wait {w:?} (MIN[:MAX], e.g. \"2s:10s\")"),
            )
        })?),
    };
    let min_reload_interval = match string("min_reload_interval")? {
        None => defaults.min_reload_interval,
        Some(d) => Some(crate::config::duration::parse(&d).ok_or_else(|| {
            err(
                "min_reload_interval",
                line_for("min_reload_interval"),
                format!("invalid duration {d:?} (e.g. \"30s\")"),
            )
        })?),
    };
    let command_timeout = match string("command_timeout")? {
        None => None,
        Some(d) => Some(crate::config::duration::parse(&d).ok_or_else(|| {
            err(
                "command_timeout",
                line_for("command_timeout"),
                format!("invalid duration {d:?} (e.g. \"30s\", or \"0\" for no limit)"),
            )
        })?),
    };
    let resource = Resource {
        toml_path: path.into(),
        src: src_path,
        template_text,
        dest: PathBuf::from(dest),
        prefix,
        keys,
        prefixed_keys,
        mode,
        uid,
        gid,
        check_cmd: string("check_cmd")?.filter(|c| !c.is_empty()),
        reload_cmd: string("reload_cmd")?.filter(|c| !c.is_empty()),
        renderer: string("renderer")?
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "gotemplate".into()),
        helpers: string_array("helpers")?.unwrap_or_else(|| defaults.helpers.clone()),
        command_timeout,
        wait,
        min_reload_interval,
        tenant: None,
    };
    Ok((resource, warnings))
}

/// Parse a mode string as octal: `"644"`, `"0644"` and `"0o644"` are all 0644 (confd read
/// `"644"` as decimal and produced 0204; README: differences). `"0x1a4"` is accepted as hex.
pub fn parse_mode(s: &str) -> Option<u32> {
    let s = s.trim();
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()?
    } else {
        let o = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")).unwrap_or(s);
        u32::from_str_radix(o, 8).ok()?
    };
    (v <= 0o7777).then_some(v)
}

/// Go's `path.Clean`.
pub fn clean_path(p: &str) -> String {
    // Most keys are clean already (rooted, no empty, `.` or `..` segment, no trailing slash):
    // they come back as they are, without splitting.
    if p == "/"
        || p.strip_prefix('/')
            .is_some_and(|rest| rest.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != ".."))
    {
        return p.to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The key a template sees for backend key `key` under `prefix` (confd's `setVars`):
/// `path.Join("/", strings.TrimPrefix(key, prefix))`.
pub fn relative_key(prefix: &str, key: &str) -> String {
    clean_path(&format!("/{}", key.strip_prefix(prefix).unwrap_or(key)))
}

/// Substitute `{{.src}}` / `{{.dest}}` (with optional spaces, as Go templates allow) in a
/// command line.
pub fn expand_command(cmd: &str, src: &Path, dest: &Path) -> String {
    let mut out = String::with_capacity(cmd.len());
    let mut rest = cmd;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim().trim_start_matches('-').trim_end_matches('-').trim();
        match inner {
            ".src" => out.push_str(&src.to_string_lossy()),
            ".dest" => out.push_str(&dest.to_string_lossy()),
            _ => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_octal() {
        assert_eq!(parse_mode("644"), Some(0o644));
        assert_eq!(parse_mode("0644"), Some(0o644));
        assert_eq!(parse_mode("0o600"), Some(0o600));
        assert_eq!(parse_mode("0x1a4"), Some(0o644));
        assert_eq!(parse_mode("rw-"), None);
        assert_eq!(parse_mode("99999"), None);
    }

    #[test]
    fn keys_are_joined_and_made_relative_like_confd() {
        assert_eq!(clean_path("/myapp//services/web/"), "/myapp/services/web");
        // Go's path.Clean, including what the shortcut for clean keys must not take.
        for (dirty, clean) in [
            ("/a/b", "/a/b"),
            ("/", "/"),
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/..", "/"),
            ("/.", "/"),
            ("/a/", "/a"),
            ("", "."),
            ("a/b", "a/b"),
            ("/a/b/..", "/a"),
            ("/a/.b/..c", "/a/.b/..c"),
        ] {
            assert_eq!(clean_path(dirty), clean, "{dirty}");
        }
        assert_eq!(relative_key("/myapp", "/myapp/subdomain"), "/subdomain");
        // confd trims the prefix as a plain string.
        assert_eq!(relative_key("/production", "/productionfoo/x"), "/foo/x");
        assert_eq!(relative_key("/", "/a//b/"), "/a/b");
    }

    #[test]
    fn commands_expand_src_and_dest() {
        let c = expand_command(
            "nginx -t -c {{.src}} && cp {{ .src }} {{.dest}} {{.other}}",
            Path::new("/s"),
            Path::new("/d"),
        );
        assert_eq!(c, "nginx -t -c /s && cp /s /d {{.other}}");
    }
}
