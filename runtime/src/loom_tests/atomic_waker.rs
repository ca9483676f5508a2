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

/// One model: the owner waits (register, then re-check) while another thread raises the event with
/// `raise`. With `preregistered`, a stale waker is stored first (the word starts out `STORED`);
/// with `extra_wake`, a third thread calls `wake()` at the same time.
fn model_wait(preregistered: bool, extra_wake: bool, raise: fn(&Event)) {
    loom::model(move || {
        let ev = Event::new();
        if preregistered {
            ev.waker.register_by_ref(futures::task::noop_waker_ref());
        }
        let other = extra_wake.then(|| {
            let e = ev.clone();
            thread::spawn(move || e.waker.wake())
        });
        let e = ev.clone();
        let raiser = thread::spawn(move || raise(&e));
        ev.wait();
        raiser.join().unwrap();
        if let Some(other) = other {
            other.join().unwrap();
        }
        // The slot may still hold the last registered waker; take it so it is dropped in the model.
        drop(ev.waker.take());
    });
}

/// One registrant, one waker thread.
#[test]
fn register_races_wake() {
    model_wait(false, false, Event::raise);
}

/// A waker registered earlier is replaced by the one `block_on` registers while the wake is in
/// flight; the stale one must not be the only one woken.
#[test]
fn reregister_races_wake() {
    model_wait(true, false, Event::raise);
}

/// Two threads wake at once while the owner registers.
#[test]
fn two_wakers_race_register() {
    model_wait(false, true, Event::raise);
}

/// The load-only wake against a registration: the raiser either sees the registration or the
/// registrant's re-check sees the event.
#[test]
fn register_races_wake_seq_cst() {
    model_wait(false, false, Event::raise_seq_cst);
}

/// A waker left stored by an earlier registration (state `STORED`) is replaced while a load-only
/// wake and a full wake race it.
#[test]
fn stored_waker_races_both_wakes() {
    model_wait(true, true, Event::raise_seq_cst);
}
