//! Test harness: a temporary directory with helpers, and [`Wconfd`], which runs the real
//! binary with a clean environment and a shared compiled-plugin cache.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A temporary directory, removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::Builder::new().prefix("wconfd-test").tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.tmp.path().join(p)
    }

    /// Write `content` (text or any bytes) to `rel`, creating parent directories.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The file's text, or "" if it does not exist (yet).
    pub fn read_or_empty(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_default()
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.join(rel).exists()
    }

    pub fn mode(&self, rel: &str) -> u32 {
        std::fs::metadata(self.join(rel)).unwrap().permissions().mode() & 0o7777
    }

    /// Names in `rel` (to check no stage files are left behind).
    pub fn list(&self, rel: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.join(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A resource: `conf.d/<name>.toml` with `toml` and `templates/<name>.tmpl` with `tmpl`.
    pub fn resource(&self, name: &str, toml: &str, tmpl: impl AsRef<[u8]>) {
        self.write(&format!("confdir/conf.d/{name}.toml"), toml);
        self.write(&format!("confdir/templates/{name}.tmpl"), tmpl);
    }
}

impl Dir {
    /// `data.yaml` holding `/app/name = web`, and for each (name, extra TOML lines, template)
    /// a resource reading `/app` into `<dir>/<name>.out`.
    pub fn app_resources(&self, resources: &[(&str, &str, &str)]) {
        self.write("data.yaml", "app:\n  name: web\n");
        for (name, extra, tmpl) in resources {
            self.resource(
                name,
                &format!(
                    "[template]\nsrc = \"{name}.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n{extra}",
                    self.join(&format!("{name}.out")).display()
                ),
                tmpl,
            );
        }
    }

    /// A resource `name` reading `key`, rendering `tmpl` into `<dir>/<name>.out`.
    pub fn keyed(&self, name: &str, key: &str, tmpl: impl AsRef<[u8]>) {
        let toml = format!(
            "[template]\nsrc = \"{name}.tmpl\"\ndest = \"{}\"\nkeys = [\"{key}\"]\n",
            self.join(&format!("{name}.out")).display()
        );
        self.resource(name, &toml, tmpl);
    }
}

impl Dir {
    /// Seed 003's rollout resource: a trigger key whose JSON value becomes a command file, and a
    /// reload_cmd appending that file's `imageTag` line to the returned log.
    pub fn seed_003_rollout(&self) -> PathBuf {
        let reloads = self.join("reloads.log");
        let toml = format!(
            "[template]\nprefix = \"/cicd/rollout\"\nsrc = \"rollout.tmpl\"\ndest = \"{}\"\nkeys = [\"/trigger\"]\n\
             reload_cmd = \"grep imageTag {{{{.dest}}}} >> {} || true\"\n",
            self.join("rollout.cmd").display(),
            reloads.display()
        );
        let tmpl =
            "{{if exists \"/trigger\"}}{{$data := json (getv \"/trigger\")}}imageTag {{$data.imageTag}}\n{{end}}";
        self.resource("rollout", &toml, tmpl);
        reloads
    }
}

/// Stop a daemon with SIGTERM; it must exit 0. Returns its stderr.
pub fn stop_daemon(child: std::process::Child) -> String {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Like [`stop_daemon`], running `after_signal` between the SIGTERM and the exit (to watch
/// what the daemon does on the way out).
pub fn stop_daemon_keeping(child: std::process::Child, after_signal: impl FnOnce()) -> String {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    after_signal();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Copy a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Replace `from` with `to` in every file under `dir`.
pub fn rewrite_tree(dir: &Path, from: &str, to: &str) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rewrite_tree(&p, from, to);
        } else {
            let s = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, s.replace(from, to)).unwrap();
        }
    }
}

