//! Batched remote wake-ups: one worker unpark for a burst of wakes from outside the runtime.
//!
//! A thread that is not one of a runtime's workers (the bench thread, a `block_on` caller, another
//! runtime's worker) schedules a woken task by pushing it on the inject queue and, if no worker is
//! searching, unparking one. When that thread wakes many tasks in one go — every
//! [`WakeList::wake_all`](crate::util::wake_list::WakeList::wake_all): `Notify::notify_waiters`, a
//! broadcast or watch send, a semaphore release that satisfies several waiters — an unpark after the
//! first push is sent at the worst moment. The kernel tends to place the woken worker on the waking
//! thread's CPU, where it preempts that thread before the rest of the burst is queued; the worker then
//! finds one task, hands off to the next worker when it starts running it, goes back to sleep, and the
//! waking thread, once it runs again, finds nobody searching and unparks another worker for its next
//! push. Measured on Tokio's `notify_waiters_10` workload with a fresh runtime per sample (2 cores,
//! 6 workers): 230–380 worker parks per 500 wake-ups, against 50–70 with batching, and the
//! iteration time halved.
//!
//! Within a batch, a push from a non-worker thread only queues the task; the unpark is sent once,
//! when the batch ends, and the woken worker finds the whole burst queued. It takes its share and, as
//! the last searcher that found work, wakes the next worker itself if there is more, so spreading a
//! large burst over the workers works as before, one worker at a time. A batch only delays the unpark
//! by the time the waking thread takes to run the rest of the wakers, and its end is a drop guard, so
//! a panicking waker cannot lose it.
//!
//! Tokio has no such batching; it unparks on the first push of a burst.

use super::Handle;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    /// `None`: no batch is open on this thread. `Some(None)`: a batch is open and owes nothing.
    /// `Some(Some(h))`: a batch is open and owes `h` one unpark.
    static BATCH: RefCell<Option<Option<Arc<Handle>>>> = const { RefCell::new(None) };
}

/// An open batch: dropping it sends the unpark it deferred (if this is the outermost batch).
pub(crate) struct RemoteWakeBatch {
    outer: bool,
}

impl RemoteWakeBatch {
    /// Opens a batch on this thread (nested batches join the outermost one).
    pub(crate) fn begin() -> RemoteWakeBatch {
        let outer = BATCH
            .try_with(|b| {
                let mut b = b.borrow_mut();
                if b.is_none() {
                    *b = Some(None);
                    true
                } else {
                    false
                }
            })
            // The thread is exiting and its locals are gone: no batching, every push unparks.
            .unwrap_or(false);
        RemoteWakeBatch { outer }
    }
}

impl Drop for RemoteWakeBatch {
    fn drop(&mut self) {
        if !self.outer {
            return;
        }
        let owed = BATCH
            .try_with(|b| b.borrow_mut().take())
            .ok()
            .flatten()
            .flatten();
        if let Some(handle) = owed {
            handle.notify_parked();
        }
    }
}

/// Called after `handle`'s inject queue got a task from a thread that is not one of its workers.
/// Returns true if a batch is open here and took over the unpark; false if the caller must unpark.
pub(super) fn defer_unpark(handle: &Arc<Handle>) -> bool {
    BATCH
        .try_with(|b| {
            let mut b = b.borrow_mut();
            let Some(owed) = b.as_mut() else {
                return false;
            };
            match owed {
                Some(h) if Arc::ptr_eq(h, handle) => {}
                Some(other) => {
                    // A burst across two runtimes: the first one's unpark goes now.
                    other.notify_parked();
                    *owed = Some(handle.clone());
                }
                None => *owed = Some(handle.clone()),
            }
            true
        })
        .unwrap_or(false)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::runtime::{Builder, Runtime};
    use crate::util::wake_list::WakeList;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::{mpsc, Arc, Mutex};
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::Duration;

    /// A task that parks until `go` is set, handing its waker out through `slot`.
    struct Gate {
        go: Arc<AtomicBool>,
        slot: Arc<Mutex<Option<Waker>>>,
    }

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.go.load(SeqCst) {
                return Poll::Ready(());
            }
            *self.slot.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    /// Spawns a gated task on `rt` that reports on `done` when it finishes; returns its gate, and
    /// its waker once it has parked on the gate.
    fn gated(rt: &Runtime, done: &mpsc::Sender<()>) -> (Arc<AtomicBool>, Waker) {
        let go = Arc::new(AtomicBool::new(false));
        let slot = Arc::new(Mutex::new(None));
        let gate = Gate {
            go: go.clone(),
            slot: slot.clone(),
        };
        let done = done.clone();
        rt.spawn(async move {
            gate.await;
            done.send(()).unwrap();
        });
        loop {
            if let Some(w) = slot.lock().unwrap().take() {
                return (go, w);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn multi_thread(workers: usize) -> Runtime {
        Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .unwrap()
    }

    #[test]
    fn a_burst_from_outside_runs_every_task() {
        let rt = multi_thread(3);
        let (done, finished) = mpsc::channel();
        let tasks: Vec<_> = (0..WakeList::CAP).map(|_| gated(&rt, &done)).collect();
        // Let every worker go to sleep, so that someone has to be unparked.
        std::thread::sleep(Duration::from_millis(20));
        let mut list = WakeList::new();
        for (go, waker) in tasks {
            go.store(true, SeqCst);
            list.push(waker);
        }
        list.wake_all();
        for _ in 0..WakeList::CAP {
            finished
                .recv_timeout(Duration::from_secs(10))
                .expect("a task woken in a burst never ran");
        }
    }

    struct Panics;

    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("waker panics on purpose");
        }
    }

    #[test]
    fn a_panicking_waker_does_not_lose_the_deferred_unpark() {
        let rt = multi_thread(1);
        let (done, finished) = mpsc::channel();
        let (go, waker) = gated(&rt, &done);
        std::thread::sleep(Duration::from_millis(20));
        go.store(true, SeqCst);
        let mut list = WakeList::new();
        list.push(waker);
        list.push(Waker::from(Arc::new(Panics)));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| list.wake_all()));
        assert!(caught.is_err());
        finished
            .recv_timeout(Duration::from_secs(10))
            .expect("the task's worker was never unparked");
    }

    #[test]
    fn a_burst_across_two_runtimes_unparks_both() {
        let (a, b) = (multi_thread(1), multi_thread(1));
        let (done, finished) = mpsc::channel();
        let (go_a, waker_a) = gated(&a, &done);
        let (go_b, waker_b) = gated(&b, &done);
        std::thread::sleep(Duration::from_millis(20));
        go_a.store(true, SeqCst);
        go_b.store(true, SeqCst);
        let mut list = WakeList::new();
        list.push(waker_a);
        list.push(waker_b);
        list.wake_all();
        for _ in 0..2 {
            finished
                .recv_timeout(Duration::from_secs(10))
                .expect("one runtime's task never ran");
        }
    }
}
