//! Loom models of `oneshot`: send racing the receiver's drop or close, and the sender's drop racing
//! a waiting receiver.
#![cfg(loom)]

use eddy_runtime::sync::oneshot;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// Counts drops, to check the value is dropped exactly once whoever ends up owning it.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn oneshot_send_races_rx_drop() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = oneshot::channel();
        let d2 = drops.clone();
        let th = thread::spawn(move || {
            let _ = tx.send(Counted(d2));
        });
        drop(rx);
        th.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn oneshot_send_races_close() {
    loom::model(|| {
        let (tx, mut rx) = oneshot::channel();
        let th = thread::spawn(move || tx.send(1).is_ok());
        rx.close();
        let sent = th.join().unwrap();
        assert_eq!(rx.try_recv().is_ok(), sent);
    });
}

#[test]
fn oneshot_tx_drop_wakes_rx() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel::<i32>();
        let th = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        th.join().unwrap();
    });
}

#[test]
fn oneshot_rx_drop_wakes_closed() {
    loom::model(|| {
        let (mut tx, rx) = oneshot::channel::<i32>();
        let th = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        th.join().unwrap();
    });
}