/// The test-only plugin crate `tests/plugins/<name>` built for wasm32-wasip2 (once per run,
/// by a nested cargo with its own target directory), installed with a manifest in a new
/// plugin directory under `dir` as plugin `name` of `kind`.
pub fn install_test_plugin(dir: &Dir, krate: &str, name: &str, kind: &str, manifest_extra: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let wasm = {
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        match built.iter().find(|(k, _)| k == krate) {
            Some((_, p)) => p.clone(),
            None => {
                let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-plugins");
                let status = Command::new(env!("CARGO"))
                    .current_dir(repo())
                    .args(["build", "--profile", "guest", "--target", "wasm32-wasip2", "-p", krate])
                    .arg("--target-dir")
                    .arg(&target)
                    .env_remove("CARGO_TARGET_DIR")
                    .env_remove("RUSTFLAGS")
                    .status()
                    .unwrap();
                assert!(status.success(), "building the test plugin {krate} failed");
                let p = target.join(format!("wasm32-wasip2/guest/{}.wasm", krate.replace('-', "_")));
                built.push((krate.to_string(), p.clone()));
                p
            }
        }
    };
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let installed = plugins.join(format!("{name}.wasm"));
    std::fs::copy(&wasm, &installed).unwrap();
    write_manifest(&installed, name, kind, manifest_extra);
    plugins
}

/// Write `<name>.toml` beside `wasm`: the manifest `wconfd plugin manifest` prints for it as
/// plugin `name` of `kind`, followed by `extra` (e.g. an `[options]` table).
pub fn write_manifest(wasm: &Path, name: &str, kind: &str, extra: &str) {
    let manifest = Wconfd::new()
        .arg("plugin")
        .arg("manifest")
        .arg(wasm)
        .args(["-name", name, "-kind", kind])
        .run();
    manifest.ok();
    let toml = wasm.with_file_name(format!("{name}.toml"));
    std::fs::write(toml, format!("{}{extra}", manifest.stdout)).unwrap();
}

/// A daemon over `dir`'s confdir and `data.yaml` (file backend, no confd.toml), with `args`.
pub fn file_daemon(dir: &Dir, args: &[&str]) -> Wconfd {
    let mut w = Wconfd::new();
    w.args(["-backend", "file", "-config-file", "/dev/null"])
        .args(args)
        .arg("-file")
        .arg(dir.join("data.yaml"))
        .arg("-confdir")
        .arg(dir.join("confdir"))
        .arg("-plugin-cache-dir")
        .arg(plugin_cache());
    w
}

/// The compiled-plugin cache every test shares, so the renderer is compiled once per run.
pub fn plugin_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

/// A `wconfd` invocation.
pub struct Wconfd {
    cmd: Command,
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "wconfd failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(!self.stderr.contains(needle), "stderr has {needle:?}:\n{}", self.stderr);
        self
    }
}

impl Wconfd {
    /// `wconfd` with no CONFD_* variables, no config file and the shared plugin cache.
    pub fn new() -> Wconfd {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wconfd"));
        for (k, _) in std::env::vars() {
            if k.starts_with("CONFD_") {
                cmd.env_remove(k);
            }
        }
        cmd.stdin(Stdio::null());
        Wconfd { cmd }
    }

    /// A run over `dir/confdir` with no config file, the shared plugin cache and `args`.
    pub fn over(dir: &Dir, args: &[&str]) -> Wconfd {
        let mut w = Wconfd::new();
        w.args(["-config-file", "/dev/null"]).args(args);
        w.arg("-confdir").arg(dir.join("confdir"));
        w.arg("-plugin-cache-dir").arg(plugin_cache());
        w
    }

    /// The usual onetime run over `dir/confdir` with the file backend reading `dir/data.yaml`.
    pub fn file_onetime(dir: &Dir) -> Wconfd {
        let mut w = Wconfd::new();
        w.args(["-onetime", "-backend", "file", "-config-file", "/dev/null"]);
        w.arg("-file").arg(dir.join("data.yaml"));
        w.arg("-confdir").arg(dir.join("confdir"));
        w.arg("-plugin-cache-dir").arg(plugin_cache());
        w
    }

    pub fn arg(&mut self, a: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.cmd.arg(a);
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(&mut self, a: I) -> &mut Self {
        self.cmd.args(a);
        self
    }

    pub fn env(&mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.cmd.env(k, v);
        self
    }

    pub fn current_dir(&mut self, d: &Path) -> &mut Self {
        self.cmd.current_dir(d);
        self
    }

    pub fn run(&mut self) -> Run {
        let Output { status, stdout, stderr } = self.cmd.output().unwrap();
        Run {
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into(),
            stderr: String::from_utf8_lossy(&stderr).into(),
        }
    }

    /// Start in the background (daemon tests).
    pub fn spawn(&mut self) -> std::process::Child {
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
    }
}

/// Wait up to `secs` for `f` to hold.
pub fn eventually(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("timed out after {secs}s waiting for: {what}");
}
