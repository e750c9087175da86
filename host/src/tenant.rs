//! Tenants: teams or customers whose confdirs one daemon serves, each confined to the keys,
//! destinations and commands the operator gave it.
//!
//! A tenant is a file `<confdir>/tenants.d/<name>.toml` (the operator's confdir; no such
//! directory means no tenants and nothing changes):
//!
//! ```toml
//! confdir = "/srv/team-a/confd"   # its conf.d/ and templates/
//! prefixes = ["/team-a"]          # the only keys its resources may name
//! roots = ["/srv/team-a/out"]     # the only places its destinations may be
//! commands = true                 # may its resources have check_cmd/reload_cmd? (default: no)
//! user = "team-a"                 # commands run as this user and group (when wconfd is root)
//! group = "team-a"
//! plugins = "/srv/team-a/plugins" # its own .wasm (renderers, helpers, a backend), its alone
//!
//! [backend]                       # its own backend (confd.toml's backend keys); default: the
//! backend = "etcdv3"              # operator's, restricted to its prefixes
//! nodes = ["http://10.0.0.5:2379"]
//!
//! [limits]                        # its renderer instance's, instead of the global ones
//! memory = "128MiB"               # linear memory (the built-in renderer needs 80MiB or more)
//! render_time = "2s"              # time per compile or render
//! output = "1MiB"                 # largest destination
//! templates = 64                  # parsed templates kept
//! instances = 1                   # its renders that may run at once
//! min_reload_interval = "30s"     # least time between two updates of one of its resources
//! fuel = 500_000_000              # instructions per compile or render (deterministic)
//!
//! [grants]                        # what its templates may ask of the host; default: nothing
//! env = ["TEAM_A_REGION"]         # getenv of these names only
//! file_exists = ["/srv/team-a"]   # fileExists under these (true: anywhere; false: never)
//! dns = false                     # lookupIP, lookupSRV (false: always empty)
//! ```
//!
//! A tenant's resources render in instances of their own (no memory shared with another
//! tenant's, a trap discards only the tenant's), with the tenant's grants.
//!
//! Keys and commands are checked when a resource loads: a resource asking for more is refused,
//! naming the tenant and the resource, and the others run. Destinations are checked at load
//! and again at every write, after resolving `..` and symlinks, so a symlink planted in a root
//! cannot send a write elsewhere.

use crate::resource::Resource;
use crate::toml_lines::line_of;
use std::path::{Path, PathBuf};

/// One tenant's policy.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Its name (the file's stem), in every log line about its resources.
    pub name: String,
    /// Its confdir (`conf.d/`, `templates/`).
    pub confdir: PathBuf,
    /// Key prefixes its resources may read (path boundaries, as backends match keys).
    pub prefixes: Vec<String>,
    /// Directories its destinations must lie under (as given; resolved at each check).
    pub roots: Vec<PathBuf>,
    /// Whether its resources may run `check_cmd` and `reload_cmd`.
    pub commands: bool,
    /// `(uid, gid)` its commands run as; `None`: wconfd's own.
    pub run_as: Option<(u32, u32)>,
    /// What its templates may ask of the host (deny by default).
    pub grants: crate::plugin::Grants,
    /// Its renderer instances' limits.
    pub limits: crate::plugin::Limits,
    /// Largest destination its resources may write.
    pub max_output_bytes: Option<usize>,
    /// Least time between two updates of one of its resources (at least the resource's own).
    pub min_reload_interval: Option<std::time::Duration>,
    /// Its own plugin directory: plugins only its resources see, with its grants and limits.
    pub plugin_dir: Option<PathBuf>,
    /// Its own backend (`None`: the operator's); a backend plugin's requests may only go to
    /// the nodes given here.
    pub backend: Option<std::sync::Arc<crate::config::Config>>,
    /// A hash of its file: instances and connections made for it are told apart by it, so an
    /// edited file takes effect without mixing old and new policy.
    pub fingerprint: u64,
}

/// The confd.toml keys a tenant's `[backend]` may set: which backend and how to reach it.
const BACKEND_KEYS: &[&str] = &[
    "app-id",
    "auth-token",
    "auth-type",
    "backend",
    "backend-option",
    "basic-auth",
    "client-ca-keys",
    "client-cert",
    "client-insecure",
    "client-key",
    "file",
    "filter",
    "node",
    "password",
    "path",
    "redis-enable-notifications",
    "role-id",
    "scheme",
    "secret-id",
    "separator",
    "table",
    "user-id",
    "username",
];

