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

/// wconfd's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
