//! Loom models of `watch`: a send racing `changed()` (the change is never missed), the last
//! sender's drop racing `changed()` (it fails instead of hanging), a send followed by the drop (the
//! change is reported before the closure), `borrow_and_update` racing the drop (it records the
//! version without the closed bit, so the seen value is not reported again), and
//! `Sender::closed` racing the last receiver's drop.
//!
//! The value itself sits in a `parking_lot::RwLock` even under loom: loom does not see it, and a
//! reader and a writer meeting on it would block the model's only OS thread. The models therefore
//! never borrow the value while the other thread can still be inside `send` (they borrow only after
//! `changed()` or `has_changed()` saw the thread's last send), and the "version matches the value"
//! guarantee of the write lock is outside what they check. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --test loom_sync_watch`.
#![cfg(loom)]

use eddy_runtime::sync::watch;
use loom::future::block_on;
use loom::thread;

/// A send lands before `changed()` looks, between its look and its wait, or while it waits:
/// `changed()` always completes with `Ok` (the notification is not lost) and the receiver then
/// holds the sent value, already marked seen.
#[test]
fn watch_send_wakes_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let th = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        assert!(block_on(rx.changed()).is_ok());
        assert_eq!(rx.has_changed().ok(), Some(false));
        {
            let r = rx.borrow_and_update();
            assert_eq!(*r, 1);
            assert!(!r.has_changed());
        }
        let _tx = th.join().unwrap();
    });
}

/// The last sender is dropped before `changed()` looks, between its look and its wait, or while it
/// waits: `changed()` returns `Err` and never hangs.
#[test]
fn watch_sender_drop_wakes_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let th = thread::spawn(move || drop(tx));
        assert!(block_on(rx.changed()).is_err());
        assert!(rx.is_closed());
        th.join().unwrap();
    });
}

/// A send followed by the last sender's drop, racing two `changed()` calls: the first always
/// reports the change (even if the closure has landed too), the second reports the closure.
#[test]
fn watch_send_then_drop_reports_change_before_close() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let th = thread::spawn(move || {
            tx.send(1).unwrap();
            drop(tx);
        });
        assert!(block_on(rx.changed()).is_ok());
        assert!(block_on(rx.changed()).is_err());
        th.join().unwrap();
        assert_eq!(*rx.borrow(), 1);
    });
}

/// `borrow_and_update` marks the value seen while the sender, having sent, is being dropped (so the
/// closed bit may or may not be set when it reads the version). The `Ref` reports the value as
/// new; afterwards `changed()` does not report it a second time but fails, because the channel is
/// closed.
#[test]
fn watch_borrow_and_update_races_close() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let th = thread::spawn(move || {
            tx.send(1).unwrap();
            drop(tx);
        });
        // Wait, without touching the value's lock, until the send is over.
        while let Ok(false) = rx.has_changed() {
            thread::yield_now();
        }
        {
            let r = rx.borrow_and_update();
            assert_eq!(*r, 1);
            assert!(r.has_changed());
        }
        assert!(!rx.borrow().has_changed());
        assert!(block_on(rx.changed()).is_err());
        th.join().unwrap();
    });
}

/// `Sender::closed` racing the last receiver's drop: it completes wherever the drop lands, and a
/// send afterwards fails.
#[test]
fn watch_closed_races_last_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = watch::channel(0);
        let th = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        assert!(tx.send(1).is_err());
        th.join().unwrap();
    });
}
