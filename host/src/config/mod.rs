//! Configuration: confd's flags, `CONFD_*` environment variables and confd.toml, merged into
//! one immutable [`Config`].
//!
//! Precedence is flags > environment > confd.toml > defaults, as confd documents it (confd
//! itself lets the file win over flags; README: differences). Parsing is pure; [`load`] is the
//! only function here that reads a file.

pub mod duration;
pub mod flags;

use crate::log::Level;
use crate::toml_lines::line_of;
use flags::{Kind, FLAGS};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A setting's value before it is typed into [`Config`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A list (repeatable flags, TOML arrays).
    List(Vec<String>),
}

/// A configuration error (exit status 1), naming the file, line and key where it applies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// confd.toml could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// confd.toml is not valid TOML.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A key has a value of the wrong type.
    #[error("{path}:{line}: key '{key}': {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The key as written.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An environment variable has a bad value.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A value is not acceptable (e.g. an unknown backend or log level).
    #[error("{0}")]
    Invalid(String),
}

/// Everything wconfd was asked to do, resolved.
#[derive(Clone, Debug)]
pub struct Config {
    /// Backend name (`etcd`, `etcdv3`, `redis`, `env`, `file`, or a plugin's).
    pub backend: String,
    /// Root directory: `conf.d/` and `templates/` live below it.
    pub confdir: PathBuf,
    /// The confd.toml that was read (it may not exist).
    pub config_file: PathBuf,
    /// Backend endpoints, defaulted per backend as confd does.
    pub nodes: Vec<String>,
    /// File backend inputs.
    pub files: Vec<String>,
    /// File backend glob on base names.
    pub filter: String,
    /// Seconds between passes in interval mode.
    pub interval: u64,
    /// Keep stage files after a pass.
    pub keep_stage_file: bool,
    /// Lowest log level printed.
    pub log_level: Level,
    /// `-log-format`.
    pub log_format: crate::log::Format,
    /// Render and compare only; never touch destinations or run commands.
    pub noop: bool,
    /// One pass, then exit.
    pub onetime: bool,
    /// Global key prefix (replaces resource prefixes, as in confd).
    pub prefix: String,
    /// Scheme for SRV-discovered nodes.
    pub scheme: String,
    /// Redis key separator.
    pub separator: String,
    /// Write destinations without check/reload commands.
    pub sync_only: bool,
    /// Watch the backend for changes.
    pub watch: bool,
    /// Basic auth for etcd.
    pub basic_auth: bool,
    /// Username (etcd basic auth).
    pub username: String,
    /// Password (etcd basic auth; redis when `client_key` is empty).
    pub password: String,
    /// CA bundle.
    pub client_ca_keys: String,
    /// Client certificate.
    pub client_cert: String,
    /// Client key (also confd's redis password).
    pub client_key: String,
    /// Skip TLS verification.
    pub client_insecure: bool,
    /// SRV domain.
    pub srv_domain: String,
    /// SRV record.
    pub srv_record: String,
    /// The DNS server SRV lookups ask (`-dns-server`); `None`: the system's resolver.
    pub dns_server: Option<std::net::SocketAddr>,
    /// Quiescence for every resource (`-wait`), unless a resource sets its own.
    pub wait: Option<duration::Wait>,
    /// Least time between two reloads of one resource (`-min-reload-interval`).
    pub min_reload_interval: Option<std::time::Duration>,
    /// Turn redis keyspace notifications on when they are off (else poll).
    pub redis_enable_notifications: bool,
    /// Where to serve metrics and health (`-metrics-addr`); `None`: nowhere.
    pub metrics_addr: Option<String>,
    /// Renderer instances that may run at once (`-render-instances`); `None`: the default.
    pub render_instances: Option<usize>,
    /// `/ready` fails while a resource has failed for longer than this (`-ready-stale-after`).
    pub ready_stale_after: std::time::Duration,
    /// Time limit for `check_cmd`/`reload_cmd` (`-command-timeout`); `None` is no limit.
    pub command_timeout: Option<std::time::Duration>,
    /// Helper libraries for resources that do not name their own (`-helpers`, `helpers`).
    pub helpers: Vec<String>,
    /// Plugin directory (adds or overrides plugins).
    pub plugin_dir: Option<PathBuf>,
    /// Compiled plugin code cache.
    pub plugin_cache_dir: Option<PathBuf>,
    /// `KEY=VALUE` options for a backend plugin, in order (later ones win).
    pub backend_options: Vec<(String, String)>,
    /// Settings that only other backends use (vault, dynamodb...), kept for plugins.
    pub extra: HashMap<&'static str, Val>,
    /// Warnings found while loading (unknown keys...), logged once logging is set up.
    pub warnings: Vec<String>,
}

