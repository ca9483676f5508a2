//! Loom models of `RwLock`: a reader and a writer never hold the lock together (the data is a cell
//! whose every access loom tracks, so an overlap is reported as a data race), a writer queued behind
//! readers keeps later readers out until it is done, a cancelled `write()` that holds part of its
//! permits gives them all back, `try_read`/`try_write` racing each other lose or invent no permit,
//! and `downgrade` lets no writer in between.
#![cfg(loom)]

use eddy_runtime::sync::RwLock;
use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

/// The lock's data. Every access goes through loom's `UnsafeCell`, so a read and a write that are
/// not ordered by the lock fail the model as a data race, in whatever order they happened to run.
struct Tracked(UnsafeCell<usize>);

// SAFETY: only accessed through the lock's guards, which is the property under test; loom reports
// any access the lock failed to order.
unsafe impl Sync for Tracked {}

impl Tracked {
    fn new(v: usize) -> Tracked {
        Tracked(UnsafeCell::new(v))
    }

    fn get(&self) -> usize {
        // SAFETY: see `Sync` above: loom checks that this read is ordered against every write.
        self.0.with(|p| unsafe { *p })
    }

    fn set(&mut self, v: usize) {
        // SAFETY: as for `get`.
        self.0.with_mut(|p| unsafe { *p = v })
    }
}

/// With nobody holding the lock, a writer gets every permit (none lost) and then no reader gets one
/// (none invented).
fn assert_all_permits_back(lock: &RwLock<Tracked>) {
    let w = lock.try_write().expect("a permit was lost");
    assert!(lock.try_read().is_err(), "a permit was invented");
    drop(w);
}

fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
}

/// A writer (`write()` then a write of the data) racing a reader (`read()`, the data read twice)
/// and then a second writer: the reader sees one value throughout, loom finds no unordered access,
/// and both increments land.
#[test]
fn rwlock_reader_and_writer_exclude() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(Tracked::new(0)));
        let l2 = lock.clone();
        let th = thread::spawn(move || {
            let mut w = block_on(l2.write());
            let v = w.get();
            w.set(v + 1);
        });
        {
            let r = block_on(lock.read());
            let first = r.get();
            thread::yield_now();
            assert_eq!(r.get(), first, "the data changed under a read guard");
        }
        {
            let mut w = block_on(lock.write());
            let v = w.get();
            w.set(v + 1);
        }
        th.join().unwrap();
        assert_eq!(lock.try_read().unwrap().get(), 2);
    });
}

/// Write preference: a writer queued behind two readers (holding all the other permits) keeps out
/// a reader that arrives after it, both `try_read` and `read()`, while the two readers leave. The
/// later reader only ever sees the writer's value.
#[test]
fn rwlock_queued_writer_blocks_later_readers() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(Tracked::new(0)));
        let r1 = lock.try_read().unwrap();
        let r2 = lock.try_read().unwrap();
        let mut write = Box::pin(lock.write());
        assert!(poll_once(write.as_mut()).is_pending());
        let l2 = lock.clone();
        let th = thread::spawn(move || {
            if let Ok(r) = l2.try_read() {
                assert_eq!(r.get(), 1, "try_read overtook a queued writer");
            }
            let r = block_on(l2.read());
            assert_eq!(r.get(), 1, "read() overtook a queued writer");
        });
        drop(r1);
        drop(r2);
        block_on(write).set(1);
        th.join().unwrap();
    });
}

/// A `write()` polled while a reader holds one permit takes all the others and queues for the last;
/// it is then dropped while the reader leaves (so it is cancelled still queued, or after being
/// granted the last permit). Every permit comes back: a writer gets in afterwards, and then no
/// reader does.
#[test]
fn rwlock_cancelled_write_returns_permits() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(Tracked::new(0)));
        let r = lock.try_read().unwrap();
        let l2 = lock.clone();
        let th = thread::spawn(move || {
            let mut write = pin!(l2.write());
            if let Poll::Ready(mut w) = poll_once(write.as_mut()) {
                w.set(1);
            }
            // Dropped here: queued, granted but not yet polled, or (above) never pending.
        });
        drop(r);
        th.join().unwrap();
        assert_all_permits_back(&lock);
    });
}

/// `try_write` racing `try_read`: at least one succeeds (each fails only while the other holds the
/// lock), the reader sees 1 only if the writer got in, loom finds no unordered access, and the
/// permits all come back.
#[test]
fn rwlock_try_read_races_try_write() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(Tracked::new(0)));
        let l2 = lock.clone();
        let th = thread::spawn(move || match l2.try_write() {
            Ok(mut w) => {
                w.set(1);
                true
            }
            Err(_) => false,
        });
        let read = lock.try_read().map(|r| r.get());
        let wrote = th.join().unwrap();
        match read {
            Ok(v) => assert!(v == 0 || wrote, "read a value nobody wrote"),
            Err(_) => assert!(wrote, "try_read failed with no writer"),
        }
        assert_all_permits_back(&lock);
    });
}

/// `downgrade` racing another writer: the downgraded guard still sees the value its writer left,
/// the other writer (queued, or arriving later) gets in only after the read guard is gone, and its
/// increment lands.
#[test]
fn rwlock_downgrade_keeps_writers_out() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(Tracked::new(0)));
        let l2 = lock.clone();
        let th = thread::spawn(move || {
            let mut w = block_on(l2.write());
            let v = w.get();
            w.set(v + 10);
        });
        let mut w = block_on(lock.write());
        let mine = w.get() + 1;
        w.set(mine);
        let r = w.downgrade();
        thread::yield_now();
        assert_eq!(r.get(), mine, "a writer got in past a downgraded guard");
        drop(r);
        th.join().unwrap();
        assert_eq!(lock.try_read().unwrap().get(), 11);
    });
}
