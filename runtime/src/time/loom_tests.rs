//! loom models of one timer entry: the driver firing it on one thread while its owner drops, resets
//! or polls it on another. Run with `RUSTFLAGS="--cfg loom" cargo test --lib time::loom_tests`.

use super::entry::TimerEntry;
use super::{Clock, Driver, Duration, Instant};
use loom::sync::atomic::{AtomicUsize, Ordering};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

/// A driver with a paused clock and one entry filed 1 ms ahead, the clock already moved past it.
fn setup() -> (
    Driver,
    super::Handle,
    Pin<Box<TimerEntry>>,
    Instant,
    Arc<Count>,
    Waker,
) {
    let (driver, handle) = Driver::new(Clock::new(true));
    let mut entry = Box::pin(TimerEntry::new(handle.clone()));
    let deadline = Instant::from_std(handle.clock().now()) + Duration::from_millis(1);
    let (count, waker) = counter();
    let poll = entry
        .as_mut()
        .poll_elapsed(deadline, &mut Context::from_waker(&waker));
    assert!(poll.is_pending());
    handle.clock().advance(Duration::from_millis(1));
    (driver, handle, entry, deadline, count, waker)
}

#[test]
fn fire_vs_drop() {
    loom::model(|| {
        let (driver, handle, entry, _, _, _) = setup();
        let h = handle.clone();
        let firer = loom::thread::spawn(move || h.process());
        drop(entry);
        firer.join().unwrap();
        assert_eq!(handle.next_expiration(), None);
        drop(driver);
    });
}

/// A later deadline takes the lock-free push (the entry stays in its due slot) unless the fire got there
/// first.
#[test]
fn fire_vs_push_later() {
    loom::model(|| {
        let (driver, handle, mut entry, deadline, count, _) = setup();
        let h = handle.clone();
        let firer = loom::thread::spawn(move || h.process());
        entry.as_mut().reset(deadline + Duration::from_secs(1));
        firer.join().unwrap();
        // Whichever came first, the entry now waits for the new deadline...
        assert!(!entry.is_elapsed());
        assert!(handle.next_expiration().is_some());
        // ... and fires at it: the push lost nothing.
        handle.clock().advance(Duration::from_secs(1));
        handle.process();
        assert!(entry.is_elapsed());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        drop(entry);
        assert_eq!(handle.next_expiration(), None);
        drop(driver);
    });
}

/// A reset to the tick the entry is already due at changes nothing, whatever the fire does meanwhile.
#[test]
fn fire_vs_reset_to_same_tick() {
    loom::model(|| {
        let (driver, handle, mut entry, deadline, _, _) = setup();
        let h = handle.clone();
        let firer = loom::thread::spawn(move || h.process());
        entry.as_mut().reset(deadline);
        firer.join().unwrap();
        assert!(entry.is_elapsed());
        assert_eq!(handle.next_expiration(), None);
        drop(entry);
        drop(driver);
    });
}

/// An earlier deadline takes the lock: filed again, it is due already and fires either way.
#[test]
fn process_vs_reset_earlier() {
    loom::model(|| {
        let (driver, handle) = Driver::new(Clock::new(true));
        let mut entry = Box::pin(TimerEntry::new(handle.clone()));
        let start = Instant::from_std(handle.clock().now());
        let (count, waker) = counter();
        let poll = entry.as_mut().poll_elapsed(
            start + Duration::from_millis(2),
            &mut Context::from_waker(&waker),
        );
        assert!(poll.is_pending());
        handle.clock().advance(Duration::from_millis(1));
        let h = handle.clone();
        let firer = loom::thread::spawn(move || h.process());
        entry.as_mut().reset(start + Duration::from_millis(1));
        firer.join().unwrap();
        assert!(entry.is_elapsed());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        drop(entry);
        drop(driver);
    });
}

/// Shutdown fires every entry, pushed later or not.
#[test]
fn shutdown_vs_push_later() {
    loom::model(|| {
        let (driver, handle, mut entry, deadline, _, _) = setup();
        let h = handle.clone();
        let closer = loom::thread::spawn(move || h.shutdown());
        entry.as_mut().reset(deadline + Duration::from_secs(1));
        closer.join().unwrap();
        assert!(entry.is_elapsed());
        drop(entry);
        drop(driver);
    });
}

#[test]
fn fire_vs_poll_loses_no_wakeup() {
    loom::model(|| {
        let (driver, handle, mut entry, deadline, first, _) = setup();
        let h = handle.clone();
        let firer = loom::thread::spawn(move || h.process());
        let (second, waker) = counter();
        let poll = entry
            .as_mut()
            .poll_elapsed(deadline, &mut Context::from_waker(&waker));
        firer.join().unwrap();
        if poll == Poll::Pending {
            // The fire must reach the waker of the latest poll.
            assert_eq!(second.0.load(Ordering::SeqCst), 1);
        }
        assert!(entry.is_elapsed());
        let _ = first;
        drop(entry);
        drop(driver);
    });
}

#[test]
fn fire_vs_shutdown_vs_drop() {
    loom::model(|| {
        let (driver, handle, entry, _, _, _) = setup();
        let h = handle.clone();
        let firer = loom::thread::spawn(move || h.process());
        let h = handle.clone();
        let closer = loom::thread::spawn(move || h.shutdown());
        drop(entry);
        firer.join().unwrap();
        closer.join().unwrap();
        assert!(handle.is_shutdown());
        drop(driver);
    });
}
