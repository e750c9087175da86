//! The command line: every confd flag, parsed with Go's `flag` package rules (`-x` or `--x`,
//! `-x=v` or `-x v`, bool flags only as `-x` or `-x=false`, parsing stops at the first
//! non-flag argument or `--`), plus wconfd's own flags.

use super::Val;

/// A flag's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `-x`, `-x=true|false`
    Bool,
    /// `-x value`
    Str,
    /// `-x 10`
    Int,
    /// Repeatable: `-x a -x b`
    List,
}

/// One flag: its name (also its key in the merged settings), type, default and help.
pub struct FlagDef {
    /// Name without dashes.
    pub name: &'static str,
    /// Value type.
    pub kind: Kind,
    /// Default as text (`""` for none).
    pub default: &'static str,
    /// Help text (confd's wording for confd's flags).
    pub help: &'static str,
}

macro_rules! flag {
    ($name:literal, $kind:ident, $default:literal, $help:literal) => {
        FlagDef {
            name: $name,
            kind: Kind::$kind,
            default: $default,
            help: $help,
        }
    };
}

/// Every flag, in `-help` order (alphabetical, as Go prints them).
pub const FLAGS: &[FlagDef] = &[
    flag!("app-id", Str, "", "Vault app-id to use with the app-id backend (only used with -backend=vault and auth-type=app-id)"),
    flag!("auth-token", Str, "", "Auth bearer token to use"),
    flag!("auth-type", Str, "", "Vault auth backend type to use (only used with -backend=vault)"),
    flag!("backend", Str, "etcd", "backend to use"),
    flag!("backend-option", List, "", "wconfd: KEY=VALUE option for a backend plugin (repeatable; confd.toml: a [backend_options] table)"),
    flag!("basic-auth", Bool, "", "Use Basic Auth to authenticate (only used with -backend=consul and -backend=etcd)"),
    flag!("client-ca-keys", Str, "", "client ca keys"),
    flag!("client-cert", Str, "", "the client cert"),
    flag!("client-insecure", Bool, "", "Allow connections to SSL sites without certs (only used with -backend=etcd)"),
    flag!("client-key", Str, "", "the client key (also the redis password, as in confd)"),
    flag!("command-timeout", Str, "60s", "wconfd: time limit for check_cmd and reload_cmd; past it the command's process group is killed and the pass fails (0: no limit)"),
    flag!("confdir", Str, "/etc/confd", "confd conf directory"),
    flag!("config-file", Str, "/etc/confd/confd.toml", "the confd config file"),
    flag!("dns-server", Str, "", "wconfd: ask this DNS server (IP or IP:PORT) for SRV records (-srv-domain, -srv-record, lookupSRV) instead of the system's resolver"),
    flag!("file", List, "", "the YAML file to watch for changes (only used with -backend=file)"),
    flag!("filter", Str, "*", "files filter (only used with -backend=file)"),
    flag!("helpers", List, "", "wconfd: helper libraries (plugins) every template resource may call unless it names its own, e.g. json,sprig"),
    flag!("interval", Int, "600", "backend polling interval"),
    flag!("keep-stage-file", Bool, "", "keep staged files"),
    flag!("log-format", Str, "text", "wconfd: text (confd's lines) or json (one object per line with the same fields)"),
    flag!("log-level", Str, "", "level which confd should log messages"),
    flag!("metrics-addr", Str, "", "wconfd: serve Prometheus metrics at /metrics and health at /health and /ready on this address (e.g. 127.0.0.1:9279); off when empty"),
    flag!("min-reload-interval", Str, "", "wconfd: least time between two reloads of a resource, e.g. 30s (changes meanwhile are coalesced)"),
    flag!("node", List, "", "list of backend nodes"),
    flag!("noop", Bool, "", "only show pending changes"),
    flag!("onetime", Bool, "", "run once and exit"),
    flag!("password", Str, "", "the password to authenticate with (only used with vault, etcd and redis backends)"),
    flag!("path", Str, "", "Vault mount path of the auth method (only used with -backend=vault)"),
    flag!("plugin-cache-dir", Str, "", "wconfd: where compiled plugin code is cached (default $XDG_CACHE_HOME/wconfd)"),
    flag!("plugin-dir", Str, "", "wconfd: directory of WebAssembly plugins (each a .wasm with a .toml manifest)"),
    flag!("prefix", Str, "", "key path prefix"),
    flag!("ready-stale-after", Str, "5m", "wconfd: /ready fails while a resource has been failing for longer than this"),
    flag!("redis-enable-notifications", Bool, "", "wconfd: turn on redis keyspace notifications (notify-keyspace-events KA) if they are off, instead of polling"),
    flag!("render-instances", Int, "", "wconfd: renderer instances that may run at once, so that renders of different resources run in parallel (default: CPUs, at most 4)"),
    flag!("role-id", Str, "", "Vault role-id to use with the AppRole, Kubernetes backends (only used with -backend=vault and either auth-type=app-role or auth-type=kubernetes)"),
    flag!("scheme", Str, "http", "the backend URI scheme for nodes retrieved from DNS SRV records (http or https)"),
    flag!("secret-id", Str, "", "Vault secret-id to use with the AppRole backend (only used with -backend=vault and auth-type=app-role)"),
    flag!("separator", Str, "", "the separator to replace '/' with when looking up keys in the backend, prefixed '/' will also be removed (only used with -backend=redis)"),
    flag!("srv-domain", Str, "", "the name of the resource record"),
    flag!("srv-record", Str, "", "the SRV record to search for backends nodes. Example: _etcd-client._tcp.example.com"),
    flag!("sync-only", Bool, "", "sync without check_cmd and reload_cmd"),
    flag!("table", Str, "", "the name of the DynamoDB table (only used with -backend=dynamodb)"),
    flag!("user-id", Str, "", "Vault user-id to use with the app-id backend (only used with -backend=value and auth-type=app-id)"),
    flag!("username", Str, "", "the username to authenticate as (only used with vault and etcd backends)"),
    flag!("version", Bool, "", "print version and exit"),
    flag!("wait", Str, "", "wconfd: quiescence after a change before rendering, MIN[:MAX] e.g. 2s:10s (consul-template's wait)"),
    flag!("watch", Bool, "", "enable watch support"),
];

