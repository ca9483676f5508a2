//! `OwnedTasks`: the list of every live task of one scheduler, so that shutdown can cancel them all.
//!
//! Each task is linked in at spawn (the list holds one reference) and unlinked when it completes. The
//! list is split into shards, each a doubly linked list under its own mutex, chosen by task id, so that
//! spawns and completions on different workers rarely contend. The links live in the task header and are
//! only touched under the shard's lock.
//!
//! Shutdown closes every shard (later spawns are cancelled at once), then pops tasks one at a time and
//! cancels each with the shard lock released, because cancelling completes the task, and completion
//! calls back into `remove`.

use super::id::Id;
use super::join::JoinHandle;
use super::raw::{Notified, RawTask, Schedule};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::future::Future;

struct Shard {
    head: Option<RawTask>,
    closed: bool,
}

/// The owner list of one scheduler.
pub(crate) struct OwnedTasks {
    shards: Box<[Mutex<Shard>]>,
    mask: usize,
    closed: AtomicBool,
    len: AtomicUsize,
}

impl OwnedTasks {
    /// A list with `shards` shards, rounded up to a power of two.
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        let n = shards.max(1).next_power_of_two();
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    Mutex::new(Shard {
                        head: None,
                        closed: false,
                    })
                })
                .collect(),
            mask: n - 1,
            closed: AtomicBool::new(false),
            len: AtomicUsize::new(0),
        }
    }

    fn shard(&self, id: Id) -> &Mutex<Shard> {
        &self.shards[id.as_u64() as usize & self.mask]
    }

    /// Allocates a task for `future` and links it in. Returns its `JoinHandle` and, unless the list is
    /// closed (the runtime is shutting down, and the task was cancelled on the spot), the `Notified` to
    /// queue.
    pub(crate) fn bind<F, S>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let raw = RawTask::new(future, scheduler, id);
        // SAFETY: `RawTask::new` counted three references: one for the JoinHandle, one for the Notified,
        // one for this list.
        let (join, notified) = unsafe { (JoinHandle::from_raw(raw), Notified::from_raw(raw)) };
        let mut shard = self.shard(id).lock();
        if shard.closed {
            drop(shard);
            drop(notified);
            // SAFETY: the list's reference was never linked; shutdown consumes it.
            unsafe { raw.shutdown() };
            return (join, None);
        }
        let old_head = shard.head;
        raw.header().owned.with_mut(|l| {
            // SAFETY: the links are guarded by this shard's lock, which we hold.
            let l = unsafe { &mut *l };
            l.prev = None;
            l.next = old_head;
            l.in_list = true;
        });
        if let Some(h) = old_head {
            // SAFETY: as above; `h` is linked in this shard, so it is alive.
            h.header()
                .owned
                .with_mut(|l| unsafe { (*l).prev = Some(raw) });
        }
        shard.head = Some(raw);
        self.len.fetch_add(1, Relaxed);
        (join, Some(notified))
    }

    /// Unlinks `task` if it is still linked. True if it was: the list's reference is the caller's now.
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        let mut shard = self.shard(task.id()).lock();
        let removed = Self::unlink(&mut shard, task);
        if removed {
            self.len.fetch_sub(1, Relaxed);
        }
        removed
    }

    fn unlink(shard: &mut Shard, task: RawTask) -> bool {
        // SAFETY: the links of tasks in this shard are guarded by its lock, which the caller holds
        // (`&mut Shard` comes from the guard); linked tasks are alive (the list holds a reference).
        unsafe {
            let links = task.header().owned.with_mut(|l| {
                let l = &mut *l;
                if !l.in_list {
                    return None;
                }
                l.in_list = false;
                Some((l.prev.take(), l.next.take()))
            });
            let Some((prev, next)) = links else {
                return false;
            };
            match prev {
                Some(p) => p.header().owned.with_mut(|l| (*l).next = next),
                None => shard.head = next,
            }
            if let Some(n) = next {
                n.header().owned.with_mut(|l| (*l).prev = prev);
            }
            true
        }
    }

    /// Closes the list and cancels every task in it. Safe to call from several threads at once.
    pub(crate) fn close_and_shutdown_all(&self) {
        self.closed.store(true, Release);
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
        for shard in self.shards.iter() {
            loop {
                let task = {
                    let mut guard = shard.lock();
                    match guard.head {
                        Some(t) => {
                            let removed = Self::unlink(&mut guard, t);
                            debug_assert!(removed);
                            t
                        }
                        None => break,
                    }
                };
                self.len.fetch_sub(1, Relaxed);
                // SAFETY: we unlinked it, so the list's reference is ours to hand to shutdown.
                unsafe { task.shutdown() };
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Acquire) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }
}

// SAFETY: the raw pointers in the shards are only followed under the shard locks.
unsafe impl Send for Shard {}
