//! Loom models of `mpsc`: concurrent sends across block boundaries, the last sender's drop racing a
//! receive, a waiting receiver woken only by messages (the load-only wake), a close racing a send, and `recv_many`'s batches (unbounded, and a full bounded channel
//! whose sender waits). Run with
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

/// Sends 0, 1, 2 on a clone of `tx` from another thread. The caller still holds `tx`, so the
/// clone's drop leaves the sender count above zero and wakes nobody: only the messages do.
fn send_three_from_clone(tx: &mpsc::UnboundedSender<i32>) -> thread::JoinHandle<()> {
    let tx2 = tx.clone();
    thread::spawn(move || {
        for i in 0..3 {
            tx2.send(i).unwrap();
        }
    })
}

/// The receiver waits while a sender that stays alive sends across a block boundary: only the
/// message wakes (`wake_seq_cst`, a load when nobody is registered) can end each wait, since no
/// sender drop comes before the last receive.
#[test]
fn mpsc_send_wakes_waiting_receiver() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let th = send_three_from_clone(&tx);
        for i in 0..3 {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        drop(tx);
        assert_eq!(block_on(rx.recv()), None);
        th.join().unwrap();
    });
}

/// The same with `recv_many`, whose re-check reads a whole block's ready word.
#[test]
fn mpsc_send_wakes_waiting_recv_many() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let th = send_three_from_clone(&tx);
        let mut got = Vec::new();
        while got.len() < 3 {
            assert!(block_on(rx.recv_many(&mut got, 8)) > 0);
        }
        assert_eq!(got, vec![0, 1, 2]);
        drop(tx);
        th.join().unwrap();
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

/// `recv_many` takes whole runs of written slots at once (blocks hold 2 under loom, so runs cross
/// block ends and meet half-written slots): every message arrives exactly once, each sender's in
/// order, and the stream ends after the last sender goes.
#[test]
fn mpsc_recv_many_batches() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let tx2 = tx.clone();
        let th = thread::spawn(move || {
            tx2.send(10).unwrap();
            tx2.send(11).unwrap();
        });
        tx.send(20).unwrap();
        tx.send(21).unwrap();
        drop(tx);
        let mut got = Vec::new();
        while block_on(rx.recv_many(&mut got, 8)) > 0 {}
        th.join().unwrap();
        let firsts: Vec<_> = got.iter().copied().filter(|v| *v < 20).collect();
        let seconds: Vec<_> = got.iter().copied().filter(|v| *v >= 20).collect();
        assert_eq!(firsts, vec![10, 11]);
        assert_eq!(seconds, vec![20, 21]);
    });
}

/// A full bounded channel drained by `recv_many`: one batch gives back several slots at once, and
/// the waiting sender is granted its slot (told through its signal, no lock) every time.
#[test]
fn mpsc_bounded_full_recv_many() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let th = thread::spawn(move || {
            for i in 0..3 {
                block_on(tx.send(i)).unwrap();
            }
        });
        let mut got = Vec::new();
        while block_on(rx.recv_many(&mut got, 2)) > 0 {}
        th.join().unwrap();
        assert_eq!(got, vec![0, 1, 2]);
    });
}