/// Backends wconfd implements natively.
pub const NATIVE_BACKENDS: &[&str] = &["etcd", "etcdv3", "redis", "env", "file", "zookeeper"];
/// Backends confd has that wconfd leaves to plugins.
const PLUGIN_ONLY_BACKENDS: &[&str] = &["consul", "rancher", "vault", "dynamodb", "ssm"];

/// The canonical form of a key in any spelling: `log-level`, `log_level`, `LogLevel` all
/// become `loglevel` (confd's TOML decoder matches Go field names case-insensitively).
fn canonical(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Map a canonical TOML/env key to its flag name. confd's TOML spellings that differ from the
/// flag names are listed here.
fn flag_for(canon: &str) -> Option<&'static str> {
    let alias = match canon {
        "nodes" => "node",
        "files" => "file",
        "printversion" => "version",
        "configfile" => "config-file",
        "backendoptions" => "backend-option",
        other => other,
    };
    // Aliases are written as flag names (`backend-option`); compare both sides canonically.
    let alias = canonical(alias);
    FLAGS.iter().find(|f| canonical(f.name) == alias).map(|f| f.name)
}

/// The settings given in one layer (flags, environment or file).
pub type Layer = Vec<(&'static str, Val)>;

/// One confd.toml setting, typed as its flag: `None` if `key` is no flag's (any spelling),
/// `Err` with why if the value has the wrong type.
pub fn setting(key: &str, value: toml::Value) -> Result<Option<(&'static str, Val)>, String> {
    let Some(name) = flag_for(&canonical(key)) else {
        return Ok(None);
    };
    let def = flags::find(name).expect("flag_for returns known flags");
    let val = match (def.kind, value) {
        (Kind::Bool, toml::Value::Boolean(b)) => Val::Bool(b),
        (Kind::Bool, v) => return Err(format!("expected true or false, found {}", v.type_str())),
        (Kind::Int, toml::Value::Integer(n)) => Val::Int(n),
        (Kind::Int, v) => return Err(format!("expected an integer, found {}", v.type_str())),
        (Kind::Str, toml::Value::String(s)) => Val::Str(s),
        (Kind::Str, v) => return Err(format!("expected a string, found {}", v.type_str())),
        (Kind::List, toml::Value::Array(items)) => {
            let mut list = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => list.push(s),
                    v => {
                        return Err(format!(
                            "expected an array of strings, found an array holding {}",
                            v.type_str()
                        ))
                    }
                }
            }
            Val::List(list)
        }
        (Kind::List, toml::Value::String(s)) => Val::List(vec![s]),
        // `[backend_options]`: a table of KEY = VALUE, taken as KEY=VALUE items.
        (Kind::List, toml::Value::Table(t)) if name == "backend-option" => Val::List(
            t.into_iter()
                .map(|(k, v)| match v {
                    toml::Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect(),
        ),
        (Kind::List, v) => return Err(format!("expected an array of strings, found {}", v.type_str())),
    };
    Ok(Some((name, val)))
}

/// Parse confd.toml text. Unknown keys and tables are reported as warnings, not errors:
/// confd ignores them, and some setups point `-config-file` at a template resource file.
pub fn parse_file(path: &Path, text: &str) -> Result<(Layer, Vec<String>), ConfigError> {
    let table: toml::Spanned<toml::Table> = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        message: e.message().trim().to_string(),
    })?;
    let spans: HashMap<String, usize> = toml::from_str::<HashMap<String, toml::Spanned<toml::Value>>>(text)
        .map(|m| m.into_iter().map(|(k, v)| (k, line_of(text, v.span().start))).collect())
        .unwrap_or_default();
    let mut layer = Vec::new();
    let mut warnings = Vec::new();
    for (key, value) in table.into_inner() {
        let line = spans.get(&key).copied().unwrap_or(0);
        match setting(&key, value) {
            Ok(Some(entry)) => layer.push(entry),
            Ok(None) => warnings.push(format!("{}:{line}: unknown key '{key}' ignored", path.display())),
            Err(message) => {
                return Err(ConfigError::Value {
                    path: path.to_path_buf(),
                    line,
                    key,
                    message,
                })
            }
        }
    }
    Ok((layer, warnings))
}

