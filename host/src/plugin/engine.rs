//! The wasmtime engine every plugin runs on, its epoch ticker, and the stack a onetime run
//! runs on.
//!
//! A onetime run is short enough that handing work between threads shows: waking a thread on
//! an idle CPU costs 0.15 to 0.4 ms here, as much as a template check. So a onetime run runs
//! from start to end on the main thread, switched to a stack deep enough for plugin calls
//! ([`on_plugin_stack`]), and calls its plugins in place ([`run_blocking`]) rather than on the
//! runtime's blocking threads.

use super::{embedded, engine_config, limits, PLUGIN_THREAD_STACK};
use std::cell::Cell;
use std::sync::{Arc, OnceLock};
use wasmtime::Engine;

/// The engine every plugin runs on, with its epoch ticker. Built once per process: its
/// configuration is part of the compiled-code cache key.
pub fn engine() -> wasmtime::Result<Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    engine_in(&ENGINE, false)
}

/// The engine for instances given a fuel budget ([`super::Limits::fuel`]): its code counts
/// instructions, which costs every call some speed, so it is made only when a limit needs it.
pub fn fuel_engine() -> wasmtime::Result<Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    engine_in(&ENGINE, true)
}

/// The engine in `slot`, made on first use; a caller arriving while another thread makes it
/// waits for that one (one engine, one epoch ticker: two tickers would halve every deadline).
fn engine_in(slot: &OnceLock<Result<Engine, String>>, fuel: bool) -> wasmtime::Result<Engine> {
    slot.get_or_init(|| make_engine(fuel).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(wasmtime::Error::msg)
}

fn make_engine(fuel: bool) -> wasmtime::Result<Engine> {
    let mut config = engine_config::config(None, fuel)?;
    // Code is made executable by `mprotect` from this process, so that built-ins can run from
    // the executable's own pages (see `embedded`).
    if embedded::IN_PLACE {
        config.with_custom_code_memory(Some(Arc::new(embedded::Mprotect)));
    }
    let engine = Engine::new(&config)?;
    let ticker = engine.clone();
    std::thread::Builder::new()
        .name("wconfd-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(limits::EPOCH_TICK);
            ticker.increment_epoch();
        })
        .map_err(|e| wasmtime::Error::msg(format!("cannot start the epoch thread: {e}")))?;
    Ok(engine)
}

thread_local! {
    /// Whether this thread is running on a stack made by [`on_plugin_stack`].
    static PLUGIN_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` on this thread, on a stack as deep as a plugin thread's ([`PLUGIN_THREAD_STACK`]),
/// with its plugin calls made in place (see [`run_blocking`]). A onetime run runs from start
/// to end this way: handing work between threads shows in a run of a few milliseconds, as
/// waking a thread on an idle CPU costs 0.15 to 0.4 ms here, and so does starting one.
pub fn on_plugin_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::grow(PLUGIN_THREAD_STACK, || {
        let was = PLUGIN_STACK.replace(true);
        let value = f();
        PLUGIN_STACK.set(was);
        value
    })
}

/// Run `f`, which calls plugins, from async code: in place on a plugin stack (a onetime run,
/// which runs one pass at a time: [`on_plugin_stack`]), else on the runtime's blocking threads
/// (whose stack is as deep), leaving the async thread free for the daemon's other work.
pub async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    if PLUGIN_STACK.get() {
        return Ok(f());
    }
    tokio::task::spawn_blocking(f).await
}
