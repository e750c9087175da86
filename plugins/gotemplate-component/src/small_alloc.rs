//! Free lists per size in front of the component's allocator.
//!
//! A render allocates and frees a small block for nearly every value it evaluates: a string,
//! a map's entries, a list, an `Rc`. A general allocator spends its time on those (Talc's
//! `allocate` and `deallocate` were 15% of the twemproxy render's WebAssembly time), choosing
//! bins and merging neighbours that the next value asks for again at once. Here a small block
//! is taken from a free list of its size (or cut from a chunk) and goes back to that list: a
//! few instructions each way. Larger or more aligned blocks go to the inner allocator. Whole
//! runs, interleaved with the build before: printf 20,000 and 200,000 keys -8%, nginx 8,000
//! and 80,000 -9%, twemproxy-500 -0.1 ms (its render is mostly not allocation); peak memory
//! within a few percent either way.
//!
//! Small blocks are never handed back to the inner allocator: memory a render used for them
//! is kept for the next render. That is the most a render ever held in small blocks at once,
//! and linear memory never shrinks anyway.

// Natively it is not the global allocator (the host keeps its own) and only the tests use it.
#![cfg_attr(not(target_family = "wasm"), allow(dead_code))]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

/// Sizes are rounded up to a multiple of this; every block is aligned to it.
const GRAIN: usize = 8;
/// The largest size served from the free lists.
const SMALL_MAX: usize = 256;
/// Number of size classes: one per multiple of [`GRAIN`] up to [`SMALL_MAX`].
const CLASSES: usize = SMALL_MAX / GRAIN;
/// Small blocks are cut from chunks of this size, taken from the inner allocator.
const CHUNK: usize = 32 * 1024;

/// An allocator serving small blocks from free lists per size, the rest from `A`.
pub struct SmallFirst<A> {
    inner: A,
    state: UnsafeCell<State>,
}

struct State {
    /// The first free block of each class (its first word points at the next one).
    free: [*mut u8; CLASSES],
    /// What is left of the current chunk: `next..end`.
    next: *mut u8,
    end: *mut u8,
}

// SAFETY: the component is single-threaded (wasm32-wasip2 without the atomics feature has no
// threads), so the state is never touched from two threads.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
unsafe impl<A: Sync> Sync for SmallFirst<A> {}

/// The class of a layout the free lists serve, or `None` for the inner allocator.
fn class(layout: Layout) -> Option<usize> {
    (layout.size() <= SMALL_MAX && layout.align() <= GRAIN && layout.size() > 0)
        .then(|| layout.size().div_ceil(GRAIN) - 1)
}

impl<A> SmallFirst<A> {
    /// Small blocks from free lists, the rest from `inner`.
    pub const fn new(inner: A) -> SmallFirst<A> {
        SmallFirst {
            inner,
            state: UnsafeCell::new(State {
                free: [ptr::null_mut(); CLASSES],
                next: ptr::null_mut(),
                end: ptr::null_mut(),
            }),
        }
    }
}

