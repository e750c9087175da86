//! The wasmtime configuration every plugin runs under.
//!
//! This one file is compiled twice: into the host, and into `host/build.rs`, which compiles
//! the built-in plugins ahead of time with it. wasmtime records a hash of the configuration in
//! each precompiled artifact and refuses an artifact made under another one, so the two must
//! come from the same source; anything that changes code generation belongs here and nowhere
//! else. It may only use wasmtime.

/// The engine configuration. `target` is a target triple to compile for (the build script
/// passes its `TARGET`); `None` means this machine.
pub fn config(target: Option<&str>) -> wasmtime::Result<wasmtime::Config> {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    // Deadlines: the epoch advances on a timer thread and a call past its budget traps.
    config.epoch_interruption(true);
    // No component-model async here: it costs ~2x per host call (wasmtime-notes.md).
    config.concurrency_support(false);
    if let Some(t) = target {
        config.target(t)?;
    }
    Ok(config)
}
