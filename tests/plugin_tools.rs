//! The tools for plugin authors: `wconfd plugin new backend` writes a project that builds on
//! its own and serves a resource; `wconfd plugin inspect` tells a component's world.

use crate::rancher_metadata::RancherMetadata;
use crate::util::{repo, write_manifest, Dir, Wconfd};
use serde_json::json;
use std::path::Path;
use std::process::Command;

#[test]
fn a_new_backend_project_builds_and_serves_a_resource() {
    let dir = Dir::new();
    let project = dir.join("acme-store");
    Wconfd::new()
        .args(["plugin", "new", "backend", "acme-store"])
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
    assert!(status.success(), "the starter project builds");
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        target.join("wasm32-wasip2/release/acme_store.wasm"),
        plugins.join("acme-store.wasm"),
    )
    .unwrap();
    write_manifest(&plugins.join("acme-store.wasm"), "acme-store", "backend", "");

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
            .contains("world: backend-plugin (wconfd:plugin@0.2.0), kind = \"backend\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  wasi:http/outgoing-handler@"), "{}", r.stdout);
    assert!(
        r.stdout.contains("exports:\n  wconfd:plugin/backend@0.2.0\n"),
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
    std::fs::write(dir.join("junk.wasm"), "not wasm").unwrap();
    Wconfd::new()
        .args(["plugin", "inspect"])
        .arg(dir.join("junk.wasm"))
        .run()
        .code(1)
        .stderr_has("not a WebAssembly component wconfd can load");
}
