//! Loom models of `Notify`: `notify_one` racing a waiter (the lost-wakeup case), `notify_waiters`
//! racing a created `Notified`, a notified waiter's drop passing the notification on,
//! `notify_waiters` racing a drop, and the lock-free `notify_waiters` (nobody queued) racing a waiter
//! and a `notify_one`.
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

/// `notify_waiters` with nobody queued takes no lock and stores no permit. It races a `Notified`
/// being created and queued (which it may or may not complete, depending on which came first);
/// afterwards a fresh `Notified` finds no permit. That one, queued, then sees `notify_one` race
/// another `notify_waiters`: whichever comes first wakes it, and the other finds nobody queued.
#[test]
fn unlocked_notify_waiters_stores_no_permit() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let n2 = notify.clone();
        let th = thread::spawn(move || n2.notify_waiters());
        let mut racing = Box::pin(notify.notified());
        racing.as_mut().enable();
        th.join().unwrap();
        drop(racing);
        let mut fresh = Box::pin(notify.notified());
        assert!(!fresh.as_mut().enable(), "notify_waiters stored a permit");
        let n3 = notify.clone();
        let th = thread::spawn(move || n3.notify_one());
        notify.notify_waiters();
        block_on(fresh);
        th.join().unwrap();
    });
}
