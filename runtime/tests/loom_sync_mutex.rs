//! Loom model of `Mutex`: the lock handed from an unlocking owner to a queued waiter, and a waiter
//! cancelled after being handed the lock passing it on.
#![cfg(loom)]

use eddy_runtime::sync::Mutex;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::Context;

#[test]
fn mutex_handoff() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let th = thread::spawn(move || {
            *block_on(m2.lock()) += 1;
        });
        *block_on(m.lock()) += 1;
        th.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 2);
    });
}

#[test]
fn mutex_cancelled_waiter_passes_lock_on() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let guard = m.try_lock().unwrap();
        let m2 = m.clone();
        let th = thread::spawn(move || {
            let mut fut = pin!(m2.lock());
            let _ = fut
                .as_mut()
                .poll(&mut Context::from_waker(futures::task::noop_waker_ref()));
            // Dropped here: queued, or already handed the lock.
        });
        drop(guard);
        th.join().unwrap();
        assert!(m.try_lock().is_ok());
    });
}
