//! Loom models of `mpsc`: concurrent sends across block boundaries, the last sender's drop racing a
//! receive, and a close racing a send. Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --test loom_sync_mpsc`.
#![cfg(loom)]

use eddy_runtime::sync::mpsc;
use loom::future::block_on;
use loom::thread;

/// Two senders on two threads; three messages cross a block boundary (blocks hold 2 under loom);
/// every message arrives exactly once and the stream ends after the last sender goes.
#[test]
fn mpsc_concurrent_senders() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let tx2 = tx.clone();
        let th = thread::spawn(move || {
            tx2.send(1).unwrap();
            tx2.send(2).unwrap();
        });
        tx.send(3).unwrap();
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = block_on(rx.recv()) {
            got.push(v);
        }
        th.join().unwrap();
        got.sort();
        assert_eq!(got, vec![1, 2, 3]);
    });
}

/// A bounded sender that must wait for capacity while the receiver drains.
#[test]
fn mpsc_bounded_backpressure() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let th = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        th.join().unwrap();
    });
}

/// The receiver closes while a send races it: the send either fails or its message is received.
#[test]
fn mpsc_close_races_send() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(2);
        let th = thread::spawn(move || tx.try_send(7).is_ok());
        rx.close();
        let received = block_on(rx.recv());
        let sent = th.join().unwrap();
        assert_eq!(received.is_some(), sent);
        assert_eq!(block_on(rx.recv()), None);
    });
}
