//! Commands that never touch a backend or a destination, for CI and for authors:
//!
//! - `wconfd check [FLAGS]`: load a confdir as the daemon would (confd.toml, flags, `conf.d`,
//!   templates, plugins, helper libraries) and report every error, like `nginx -t`;
//! - `wconfd render TEMPLATE -data FILE [-o OUT] ...`: render one template against a YAML or
//!   JSON data file in the sandbox, granted nothing (no environment, files or DNS) unless asked.

use crate::config::{self, flags};
use crate::plugin::{self, Entry, Grants, Plugins};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// A runtime whose threads can run plugins (see `PLUGIN_THREAD_STACK`).
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(plugin::PLUGIN_THREAD_STACK)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

/// `wconfd check`: exit 0 when every resource loads and every template parses, else 1.
pub fn check(args: &[String]) -> ExitCode {
    let layer = match flags::parse(args) {
        Ok(flags::Parsed::Values(v)) => v,
        Ok(flags::Parsed::Help) => {
            eprint!("usage: wconfd check [confd's flags]\n{}", flags::usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", e.0);
            return ExitCode::from(2);
        }
    };
    let config = match config::load(layer, config::process_env()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    crate::log::set_level(config.log_level.max(crate::log::Level::Warn));
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let mut problems: Vec<String> = config.warnings.clone();
        let plugins = Arc::new(crate::daemon::load_plugins(&config).await);
        let mut errors: Vec<String> = plugins.refused.iter().map(|r| format!("plugin refused: {r}")).collect();
        let native = config::NATIVE_BACKENDS.contains(&config.backend.as_str());
        match plugins.backend(&config.backend) {
            Some(Err(e)) => errors.push(e),
            None if !native => errors.push(format!("no backend named {:?}", config.backend)),
            _ => {}
        }
        let loaded = match crate::daemon::load_resources_with(&config, &plugins).await {
            Ok(Some(set)) => set,
            Ok(None) => {
                errors.push(format!("confdir {} does not exist", config.confdir.display()));
                crate::daemon::ResourceSet {
                    resources: Vec::new(),
                    failures: Vec::new(),
                }
            }
            Err(e) => {
                errors.push(e);
                crate::daemon::ResourceSet {
                    resources: Vec::new(),
                    failures: Vec::new(),
                }
            }
        };
        errors.extend(loaded.failures.iter().map(|(_, e)| e.clone()));
        problems.retain(|w| !w.is_empty());
        for w in &problems {
            eprintln!("warning: {w}");
        }
        for e in &errors {
            eprintln!("error: {e}");
        }
        let total = loaded.resources.len() + loaded.failures.len();
        eprintln!(
            "{total} template resources in {}: {} ok, {} with errors{}",
            config.confdir.display(),
            loaded.resources.len(),
            loaded.failures.len(),
            if errors.len() > loaded.failures.len() {
                format!("; {} other errors", errors.len() - loaded.failures.len())
            } else {
                String::new()
            }
        );
        if errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    })
}

const RENDER_USAGE: &str = "usage: wconfd render TEMPLATE -data FILE [-o OUT] [-prefix PREFIX] [-helpers a,b]
                     [-renderer NAME] [-plugin-dir DIR] [-grant-env NAME]... [-grant-files] [-grant-dns]
  Render TEMPLATE against the keys of FILE (YAML or JSON, read as the file backend reads it;
  the template sees them relative to PREFIX). Prints to stdout, or writes OUT. The template
  gets no environment, file tests or DNS unless granted. Exit 1 on a template or data error,
  2 on a usage error.
";

struct RenderArgs {
    template: PathBuf,
    data: PathBuf,
    out: Option<PathBuf>,
    prefix: String,
    helpers: Vec<String>,
    renderer: String,
    plugin_dir: Option<PathBuf>,
    grants: Grants,
}