/// Read `CONFD_*` variables: `CONFD_` plus the flag name in upper case with `_` for `-`
/// (`CONFD_LOG_LEVEL`, `CONFD_NODE`), plus the TOML spellings (`CONFD_NODES`,
/// `CONFD_CLIENT_CAKEYS`). Lists are comma-separated.
pub fn parse_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Layer, ConfigError> {
    let mut layer = Vec::new();
    let mut vars: Vec<(String, String)> = vars.into_iter().filter(|(k, _)| k.starts_with("CONFD_")).collect();
    vars.sort();
    for (var, value) in vars {
        let Some(name) = flag_for(&canonical(&var["CONFD_".len()..])) else {
            continue;
        };
        let def = flags::find(name).expect("known flag");
        let bad = |message: String| ConfigError::Env {
            var: var.clone(),
            message,
        };
        let val = match def.kind {
            Kind::Bool => {
                Val::Bool(flags::parse_bool(&value).ok_or_else(|| bad(format!("invalid boolean value {value:?}")))?)
            }
            Kind::Int => Val::Int(
                value
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("invalid integer {value:?}")))?,
            ),
            Kind::Str => Val::Str(value),
            Kind::List => Val::List(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ),
        };
        layer.push((name, val));
    }
    Ok(layer)
}

/// Merge a layer's repeated list flags (`-node a -node b`) into one value each.
fn collapse(layer: &Layer) -> HashMap<&'static str, Val> {
    let mut m: HashMap<&'static str, Val> = HashMap::new();
    for (k, v) in layer {
        match (m.get_mut(k), v) {
            (Some(Val::List(existing)), Val::List(more)) => existing.extend(more.iter().cloned()),
            _ => {
                m.insert(k, v.clone());
            }
        }
    }
    m
}

/// Where the config file is: `-config-file`, else `CONFD_CONFIG_FILE`, else the default.
pub fn config_file_path(flags: &Layer, env: &Layer) -> PathBuf {
    let pick = |l: &Layer| {
        l.iter().rev().find_map(|(k, v)| match (k, v) {
            (&"config-file", Val::Str(s)) => Some(PathBuf::from(s)),
            _ => None,
        })
    };
    pick(flags)
        .or_else(|| pick(env))
        .unwrap_or_else(|| PathBuf::from("/etc/confd/confd.toml"))
}

/// The process environment as text, for [`load`]. A variable that is not UTF-8 cannot be one
/// of confd's settings (`std::env::vars` would panic on it): it is passed over, and said once
/// if its name is one wconfd reads.
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| match (k.into_string(), v.into_string()) {
            (Ok(k), Ok(v)) => Some((k, v)),
            (Ok(k), Err(_)) if k.starts_with("CONFD_") => {
                crate::log::warn_once(&format!("ignoring {k}: its value is not UTF-8"));
                None
            }
            _ => None,
        })
        .collect()
}

/// Load everything: `flags` from the command line, the environment, then confd.toml.
pub fn load(flags: Layer, env_vars: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigError> {
    let env = parse_env(env_vars)?;
    let config_file = config_file_path(&flags, &env);
    let (file, warnings) = match std::fs::read_to_string(&config_file) {
        Ok(text) => parse_file(&config_file, &text)?,
        // confd skips a missing config file silently.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(e) => {
            return Err(ConfigError::Read {
                path: config_file,
                source: e,
            })
        }
    };
    let mut config = resolve(&flags, &env, &file, config_file, warnings)?;
    discover_nodes(&mut config)?;
    Ok(config)
}

