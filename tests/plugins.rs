//! The plugin host: the plugin directory and its manifests, overrides, refusals, the
//! compiled-code cache, and plugin failures (traps) turning into resource errors.

use crate::util::{write_manifest, Dir, Wconfd};

fn one_resource(dir: &Dir, renderer: &str, tmpl: &str) {
    dir.write("data.yaml", "app:\n  name: web\n");
    let r = if renderer.is_empty() {
        String::new()
    } else {
        format!("renderer = {renderer:?}\n")
    };
    dir.resource(
        "app",
        &format!(
            "[template]\nsrc = \"app.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n{r}",
            dir.join("app.out").display()
        ),
        tmpl,
    );
}

fn export_builtin(dir: &Dir) -> std::path::PathBuf {
    let plugins = dir.join("plugins");
    Wconfd::new().arg("plugin").arg("builtin").arg(&plugins).run().ok();
    plugins
}

#[test]
fn a_plugin_directory_adds_renderers_by_name() {
    let dir = Dir::new();
    // The same component under another name, with a manifest made by `wconfd plugin`.
    let plugins = install_vendor_renderer(&dir);
    one_resource(&dir, "vendor-go", "via vendor: {{getv \"/app/name\"}}\n");
    let r = Wconfd::file_onetime(&dir)
        .arg("-plugin-dir")
        .arg(&plugins)
        .args(["-log-level", "debug"])
        .run();
    r.ok().stderr_has(&format!(
        "Loaded renderer plugin vendor-go from {}",
        plugins.join("vendor.wasm").display()
    ));
    assert_eq!(dir.read("app.out"), "via vendor: web\n");
}

#[test]
fn hash_and_version_mismatches_are_refused_and_only_their_users_fail() {
    let dir = Dir::new();
    let plugins = export_builtin(&dir);
    let toml = std::fs::read_to_string(plugins.join("gotemplate.toml")).unwrap();
    std::fs::copy(plugins.join("gotemplate.wasm"), plugins.join("tampered.wasm")).unwrap();
    let mut bytes = std::fs::read(plugins.join("tampered.wasm")).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    std::fs::write(plugins.join("tampered.wasm"), bytes).unwrap();
    std::fs::write(
        plugins.join("tampered.toml"),
        toml.replace("\"gotemplate\"", "\"tampered\"")
            .replace("gotemplate.wasm", "tampered.wasm"),
    )
    .unwrap();
    std::fs::write(
        plugins.join("future.toml"),
        toml.replace("\"gotemplate\"", "\"future\"").replace("@0.3.0", "@0.9.0"),
    )
    .unwrap();
    std::fs::remove_file(plugins.join("gotemplate.toml")).unwrap();
    dir.write("data.yaml", "app:\n  name: web\n");
    for (name, renderer) in [("a", "tampered"), ("b", "future"), ("c", "gotemplate")] {
        dir.resource(
            name,
            &format!(
                "[template]\nsrc = \"{name}.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\nrenderer = {renderer:?}\n",
                dir.join(&format!("{name}.out")).display()
            ),
            "{{getv \"/app/name\"}}\n",
        );
    }
    let r = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
    r.code(1)
        .stderr_has("plugin \"tampered\": sha256 of tampered.wasm is ")
        .stderr_has("plugin \"future\" was built for wconfd:plugin@0.9.0, this wconfd implements wconfd:plugin@0.3.0 or wconfd:plugin@0.1.0 for renderer plugins");
    assert_eq!(
        dir.read("c.out"),
        "web\n",
        "the built-in renderer still serves other resources"
    );
    assert!(!dir.exists("a.out") && !dir.exists("b.out"));
}

#[test]
fn an_unknown_renderer_fails_its_resource() {
    let dir = Dir::new();
    one_resource(&dir, "nope", "x");
    Wconfd::file_onetime(&dir)
        .run()
        .code(1)
        .stderr_has("no renderer plugin named \"nope\"");
}

/// Install the built-in renderer's `.wasm` in a plugin directory under another name.
fn install_vendor_renderer(dir: &Dir) -> std::path::PathBuf {
    let plugins = export_builtin(dir);
    std::fs::copy(plugins.join("gotemplate.wasm"), plugins.join("vendor.wasm")).unwrap();
    std::fs::remove_file(plugins.join("gotemplate.toml")).unwrap();
    write_manifest(&plugins.join("vendor.wasm"), "vendor-go", "renderer", "");
    plugins
}

