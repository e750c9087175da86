//! The one place `bindgen!` runs for the plugin worlds (`wit/v*/wconfd-plugin.wit`).
#![allow(missing_docs)] // generated code

wasmtime::component::bindgen!({
    path: "../wit/v0.1.0",
    world: "renderer-plugin",
});

/// `wconfd:plugin@0.2.0`'s `backend-plugin` world.
pub mod backend {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "backend-plugin",
    });
}

/// The WIT package version renderer plugins are built against.
pub const RENDERER_WIT: &str = "wconfd:plugin@0.1.0";
/// The WIT package version backend plugins are built against.
pub const BACKEND_WIT: &str = "wconfd:plugin@0.2.0";
