//! Link the renderer with a 72 MiB shadow stack (Rust's wasm32 default is 1 MiB).
//!
//! Go lets a template call itself 100,000 deep before it stops with "exceeded maximum template
//! depth"; the engine keeps about 620 bytes per level on the shadow stack in linear memory, so
//! 100,000 levels need about 62 MiB. The stack is address space in the instance's linear memory:
//! its pages are touched only by a render that recurses that deep. Only this crate gets it; the
//! other plugins keep the default.
fn main() {
    if std::env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32")) {
        println!("cargo:rustc-link-arg=-zstack-size={}", 72 << 20);
    }
}