/// The tenants configured under `<confdir>/tenants.d`, and each file that could not be read
/// (with why: file, line, key).
pub fn load_dir(confdir: &Path) -> (Vec<Tenant>, Vec<String>) {
    let dir = confdir.join("tenants.d");
    let Ok(files) = crate::resource::find_toml_files(&dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut tenants = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        match load_file(&path) {
            Ok(t) => tenants.push(t),
            Err(e) => errors.push(e),
        }
    }
    (tenants, errors)
}

fn load_file(path: &Path) -> Result<Tenant, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        confdir: PathBuf,
        prefixes: Vec<String>,
        roots: Vec<PathBuf>,
        #[serde(default)]
        commands: bool,
        user: Option<String>,
        group: Option<String>,
        plugins: Option<PathBuf>,
        backend: Option<std::collections::BTreeMap<String, toml::Spanned<toml::Value>>>,
        #[serde(default)]
        grants: crate::plugin::limits::GrantsTable,
        #[serde(default)]
        limits: LimitsFile,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct LimitsFile {
        memory: Option<String>,
        render_time: Option<String>,
        output: Option<String>,
        templates: Option<usize>,
        instances: Option<usize>,
        min_reload_interval: Option<String>,
        fuel: Option<u64>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f: File = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| line_of(&text, s.start));
        format!("{}:{}: {}", path.display(), line.unwrap_or(0), e.message().trim())
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // An error about `key`, naming the line it is written on.
    let bad = |key: &str, why: String| {
        let at = crate::toml_lines::at(path, crate::toml_lines::key_line(&text, key));
        format!("{at}: key '{key}': {why}")
    };
    if f.prefixes.is_empty() || f.prefixes.iter().any(|p| !p.starts_with('/')) {
        return Err(bad("prefixes", "give at least one, each starting with '/'".into()));
    }
    if f.roots.is_empty() || f.roots.iter().any(|r| !r.is_absolute()) {
        return Err(bad("roots", "give at least one absolute directory".into()));
    }
    let uid = match &f.user {
        None => None,
        Some(u) => Some(
            nix::unistd::User::from_name(u)
                .ok()
                .flatten()
                .ok_or_else(|| bad("user", format!("unknown user {u:?}")))?,
        ),
    };
    let gid = match &f.group {
        None => uid.as_ref().map(|u| u.gid.as_raw()),
        Some(g) => Some(
            nix::unistd::Group::from_name(g)
                .ok()
                .flatten()
                .ok_or_else(|| bad("group", format!("unknown group {g:?}")))?
                .gid
                .as_raw(),
        ),
    };
    let mut limits = crate::plugin::Limits::default();
    let size = |key: &str, v: &Option<String>| -> Result<Option<usize>, String> {
        v.as_deref()
            .map(|s| parse_size(s).ok_or_else(|| bad(key, format!("invalid size {s:?} (e.g. \"128MiB\")"))))
            .transpose()
    };
    let duration = |key: &str, v: &Option<String>| -> Result<Option<std::time::Duration>, String> {
        v.as_deref()
            .map(|s| {
                crate::config::duration::parse(s)
                    .ok_or_else(|| bad(key, format!("invalid duration {s:?} (e.g. \"2s\")")))
            })
            .transpose()
    };
    if let Some(m) = size("limits.memory", &f.limits.memory)? {
        limits.memory_bytes = m;
    }
    if let Some(t) = duration("limits.render_time", &f.limits.render_time)? {
        limits.call_timeout = t;
    }
    if let Some(n) = f.limits.templates {
        limits.max_templates = n.max(1);
    }
    if let Some(n) = f.limits.instances {
        limits.instances = n.clamp(1, 64);
    }
    if let Some(fuel) = f.limits.fuel {
        if fuel == 0 {
            return Err(bad("limits.fuel", "give a positive number of instructions".into()));
        }
        limits.fuel = Some(fuel);
    }
    let max_output_bytes = size("limits.output", &f.limits.output)?;
    let backend = match f.backend {
        None => None,
        Some(table) => Some(std::sync::Arc::new(backend_config(path, &text, table)?)),
    };
    let grants = f.grants.grants().map_err(|why| {
        let key = crate::plugin::manifest::grant_key(&why);
        format!(
            "{}: {why}",
            crate::toml_lines::at(path, crate::toml_lines::key_line(&text, key))
        )
    })?;
    let fingerprint = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        h.finish()
    };
    let min_reload_interval = duration("limits.min_reload_interval", &f.limits.min_reload_interval)?;
    let run_as = match (uid, gid) {
        (Some(u), Some(g)) => Some((u.uid.as_raw(), g)),
        (None, Some(g)) => Some((nix::unistd::geteuid().as_raw(), g)),
        _ => None,
    };
    Ok(Tenant {
        name,
        confdir: f.confdir,
        prefixes: f.prefixes.iter().map(|p| crate::resource::clean_path(p)).collect(),
        roots: f.roots,
        commands: f.commands,
        run_as,
        grants,
        limits,
        max_output_bytes,
        min_reload_interval,
        plugin_dir: f.plugins,
        backend,
        fingerprint,
    })
}

