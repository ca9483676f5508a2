//! Models of a signal's listener table (`signal/registry.rs`): a delivery racing a listener that is
//! about to sleep never leaves it asleep, whatever the interleaving of the count, the waker store and
//! the re-check.

use crate::loom::sync::Arc;
use crate::signal::registry::Slot;
use loom::thread;
use std::future::poll_fn;

/// Waits until the count moves past `seen`, through the same poll the `Signal` future makes; loom
/// reports a deadlock if a delivery is lost.
fn wait(slot: &Slot, key: usize, mut seen: u64) {
    loom::future::block_on(poll_fn(|cx| slot.poll_delivery(key, &mut seen, cx)));
}

#[test]
fn a_delivery_racing_a_listener_going_to_sleep_wakes_it() {
    loom::model(|| {
        let slot = Arc::new(Slot::new());
        let key = slot.add_listener();
        let seen = slot.delivered();
        let dispatcher = {
            let slot = slot.clone();
            thread::spawn(move || slot.deliver())
        };
        wait(&slot, key, seen);
        dispatcher.join().unwrap();
        slot.remove_listener(key);
    });
}

#[test]
fn two_listeners_and_two_dispatchers_each_see_a_delivery() {
    loom::model(|| {
        let slot = Arc::new(Slot::new());
        let a = slot.add_listener();
        let b = slot.add_listener();
        let seen = slot.delivered();
        let dispatchers: Vec<_> = (0..2)
            .map(|_| {
                let slot = slot.clone();
                thread::spawn(move || slot.deliver())
            })
            .collect();
        let other = {
            let slot = slot.clone();
            thread::spawn(move || wait(&slot, b, seen))
        };
        wait(&slot, a, seen);
        other.join().unwrap();
        for d in dispatchers {
            d.join().unwrap();
        }
    });
}
