//! Builds the built-in plugins for wasm32-wasip2 (the default renderer,
//! `plugins/gotemplate-component`, and the rancher backend, `plugins/rancher`) and puts them in
//! OUT_DIR, so `cargo build` at the root yields a `wconfd` with them inside.
//!
//! The guest is built by a nested cargo with its own target directory (`target/guest`):
//! sharing the outer target directory deadlocks on cargo's build lock. Set
//! `WCONFD_RENDERER_WASM=/path/to/component.wasm` to use a prebuilt component instead.
//!
//! Each component is then compiled ahead of time to native code (`gotemplate.cwasm`) with the
//! engine configuration the host runs (`src/plugin/engine_config.rs`, included below), so a
//! run with no usable compiled-code cache starts without invoking Cranelift. The host checks
//! the artifact when it loads it and compiles the `.wasm` instead if wasmtime refuses it
//! (another CPU, another configuration).

#[path = "src/plugin/engine_config.rs"]
mod engine_config;

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    link_position_dependent();
    link_unwinder_statically();
    link_musl_copies();
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("host/ lives in the workspace root")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // (crate, file in OUT_DIR)
    let guests = [
        ("wconfd-gotemplate-component", "gotemplate.wasm"),
        ("wconfd-rancher", "rancher.wasm"),
        ("wconfd-consul", "consul.wasm"),
        ("wconfd-vault", "vault.wasm"),
        ("wconfd-dynamodb", "dynamodb.wasm"),
        ("wconfd-ssm", "ssm.wasm"),
        ("wconfd-json", "json.wasm"),
        ("wconfd-sprig", "sprig.wasm"),
    ];

    println!("cargo:rerun-if-env-changed=WCONFD_RENDERER_WASM");
    let prebuilt = env::var("WCONFD_RENDERER_WASM").ok();
    for p in [
        "plugins/gotemplate/src",
        "plugins/gotemplate/Cargo.toml",
        "plugins/gotemplate-component",
        "plugins/sdk",
        "plugins/rancher",
        "plugins/consul",
        "plugins/vault",
        "plugins/aws",
        "plugins/dynamodb",
        "plugins/ssm",
        "plugins/json",
        "plugins/sprig",
        "wit",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }

    let target_root = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let guest_target = target_root.join("guest");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args(["build", "--profile", "guest", "--target", "wasm32-wasip2"]);
    for (krate, _) in &guests {
        if prebuilt.is_some() && *krate == "wconfd-gotemplate-component" {
            continue;
        }
        cmd.args(["-p", krate]);
    }
    cmd.arg("--target-dir").arg(&guest_target);
    // WebAssembly SIMD (a standard part of Wasm 2.0, which wasmtime runs on any x86-64 with
    // SSE2 and any aarch64): the guests' byte scanning (memchr, string comparisons) uses it,
    // a tenth of a render's time.
    let mut guest_flags = env::var("CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS").unwrap_or_default();
    guest_flags.push_str(" -Ctarget-feature=+simd128");
    cmd.env("CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS", guest_flags.trim());
    // The outer build's settings are for the host, not the guest.
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the renderer guest: {e}"));
    if !status.success() {
        panic!(
            "building the built-in plugins (plugins/*, wasm32-wasip2) failed; \
             is the target installed? `rustup target add wasm32-wasip2`"
        );
    }
    for (krate, file) in guests {
        let out = out_dir.join(file);
        match (&prebuilt, krate) {
            (Some(p), "wconfd-gotemplate-component") => {
                println!("cargo:rerun-if-changed={p}");
                copy(Path::new(p), &out);
            }
            _ => {
                let built = guest_target.join(format!("wasm32-wasip2/guest/{}.wasm", krate.replace('-', "_")));
                copy(&built, &out);
            }
        }
        precompile(&out, false);
        // The built-in renderer also runs on the fuel-counting engine (a tenant's fuel limit).
        if krate == "wconfd-gotemplate-component" {
            precompile(&out, true);
        }
    }
}