impl<A: GlobalAlloc> SmallFirst<A> {
    /// A block of class `c`.
    ///
    /// # Safety
    /// No other call on this allocator may be running (see the `Sync` impl).
    unsafe fn alloc_small(&self, c: usize) -> *mut u8 {
        // SAFETY: one thread, and no reference to the state outlives a call.
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[c];
        if !head.is_null() {
            // SAFETY: a free block holds the next free block's address in its first word
            // (every block is at least GRAIN bytes and aligned to GRAIN).
            state.free[c] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = (c + 1) * GRAIN;
        if (state.end as usize) - (state.next as usize) < size {
            // The rest of the old chunk (less than SMALL_MAX bytes) is left unused.
            // SAFETY: CHUNK and GRAIN make a valid, non-zero layout.
            let chunk = unsafe { self.inner.alloc(Layout::from_size_align_unchecked(CHUNK, GRAIN)) };
            if chunk.is_null() {
                return chunk;
            }
            state.next = chunk;
            // SAFETY: the chunk is CHUNK bytes long.
            state.end = unsafe { chunk.add(CHUNK) };
        }
        let block = state.next;
        // SAFETY: at least `size` bytes of the chunk are left.
        state.next = unsafe { block.add(size) };
        block
    }

    /// Put `block` of class `c` on its free list.
    ///
    /// # Safety
    /// `block` came from `alloc_small(c)` and is no longer used; no other call is running.
    unsafe fn free_small(&self, block: *mut u8, c: usize) {
        // SAFETY: as in alloc_small.
        let state = unsafe { &mut *self.state.get() };
        // SAFETY: the block is ours, at least GRAIN bytes and aligned to GRAIN.
        unsafe { block.cast::<*mut u8>().write(state.free[c]) };
        state.free[c] = block;
    }
}

// SAFETY: blocks of a class are disjoint pieces of chunks the inner allocator keeps alive
// (chunks are never freed), each at least `layout.size()` bytes and aligned to GRAIN, which is
// at least `layout.align()`; a block is handed out again only after it is freed.
unsafe impl<A: GlobalAlloc> GlobalAlloc for SmallFirst<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class(layout) {
            // SAFETY: single-threaded (see the Sync impl).
            Some(c) => unsafe { self.alloc_small(c) },
            // SAFETY: the caller's layout contract passes on.
            None => unsafe { self.inner.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match class(layout) {
            // SAFETY: the same layout was given to alloc, so the block is of this class.
            Some(c) => unsafe { self.free_small(block, c) },
            // SAFETY: the block came from the inner allocator with this layout.
            None => unsafe { self.inner.dealloc(block, layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match class(layout) {
            Some(c) => {
                // SAFETY: as in alloc; a recycled block holds old bytes, so it is cleared.
                let block = unsafe { self.alloc_small(c) };
                if !block.is_null() {
                    unsafe { block.write_bytes(0, layout.size()) };
                }
                block
            }
            // SAFETY: the caller's layout contract passes on.
            None => unsafe { self.inner.alloc_zeroed(layout) },
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY (new layout): the caller guarantees new_size, rounded up to the alignment,
        // does not overflow isize.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new_layout)) {
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: a large block stays with the inner allocator, which may grow it in place.
            (None, None) => unsafe { self.inner.realloc(block, layout, new_size) },
            _ => {
                // SAFETY: a fresh block for the new layout, the common bytes copied, the old
                // one freed with the layout it was allocated with.
                unsafe {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    moved
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SmallFirst, CHUNK, SMALL_MAX};
    use std::alloc::{GlobalAlloc, Layout, System};

    /// A small deterministic generator (xorshift), so that a failure replays.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    struct Live {
        block: *mut u8,
        layout: Layout,
        fill: u8,
    }

    fn check(l: &Live) {
        // SAFETY: the block is live and `layout.size()` bytes long.
        let bytes = unsafe { std::slice::from_raw_parts(l.block, l.layout.size()) };
        assert!(bytes.iter().all(|&b| b == l.fill), "a live block was overwritten");
    }

    #[test]
    fn blocks_never_overlap_and_keep_their_bytes_through_frees_and_reallocs() {
        let a = SmallFirst::new(System);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut live: Vec<Live> = Vec::new();
        for step in 0..200_000u32 {
            let r = rng.next();
            let fill = (step % 251) as u8 + 1;
            match r % 4 {
                0 | 1 => {
                    // Mostly small sizes, some large, alignments 1 to 32.
                    let size = if r.is_multiple_of(7) {
                        1 + (r >> 8) as usize % 4000
                    } else {
                        1 + (r >> 8) as usize % (SMALL_MAX + 16)
                    };
                    let align = 1 << ((r >> 40) % 6);
                    let layout = Layout::from_size_align(size, align).unwrap();
                    // SAFETY: non-zero size.
                    let block = unsafe {
                        if r.is_multiple_of(3) {
                            a.alloc_zeroed(layout)
                        } else {
                            a.alloc(layout)
                        }
                    };
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "misaligned for {layout:?}");
                    if r.is_multiple_of(3) {
                        // SAFETY: live, size bytes.
                        let bytes = unsafe { std::slice::from_raw_parts(block, size) };
                        assert!(bytes.iter().all(|&b| b == 0), "alloc_zeroed gave old bytes");
                    }
                    // SAFETY: live, size bytes.
                    unsafe { block.write_bytes(fill, size) };
                    live.push(Live { block, layout, fill });
                }
                2 if !live.is_empty() => {
                    let l = live.swap_remove((r >> 8) as usize % live.len());
                    check(&l);
                    // SAFETY: allocated with this layout, freed once.
                    unsafe { a.dealloc(l.block, l.layout) };
                }
                3 if !live.is_empty() => {
                    let i = (r >> 8) as usize % live.len();
                    check(&live[i]);
                    let new_size = 1 + (r >> 20) as usize % (if r.is_multiple_of(5) { 5000 } else { SMALL_MAX + 16 });
                    let l = &mut live[i];
                    // SAFETY: live block with its layout; non-zero new size.
                    let moved = unsafe { a.realloc(l.block, l.layout, new_size) };
                    assert!(!moved.is_null());
                    let kept = l.layout.size().min(new_size);
                    // SAFETY: live, at least new_size bytes.
                    let bytes = unsafe { std::slice::from_raw_parts(moved, kept) };
                    assert!(bytes.iter().all(|&b| b == l.fill), "realloc lost bytes");
                    l.layout = Layout::from_size_align(new_size, l.layout.align()).unwrap();
                    l.block = moved;
                    // SAFETY: live, new_size bytes.
                    unsafe { moved.write_bytes(l.fill, new_size) };
                }
                _ => {}
            }
            if step % 10_000 == 0 {
                live.iter().for_each(check);
            }
        }
        live.iter().for_each(check);
        for l in live {
            // SAFETY: as above.
            unsafe { a.dealloc(l.block, l.layout) };
        }
    }

    #[test]
    fn a_freed_small_block_is_reused_before_a_new_one_is_cut() {
        let a = SmallFirst::new(System);
        let layout = Layout::from_size_align(24, 8).unwrap();
        // SAFETY: non-zero sizes; each block freed once with its layout.
        unsafe {
            let first = a.alloc(layout);
            let second = a.alloc(layout);
            assert_eq!(second as usize - first as usize, 24, "blocks are cut one after another");
            a.dealloc(first, layout);
            assert_eq!(
                a.alloc(Layout::from_size_align(17, 8).unwrap()),
                first,
                "same class, reused"
            );
            // A chunk's worth of blocks forces a new chunk.
            for _ in 0..CHUNK / 24 + 1 {
                assert!(!a.alloc(layout).is_null());
            }
        }
    }
}