/// confd's SRV discovery: `-srv-record`, or `_<backend>._tcp.<srv-domain>.` when only a domain
/// is given, replaces the nodes (not for the env backend, which has none).
fn discover_nodes(config: &mut Config) -> Result<(), ConfigError> {
    crate::dns::use_server(config.dns_server);
    let record = match (config.srv_record.as_str(), config.srv_domain.as_str()) {
        _ if config.backend == "env" => return Ok(()),
        ("", "") => return Ok(()),
        ("", domain) => format!("_{}._tcp.{domain}.", config.backend),
        (record, _) => record.to_string(),
    };
    crate::info!("SRV record set to {record}");
    config.nodes = crate::dns::discover_nodes(&record, &config.backend, &config.scheme)
        .map_err(|e| ConfigError::Invalid(format!("Cannot get nodes from SRV records {e}")))?;
    Ok(())
}

/// Merge the layers by precedence and type the result.
pub fn resolve(
    flags: &Layer,
    env: &Layer,
    file: &Layer,
    config_file: PathBuf,
    warnings: Vec<String>,
) -> Result<Config, ConfigError> {
    let (flags, env, file) = (collapse(flags), collapse(env), collapse(file));
    let get = |name: &'static str| -> Val {
        flags
            .get(name)
            .or_else(|| env.get(name))
            .or_else(|| file.get(name))
            .cloned()
            .unwrap_or_else(|| {
                let def = flags::find(name).expect("known flag");
                match def.kind {
                    Kind::Bool => Val::Bool(false),
                    Kind::Int => Val::Int(def.default.parse().unwrap_or(0)),
                    Kind::Str => Val::Str(def.default.to_string()),
                    Kind::List => Val::List(Vec::new()),
                }
            })
    };
    let s = |name| match get(name) {
        Val::Str(s) => s,
        _ => String::new(),
    };
    let b = |name| matches!(get(name), Val::Bool(true));
    let list = |name| match get(name) {
        Val::List(l) => l,
        _ => Vec::new(),
    };
    let backend = s("backend");
    if !NATIVE_BACKENDS.contains(&backend.as_str()) && !PLUGIN_ONLY_BACKENDS.contains(&backend.as_str()) {
        // A vendor's backend plugin may carry any name; the plugin registry decides later.
        if backend.is_empty() {
            return Err(ConfigError::Invalid("Invalid backend: \"\"".into()));
        }
    }
    let log_level = Level::parse(&s("log-level"))
        .ok_or_else(|| ConfigError::Invalid(format!("not a valid level: {:?}", s("log-level"))))?;
    let interval = match get("interval") {
        Val::Int(n) if n >= 0 => n as u64,
        Val::Int(n) => return Err(ConfigError::Invalid(format!("interval must not be negative: {n}"))),
        _ => 600,
    };
    let mut nodes = list("node");
    if nodes.is_empty() {
        nodes = default_nodes(&backend);
    }
    let opt_path = |name| Some(s(name)).filter(|p| !p.is_empty()).map(PathBuf::from);
    let mut extra = HashMap::new();
    for name in [
        "app-id",
        "auth-token",
        "auth-type",
        "path",
        "role-id",
        "secret-id",
        "table",
        "user-id",
    ] {
        extra.insert(name, get(name));
    }
    Ok(Config {
        confdir: PathBuf::from(s("confdir")),
        config_file,
        nodes,
        files: list("file"),
        filter: s("filter"),
        interval,
        keep_stage_file: b("keep-stage-file"),
        log_level,
        log_format: crate::log::Format::parse(&s("log-format")).ok_or_else(|| {
            ConfigError::Invalid(format!("not a valid log format: {:?} (text or json)", s("log-format")))
        })?,
        noop: b("noop"),
        onetime: b("onetime"),
        prefix: s("prefix"),
        scheme: s("scheme"),
        separator: s("separator"),
        sync_only: b("sync-only"),
        watch: b("watch"),
        basic_auth: b("basic-auth"),
        username: s("username"),
        password: s("password"),
        client_ca_keys: s("client-ca-keys"),
        client_cert: s("client-cert"),
        client_key: s("client-key"),
        client_insecure: b("client-insecure"),
        srv_domain: s("srv-domain"),
        srv_record: s("srv-record"),
        dns_server: match s("dns-server").as_str() {
            "" => None,
            a => Some(
                a.parse::<std::net::SocketAddr>()
                    .or_else(|_| {
                        a.parse::<std::net::IpAddr>()
                            .map(|ip| std::net::SocketAddr::new(ip, 53))
                    })
                    .map_err(|_| {
                        ConfigError::Invalid(format!(
                            "invalid dns-server {a:?} (an IP address, optionally with :PORT)"
                        ))
                    })?,
            ),
        },
        wait: match s("wait").as_str() {
            "" => None,
            w => Some(
                duration::parse_wait(w)
                    .ok_or_else(|| ConfigError::Invalid(format!("invalid -wait {w:?} (e.g. \"2s:10s\")")))?,
            ),
        },
        min_reload_interval: match s("min-reload-interval").as_str() {
            "" => None,
            d => {
                Some(duration::parse(d).ok_or_else(|| {
                    ConfigError::Invalid(format!("invalid -min-reload-interval {d:?} (e.g. \"30s\")"))
                })?)
            }
        },
        redis_enable_notifications: b("redis-enable-notifications"),
        metrics_addr: Some(s("metrics-addr")).filter(|a| !a.is_empty()),
        // Unset reads as 0: the default.
        render_instances: match get("render-instances") {
            Val::Int(n) if (1..=64).contains(&n) => Some(n as usize),
            Val::Int(0) => None,
            Val::Int(n) => {
                return Err(ConfigError::Invalid(format!(
                    "invalid render-instances {n} (from 1 to 64)"
                )))
            }
            _ => None,
        },
        ready_stale_after: duration::parse(&s("ready-stale-after")).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "invalid ready-stale-after {:?} (a duration such as 5m)",
                s("ready-stale-after")
            ))
        })?,
        command_timeout: match duration::parse(&s("command-timeout")) {
            Some(d) => (!d.is_zero()).then_some(d),
            None => {
                return Err(ConfigError::Invalid(format!(
                    "invalid command-timeout {:?} (a duration such as 30s, or 0 for no limit)",
                    s("command-timeout")
                )))
            }
        },
        // `-helpers json,sprig` and `-helpers json -helpers sprig` mean the same.
        helpers: list("helpers")
            .iter()
            .flat_map(|h| h.split(','))
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect(),
        plugin_dir: opt_path("plugin-dir"),
        plugin_cache_dir: opt_path("plugin-cache-dir"),
        backend_options: list("backend-option")
            .into_iter()
            .map(|o| match o.split_once('=') {
                Some((k, v)) => Ok((k.trim().to_string(), v.to_string())),
                None => Err(ConfigError::Invalid(format!(
                    "invalid backend option {o:?}: expected KEY=VALUE"
                ))),
            })
            .collect::<Result<_, _>>()?,
        extra,
        warnings,
        backend,
    })
}

