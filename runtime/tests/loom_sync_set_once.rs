//! Loom models of `SetOnce`: `set` racing `wait` (the lost-wakeup case: the waiter always ends with
//! the value), two setters racing (exactly one wins, the loser gets its own value back and already
//! sees the winner's), and `set` racing a waiter and a cancelled waiter (the cancelled one disturbs
//! nothing). Every read of the value goes through loom's `UnsafeCell`, so a reader not ordered
//! after the write is reported.
#![cfg(loom)]

use eddy_runtime::sync::{SetOnce, SetOnceError};
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

/// `set` before, during or after the waiter makes its `Notified`, checks the flag, or sleeps:
/// the waiter is always woken (or never sleeps) and returns the value that was set.
///
/// The waiter runs on the spawned thread: with it on the model's main thread and the setter
/// spawned, loom (0.7, at preemption bounds 2 and 3) never ran the whole `set` inside the waiter's
/// window between its flag check and its `Notified`, so it missed the lost wake-up of a `wait`
/// that makes its `Notified` after the check (docs/TESTING.md, blind spots). This way round it
/// finds it.
#[test]
fn set_once_set_wakes_waiter() {
    loom::model(|| {
        let cell = Arc::new(SetOnce::new());
        let c2 = cell.clone();
        let waiter = thread::spawn(move || *block_on(c2.wait()));
        cell.set(7).unwrap();
        assert_eq!(waiter.join().unwrap(), 7);
        assert_eq!(cell.get(), Some(&7));
    });
}

/// Two `set` calls: exactly one succeeds. The other gets its own value back, and by then the
/// winner's value is visible to it (it does not return while the winner is mid-write).
#[test]
fn set_once_two_setters_one_wins() {
    loom::model(|| {
        let cell = Arc::new(SetOnce::new());
        let c2 = cell.clone();
        let set_and_look = |cell: &SetOnce<usize>, v: usize| match cell.set(v) {
            Ok(()) => true,
            Err(SetOnceError(back)) => {
                assert_eq!(back, v, "the loser got another value back");
                let seen = *cell.get().expect("set failed, yet the cell looks empty");
                assert_ne!(seen, v, "set failed, yet its value is stored");
                false
            }
        };
        let th = thread::spawn(move || set_and_look(&c2, 2));
        let mine = set_and_look(&cell, 1);
        let theirs = th.join().unwrap();
        assert!(mine != theirs, "both or neither set won");
        assert_eq!(cell.get(), Some(if mine { &1 } else { &2 }));
    });
}

/// One waiter polled once and then dropped (it may have slept, or seen the value), one waiter
/// that waits to the end, and a `set` racing both: the second waiter still ends with the value.
#[test]
fn set_once_cancelled_waiter_disturbs_nothing() {
    loom::model(|| {
        let cell = Arc::new(SetOnce::new());
        let (c2, c3) = (cell.clone(), cell.clone());
        let setter = thread::spawn(move || c2.set(3).unwrap());
        let quitter = thread::spawn(move || {
            let mut wait = pin!(c3.wait());
            let waker = futures::task::noop_waker();
            if let Poll::Ready(v) = wait.as_mut().poll(&mut Context::from_waker(&waker)) {
                assert_eq!(*v, 3);
            }
            // Dropped here, asleep or done.
        });
        assert_eq!(*block_on(cell.wait()), 3);
        setter.join().unwrap();
        quitter.join().unwrap();
    });
}
