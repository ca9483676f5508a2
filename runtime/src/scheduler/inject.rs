//! The inject queue: where tasks enter a scheduler from outside its worker threads.
//!
//! An intrusive FIFO through the tasks' `queue_next` links, under one mutex, with an atomic length so that
//! workers can see "empty" without taking the lock. Spawns from non-worker threads, wakes from non-worker
//! threads and local-queue overflow land here; workers take from it when their own queue is empty, and
//! every `global_queue_interval` ticks regardless, so it cannot starve.
//!
//! Closing it is the scheduler's shutdown signal: a closed queue drops what is pushed to it.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::task::raw::{Notified, RawTask};

struct List {
    head: Option<RawTask>,
    tail: Option<RawTask>,
    closed: bool,
}

/// The shared FIFO of a scheduler.
pub(crate) struct Inject {
    list: Mutex<List>,
    len: AtomicUsize,
}

// SAFETY: the raw task pointers are only followed under the mutex, and each queued task is kept alive by
// the `Notified` reference the queue owns.
unsafe impl Send for List {}

fn set_next(task: RawTask, next: Option<RawTask>) {
    // SAFETY: a task's queue link belongs to the queue that holds its Notified; the caller holds that
    // queue's lock (or owns a batch not yet published).
    task.header().queue_next.with_mut(|p| unsafe { *p = next });
}

fn get_next(task: RawTask) -> Option<RawTask> {
    // SAFETY: as in `set_next`.
    task.header().queue_next.with(|p| unsafe { *p })
}

impl Inject {
    pub(crate) fn new() -> Inject {
        Inject {
            list: Mutex::new(List {
                head: None,
                tail: None,
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes the queue; returns false if it was already closed.
    pub(crate) fn close(&self) -> bool {
        let mut list = self.list.lock();
        !std::mem::replace(&mut list.closed, true)
    }

    /// Appends `task`; a closed queue drops it instead.
    pub(crate) fn push(&self, task: Notified) {
        self.push_batch(std::iter::once(task));
    }

    /// Appends several tasks under one lock acquisition.
    pub(crate) fn push_batch(&self, tasks: impl Iterator<Item = Notified>) {
        // Link the batch privately first.
        let mut first: Option<RawTask> = None;
        let mut last: Option<RawTask> = None;
        let mut n = 0;
        for t in tasks {
            let raw = t.into_raw();
            set_next(raw, None);
            match last {
                Some(l) => set_next(l, Some(raw)),
                None => first = Some(raw),
            }
            last = Some(raw);
            n += 1;
        }
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        let mut list = self.list.lock();
        if list.closed {
            drop(list);
            let mut cur = Some(first);
            while let Some(raw) = cur {
                cur = get_next(raw);
                // SAFETY: each linked task carries the Notified reference we took `into_raw`.
                drop(unsafe { Notified::from_raw(raw) });
            }
            return;
        }
        match list.tail {
            Some(t) => set_next(t, Some(first)),
            None => list.head = Some(first),
        }
        list.tail = Some(last);
        self.len.fetch_add(n, Release);
    }

    /// Takes the oldest task.
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.is_empty() {
            return None;
        }
        let mut list = self.list.lock();
        let raw = list.head?;
        list.head = get_next(raw);
        if list.head.is_none() {
            list.tail = None;
        }
        set_next(raw, None);
        self.len.fetch_sub(1, Release);
        // SAFETY: the queue owned this task's Notified reference; it passes to the caller.
        Some(unsafe { Notified::from_raw(raw) })
    }

    /// Takes up to `n` tasks, oldest first, under one lock acquisition. The batch is unlinked from the
    /// queue before the lock is released, so the caller iterates it without holding the lock.
    pub(crate) fn pop_n(&self, n: usize) -> Batch {
        if self.is_empty() || n == 0 {
            return Batch {
                next: None,
                left: 0,
            };
        }
        let mut list = self.list.lock();
        let first = list.head;
        let mut last = None;
        let mut taken = 0;
        let mut cur = first;
        while taken < n {
            let Some(raw) = cur else { break };
            last = Some(raw);
            cur = get_next(raw);
            taken += 1;
        }
        list.head = cur;
        if cur.is_none() {
            list.tail = None;
        }
        if let Some(l) = last {
            set_next(l, None);
        }
        self.len.fetch_sub(taken, Release);
        Batch {
            next: first.filter(|_| taken > 0),
            left: taken,
        }
    }
}

/// Tasks taken from the inject queue in one go (see [`Inject::pop_n`]).
pub(crate) struct Batch {
    next: Option<RawTask>,
    left: usize,
}

impl Iterator for Batch {
    type Item = Notified;

    fn next(&mut self) -> Option<Notified> {
        let raw = self.next?;
        self.next = get_next(raw);
        set_next(raw, None);
        self.left -= 1;
        // SAFETY: the batch owns the Notified reference of every task linked in it.
        Some(unsafe { Notified::from_raw(raw) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Batch {}

impl Drop for Batch {
    fn drop(&mut self) {
        for t in self.by_ref() {
            drop(t);
        }
    }
}

impl Drop for Inject {
    fn drop(&mut self) {
        while let Some(t) = self.pop() {
            drop(t);
        }
    }
}
