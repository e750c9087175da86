//! The wasmtime configuration every plugin runs under.
//!
//! This one file is compiled twice: into the host, and into `host/build.rs`, which compiles
//! the built-in plugins ahead of time with it. wasmtime records a hash of the configuration in
//! each precompiled artifact and refuses an artifact made under another one, so the two must
//! come from the same source; anything that changes code generation belongs here and nowhere
//! else. It may only use wasmtime.

/// Native stack one plugin call may use.
pub const MAX_WASM_STACK: usize = 96 << 20;

/// Stack size for threads that call plugins: room for a render and a helper it calls, each
/// at [`MAX_WASM_STACK`], plus the host's own frames. Reserved address space, not memory: pages
/// are only backed when a call goes that deep.
#[allow(dead_code)] // the build script includes this file too
pub const PLUGIN_THREAD_STACK: usize = 2 * MAX_WASM_STACK + (16 << 20);

/// The engine configuration. `target` is a target triple to compile for (the build script
/// passes its `TARGET`); `None` means this machine. `fuel`: generated code counts the
/// instructions it runs, so that a call can be given a deterministic budget; that costs speed
/// on every call, so it is a second engine, used only for instances given a fuel limit.
pub fn config(target: Option<&str>, fuel: bool) -> wasmtime::Result<wasmtime::Config> {
    let mut config = wasmtime::Config::new();
    config.consume_fuel(fuel);
    config.wasm_component_model(true);
    // Deadlines: the epoch advances on a timer thread and a call past its budget traps.
    config.epoch_interruption(true);
    // No component-model async here: it costs ~2x per host call (wasmtime-notes.md).
    config.concurrency_support(false);
    // Go lets a template call itself 100,000 deep; the renderer needs about 650 bytes of native
    // stack per level. Every thread that calls a plugin must have at least twice this much
    // stack (a helper called from a deep render gets its own budget on the same thread):
    // see `PLUGIN_THREAD_STACK`.
    config.max_wasm_stack(MAX_WASM_STACK);
    // wasmtime insists on this even when no call is async (none is here).
    config.async_stack_size(MAX_WASM_STACK + (2 << 20));
    if let Some(t) = target {
        config.target(t)?;
    }
    Ok(config)
}
