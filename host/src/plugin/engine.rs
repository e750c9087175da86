//! The wasmtime engine every plugin runs on, its epoch ticker, and the thread a onetime run
//! runs on.
//!
//! A onetime run is short enough that handing work between threads shows: waking a thread on
//! an idle CPU costs about 0.15 ms here, as much as a template check. So a onetime run runs from
//! start to end on one thread with a stack deep enough for plugin calls, made at start
//! ([`start`]), and calls its plugins in place ([`run_blocking`]) rather than on the runtime's
//! blocking threads.

use super::{embedded, engine_config, limits, PLUGIN_THREAD_STACK};
use std::cell::Cell;
use std::sync::mpsc;
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
    /// Whether this thread is running a job given to a [`RunThread`] (made with
    /// [`PLUGIN_THREAD_STACK`]).
    static PLUGIN_STACK: Cell<bool> = const { Cell::new(false) };
}

type Job = Box<dyn FnOnce() + Send>;

/// A thread with a stack deep enough for plugin calls, made by [`start`]: it loads the default
/// renderer, then runs at most one job (a onetime run).
pub struct RunThread {
    jobs: mpsc::SyncSender<Job>,
}

/// Get plugins ready while the command line and the configuration are read: this thread makes
/// the [`engine`] (0.25 ms, 0.1 of it detecting the CPU's features, as each `cpuid` traps to
/// the hypervisor in a virtual machine) while a second thread starts (as long again on an idle
/// CPU); that one then loads the default renderer's code (0.3 ms) and waits for a job. A
/// onetime run handed to it finds both done. `None` if no thread could be made (everything is
/// then made when first needed). Dropping the returned handle lets the thread end once it has
/// loaded the renderer.
pub fn start() -> Option<RunThread> {
    let (jobs, job) = mpsc::sync_channel::<Job>(1);
    std::thread::Builder::new()
        .name("wconfd-run".into())
        .stack_size(PLUGIN_THREAD_STACK)
        .spawn(move || {
            super::preload_default_renderer();
            // The job usually waits here already: this thread goes on without sleeping.
            if let Ok(job) = job.recv() {
                PLUGIN_STACK.set(true);
                job();
            }
        })
        .ok()?;
    let _ = engine();
    // The number of CPUs sizes the renderer pool; it is read from cgroup files (0.05 ms).
    let _ = limits::default_instances();
    Some(RunThread { jobs })
}

impl RunThread {
    /// Run `job` on this thread; do `meanwhile` on the calling thread, then wait for the job's
    /// result. Plugin calls in the job run in place (see [`run_blocking`]).
    pub fn run<T: Send + 'static>(self, job: impl FnOnce() -> T + Send + 'static, meanwhile: impl FnOnce()) -> T {
        let (done, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = done.send(job());
        });
        if let Err(mpsc::SendError(job)) = self.jobs.send(job) {
            // The thread is gone (it panicked loading the renderer): run here instead.
            meanwhile();
            job();
        } else {
            meanwhile();
        }
        result.recv().expect("the run thread ended without finishing its job")
    }
}

/// Run `f`, which calls plugins, from async code: in place on a thread made for plugin calls
/// (a onetime run, which runs one pass at a time), else on the runtime's blocking threads
/// (whose stack is as deep), leaving the async thread free for the daemon's other work.
pub async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    if PLUGIN_STACK.get() {
        return Ok(f());
    }
    tokio::task::spawn_blocking(f).await
}
