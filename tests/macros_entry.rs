//! The attribute and function-like macros: `#[eddy::test]` and `#[eddy::main]` with their
//! flavors and options, and `select!` (patterns, `if` preconditions, `biased;`, `else`), `join!`,
//! `try_join!` and `pin!`.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// True if `parties` threads all arrive within 30 s; blocks the calling thread meanwhile.
fn rendezvous(arrived: &AtomicUsize, parties: usize) -> bool {
    arrived.fetch_add(1, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(30);
    while arrived.load(Ordering::SeqCst) < parties {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[eddy::test]
async fn test_default_is_current_thread() {
    let outer = std::thread::current().id();
    // A spawned task runs on the same (only) thread.
    let inner = eddy::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(outer, inner);
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_multi_thread_has_two_workers() {
    let arrived = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let arrived = arrived.clone();
            eddy::spawn(async move { rendezvous(&arrived, 2) })
        })
        .collect();
    for h in hs {
        assert!(h.await.unwrap(), "two workers never ran at once");
    }
}

#[eddy::test(flavor = "multi_thread")]
async fn test_multi_thread_default_workers() {
    assert!(
        eddy::task::spawn_blocking(|| eddy::task::block_in_place(|| true))
            .await
            .unwrap()
    );
}

#[eddy::test(flavor = "current_thread", start_paused = true)]
async fn test_start_paused_is_accepted() {
    eddy::task::yield_now().await;
}

#[eddy::test]
async fn test_can_return_a_result() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "5".parse()?;
    assert_eq!(n, 5);
    Ok(())
}

#[eddy::test]
#[should_panic(expected = "from an async test")]
async fn test_panics_propagate() {
    panic!("from an async test");
}

#[eddy::main]
async fn main_default() -> usize {
    eddy::spawn(async { 1 }).await.unwrap()
}

#[eddy::main(flavor = "current_thread")]
async fn main_current_thread() -> usize {
    eddy::spawn(async { 2 }).await.unwrap()
}

#[eddy::main(flavor = "multi_thread", worker_threads = 1)]
async fn main_one_worker(add: usize) -> usize {
    eddy::spawn(async move { 3 + add }).await.unwrap()
}

#[test]
fn main_attribute_on_plain_functions() {
    assert_eq!(main_default(), 1);
    assert_eq!(main_current_thread(), 2);
    assert_eq!(main_one_worker(1), 4);
}

/// A future that is ready after being polled `n` times (waking itself in between).
struct ReadyAfter(u32);

impl Future for ReadyAfter {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.0 == 0 {
            return Poll::Ready(7);
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[eddy::test]
async fn select_takes_the_first_ready_branch() {
    let out = eddy::select! {
        v = ReadyAfter(5) => v * 10,
        v = std::future::ready(1) => v,
    };
    assert_eq!(out, 1);
}

#[eddy::test]
async fn select_pattern_mismatch_disables_the_branch() {
    let out = eddy::select! {
        Some(v) = std::future::ready(None::<u32>) => v,
        v = ReadyAfter(2) => v + 1,
    };
    assert_eq!(out, 8);
}

#[eddy::test]
async fn select_precondition_and_else() {
    let enabled = false;
    let out = eddy::select! {
        v = std::future::ready(1), if enabled => v,
        else => 99,
    };
    assert_eq!(out, 99);
    let out = eddy::select! {
        Some(v) = std::future::ready(None::<u32>) => v,
        else => 100,
    };
    assert_eq!(out, 100);
}

#[eddy::test]
async fn select_biased_polls_in_order() {
    let polled = AtomicUsize::new(0);
    for _ in 0..50 {
        let out = eddy::select! {
            biased;
            v = std::future::ready(1) => v,
            v = poll_fn(|_| { polled.fetch_add(1, Ordering::SeqCst); Poll::Ready(2) }) => v,
        };
        assert_eq!(out, 1);
    }
    assert_eq!(
        polled.load(Ordering::SeqCst),
        0,
        "biased select polled out of order"
    );
}

#[eddy::test]
async fn select_in_a_loop_with_pinned_futures() {
    let slow = ReadyAfter(20);
    eddy::pin!(slow);
    let mut ticks = 0;
    let out = loop {
        eddy::select! {
            v = &mut slow => break v,
            _ = eddy::task::yield_now() => ticks += 1,
        }
    };
    assert_eq!(out, 7);
    assert!(ticks > 0);
}

#[eddy::test]
async fn select_drops_the_losing_branch() {
    let handle = eddy::spawn(std::future::pending::<()>());
    let abort = handle.abort_handle();
    eddy::select! {
        _ = handle => unreachable!(),
        _ = std::future::ready(()) => {}
    }
    // The losing JoinHandle was dropped (detaching, not aborting, the task).
    assert!(!abort.is_finished());
    abort.abort();
}

#[eddy::test]
async fn join_returns_all_outputs() {
    let (a, b, c) = eddy::join!(ReadyAfter(3), std::future::ready("b"), async { 3u8 });
    assert_eq!((a, b, c), (7, "b", 3));
}

#[eddy::test]
async fn try_join_returns_ok_or_the_first_error() {
    let ok: Result<(u32, u32), &str> = eddy::try_join!(async { Ok(1) }, async { Ok(2) });
    assert_eq!(ok, Ok((1, 2)));
    let polled_after = Arc::new(AtomicUsize::new(0));
    let p = polled_after.clone();
    let err: Result<(u32, ()), &str> = eddy::try_join!(async { Err("first") }, async move {
        // Never finishes: try_join! must return on the error without waiting for this.
        p.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<Result<(), &str>>().await
    });
    assert_eq!(err, Err("first"));
}

#[eddy::test]
async fn pin_macro_pins_on_the_stack() {
    let fut = async { 5 };
    eddy::pin!(fut);
    let pinned: Pin<&mut _> = fut.as_mut();
    assert_eq!(pinned.await, 5);
    eddy::pin! {
        let a = ReadyAfter(1);
        let b = async { 2 };
    }
    assert_eq!(a.await + b.await, 9);
}
