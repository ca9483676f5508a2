//! `CachePadded`: keeps a value on cache lines of its own.
//!
//! A channel's hot fields are written by different parties: senders hammer the list's tail and the
//! semaphore, the receiver moves its read position, and each side flips the receiver's waker. Were
//! they packed into one or two cache lines, every write by one party would evict the line the other
//! is reading (false sharing), and each message would pay several cross-core misses. Wrapping each
//! group in `CachePadded` aligns it to the line size, so unrelated writes stop invalidating each
//! other. 128 bytes on x86-64 and AArch64, whose prefetchers pull lines in adjacent pairs; 64
//! elsewhere.

use std::ops::Deref;

/// `T`, aligned (and so padded) to a cache-line pair.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), repr(align(128)))]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    repr(align(64))
)]
#[derive(Debug, Default)]
pub(crate) struct CachePadded<T>(T);

impl<T> CachePadded<T> {
    /// Wraps `value`.
    pub(crate) const fn new(value: T) -> Self {
        CachePadded(value)
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
