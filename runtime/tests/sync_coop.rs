//! Waiting operations of `eddy::sync` and the runtime around them: the cooperative budget (spent even
//! by operations that complete at once, without costing a waiter its place in line), and
//! `Sender::send_timeout` on the timer.

use eddy::sync::{mpsc, watch, Mutex};
use std::future::Future;
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

/// A loop over an always-ready `changed()` still lets the sibling branch of `select!` run.
#[eddy::test]
async fn watch_changed_on_closed_channel_yields() {
    let (tx, mut rx) = watch::channel(());
    drop(tx);
    eddy::select! {
        biased;
        _ = async { loop { assert!(rx.changed().await.is_err()); } } => {},
        _ = eddy::task::yield_now() => {},
    }
}

/// The same for `wait_for` whose predicate holds at once, and for `Sender::closed`.
#[eddy::test]
async fn watch_wait_for_and_closed_yield() {
    let (tx, mut rx) = watch::channel(1);
    eddy::select! {
        biased;
        _ = async { loop { assert!(rx.wait_for(|v| *v == 1).await.is_ok()); } } => {},
        _ = eddy::task::yield_now() => {},
    }
    drop(rx);
    eddy::select! {
        biased;
        _ = async { loop { tx.closed().await; } } => {},
        _ = eddy::task::yield_now() => {},
    }
}

/// A task out of budget that asks for a lock keeps its place in the queue: it is the one woken
/// when the lock is released, not a later arrival.
#[eddy::test]
async fn lock_out_of_budget_keeps_its_place() {
    let m = Arc::new(Mutex::new(()));
    let guard = m.clone().lock_owned().await;
    let m2 = m.clone();
    let first = eddy::spawn(async move {
        // Spend the whole budget, then queue for the lock.
        while futures::FutureExt::now_or_never(eddy::task::consume_budget()).is_some() {}
        let _g = m2.lock().await;
        1
    });
    eddy::task::yield_now().await;
    let m3 = m.clone();
    let second = eddy::spawn(async move {
        let _g = m3.lock().await;
        2
    });
    eddy::task::yield_now().await;
    drop(guard);
    let order = futures::future::select(first, second).await;
    match order {
        futures::future::Either::Left((first, _)) => assert_eq!(first.unwrap(), 1),
        futures::future::Either::Right(_) => panic!("the later arrival got the lock first"),
    }
}

/// A lock taken while out of budget and then abandoned is released.
#[test]
fn lock_abandoned_while_out_of_budget_is_released() {
    let rt = eddy::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let m = Arc::new(Mutex::new(()));
        let m2 = m.clone();
        let mut fut = Box::pin(async move {
            while futures::FutureExt::now_or_never(eddy::task::consume_budget()).is_some() {}
            m2.lock_owned().await
        });
        let waker = futures::task::noop_waker();
        assert!(fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(fut);
        assert!(m.try_lock().is_ok());
    });
}

fn timer_rt() -> eddy::runtime::Runtime {
    eddy::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn send_timeout_sends_when_there_is_room() {
    timer_rt().block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send_timeout(7, Duration::ZERO).await.unwrap();
        assert_eq!(rx.recv().await, Some(7));
    });
}

#[test]
fn send_timeout_times_out_on_a_full_channel() {
    timer_rt().block_on(async {
        eddy::time::pause();
        let (tx, _rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let start = eddy::time::Instant::now();
        let err = tx
            .send_timeout(2, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(err, mpsc::error::SendTimeoutError::Timeout(2)));
        assert_eq!(err.to_string(), "timed out waiting on send operation");
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(err.into_inner(), 2);
    });
}

#[test]
fn send_timeout_waits_for_a_slot_within_the_timeout() {
    timer_rt().block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let reader = eddy::spawn(async move {
            eddy::time::sleep(Duration::from_millis(10)).await;
            (rx.recv().await, rx.recv().await)
        });
        tx.send_timeout(2, Duration::from_secs(10)).await.unwrap();
        assert_eq!(reader.await.unwrap(), (Some(1), Some(2)));
    });
}

#[test]
fn send_timeout_fails_closed_when_the_receiver_is_gone() {
    timer_rt().block_on(async {
        let (tx, rx) = mpsc::channel::<u8>(1);
        drop(rx);
        let err = tx
            .send_timeout(3, Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(matches!(err, mpsc::error::SendTimeoutError::Closed(3)));
        assert_eq!(err.to_string(), "channel closed");
    });
}

/// Closing (receiver dropped) while a sender waits ends the wait with `Closed`, not `Timeout`.
#[test]
fn send_timeout_wakes_closed_while_waiting() {
    timer_rt().block_on(async {
        let (tx, rx) = mpsc::channel::<u8>(1);
        tx.send(1).await.unwrap();
        eddy::spawn(async move {
            eddy::time::sleep(Duration::from_millis(10)).await;
            drop(rx);
        });
        let err = tx
            .send_timeout(2, Duration::from_secs(10))
            .await
            .unwrap_err();
        assert!(matches!(err, mpsc::error::SendTimeoutError::Closed(2)));
    });
}
