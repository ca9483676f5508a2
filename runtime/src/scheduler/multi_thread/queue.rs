//! The per-worker run queue: a fixed ring of 256 tasks that its owner pushes and pops without locks,
//! and that other workers steal half of.
//!
//! Indices are `u32`s that only grow (wrapping); a slot is `index % 256`. The owner alone writes `tail`.
//! `head` packs two indices in one `u64` so that both change in one atomic step:
//!
//! - `real`: the next slot the owner (or a stealer) will take;
//! - `steal`: the first slot a stealer is still copying out of. Equal to `real` when no steal is in
//!   progress.
//!
//! A stealer claims a range by moving `real` forward (leaving `steal` behind), copies the tasks out, and
//! then moves `steal` up to `real`. The owner computes free space from `steal`, so it never overwrites a
//! slot that is still being copied. Only one steal runs at a time (a stealer that sees `steal != real`
//! gives up). When the ring is full, the owner moves half of it, plus the new task, to the inject queue
//! in one batch.

use super::super::inject::Inject;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use crate::loom::sync::Arc;
use crate::task::raw::Notified;
use std::mem::MaybeUninit;

#[cfg(not(loom))]
pub(crate) const CAPACITY: usize = 256;
/// Small under loom, so that overflow and wrap-around are reachable in a model.
#[cfg(loom)]
pub(crate) const CAPACITY: usize = 4;
const MASK: usize = CAPACITY - 1;

struct Inner {
    head: AtomicU64,
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<Notified>>]>,
}

// SAFETY: slots are handed between threads under the index protocol above: a slot is written only by the
// owner while it lies outside `[steal, tail)`, and read only by the one thread that claimed it.
unsafe impl Send for Inner {}
// SAFETY: as above.
unsafe impl Sync for Inner {}

/// The owner's end.
pub(crate) struct Local {
    inner: Arc<Inner>,
}

/// The stealers' end.
#[derive(Clone)]
pub(crate) struct Steal(Arc<Inner>);

fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << 32) | real as u64
}

/// A new, empty queue.
pub(crate) fn local() -> (Steal, Local) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (Steal(inner.clone()), Local { inner })
}

impl Inner {
    /// # Safety
    /// The caller has exclusive rights to slot `idx` and it is empty.
    unsafe fn write(&self, idx: u32, task: Notified) {
        self.buffer[idx as usize & MASK].with_mut(|p| (*p).write(task));
    }

    /// # Safety
    /// The caller has claimed slot `idx` and it holds a task.
    unsafe fn read(&self, idx: u32) -> Notified {
        self.buffer[idx as usize & MASK].with(|p| (*p).assume_init_read())
    }

    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(real) as usize
    }
}

impl Local {
    /// True if the queue holds tasks.
    pub(crate) fn has_tasks(&self) -> bool {
        self.inner.len() > 0
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// Free slots, counted from `steal` (slots being stolen are not free yet).
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    /// Pushes to the back; on overflow moves half of the queue and `task` to `inject`.
    pub(crate) fn push_back_or_overflow(&mut self, mut task: Notified, inject: &Inject) {
        let tail = loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            // Only the owner writes tail.
            let tail = self.inner.tail.load(Relaxed);
            if (tail.wrapping_sub(steal) as usize) < CAPACITY {
                break tail;
            } else if steal != real {
                // A stealer is draining us right now; space is coming, but don't wait for it.
                inject.push(task);
                return;
            } else {
                match self.push_overflow(task, real, tail, inject) {
                    Ok(()) => return,
                    Err(t) => task = t,
                }
            }
        };
        // SAFETY: the slot at `tail` is outside `[steal, tail)`, so nobody reads it, and we are the only
        // writer.
        unsafe { self.inner.write(tail, task) };
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Pushes several tasks (the caller checked `remaining_slots`).
    pub(crate) fn push_back_batch(&mut self, tasks: impl ExactSizeIterator<Item = Notified>) {
        debug_assert!(tasks.len() <= self.remaining_slots());
        let mut tail = self.inner.tail.load(Relaxed);
        for t in tasks {
            // SAFETY: as in `push_back_or_overflow`: the caller checked there is room.
            unsafe { self.inner.write(tail, t) };
            tail = tail.wrapping_add(1);
        }
        self.inner.tail.store(tail, Release);
    }

    /// Moves the older half of a full queue plus `task` to the inject queue.
    fn push_overflow(
        &mut self,
        task: Notified,
        head: u32,
        tail: u32,
        inject: &Inject,
    ) -> Result<(), Notified> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(head) as usize, CAPACITY);
        let prev = pack(head, head);
        let next = pack(head.wrapping_add(HALF), head.wrapping_add(HALF));
        if self
            .inner
            .head
            .compare_exchange(prev, next, Release, Relaxed)
            .is_err()
        {
            // A stealer or... took some in the meantime: there is room now, retry the push.
            return Err(task);
        }
        let inner = &self.inner;
        // SAFETY: the CAS claimed slots `head .. head + HALF` for us alone.
        let batch = (0..HALF).map(|i| unsafe { inner.read(head.wrapping_add(i)) });
        inject.push_batch(batch.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pops from the front.
    pub(crate) fn pop(&mut self) -> Option<Notified> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS claimed slot `idx`, which lies in `[real, tail)` and so holds a task.
        Some(unsafe { self.inner.read(idx) })
    }
}

impl Steal {
    /// True if there is anything to steal.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Steals half of this queue into `dst` (the thief's own queue) and returns one of the stolen tasks
    /// to run right away.
    pub(crate) fn steal_into(&self, dst: &mut Local) -> Option<Notified> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) as usize > CAPACITY / 2 {
            // Our own queue is half full: we have enough to do.
            return None;
        }
        let mut n = self.steal_into2(dst, dst_tail);
        if n == 0 {
            return None;
        }
        n -= 1;
        let last = dst_tail.wrapping_add(n);
        // SAFETY: `steal_into2` wrote slots `dst_tail .. dst_tail + n + 1` of our own queue, which nobody
        // else can see until we publish `tail`.
        let ret = unsafe { dst.inner.read(last) };
        if n > 0 {
            dst.inner.tail.store(last, Release);
        }
        Some(ret)
    }

    fn steal_into2(&self, dst: &mut Local, dst_tail: u32) -> u32 {
        let src = &self.0;
        let mut prev = src.head.load(Acquire);
        let (first, n, mut claimed) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Someone else is stealing from this queue.
                return 0;
            }
            let tail = src.tail.load(Acquire);
            let avail = tail.wrapping_sub(real);
            let n = avail - avail / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match src.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (real, n, next),
                Err(actual) => prev = actual,
            }
        };
        for i in 0..n {
            // SAFETY: the CAS claimed source slots `first .. first + n` (the owner won't overwrite them
            // while `steal` lags behind); the destination slots are beyond our own tail, and there is
            // room because our queue was at most half full.
            unsafe {
                let t = src.read(first.wrapping_add(i));
                dst.inner.write(dst_tail.wrapping_add(i), t);
            }
        }
        // Done copying: let `steal` catch up with `real` (which the owner's pops may have moved on).
        loop {
            let (_, real) = unpack(claimed);
            let next = pack(real, real);
            match src.head.compare_exchange(claimed, next, AcqRel, Acquire) {
                Ok(_) => return n,
                Err(actual) => claimed = actual,
            }
        }
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        while let Some(t) = self.pop() {
            drop(t);
        }
    }
}
