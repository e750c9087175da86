//! The one place `bindgen!` runs for the plugin worlds (`wit/wconfd-plugin.wit`).
#![allow(missing_docs)] // generated code

wasmtime::component::bindgen!({
    path: "../wit",
    world: "renderer-plugin",
});

/// The WIT package version this host implements; manifests must name it.
pub const WIT_VERSION: &str = "wconfd:plugin@0.1.0";
