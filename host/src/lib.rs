//! wconfd: a drop-in replacement for confd whose template renderers (and, later, helper
//! libraries and backends) are sandboxed WebAssembly components.
//!
//! The pipe, one way: [`config`] (flags, `CONFD_*`, confd.toml) → [`resource`] (conf.d) →
//! [`backend`] (a [`backend::Snapshot`] of a resource's keys) → a renderer [`plugin`] (bytes)
//! → [`sync`] (stage, compare, check, replace, reload). [`daemon`] schedules resources through
//! [`process`]; [`log`] writes confd's log lines.
#![deny(missing_docs)]

pub mod log;

pub mod backend;
pub mod cli;
pub mod command;
pub mod config;
pub mod daemon;
pub mod dns;
pub mod metrics;
pub mod offline;
pub mod plugin;
pub mod process;
pub mod resource;
pub mod sync;
pub mod systemd;
pub mod tenant;
pub mod toml_lines;

// The static musl build's `memcpy`/`memmove` and allocator live in the library, so that the
// benchmarks, which run the library in their own executables, time what `wconfd` runs.
#[cfg(all(target_env = "musl", target_arch = "x86_64"))]
mod musl_copy;

/// The static musl build's allocator: with musl's own `malloc`, a printf run over 20,000 keys
/// was 10 to 15% slower than the glibc build; with mimalloc and the copies of [`musl_copy`] it
/// is as fast (twemproxy 5,000 too). mimalloc is built
/// without transparent huge pages (`no_thp`): a build with its default, which asks for them,
/// ran a small onetime run 0.2 to 0.6 ms slower, half the page faults but each 2 MiB page
/// zeroed whole at its first touch.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// wconfd's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