/// Compile `wasm` to `<same name>.cwasm` (with `fuel`: `<same name>-fuel.cwasm`) for the target
/// being built.
fn precompile(wasm: &Path, fuel: bool) {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let host = env::var("HOST").expect("cargo sets HOST");
    // The host builds its engine with `config(None)` (this machine); pass a triple only when
    // cross-compiling, so that the two configurations hash the same.
    let triple = (target != host).then_some(target.as_str());
    let config =
        engine_config::config(triple, fuel).unwrap_or_else(|e| panic!("engine configuration for {target}: {e}"));
    let engine = wasmtime::Engine::new(&config).unwrap_or_else(|e| panic!("wasmtime engine for {target}: {e}"));
    let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    let native = engine
        .precompile_component(&bytes)
        .unwrap_or_else(|e| panic!("precompiling {}: {e:#}", wasm.display()));
    let out = match fuel {
        false => wasm.with_extension("cwasm"),
        true => wasm.with_extension("fuel.cwasm"),
    };
    std::fs::write(&out, native).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {} -> {}: {e}", from.display(), to.display()));
}

/// Link `wconfd` as a position-dependent executable, as Go links confd: a position-independent
/// one spends 0.4 ms of every run, a fifth of a small onetime run's start, in the dynamic
/// loader's 47,000 relocations and the copy-on-write faults they cause. Shared libraries and
/// every mapping but the executable's own are still placed at random. `WCONFD_PIE=1` keeps the
/// toolchain's default (position-independent, fully randomised).
///
/// On musl the code itself must be compiled position-dependent for that (`-C
/// relocation-model=static`, which `.cargo/config.toml` sets for the x86-64 musl target): musl's
/// start-up code for a static position-independent executable crashes in one linked `-no-pie`.
/// Built without it, a musl `wconfd` stays a static-PIE.
fn link_position_dependent() {
    println!("cargo:rerun-if-env-changed=WCONFD_PIE");
    let linux = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let musl = env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "musl");
    let static_code = env::var("CARGO_ENCODED_RUSTFLAGS")
        .is_ok_and(|f| f.split('\x1f').any(|flag| flag.ends_with("relocation-model=static")));
    if linux && (!musl || static_code) && env::var_os("WCONFD_PIE").is_none_or(|v| v.is_empty() || v == "0") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

/// The static musl build on x86-64 takes `memcpy` and `memmove` from `src/musl_copy.rs`
/// instead of musl's, which are slow: every call to them, musl's own included, is sent there.
/// For `wconfd` and the benchmarks, which must time what `wconfd` runs. Not for the tests: the
/// end-to-end suite's executable does not link the library that defines the replacements (it
/// runs `wconfd`), and correctness does not depend on which copy runs.
fn link_musl_copies() {
    let musl_x86_64 = env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "musl")
        && env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "x86_64");
    if musl_x86_64 {
        for kind in ["bins", "benches"] {
            println!("cargo:rustc-link-arg-{kind}=-Wl,--wrap=memcpy");
            println!("cargo:rustc-link-arg-{kind}=-Wl,--wrap=memmove");
        }
    }
}

/// Link GCC's unwinder (`libgcc_eh.a`) into `wconfd` instead of loading `libgcc_s.so.1`, as a
/// static build does: the shared library's constructor probes the CPU with `cpuid` at every
/// start, which traps to the hypervisor in a virtual machine, and the dynamic loader has one
/// library fewer to map and bind (together 0.17 to 0.2 ms of a small onetime run here). Rust
/// asks for `-lgcc_s`; a linker script of that name found first on the search path answers it
/// with the static archive. Only where the toolchain has `libgcc_eh.a` (GNU targets with GCC).
fn link_unwinder_statically() {
    let gnu_linux = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux")
        && env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "gnu");
    let static_build = env::var("CARGO_CFG_TARGET_FEATURE").is_ok_and(|f| f.split(',').any(|f| f == "crt-static"));
    if !gnu_linux || static_build {
        return;
    }
    println!("cargo:rerun-if-env-changed=CC");
    let found = Command::new(env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|p| PathBuf::from(p.trim()))
        .filter(|p| p.is_absolute() && p.exists());
    let Some(archive) = found else { return };
    let dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("static-unwinder");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let script = format!("INPUT({})\n", archive.display());
    std::fs::write(dir.join("libgcc_s.so"), script).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    println!("cargo:rustc-link-search=native={}", dir.display());
}
