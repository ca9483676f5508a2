//! Recycling the buffers that hold request heads: each thread keeps one spare.
//!
//! Every request owns a copy of its head (see `Headers`), so it can outlive the connection's read
//! buffer and move to another task. Allocating that copy and freeing it when the request drops was
//! a `malloc` and a `free` per request; instead a dropped request's buffer becomes its thread's
//! spare, and the next request built on that thread takes it. A worker thread runs one handler at
//! a time, so one spare is enough for the common case (the handler drops the request before the
//! next one is built); a request that lives longer, or dies on another thread, just means a fresh
//! allocation, or a spare replaced. Per thread, not per connection: no sharing, no atomics, and no
//! pointer back from the request to its connection.
//!
//! The trade: each thread may keep one buffer of up to [`MAX_KEPT`] bytes alive while idle.

use std::cell::Cell;

/// The smallest buffer handed out: most heads (and their field offsets) fit, so a spare fits the
/// next request too.
const MIN_CAPACITY: usize = 1024;

/// Buffers larger than this are freed rather than kept (a rare huge head does not pin memory).
pub(crate) const MAX_KEPT: usize = 16 * 1024;

thread_local! {
    /// The thread's spare buffer (empty, capacity 0 when there is none).
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// An empty buffer with room for at least `capacity` bytes: the thread's spare if it is big
/// enough, else a new one.
#[inline]
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    let spare = SPARE.try_with(Cell::take).unwrap_or_default();
    if spare.capacity() >= capacity {
        return spare;
    }
    // Too small (or none): a rare head bigger than every earlier one on this thread.
    Vec::with_capacity(capacity.max(MIN_CAPACITY))
}

/// Keeps `buf` as the thread's spare (replacing the one there, if any), unless it is outside the
/// sizes worth keeping; then it is freed.
#[inline]
pub(crate) fn give_back(mut buf: Vec<u8>) {
    if !(MIN_CAPACITY..=MAX_KEPT).contains(&buf.capacity()) {
        return;
    }
    buf.clear();
    // During thread teardown the slot may be gone: then `buf` is simply dropped.
    let _ = SPARE.try_with(move |s| drop(s.replace(buf)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_back_buffer_is_reused() {
        let mut a = take(10);
        assert!(a.capacity() >= MIN_CAPACITY);
        a.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
        let ptr = a.as_ptr();
        give_back(a);
        let b = take(100);
        assert!(b.is_empty());
        assert_eq!(b.as_ptr(), ptr);
        // Nothing spare now: a new buffer.
        let c = take(100);
        assert_ne!(c.as_ptr(), ptr);
        give_back(b);
        give_back(c);
    }

    #[test]
    fn odd_sizes_are_not_kept() {
        let big = Vec::with_capacity(MAX_KEPT + 1);
        give_back(big);
        let small = Vec::with_capacity(8);
        give_back(small);
        let got = take(MAX_KEPT + 1);
        assert!(got.capacity() > MAX_KEPT);
    }
}
