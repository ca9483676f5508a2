//! `WaitList`: the FIFO of parked waiters that every lock-protected primitive in `sync` shares.
//!
//! A waiter (a pending `acquire`, `lock`, `notified`, `recv` …) is an entry in a slab: a `Vec` of slots
//! threaded into a doubly linked queue by index. The future that owns a waiter keeps only its [`Key`].
//! The list is always used under the owning primitive's mutex, so it needs no atomics and no `unsafe`.
//!
//! An entry is in one of three states:
//!
//! - **linked**: queued, waiting; reachable from the head.
//! - **unlinked**: taken out of the queue by whoever served it but still holding its value, so the
//!   owning future can read the outcome on its next poll.
//! - **free**: released ([`WaitList::release`]), on the free list for reuse.
//!
//! Who releases an entry is the primitive's protocol, and it must make sure a key is never used after
//! its slot was reused behind its owner's back. Either the owning future releases it (it reads the
//! outcome from the unlinked entry first), or, for primitives whose waiters carry a
//! [`Signal`](super::signal::Signal) (the batch semaphore, `Notify`), the server releases it as it
//! serves the waiter and the owner, told so by its signal, forgets the key. Memory is bounded by the
//! peak number of live waiters, and the slab is emptied whenever the last live entry is released.

use std::fmt;

/// Index of a waiter's slot; meaningful only to the list that issued it.
pub(crate) type Key = usize;

const NIL: usize = usize::MAX;

enum State {
    Linked { prev: usize, next: usize },
    Unlinked,
    Free { next_free: usize },
}

struct Slot<T> {
    state: State,
    value: Option<T>,
}

/// A slab-backed FIFO of waiters; see the module docs.
pub(crate) struct WaitList<T> {
    slots: Vec<Slot<T>>,
    head: usize,
    tail: usize,
    free: usize,
    /// Linked entries.
    queued: usize,
    /// Linked plus unlinked entries.
    live: usize,
}

impl<T> WaitList<T> {
    /// An empty list; allocates nothing until the first push.
    pub(crate) const fn new() -> Self {
        WaitList {
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            free: NIL,
            queued: 0,
            live: 0,
        }
    }

    /// True if no entry is queued (unlinked entries do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Queues `value` at the back and returns its key.
    pub(crate) fn push_back(&mut self, value: T) -> Key {
        let state = State::Linked {
            prev: self.tail,
            next: NIL,
        };
        let key = if self.free != NIL {
            let key = self.free;
            let slot = &mut self.slots[key];
            match slot.state {
                State::Free { next_free } => self.free = next_free,
                _ => unreachable!("free list points at a live slot"),
            }
            slot.state = state;
            slot.value = Some(value);
            key
        } else {
            self.slots.push(Slot {
                state,
                value: Some(value),
            });
            self.slots.len() - 1
        };
        if self.tail == NIL {
            self.head = key;
        } else {
            self.set_next(self.tail, key);
        }
        self.tail = key;
        self.queued += 1;
        self.live += 1;
        key
    }

    /// The oldest queued entry.
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(self.head)
    }

    /// The newest queued entry.
    pub(crate) fn back(&self) -> Option<Key> {
        (self.tail != NIL).then_some(self.tail)
    }

    /// True if `key` is still queued.
    pub(crate) fn is_linked(&self, key: Key) -> bool {
        matches!(self.slots[key].state, State::Linked { .. })
    }

    /// The value of a live (linked or unlinked) entry.
    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        self.slots[key]
            .value
            .as_mut()
            .expect("wait list key of a released entry")
    }

    /// Takes `key` out of the queue but keeps its value for the owner; no-op if already unlinked.
    pub(crate) fn unlink(&mut self, key: Key) {
        let (prev, next) = match self.slots[key].state {
            State::Linked { prev, next } => (prev, next),
            _ => return,
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.set_next(prev, next);
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.set_prev(next, prev);
        }
        self.slots[key].state = State::Unlinked;
        self.queued -= 1;
    }

    /// Unlinks and returns the oldest queued entry's key.
    pub(crate) fn pop_front(&mut self) -> Option<Key> {
        let key = self.front()?;
        self.unlink(key);
        Some(key)
    }

    /// Frees `key` (unlinking it first if needed) and returns its value; see the module docs for who
    /// may.
    pub(crate) fn release(&mut self, key: Key) -> T {
        self.unlink(key);
        let slot = &mut self.slots[key];
        let value = slot.value.take().expect("wait list entry released twice");
        slot.state = State::Free {
            next_free: self.free,
        };
        self.free = key;
        self.live -= 1;
        if self.live == 0 {
            // Nothing refers to any slot: drop the free list, and give memory back after a burst.
            self.slots.clear();
            self.free = NIL;
            if self.slots.capacity() > 64 {
                self.slots.shrink_to(16);
            }
        }
        value
    }

    fn set_next(&mut self, key: Key, to: usize) {
        if let State::Linked { next, .. } = &mut self.slots[key].state {
            *next = to;
        }
    }

    fn set_prev(&mut self, key: Key, to: usize) {
        if let State::Linked { prev, .. } = &mut self.slots[key].state {
            *prev = to;
        }
    }
}

impl<T> Default for WaitList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for WaitList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            .field("queued", &self.queued)
            .finish()
    }
}

pub(crate) use crate::util::wake_list::WakeList;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_removal() {
        let mut l = WaitList::new();
        let a = l.push_back(1);
        let b = l.push_back(2);
        let c = l.push_back(3);
        l.unlink(b);
        assert_eq!(l.pop_front(), Some(a));
        assert_eq!(l.back(), Some(c));
        l.unlink(c);
        assert!(l.is_empty());
        assert_eq!(l.release(b), 2);
        assert_eq!(l.release(a), 1);
        let d = l.push_back(4);
        assert_eq!(*l.get_mut(d), 4);
        assert_eq!(l.release(c), 3);
        assert_eq!(l.release(d), 4);
        assert!(l.slots.is_empty());
    }
}
