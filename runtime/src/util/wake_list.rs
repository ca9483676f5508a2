//! `WakeList`: wakers gathered under a lock, woken after it is released.
//!
//! Waking a task runs scheduler code (and, for foreign wakers, arbitrary code), so primitives collect
//! wakers while they hold their lock and call them once it is dropped. The list is a fixed array on the
//! stack: no allocation, and only the slots actually filled are written, read and dropped — an empty
//! or one-waker list costs a few instructions, not a sweep of the whole array.
//!
//! Waking several tasks at once from a thread that is not one of their runtime's workers sends that
//! runtime one unpark for the whole list (`scheduler/multi_thread/wake_batch.rs`).

use crate::scheduler::multi_thread::RemoteWakeBatch;
use std::mem::MaybeUninit;
use std::task::Waker;

/// Up to [`WakeList::CAP`] wakers; see the module docs.
pub(crate) struct WakeList {
    /// Slots `..len` hold initialized wakers; the rest are uninitialized.
    wakers: [MaybeUninit<Waker>; WakeList::CAP],
    len: usize,
}

impl WakeList {
    /// How many wakers are gathered before the lock is dropped to wake them.
    pub(crate) const CAP: usize = 32;

    pub(crate) fn new() -> Self {
        WakeList {
            wakers: [const { MaybeUninit::uninit() }; WakeList::CAP],
            len: 0,
        }
    }

    pub(crate) fn can_push(&self) -> bool {
        self.len < Self::CAP
    }

    /// Adds `w`. Panics if the list is full (callers check [`WakeList::can_push`]).
    pub(crate) fn push(&mut self, w: Waker) {
        assert!(self.can_push(), "WakeList is full");
        self.wakers[self.len].write(w);
        self.len += 1;
    }

    /// Wakes everything gathered so far and empties the list.
    pub(crate) fn wake_all(&mut self) {
        let n = self.len;
        // Emptied first: if a waker panics, the ones after it are leaked, never read twice.
        self.len = 0;
        // Several wakes from a thread outside a runtime unpark one of its workers once, at the end.
        let _batch = (n > 1).then(RemoteWakeBatch::begin);
        for slot in &mut self.wakers[..n] {
            // SAFETY: slots below the old `len` were initialized by `push`, and each is read exactly
            // once: `len` is already 0, so neither a later `wake_all` nor `drop` sees this slot again
            // until `push` writes it anew.
            let waker = unsafe { slot.assume_init_read() };
            waker.wake();
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::WakeList;
    use crate::util::counting_waker::Count;
    use std::sync::Arc;

    #[test]
    fn wakes_each_once_and_on_drop() {
        let count = Count::new();
        let mut list = WakeList::new();
        for _ in 0..WakeList::CAP {
            list.push(count.waker());
        }
        assert!(!list.can_push());
        list.wake_all();
        assert_eq!(count.get(), WakeList::CAP);
        list.wake_all();
        assert_eq!(count.get(), WakeList::CAP);
        list.push(count.waker());
        drop(list);
        assert_eq!(count.get(), WakeList::CAP + 1);
        // Every waker was consumed: only our own reference is left.
        assert_eq!(Arc::strong_count(&count), 1);
    }
}
