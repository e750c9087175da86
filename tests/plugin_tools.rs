//! The tools for plugin authors: `wconfd plugin new backend|helpers|renderer` writes a project
//! that builds on its own and serves a resource; `wconfd plugin inspect` tells a component's
//! world.

use crate::rancher_metadata::RancherMetadata;
use crate::util::{repo, write_manifest, Dir, Wconfd};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// `wconfd plugin new KIND NAME`, built offline, installed with its manifest in `dir/plugins`.
fn new_project_installed(dir: &Dir, kind: &str, name: &str) -> std::path::PathBuf {
    let project = dir.join(name);
    Wconfd::new()
        .args(["plugin", "new", kind, name])
        .arg(&project)
        .run()
        .ok();
    // Pin the dependencies to wconfd's own lock file so the build needs no registry.
    std::fs::copy(repo().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("starter-target");
    let status = Command::new(env!("CARGO"))
        .current_dir(&project)
        .args([
            "build",
            "--offline",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(status.success(), "the {kind} starter project builds");
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let wasm = plugins.join(format!("{name}.wasm"));
    std::fs::copy(
        target.join(format!("wasm32-wasip2/release/{}.wasm", name.replace('-', "_"))),
        &wasm,
    )
    .unwrap();
    write_manifest(&wasm, name, kind, "");
    plugins
}

#[test]
fn new_helpers_and_renderer_projects_build_and_serve_resources() {
    let dir = Dir::new();
    new_project_installed(&dir, "helpers", "acme-helpers");
    let plugins = new_project_installed(&dir, "renderer", "acme-render");
    dir.app_resources(&[
        (
            "h",
            "helpers = [\"acme-helpers\"]\n",
            "{{ shout (getv \"/app/name\") }} {{ repeatText 3 \"ab\" }}\n",
        ),
        (
            "r",
            "renderer = \"acme-render\"\n",
            "name=${/app/name} port=${/app/port:-80}\n",
        ),
    ]);
    Wconfd::file_onetime(&dir).arg("-plugin-dir").arg(&plugins).run().ok();
    // What the starters' own code says their functions do.
    assert_eq!(dir.read("h.out"), "WEB! ababab\n");
    assert_eq!(dir.read("r.out"), "name=web port=80\n");
}

#[test]
fn a_new_backend_project_builds_and_serves_a_resource() {
    let dir = Dir::new();
    let plugins = new_project_installed(&dir, "backend", "acme-store");

    let store = RancherMetadata::start(json!({"app": {"port": 8080, "hosts": ["a", "b"]}}));
    dir.keyed("app", "/app", "{{getv \"/app/port\"}} {{getv \"/app/hosts/1\"}}\n");
    Wconfd::over(
        &dir,
        &[
            "-onetime",
            "-backend",
            "acme-store",
            "-prefix",
            "/2015-12-19",
            "-node",
            &store.node(),
        ],
    )
    .arg("-plugin-dir")
    .arg(&plugins)
    .run()
    .ok();
    assert_eq!(dir.read("app.out"), "8080 b\n");
}

#[test]
fn inspect_tells_the_world_and_refuses_what_is_not_a_component() {
    let dir = Dir::new();
    let plugins = dir.join("builtin");
    Wconfd::new().args(["plugin", "builtin"]).arg(&plugins).run().ok();
    let r = Wconfd::new()
        .args(["plugin", "inspect"])
        .arg(plugins.join("consul.wasm"))
        .run();
    r.ok();
    assert!(
        r.stdout
            .contains("world: backend-plugin (wconfd:plugin@0.3.0), kind = \"backend\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  wasi:http/outgoing-handler@"), "{}", r.stdout);
    assert!(
        r.stdout.contains("exports:\n  wconfd:plugin/backend@0.3.0\n"),
        "{}",
        r.stdout
    );
    let r = Wconfd::new()
        .args(["plugin", "inspect"])
        .arg(plugins.join("gotemplate.wasm"))
        .run();
    assert!(
        r.stdout.contains("world: renderer-plugin (wconfd:plugin@0.3.0)"),
        "{}",
        r.stdout
    );
    let r = Wconfd::new()
        .args(["plugin", "inspect"])
        .arg(plugins.join("json.wasm"))
        .run();
    assert!(
        r.stdout
            .contains("world: helpers-plugin (wconfd:plugin@0.3.0), kind = \"helpers\""),
        "{}",
        r.stdout
    );
    std::fs::write(dir.join("junk.wasm"), "not wasm").unwrap();
    Wconfd::new()
        .args(["plugin", "inspect"])
        .arg(dir.join("junk.wasm"))
        .run()
        .code(1)
        .stderr_has("not a WebAssembly component wconfd can load");
}
