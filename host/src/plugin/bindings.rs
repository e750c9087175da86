//! The one place `bindgen!` runs for the plugin worlds (`wit/v*/wconfd-plugin.wit`).
#![allow(missing_docs)] // generated code

// `wconfd:plugin@0.3.0`'s `renderer-plugin` world: the built-in renderer's, with helper calls.
wasmtime::component::bindgen!({
    path: "../wit/v0.3.0",
    world: "renderer-plugin",
});

/// `wconfd:plugin@0.3.0`'s `helpers-plugin` world (same package, so the same `types`).
pub mod helpers {
    wasmtime::component::bindgen!({
        path: "../wit/v0.3.0",
        world: "helpers-plugin",
        with: {
            "wconfd:plugin/types": crate::plugin::bindings::wconfd::plugin::types,
        },
    });
}

/// `wconfd:plugin@0.1.0`'s `renderer-plugin` world: renderers built before helpers existed.
pub mod renderer_v1 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "renderer-plugin",
    });
}

/// `wconfd:plugin@0.3.0`'s `backend-plugin` world: packed snapshots, values as bytes.
pub mod backend_v3 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.3.0",
        world: "backend-plugin",
        with: {
            "wconfd:plugin/log": crate::plugin::bindings::helpers::wconfd::plugin::log,
        },
    });
}

/// `wconfd:plugin@0.2.0`'s `backend-plugin` world (still loaded).
pub mod backend {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "backend-plugin",
    });
}

/// The WIT package versions renderer plugins may be built against, newest first.
pub const RENDERER_WITS: &[&str] = &["wconfd:plugin@0.3.0", "wconfd:plugin@0.1.0"];
/// The WIT package versions backend plugins may be built against, newest first.
pub const BACKEND_WITS: &[&str] = &["wconfd:plugin@0.3.0", "wconfd:plugin@0.2.0"];
/// The WIT package version helper libraries are built against.
pub const HELPERS_WIT: &str = "wconfd:plugin@0.3.0";
