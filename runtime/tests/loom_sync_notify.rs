//! Loom models of `Notify`: `notify_one` racing a waiter (the lost-wakeup case), `notify_waiters`
//! racing a created `Notified`, a notified waiter's drop passing the notification on, and
//! `notify_waiters` racing a drop.
#![cfg(loom)]

use eddy_runtime::sync::Notify;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

/// `notify_one` before, during or after the waiter queues: the waiter always completes (the permit
/// is stored if nobody waits yet).
#[test]
fn notify_one_is_not_lost() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let n2 = notify.clone();
        let th = thread::spawn(move || n2.notify_one());
        block_on(notify.notified());
        th.join().unwrap();
    });
}

/// A `Notified` created (and enabled) before `notify_waiters` completes, wherever the call lands.
#[test]
fn notify_waiters_reaches_created_waiter() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let notified = notify.notified();
        let n2 = notify.clone();
        let th = thread::spawn(move || n2.notify_waiters());
        block_on(notified);
        th.join().unwrap();
    });
}

/// A waiter picked by `notify_one` and then dropped passes the notification on: the other waiter
/// completes whether the drop lands before or after the notification.
#[test]
fn dropped_notified_forwards() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        a.as_mut().enable();
        b.as_mut().enable();
        let n2 = notify.clone();
        let th = thread::spawn(move || n2.notify_one());
        drop(a);
        block_on(b);
        th.join().unwrap();
    });
}

/// `notify_waiters` serves two queued waiters through their signals while one of them is dropped:
/// the other always completes, and the dropped one's entry is removed exactly once (whichever of
/// the drop and the notification takes the lock first).
#[test]
fn notify_waiters_races_drop() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let mut a = Box::pin(notify.notified());
        let mut b = Box::pin(notify.notified());
        a.as_mut().enable();
        b.as_mut().enable();
        let n2 = notify.clone();
        let th = thread::spawn(move || n2.notify_waiters());
        drop(a);
        block_on(b);
        th.join().unwrap();
    });
}
