//! Loom models of the semaphore's permit accounting: acquire/release racing, a cancelled acquire,
//! close racing waiters (one holding part of its request), and a cancel racing the grant it would
//! read from its signal. No permit may be lost or invented.
#![cfg(loom)]

use eddy_runtime::sync::Semaphore;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

/// Two threads take turns through one permit; it comes back at the end.
#[test]
fn semaphore_acquire_release() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let s2 = sem.clone();
        let th = thread::spawn(move || {
            let _p = block_on(s2.acquire()).unwrap();
        });
        {
            let _p = block_on(sem.acquire()).unwrap();
        }
        th.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// An `acquire_many(2)` that got one permit assigned is dropped while the other is released: both
/// permits end up back in the semaphore.
#[test]
fn semaphore_cancelled_acquire_returns_permits() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let s2 = sem.clone();
        let th = thread::spawn(move || {
            let mut fut = pin!(s2.acquire_many(2));
            let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            if let Poll::Ready(p) = fut.as_mut().poll(&mut cx) {
                drop(p);
            }
        });
        drop(held);
        th.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// `close` racing a waiter: the waiter fails or succeeds, never hangs, and permits are conserved.
#[test]
fn semaphore_close_races_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s2 = sem.clone();
        let th = thread::spawn(move || block_on(s2.acquire()).map(|p| p.forget()).is_ok());
        sem.add_permits(1);
        sem.close();
        let got = th.join().unwrap();
        assert_eq!(sem.available_permits(), if got { 0 } else { 1 });
    });
}

/// A queued `acquire` dropped while a release grants it: whether the grant lands first (the drop
/// sees `GRANTED` in its signal and gives the permit back without the lock) or the drop does (it
/// leaves the queue under the lock), the permit is back at the end.
#[test]
fn semaphore_cancel_races_grant() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s2 = sem.clone();
        let th = thread::spawn(move || {
            let mut fut = pin!(s2.acquire());
            let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            match fut.as_mut().poll(&mut cx) {
                Poll::Ready(p) => drop(p),
                Poll::Pending => thread::yield_now(),
            }
        });
        sem.add_permits(1);
        th.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// `close` serves a waiter that holds part of its request: the closed signal carries how many
/// permits it had been assigned, and it gives exactly those back when it fails.
#[test]
fn semaphore_close_returns_partial_assignment() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let s2 = sem.clone();
        let th = thread::spawn(move || block_on(s2.acquire_many(2)).is_err());
        drop(held);
        sem.close();
        assert!(th.join().unwrap());
        assert_eq!(sem.available_permits(), 1);
    });
}