/// A debug-level onetime run with the plugin directory `plugins` and the cache in `cache`.
fn run_with_cache(dir: &Dir, plugins: &std::path::Path, cache: &std::path::Path) -> crate::util::Run {
    Wconfd::file_onetime(dir)
        .arg("-plugin-dir")
        .arg(plugins)
        .arg("-plugin-cache-dir")
        .arg(cache)
        .args(["-log-level", "debug"])
        .run()
}

#[test]
fn compiled_code_of_directory_plugins_is_cached_on_disk() {
    let dir = Dir::new();
    let plugins = install_vendor_renderer(&dir);
    one_resource(&dir, "vendor-go", "{{getv \"/app/name\"}}\n");
    let cache = dir.join("cache");
    let run = || run_with_cache(&dir, &plugins, &cache);
    run()
        .ok()
        .stderr_has("Loaded renderer plugin vendor-go from ")
        .stderr_has("(Compiled)");
    assert!(std::fs::read_dir(&cache)
        .unwrap()
        .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "cwasm")));
    let second = run();
    second.ok().stderr_has("(Cache)");
    assert!(!second.stderr.contains("(Compiled)"), "{}", second.stderr);
    assert_eq!(dir.read("app.out"), "web\n");
}

#[test]
fn the_builtin_renderer_is_precompiled_and_needs_no_cache() {
    let dir = Dir::new();
    one_resource(&dir, "", "{{getv \"/app/name\"}}\n");
    // A cache "directory" below a regular file can never be created, not even by root.
    dir.write("not-a-dir", "");
    let cache = dir.join("not-a-dir/cache");
    let r = Wconfd::file_onetime(&dir)
        .arg("-plugin-cache-dir")
        .arg(&cache)
        .args(["-log-level", "debug"])
        .run();
    r.ok()
        .stderr_has("Loaded renderer plugin gotemplate from built-in (Precompiled)");
    assert!(
        !r.stderr.contains("cannot be used"),
        "the built-in never touches the cache: {}",
        r.stderr
    );
    assert_eq!(dir.read("app.out"), "web\n");
}

#[test]
fn an_unusable_cache_directory_is_said_once_at_debug_level_and_ignored() {
    let dir = Dir::new();
    let plugins = install_vendor_renderer(&dir);
    // Two directory plugins, so a second attempt to use the cache would show.
    std::fs::copy(plugins.join("vendor.wasm"), plugins.join("other-go.wasm")).unwrap();
    write_manifest(&plugins.join("other-go.wasm"), "other-go", "renderer", "");
    one_resource(&dir, "vendor-go", "{{getv \"/app/name\"}}\n");
    dir.write("not-a-dir", "");
    let cache = dir.join("not-a-dir/cache");
    let run = |level: &str| {
        Wconfd::file_onetime(&dir)
            .arg("-plugin-dir")
            .arg(&plugins)
            .arg("-plugin-cache-dir")
            .arg(&cache)
            .args(["-log-level", level])
            .run()
    };
    let r = run("debug");
    r.ok();
    let said = r.stderr.matches("cannot be used").count();
    assert_eq!(said, 1, "reported exactly once: {}", r.stderr);
    r.stderr_has(&format!("Plugin cache directory {} cannot be used", cache.display()));
    assert_eq!(dir.read("app.out"), "web\n");
    // Not a warning: at the default level nothing is said.
    std::fs::remove_file(dir.join("app.out")).unwrap();
    let quiet = run("info");
    quiet.ok();
    assert!(!quiet.stderr.contains("cannot be used"), "{}", quiet.stderr);
    assert_eq!(dir.read("app.out"), "web\n");
}

