//! Models of `AtomicWaker` (`util/atomic_waker.rs`): a registration racing a wake never loses it.

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Arc;
use crate::util::atomic_waker::AtomicWaker;
use loom::thread;
use std::future::poll_fn;
use std::task::Poll;

struct Event {
    set: AtomicBool,
    waker: AtomicWaker,
}

impl Event {
    fn new() -> Arc<Event> {
        Arc::new(Event {
            set: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        })
    }

    fn raise(&self) {
        self.set.store(true, Release);
        self.waker.wake();
    }

    /// Raises with the `wake_seq_cst` contract: a `SeqCst` read-modify-write publishes the event.
    fn raise_seq_cst(&self) {
        self.set.swap(true, SeqCst);
        self.waker.wake_seq_cst();
    }

    /// Waits for the event with the register-then-check protocol. loom reports a deadlock if the wake
    /// is lost.
    fn wait(&self) {
        loom::future::block_on(poll_fn(|cx| {
            if self.set.load(Acquire) {
                return Poll::Ready(());
            }
            self.waker.register_by_ref(cx.waker());
            // `SeqCst`, as `wake_seq_cst` requires of the re-check.
            if self.set.load(SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
    }
}

/// One registrant, one waker thread.
#[test]
fn register_races_wake() {
    loom::model(|| {
        let ev = Event::new();
        let e = ev.clone();
        let raiser = thread::spawn(move || e.raise());
        ev.wait();
        raiser.join().unwrap();
        // The slot may still hold the last registered waker; take it so it is dropped in the model.
        drop(ev.waker.take());
    });
}

/// A waker registered earlier is replaced by the one `block_on` registers while the wake is in
/// flight; the stale one must not be the only one woken.
#[test]
fn reregister_races_wake() {
    loom::model(|| {
        let ev = Event::new();
        ev.waker.register_by_ref(futures::task::noop_waker_ref());
        let e = ev.clone();
        let raiser = thread::spawn(move || e.raise());
        ev.wait();
        raiser.join().unwrap();
        drop(ev.waker.take());
    });
}

/// Two threads wake at once while the owner registers.
#[test]
fn two_wakers_race_register() {
    loom::model(|| {
        let ev = Event::new();
        let e = ev.clone();
        let other = thread::spawn(move || e.waker.wake());
        let e = ev.clone();
        let raiser = thread::spawn(move || e.raise());
        ev.wait();
        raiser.join().unwrap();
        other.join().unwrap();
        drop(ev.waker.take());
    });
}

/// The load-only wake against a registration: the raiser either sees the registration or the
/// registrant's re-check sees the event.
#[test]
fn register_races_wake_seq_cst() {
    loom::model(|| {
        let ev = Event::new();
        let e = ev.clone();
        let raiser = thread::spawn(move || e.raise_seq_cst());
        ev.wait();
        raiser.join().unwrap();
        drop(ev.waker.take());
    });
}

/// A waker left stored by an earlier registration (state `STORED`) is replaced while a load-only
/// wake and a full wake race it.
#[test]
fn stored_waker_races_both_wakes() {
    loom::model(|| {
        let ev = Event::new();
        ev.waker.register_by_ref(futures::task::noop_waker_ref());
        let e = ev.clone();
        let other = thread::spawn(move || e.waker.wake());
        let e = ev.clone();
        let raiser = thread::spawn(move || e.raise_seq_cst());
        ev.wait();
        raiser.join().unwrap();
        other.join().unwrap();
        drop(ev.waker.take());
    });
}