/// A tenant's `[backend]` as a configuration to connect with: confd.toml's backend keys (any
/// spelling confd.toml takes), everything else refused, naming file, line and key.
fn backend_config(
    path: &Path,
    text: &str,
    table: std::collections::BTreeMap<String, toml::Spanned<toml::Value>>,
) -> Result<crate::config::Config, String> {
    let mut layer = Vec::new();
    for (key, value) in table {
        let line = line_of(text, value.span().start);
        let bad = |why: &str| format!("{}:{line}: key 'backend.{key}': {why}", path.display());
        match crate::config::setting(&key, value.into_inner()) {
            Ok(Some((name, val))) if BACKEND_KEYS.contains(&name) => layer.push((name, val)),
            Ok(_) => {
                return Err(bad(
                    "not a backend setting (backend, nodes, scheme, credentials, TLS files, ...)",
                ))
            }
            Err(why) => return Err(bad(&why)),
        }
    }
    // Errors about the table as a whole name the line of its `[backend]` header.
    let table_at = crate::toml_lines::at(path, crate::toml_lines::key_line(text, "backend"));
    if !layer.iter().any(|(name, _)| *name == "backend") {
        return Err(format!("{table_at}: key 'backend.backend': name the tenant's backend"));
    }
    crate::config::resolve(&Vec::new(), &Vec::new(), &layer, path.to_path_buf(), Vec::new())
        .map_err(|e| format!("{table_at}: [backend]: {e}"))
}

/// `"128MiB"`, `"64KiB"`, `"1GiB"`, `"4096"` (bytes) as a byte count.
fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let n: usize = digits.parse().ok()?;
    let scale: usize = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

impl Tenant {
    /// Whether `resource` stays within this tenant's keys, destinations and commands.
    pub fn admit(&self, resource: &Resource) -> Result<(), String> {
        if let Some(key) = resource
            .prefixed_keys
            .iter()
            .find(|k| !self.prefixes.iter().any(|p| crate::backend::under(k, p)))
        {
            return Err(format!(
                "key {key} is outside the tenant's prefixes ({})",
                self.prefixes.join(", ")
            ));
        }
        if !self.commands && (resource.check_cmd.is_some() || resource.reload_cmd.is_some()) {
            return Err("the tenant may not run commands (check_cmd, reload_cmd)".into());
        }
        self.check_dest(&resource.dest)
    }

    /// Whether a write to `dest` stays under a root, with `..` and every symlink resolved now.
    /// The file itself is replaced by a rename, which never follows a symlink at `dest`, so
    /// what counts is the directory the stage file is created in.
    pub fn check_dest(&self, dest: &Path) -> Result<(), String> {
        let outside = || {
            format!(
                "destination {} is outside the tenant's roots ({})",
                dest.display(),
                self.roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let dir = match dest.parent() {
            Some(d) if dest.is_absolute() && !d.as_os_str().is_empty() => d,
            _ => return Err(outside()),
        };
        let real_dir = dir
            .canonicalize()
            .map_err(|e| format!("destination directory {}: {e}", dir.display()))?;
        let inside = self
            .roots
            .iter()
            .filter_map(|r| r.canonicalize().ok())
            .any(|root| real_dir.starts_with(&root));
        if inside && dest.file_name().is_some_and(|n| n != "..") {
            Ok(())
        } else {
            Err(outside())
        }
    }
}