#[test]
fn a_cache_entry_that_cannot_be_read_is_a_warning_said_once_and_replaced() {
    let dir = Dir::new();
    let plugins = install_vendor_renderer(&dir);
    one_resource(&dir, "vendor-go", "{{getv \"/app/name\"}}\n");
    let cache = dir.join("cache");
    let run = || run_with_cache(&dir, &plugins, &cache);
    run().ok().stderr_has("(Compiled)");
    let entry = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .unwrap();
    // A truncated entry (a crash or a full disk while it was written by another tool).
    let bytes = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &bytes[..bytes.len() / 2]).unwrap();
    let r = run();
    r.ok()
        .stderr_has(&format!(
            "WARNING Plugin cache entry {} cannot be read",
            entry.display()
        ))
        .stderr_has("(Compiled)");
    assert_eq!(r.stderr.matches("cannot be read").count(), 1, "{}", r.stderr);
    assert_eq!(dir.read("app.out"), "web\n");
    // The entry was written again: the next start loads it, and says nothing.
    let again = run();
    again.ok().stderr_has("(Cache)").stderr_lacks("WARNING");
}

/// A template whose render runs the renderer instance out of memory: each `split` of a
/// million-character string holds a million strings (~24 MiB on wasm32); sixteen alive at once
/// exceed the instance's 384 MiB cap, so the guest's allocation traps.
pub(crate) fn memory_bomb() -> String {
    (0..16)
        .map(|i| format!("{{{{$v{i} := split (printf \"%01000000d\" 0) \"\"}}}}"))
        .collect()
}

#[test]
fn a_plugin_trap_is_that_resources_error_and_the_next_render_works() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n");
    let bomb = memory_bomb();
    dir.resource(
        "a_bomb",
        &format!(
            "[template]\nsrc = \"a_bomb.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dir.join("bomb.out").display()
        ),
        &bomb,
    );
    dir.resource(
        "b_fine",
        &format!(
            "[template]\nsrc = \"b_fine.tmpl\"\ndest = \"{}\"\nkeys = [\"/app\"]\n",
            dir.join("fine.out").display()
        ),
        "{{getv \"/app/name\"}}\n",
    );
    let r = Wconfd::file_onetime(&dir).run();
    r.code(1)
        .stderr_has("renderer plugin \"gotemplate\" failed: the call reached the instance's memory limit");
    assert!(!dir.exists("bomb.out"));
    assert_eq!(
        dir.read("fine.out"),
        "web\n",
        "a fresh instance serves the next resource"
    );
}

#[test]
fn a_plugin_named_gotemplate_overrides_the_built_in_renderer() {
    let dir = Dir::new();
    let plugins = export_builtin(&dir);
    one_resource(&dir, "", "{{getv \"/app/name\"}}\n");
    let r = Wconfd::file_onetime(&dir)
        .arg("-plugin-dir")
        .arg(&plugins)
        .args(["-log-level", "debug"])
        .run();
    r.ok();
    // Both load, the plugin directory's last: resources without `renderer` use it.
    let loaded: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("Loaded renderer plugin gotemplate from"))
        .collect();
    assert_eq!(loaded.len(), 2, "{}", r.stderr);
    assert!(
        loaded[1].contains(&plugins.join("gotemplate.wasm").display().to_string()),
        "{}",
        r.stderr
    );
    assert_eq!(dir.read("app.out"), "web\n");
}

#[test]
fn a_bad_manifest_is_refused_naming_its_file_line_and_key() {
    let dir = Dir::new();
    dir.write("data.yaml", "app:\n  name: web\n");
    dir.keyed("plain", "/app", "{{getv \"/app/name\"}}\n");
    let plugins = dir.join("plugins");
    for (file, text, want) in [
        (
            "kind.toml",
            "name = \"k\"\nkind = \"renderr\"\n",
            ":2: key 'kind': unknown kind",
        ),
        (
            "options.toml",
            "name = \"o\"\nkind = \"backend\"\nwit = \"wconfd:plugin@0.3.0\"\nsha256 = \"00\"\n[options]\nx = [1]\n",
            ":6: key 'options.x': expected a string, found array",
        ),
        ("syntax.toml", "name = \"s\"\n\nkind = = \"renderer\"\n", ":3: "),
    ] {
        dir.write(&format!("plugins/{file}"), text);
        let run = Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run();
        run.stderr_has(&format!("Plugin refused: {}{want}", plugins.join(file).display()));
        std::fs::remove_file(plugins.join(file)).unwrap();
        // The other resources render.
        assert_eq!(dir.read("plain.out"), "web\n");
    }
}
