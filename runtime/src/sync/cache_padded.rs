//! `CachePadded`: keeps a value off the cache lines of its neighbours.
//!
//! A channel's hot fields are written by different parties: senders hammer the list's tail and the
//! semaphore, the receiver moves its read position, and each side flips the receiver's waker. Were
//! they packed into one or two cache lines, every write by one party would evict the line the other
//! is reading (false sharing), and each message would pay several cross-core misses.
//!
//! `CachePadded` puts [`GAP`] bytes after the value. Between the end of one padded value and the
//! start of whatever follows there are then at least 128 bytes, so the two can share neither a
//! 64-byte line nor the 128-byte aligned pair that x86-64 and AArch64 prefetchers fetch together.
//! This is done with a trailing gap rather than `#[repr(align(128))]` on purpose: an over-aligned
//! type makes the allocator take its slow aligned path (`posix_memalign` in glibc), which made
//! creating a channel measurably slower, while the gap keeps the ordinary 16-byte allocation.

use std::mem::MaybeUninit;
use std::ops::Deref;

/// Bytes kept free after the value.
const GAP: usize = 128;

/// `T` followed by [`GAP`] bytes that nothing else may use. `repr(C)`: the value comes first. The
/// gap is never written (uninitialised), so creating one costs no more than creating `T`.
#[repr(C)]
pub(crate) struct CachePadded<T> {
    value: T,
    _gap: MaybeUninit<[u8; GAP]>,
}

impl<T> CachePadded<T> {
    /// Wraps `value`.
    pub(crate) const fn new(value: T) -> Self {
        CachePadded {
            value,
            _gap: MaybeUninit::uninit(),
        }
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for CachePadded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}
