//! The command line: confd's flags (see [`crate::config::flags`]) plus the `wconfd plugin`
//! helper commands for plugin authors.

use crate::config::{self, flags};
use crate::plugin::{manifest, BUILTINS};
use std::path::Path;
use std::process::ExitCode;

const PLUGIN_USAGE: &str = "Usage:
  wconfd plugin manifest FILE.wasm [-name NAME] [-kind renderer|backend|helpers]
      print a manifest for FILE.wasm (put it beside the .wasm as NAME.toml)
  wconfd plugin builtin DIR
      write the built-in plugins (the gotemplate renderer; the json and sprig helper
      libraries; the rancher, consul and vault backends) and their manifests into DIR
  wconfd plugin inspect FILE.wasm
      print a plugin's world, WIT version, imports, exports and sha256
  wconfd plugin new backend|helpers|renderer NAME [DIR]
      write a buildable plugin project of that kind into DIR (default ./NAME)
";

/// `wconfd plugin ...`.
pub fn plugin_command(args: &[String]) -> ExitCode {
    match args.first().map(String::as_str) {
        Some("manifest") if args.len() >= 2 => {
            let path = Path::new(&args[1]);
            let mut name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let mut kind = manifest::Kind::Renderer;
            let mut rest = args[2..].iter();
            while let Some(a) = rest.next() {
                match (a.trim_start_matches('-'), rest.next()) {
                    ("name", Some(v)) => name = v.clone(),
                    ("kind", Some(v)) if manifest::parse_kind(v).is_some() => {
                        kind = manifest::parse_kind(v).expect("checked");
                    }
                    _ => {
                        eprint!("{PLUGIN_USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            match std::fs::read(path) {
                Ok(wasm) => {
                    let file = path.file_name().unwrap_or_default().to_string_lossy();
                    print!("{}", manifest::render_manifest(&name, kind, &file, &wasm));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    ExitCode::from(1)
                }
            }
        }
        Some("builtin") if args.len() == 2 => {
            let dir = Path::new(&args[1]);
            let result = std::fs::create_dir_all(dir).and_then(|_| {
                BUILTINS.iter().try_for_each(|b| {
                    let wasm_file = format!("{}.wasm", b.name);
                    let mut toml = manifest::render_manifest(b.name, b.kind, &wasm_file, b.wasm);
                    if !b.nodes.is_empty() {
                        toml.push_str(&format!("nodes = {:?}\n", b.nodes));
                    }
                    std::fs::write(dir.join(&wasm_file), b.wasm)?;
                    std::fs::write(dir.join(format!("{}.toml", b.name)), toml)
                })
            });
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{}: {e}", dir.display());
                    ExitCode::from(1)
                }
            }
        }
        Some("inspect") if args.len() == 2 => match inspect(Path::new(&args[1])) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", args[1]);
                ExitCode::from(1)
            }
        },
        Some("new") if args.len() >= 3 && manifest::parse_kind(&args[1]).is_some() => {
            let kind = manifest::parse_kind(&args[1]).expect("checked");
            let name = &args[2];
            let dir = args.get(3).map(Path::new).unwrap_or(Path::new(name));
            match crate::plugin::starter::new_project(kind, dir, name) {
                Ok(()) => {
                    println!(
                        "wrote {}: build it with `cargo build --target wasm32-wasip2 --release` there",
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        _ => {
            eprint!("{PLUGIN_USAGE}");
            ExitCode::from(2)
        }
    }
}

/// What `wconfd plugin inspect` prints: the world the component implements (by its exports),
/// every import and export, and its hash.
fn inspect(path: &Path) -> Result<String, String> {
    use crate::plugin::manifest::Kind;
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let engine = crate::plugin::engine().map_err(|e| format!("{e:#}"))?;
    let component = wasmtime::component::Component::new(&engine, &bytes)
        .map_err(|e| format!("not a WebAssembly component wconfd can load: {e:#}"))?;
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(&engine).map(|(n, _)| n.to_string()).collect();
    let exports: Vec<String> = ty.exports(&engine).map(|(n, _)| n.to_string()).collect();
    // The world is the one whose interface the component exports, at a version this host knows.
    let world = [Kind::Renderer, Kind::Backend, Kind::Helpers]
        .iter()
        .flat_map(|k| k.wit_versions().iter().map(move |v| (k, v)))
        .find(|(k, wit)| {
            let version = wit.rsplit_once('@').map(|(_, v)| v).unwrap_or_default();
            exports.contains(&format!("wconfd:plugin/{}@{version}", k.export_interface()))
        })
        .map(|(k, wit)| format!("{}-plugin ({wit}), kind = {:?}", k.as_str(), k.as_str()))
        .unwrap_or_else(|| "none this wconfd implements (no wconfd:plugin renderer, backend or helpers export)".into());
    let mut out = format!(
        "file: {}\nsha256: {}\nworld: {world}\n",
        path.display(),
        manifest::sha256_hex(&bytes)
    );
    out.push_str("imports:\n");
    for i in &imports {
        out.push_str(&format!("  {i}\n"));
    }
    out.push_str("exports:\n");
    for e in &exports {
        out.push_str(&format!("  {e}\n"));
    }
    Ok(out)
}

/// End a finished onetime run at once, as `_exit` does: every destination is written, synced
/// and renamed, every stage file removed, and log lines are written unbuffered, so nothing is
/// left for the C library's exit handlers, which would only delay the exit (an allocator's
/// final sweep, libraries' destructors). Standard output is flushed first. Onetime runs end
/// with 0 or 1.
fn exit_now(code: ExitCode) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: `_exit` ends the process; nothing of it runs afterwards.
    unsafe { libc::_exit(if code == ExitCode::SUCCESS { 0 } else { 1 }) }
}

/// The main entry: confd's command line.
pub fn main_with_args(args: Vec<String>) -> ExitCode {
    match args.first().map(String::as_str) {
        Some("plugin") => return plugin_command(&args[1..]),
        Some("check") => return crate::offline::check(&args[1..]),
        Some("render") => return crate::offline::render(&args[1..]),
        _ => {}
    }
    let layer = match flags::parse(&args) {
        Ok(flags::Parsed::Values(v)) => v,
        Ok(flags::Parsed::Help) => {
            eprint!("{}", flags::usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", e.0);
            eprint!("{}", flags::usage());
            return ExitCode::from(2);
        }
    };
    if layer
        .iter()
        .any(|(k, v)| *k == "version" && *v == config::Val::Bool(true))
    {
        println!("wconfd {} (confd 0.17.0-dev compatible, wasmtime 48)", crate::VERSION);
        return ExitCode::SUCCESS;
    }
    let load = {
        let layer = layer.clone();
        move || config::load(layer.clone(), config::process_env())
    };
    let config = match load() {
        Ok(c) => c,
        Err(e) => {
            crate::fatal!("{e}");
            return ExitCode::from(1);
        }
    };
    crate::log::set_level(config.log_level);
    crate::log::set_format(config.log_format);
    for w in &config.warnings {
        crate::warn!("{w}");
    }
    // A onetime run has nothing to run beside its passes: this thread runs them all and calls
    // the plugins in place. A daemon gets workers, and its plugin calls go to blocking threads.
    let onetime = config.onetime;
    if onetime {
        // The backend's first read (a file backend's) goes to a thread of its own now: its data
        // is in by the time this one has loaded the plugins and checked the templates.
        if let Some(read) = crate::backend::read_ahead(&config) {
            let _ = std::thread::Builder::new().name("wconfd-read".into()).spawn(read);
        }
    }
    let mut builder = if onetime {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    // Plugins run on the runtime's blocking threads; their stack must hold a deep render.
    let runtime = match builder
        .enable_all()
        .thread_stack_size(crate::plugin::PLUGIN_THREAD_STACK)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            crate::fatal!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let reload = move || {
        let c = load()?;
        crate::log::set_level(c.log_level);
        crate::log::set_format(c.log_format);
        for w in &c.warnings {
            crate::warn!("{w}");
        }
        Ok(c)
    };
    if onetime {
        let code = crate::plugin::on_plugin_stack(|| runtime.block_on(crate::daemon::run(config, reload)));
        // Every pass has finished and every file is written: tearing down the runtime and the
        // plugin instances would only delay the exit (half a millisecond of a 7 ms run).
        std::mem::forget(runtime);
        exit_now(code);
    }
    let code = runtime.block_on(crate::daemon::run(config, reload));
    // Blocking threads (a pass in flight when a signal arrived) have finished by now.
    runtime.shutdown_timeout(std::time::Duration::from_secs(30));
    code
}