fn parse_render(args: &[String]) -> Result<RenderArgs, String> {
    let mut template = None;
    let mut r = RenderArgs {
        template: PathBuf::new(),
        data: PathBuf::new(),
        out: None,
        prefix: "/".into(),
        helpers: Vec::new(),
        renderer: plugin::DEFAULT_RENDERER.into(),
        plugin_dir: None,
        grants: Grants::none(),
    };
    let mut data = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("flag needs an argument: {name}"))
        };
        match a.trim_start_matches('-') {
            "data" if a.starts_with('-') => data = Some(PathBuf::from(value(a)?)),
            "o" if a.starts_with('-') => r.out = Some(PathBuf::from(value(a)?)),
            "prefix" if a.starts_with('-') => r.prefix = value(a)?,
            "helpers" if a.starts_with('-') => r.helpers.extend(
                value(a)?
                    .split(',')
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty()),
            ),
            "renderer" if a.starts_with('-') => r.renderer = value(a)?,
            "plugin-dir" if a.starts_with('-') => r.plugin_dir = Some(PathBuf::from(value(a)?)),
            "grant-env" if a.starts_with('-') => {
                let name = value(a)?;
                r.grants.env = match std::mem::replace(&mut r.grants.env, plugin::limits::EnvGrant::Nothing) {
                    plugin::limits::EnvGrant::Only(mut names) => {
                        names.push(name);
                        plugin::limits::EnvGrant::Only(names)
                    }
                    _ => plugin::limits::EnvGrant::Only(vec![name]),
                };
            }
            "grant-files" if a.starts_with('-') => r.grants.file_exists = plugin::limits::PathGrant::All,
            "grant-dns" if a.starts_with('-') => r.grants.dns = true,
            _ if !a.starts_with('-') && template.is_none() => template = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a:?}")),
        }
    }
    r.template = template.ok_or("missing TEMPLATE")?;
    r.data = data.ok_or("missing -data FILE")?;
    Ok(r)
}

/// `wconfd render`.
pub fn render(args: &[String]) -> ExitCode {
    let args = match parse_render(args) {
        Ok(a) => a,
        Err(e) => {
            eprint!("{e}\n{RENDER_USAGE}");
            return ExitCode::from(2);
        }
    };
    match render_to_bytes(&args) {
        Ok(bytes) => {
            let written = match &args.out {
                Some(path) => std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display())),
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes).map_err(|e| e.to_string())
                }
            };
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn render_to_bytes(args: &RenderArgs) -> Result<Vec<u8>, String> {
    let text = std::fs::read(&args.template).map_err(|e| format!("{}: {e}", args.template.display()))?;
    let data = std::fs::read_to_string(&args.data).map_err(|e| format!("{}: {e}", args.data.display()))?;
    let mut kv = std::collections::BTreeMap::new();
    crate::backend::yaml::flatten_into(&data, &mut kv)
        .map_err(|(line, message)| format!("{}:{line}: {message}", args.data.display()))?;
    let prefix = if args.prefix.starts_with('/') {
        args.prefix.clone()
    } else {
        format!("/{}", args.prefix)
    };
    let prefix = crate::resource::clean_path(&prefix);
    let kvs: Vec<Entry> = kv
        .into_iter()
        .filter(|(k, _)| prefix == "/" || k == &prefix || k.starts_with(&format!("{prefix}/")))
        .map(|(k, value)| Entry {
            key: crate::resource::relative_key(&prefix, &k),
            value: value.into_bytes(),
        })
        .collect();
    let name = args
        .template
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let grants = args.grants.clone();
    let plugin_dir = args.plugin_dir.clone();
    let renderer_name = args.renderer.clone();
    let helpers = args.helpers.clone();
    // Plugins run on a thread with a stack that holds a deep render.
    std::thread::Builder::new()
        .stack_size(plugin::PLUGIN_THREAD_STACK)
        .spawn(move || {
            let cache = plugin::cache::default_dir();
            let plugins = Plugins::load(&plugin::LoadOptions {
                plugin_dir: plugin_dir.as_deref(),
                cache_dir: cache.as_deref(),
                grants: Some(grants),
                backend: None,
                ..Default::default()
            });
            let renderer = plugins.renderer(&renderer_name)?;
            let helpers = plugins.helper_set(&helpers)?;
            renderer
                .render_with_helpers(&name, &text, &kvs, &helpers)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?
        .join()
        .map_err(|_| "the render thread panicked".to_string())?
}