/// confd's default nodes per backend.
fn default_nodes(backend: &str) -> Vec<String> {
    let one = |s: &str| vec![s.to_string()];
    match backend {
        "etcd" => std::env::var("ETCDCTL_PEERS")
            .ok()
            .filter(|p| !p.is_empty())
            .map(|p| p.split(',').map(String::from).collect())
            .unwrap_or_else(|| one("http://127.0.0.1:2379")),
        "etcdv3" => one("127.0.0.1:2379"),
        "redis" => one("127.0.0.1:6379"),
        "consul" => one("127.0.0.1:8500"),
        "zookeeper" => one("127.0.0.1:2181"),
        "vault" => one("http://127.0.0.1:8200"),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(flags: &[(&'static str, Val)], env: &[(&str, &str)], file: &str) -> Config {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env = parse_env(env).unwrap();
        let (file, warnings) = parse_file(Path::new("confd.toml"), file).unwrap();
        resolve(&flags.to_vec(), &env, &file, PathBuf::from("confd.toml"), warnings).unwrap()
    }

    #[test]
    fn flags_beat_env_beat_file_beat_defaults() {
        let c = cfg(
            &[("interval", Val::Int(1))],
            &[("CONFD_INTERVAL", "2"), ("CONFD_PREFIX", "/env")],
            "interval = 3\nprefix = \"/file\"\nbackend = \"file\"\n",
        );
        assert_eq!(c.interval, 1);
        assert_eq!(c.prefix, "/env");
        assert_eq!(c.backend, "file");
        assert_eq!(c.confdir, PathBuf::from("/etc/confd"));
    }

    #[test]
    fn confd_key_spellings_are_accepted() {
        let c = cfg(&[], &[], "log-level = \"debug\"\nsync-only = true\nclient_cakeys = \"/ca\"\nkeep_stage_file = true\nnodes = [\"a\", \"b\"]\n");
        assert_eq!(c.log_level, Level::Debug);
        assert!(c.sync_only && c.keep_stage_file);
        assert_eq!(c.client_ca_keys, "/ca");
        assert_eq!(c.nodes, vec!["a", "b"]);
        let c = cfg(&[], &[], "log_level = \"warn\"\nsync_only = true\n");
        assert_eq!(c.log_level, Level::Warn);
        assert!(c.sync_only);
    }

    #[test]
    fn unknown_keys_warn_with_file_and_line() {
        let c = cfg(&[], &[], "backend = \"env\"\n\nbogus = 1\n");
        assert_eq!(c.warnings, vec!["confd.toml:3: unknown key 'bogus' ignored"]);
    }

    #[test]
    fn type_errors_name_file_line_and_key() {
        let e = parse_file(
            Path::new("/etc/confd/confd.toml"),
            "backend = \"env\"\ninterval = \"soon\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "/etc/confd/confd.toml:2: key 'interval': expected an integer, found string"
        );
    }

    #[test]
    fn render_instances_default_to_none_and_take_a_bounded_number() {
        assert_eq!(cfg(&[], &[], "").render_instances, None);
        let c = cfg(&[("render-instances", Val::Int(3))], &[], "");
        assert_eq!(c.render_instances, Some(3));
    }

    #[test]
    fn default_nodes_follow_confd() {
        assert_eq!(
            cfg(&[("backend", Val::Str("redis".into()))], &[], "").nodes,
            vec!["127.0.0.1:6379"]
        );
        assert_eq!(
            cfg(&[("backend", Val::Str("etcdv3".into()))], &[], "").nodes,
            vec!["127.0.0.1:2379"]
        );
    }

    #[test]
    fn backend_options_come_from_a_table_flags_and_env() {
        let c = cfg(&[], &[], "[backend_options]\nmax_wait = \"5\"\nprobe_attempts = 1\n");
        assert_eq!(
            c.backend_options,
            vec![
                ("max_wait".to_string(), "5".to_string()),
                ("probe_attempts".to_string(), "1".to_string())
            ]
        );
        let c = cfg(&[("backend-option", Val::List(vec!["wait=30".into()]))], &[], "");
        assert_eq!(c.backend_options, vec![("wait".to_string(), "30".to_string())]);
        let c = cfg(&[], &[("CONFD_BACKEND_OPTION", "a=1,b=2")], "");
        assert_eq!(c.backend_options.len(), 2);
    }

    #[test]
    fn command_timeout_defaults_to_a_minute_and_zero_lifts_it() {
        use std::time::Duration;
        assert_eq!(cfg(&[], &[], "").command_timeout, Some(Duration::from_secs(60)));
        assert_eq!(cfg(&[], &[], "command_timeout = \"0\"\n").command_timeout, None);
        assert_eq!(
            cfg(&[], &[("CONFD_COMMAND_TIMEOUT", "1m30s")], "").command_timeout,
            Some(Duration::from_secs(90))
        );
    }

    #[test]
    fn helpers_come_from_flags_env_and_file() {
        let both = vec!["json".to_string(), "sprig".to_string()];
        assert_eq!(cfg(&[], &[], "helpers = [\"json\", \"sprig\"]\n").helpers, both);
        assert_eq!(cfg(&[], &[("CONFD_HELPERS", "json,sprig")], "").helpers, both);
        let flags = [("helpers", Val::List(vec!["json, sprig".into()]))];
        assert_eq!(cfg(&flags, &[], "helpers = [\"other\"]\n").helpers, both);
        assert!(cfg(&[], &[], "").helpers.is_empty());
    }

    #[test]
    fn env_lists_split_on_commas() {
        let c = cfg(&[], &[("CONFD_NODE", "a:1, b:2"), ("CONFD_BACKEND", "redis")], "");
        assert_eq!(c.nodes, vec!["a:1", "b:2"]);
    }
}
