//! Built-in plugins run from the executable's own pages.
//!
//! `build.rs` compiles each built-in to native code; the artifact is embedded in the binary,
//! page-aligned. Loading it with [`Component::deserialize`] would copy it into fresh memory
//! first (measured: 0.6 ms of a 0.9 ms load for the 1.4 MB renderer; the `json` helper library
//! is 6 MB), each time a process starts; [`Component::deserialize_raw`] uses the embedded bytes
//! where they are, and the kernel pages in only the code a run executes.
//!
//! Wasmtime can only make such memory executable through a [`CustomCodeMemory`] hook (it does
//! not own the mapping), so the engines get [`Mprotect`], which does what wasmtime itself does
//! for its own mappings on x86-64: `mprotect` the code to read+execute. Other architectures
//! also need instruction-cache maintenance and branch-protection flags, which wasmtime's own
//! path does right: there the hook is not installed and built-ins are copied ([`IN_PLACE`]).

use std::ptr::NonNull;
use std::sync::Mutex;
use wasmtime::component::Component;
use wasmtime::{CustomCodeMemory, Engine};

/// Whether built-ins run in place (x86-64: coherent instruction caches, no BTI).
pub const IN_PLACE: bool = cfg!(target_arch = "x86_64");

/// Bytes aligned to a 4 KiB page, as wasmtime needs an artifact's start to be for its code to
/// be made executable in place.
#[repr(C, align(4096))]
pub struct PageAligned<B: ?Sized>(pub B);

/// `include_bytes!` of a file in `OUT_DIR`, page-aligned.
macro_rules! embed {
    ($file:literal) => {{
        const ALIGNED: &$crate::plugin::embedded::PageAligned<[u8]> =
            &$crate::plugin::embedded::PageAligned(*include_bytes!(concat!(env!("OUT_DIR"), "/", $file)));
        ALIGNED
    }};
}
pub(crate) use embed;

/// Load the built-in artifact `native` for `engine`, in place when it starts on a page
/// boundary of this machine (pages larger than 4 KiB: it is copied, as before).
///
/// Wasmtime registers code by address, so the same bytes can back one component only: the
/// first load for an engine is kept and handed out again (a component is a cheap handle), and
/// another engine gets a copy.
///
/// # Safety
/// `native` must be an artifact `build.rs` wrote with `Engine::precompile_component` for a
/// configuration like `engine`'s; wasmtime checks its header and refuses any other.
pub unsafe fn load(engine: &Engine, native: &'static PageAligned<[u8]>) -> wasmtime::Result<Component> {
    static LOADED: Mutex<Vec<(usize, Engine, Component)>> = Mutex::new(Vec::new());
    let bytes: &'static [u8] = &native.0;
    let at = bytes.as_ptr() as usize;
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    let taken = match loaded.iter().find(|(a, _, _)| *a == at) {
        Some((_, e, c)) if Engine::same(e, engine) => return Ok(c.clone()),
        Some(_) => true,
        None => false,
    };
    if !IN_PLACE || taken || !at.is_multiple_of(page_size()) {
        // SAFETY: the artifact's origin is the caller's promise.
        return unsafe { Component::deserialize(engine, bytes) };
    }
    // SAFETY: the bytes are static, never written, and live as long as the process (the
    // component is kept below, so they are never registered twice); the artifact's origin is
    // the caller's promise.
    let component = unsafe { Component::deserialize_raw(engine, NonNull::from(bytes)) }?;
    loaded.push((at, engine.clone(), component.clone()));
    Ok(component)
}

/// This machine's page size.
fn page_size() -> usize {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map(|p| p as usize)
        .unwrap_or(4096)
}

/// Code memory made executable with `mprotect`, for every engine of this process: the memory
/// wasmtime maps itself (plugins from the cache or compiled here) and the built-ins' embedded
/// pages alike.
pub struct Mprotect;

impl CustomCodeMemory for Mprotect {
    fn required_alignment(&self) -> usize {
        page_size()
    }

    fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        use nix::sys::mman::{mprotect, ProtFlags};
        let Some(start) = NonNull::new(ptr.cast_mut().cast::<std::ffi::c_void>()) else {
            return Ok(());
        };
        // SAFETY: wasmtime hands over a page-aligned range of code it has finished writing
        // and will not write again; read+execute is what it would set itself.
        unsafe { mprotect(start, len, ProtFlags::PROT_READ | ProtFlags::PROT_EXEC) }
            .map_err(|e| wasmtime::Error::msg(format!("cannot make plugin code executable: {e}")))
    }

    fn unpublish_executable(&self, _ptr: *const u8, _len: usize) -> wasmtime::Result<()> {
        // Nothing: wasmtime calls this when a component is dropped, before it unmaps its own
        // memory; an embedded built-in's pages must stay executable, as another component
        // made from the same bytes (after a reload) may be running from them. Nothing here
        // edits code after publishing it.
        Ok(())
    }
}