/// Find a flag by name.
pub fn find(name: &str) -> Option<&'static FlagDef> {
    FLAGS.iter().find(|f| f.name == name)
}

/// The result of parsing the command line.
#[derive(Debug)]
pub enum Parsed {
    /// Settings given on the command line, in order.
    Values(Vec<(&'static str, Val)>),
    /// `-h`/`-help`: print usage, exit 0.
    Help,
}

/// A command-line error: the message Go's `flag` package prints (the caller adds the usage
/// text and exits 2).
#[derive(Debug, PartialEq, Eq)]
pub struct FlagError(pub String);

/// Go's `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Parse `args` (without the program name) as Go's `flag.Parse` would.
pub fn parse(args: &[String]) -> Result<Parsed, FlagError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg.len() < 2 || !arg.starts_with('-') {
            break; // first non-flag argument ends the flags, as in Go
        }
        let mut name = &arg[1..];
        if name.starts_with('-') {
            name = &name[1..];
            if name.is_empty() {
                break; // "--" terminates the flags
            }
        }
        if name.is_empty() || name.starts_with('-') || name.starts_with('=') {
            return Err(FlagError(format!("bad flag syntax: {arg}")));
        }
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name, None),
        };
        if name == "h" || name == "help" {
            return Ok(Parsed::Help);
        }
        let Some(def) = find(name) else {
            return Err(FlagError(format!("flag provided but not defined: -{name}")));
        };
        let val = match def.kind {
            Kind::Bool => match value {
                None => Val::Bool(true),
                Some(v) => match parse_bool(&v) {
                    Some(b) => Val::Bool(b),
                    None => {
                        return Err(FlagError(format!(
                            "invalid boolean value {v:?} for -{name}: parse error"
                        )))
                    }
                },
            },
            _ => {
                let v = match value {
                    Some(v) => v,
                    None if i < args.len() => {
                        i += 1;
                        args[i - 1].clone()
                    }
                    None => return Err(FlagError(format!("flag needs an argument: -{name}"))),
                };
                match def.kind {
                    Kind::Int => match v.trim().parse::<i64>() {
                        Ok(n) => Val::Int(n),
                        Err(_) => return Err(FlagError(format!("invalid value {v:?} for flag -{name}: parse error"))),
                    },
                    Kind::List => Val::List(vec![v]),
                    _ => Val::Str(v),
                }
            }
        };
        out.push((def.name, val));
    }
    Ok(Parsed::Values(out))
}

/// The usage text Go prints for `-help` and after a flag error.
pub fn usage() -> String {
    let mut s = String::from("Usage of wconfd:\n");
    for f in FLAGS {
        let ty = match f.kind {
            Kind::Bool => "",
            Kind::Str => " string",
            Kind::Int => " int",
            Kind::List => " value",
        };
        s.push_str(&format!("  -{}{}\n    \t{}", f.name, ty, f.help));
        if !f.default.is_empty() {
            if f.kind == Kind::Str {
                s.push_str(&format!(" (default {:?})", f.default));
            } else {
                s.push_str(&format!(" (default {})", f.default));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn values(a: &[&str]) -> Vec<(&'static str, Val)> {
        match parse(&args(a)).unwrap() {
            Parsed::Values(v) => v,
            Parsed::Help => panic!("help"),
        }
    }

    #[test]
    fn single_and_double_dash_with_and_without_equals() {
        let v = values(&[
            "-backend",
            "file",
            "--confdir=/x",
            "-interval=5",
            "--onetime",
            "-noop=false",
        ]);
        assert_eq!(
            v,
            vec![
                ("backend", Val::Str("file".into())),
                ("confdir", Val::Str("/x".into())),
                ("interval", Val::Int(5)),
                ("onetime", Val::Bool(true)),
                ("noop", Val::Bool(false)),
            ]
        );
    }

    #[test]
    fn repeatable_flags_accumulate_in_order() {
        let v = values(&["-node", "a:1", "-node=b:2", "-file", "x.yaml"]);
        assert_eq!(v[0], ("node", Val::List(vec!["a:1".into()])));
        assert_eq!(v[1], ("node", Val::List(vec!["b:2".into()])));
        assert_eq!(v[2], ("file", Val::List(vec!["x.yaml".into()])));
    }

    #[test]
    fn parsing_stops_at_the_first_non_flag() {
        let v = values(&["-onetime", "stray", "-noop"]);
        assert_eq!(v, vec![("onetime", Val::Bool(true))]);
    }

    #[test]
    fn errors_use_go_wording() {
        assert_eq!(
            parse(&args(&["-nope"])).unwrap_err().0,
            "flag provided but not defined: -nope"
        );
        assert_eq!(
            parse(&args(&["-interval", "x"])).unwrap_err().0,
            "invalid value \"x\" for flag -interval: parse error"
        );
        assert_eq!(
            parse(&args(&["-backend"])).unwrap_err().0,
            "flag needs an argument: -backend"
        );
        assert_eq!(
            parse(&args(&["-watch=maybe"])).unwrap_err().0,
            "invalid boolean value \"maybe\" for -watch: parse error"
        );
    }
}
