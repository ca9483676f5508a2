//! Models of the thread parker (`runtime/park.rs`): an `unpark` racing a `park` is never lost, and a
//! token left before `park` makes it return at once; for a plain parker and for a worker's, which
//! spins briefly looking for a token before it sleeps.

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Arc;
use crate::runtime::park::Parker;
use loom::thread;

/// Parks `parker`, spinning first as the last idle worker does if `worker`.
fn park(parker: &Parker, worker: bool) {
    if worker {
        parker.park_after_spin();
    } else {
        parker.park();
    }
}

/// A flag set before `unpark` is seen after `park` returns; loom reports a deadlock if the wake-up
/// is lost.
fn unpark_racing_park(worker: bool) {
    loom::model(move || {
        let parker = Parker::with_driver(None);
        let unparker = parker.unparker();
        let flag = Arc::new(AtomicBool::new(false));
        let flag2 = flag.clone();
        let th = thread::spawn(move || {
            flag2.store(true, Release);
            unparker.unpark();
        });
        while !flag.load(Acquire) {
            park(&parker, worker);
        }
        th.join().unwrap();
    });
}

#[test]
fn plain_unpark_racing_park() {
    unpark_racing_park(false);
}

#[test]
fn worker_unpark_racing_park() {
    unpark_racing_park(true);
}

#[test]
fn worker_token_before_park() {
    loom::model(|| {
        let parker = Parker::with_driver(None);
        parker.unparker().unpark();
        // Returns at once: the token is consumed by the first check.
        park(&parker, true);
    });
}
