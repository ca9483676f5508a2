//! The runtime `Builder`'s thread settings: `on_thread_start`/`on_thread_stop` run once per
//! thread, `thread_name`/`thread_name_fn` name workers and blocking threads, `thread_stack_size`
//! is honoured, `max_blocking_threads` caps the blocking pool, and `thread_keep_alive` lets idle
//! blocking threads exit.

use eddy::runtime::Builder;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs `f` on its own thread and fails if it has not returned within a minute: a guard that
/// turns a hang into a failure, not a timing check. A panic in `f` is passed on unchanged.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let out = f();
        drop(done_tx);
        out
    });
    if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(Duration::from_secs(60)) {
        panic!("hung: no result within a minute");
    }
    worker
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Polls `cond` until it holds, failing after 30 s.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn thread_start_and_stop_hooks_pair_up() {
    bounded(|| {
        let starts = Arc::new(AtomicUsize::new(0));
        let stops = Arc::new(AtomicUsize::new(0));
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .on_thread_start({
                let starts = starts.clone();
                move || {
                    starts.fetch_add(1, Ordering::SeqCst);
                }
            })
            .on_thread_stop({
                let stops = stops.clone();
                move || {
                    stops.fetch_add(1, Ordering::SeqCst);
                }
            })
            .build()
            .unwrap();
        // Four blocking closures that are all running at once need four blocking threads.
        let gate = Arc::new(std::sync::Barrier::new(4));
        let blocking: Vec<_> = (0..4)
            .map(|_| {
                let gate = gate.clone();
                rt.spawn_blocking(move || {
                    gate.wait();
                })
            })
            .collect();
        rt.block_on(async {
            for b in blocking {
                b.await.unwrap();
            }
        });
        drop(rt);
        let started = starts.load(Ordering::SeqCst);
        assert!(
            started >= 6,
            "2 workers + 4 blocking threads, saw {started} starts"
        );
        assert_eq!(stops.load(Ordering::SeqCst), started);
    });
}

#[test]
fn current_thread_hooks_run_for_blocking_threads() {
    bounded(|| {
        let starts = Arc::new(AtomicUsize::new(0));
        let stops = Arc::new(AtomicUsize::new(0));
        let rt = Builder::new_current_thread()
            .on_thread_start({
                let starts = starts.clone();
                move || {
                    starts.fetch_add(1, Ordering::SeqCst);
                }
            })
            .on_thread_stop({
                let stops = stops.clone();
                move || {
                    stops.fetch_add(1, Ordering::SeqCst);
                }
            })
            .build()
            .unwrap();
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
        drop(rt);
        assert!(starts.load(Ordering::SeqCst) >= 1);
        assert_eq!(stops.load(Ordering::SeqCst), starts.load(Ordering::SeqCst));
    });
}

#[test]
fn thread_name_applies_to_workers_and_blocking_threads() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("eddy-test-name")
            .build()
            .unwrap();
        let (worker, blocking) = rt.block_on(async {
            let w = eddy::spawn(async { std::thread::current().name().map(String::from) });
            let b = eddy::task::spawn_blocking(|| std::thread::current().name().map(String::from));
            (w.await.unwrap(), b.await.unwrap())
        });
        assert_eq!(worker.as_deref(), Some("eddy-test-name"));
        assert_eq!(blocking.as_deref(), Some("eddy-test-name"));
    });
}

#[test]
fn thread_name_fn_is_called_per_thread() {
    bounded(|| {
        let next = Arc::new(AtomicUsize::new(0));
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name_fn({
                let next = next.clone();
                move || format!("numbered-{}", next.fetch_add(1, Ordering::SeqCst))
            })
            .build()
            .unwrap();
        let name = rt
            .block_on(rt.spawn_blocking(|| std::thread::current().name().map(String::from)))
            .unwrap()
            .unwrap();
        assert!(name.starts_with("numbered-"), "{name}");
        drop(rt);
        assert!(
            next.load(Ordering::SeqCst) >= 3,
            "2 workers + 1 blocking thread"
        );
    });
}

/// With a 32 MiB stack, a blocking closure and a task can put 8 MiB on the stack; with the
/// default 2 MiB the process would crash, so a builder that ignored the setting fails loudly.
#[test]
fn thread_stack_size_is_honoured() {
    bounded(|| {
        #[inline(never)]
        fn use_stack() -> u8 {
            let buf = [1u8; 8 << 20];
            std::hint::black_box(&buf)[buf.len() - 1]
        }
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_stack_size(32 << 20)
            .build()
            .unwrap();
        let blocking = rt.block_on(rt.spawn_blocking(use_stack)).unwrap();
        let task = rt.block_on(rt.spawn(async { use_stack() })).unwrap();
        assert_eq!((blocking, task), (1, 1));
    });
}

/// With one blocking thread, two blocking closures never overlap: the second starts only after
/// the first returned.
#[test]
fn max_blocking_threads_caps_the_pool() {
    bounded(|| {
        let rt = Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let overlap = Arc::new(AtomicUsize::new(0));
        let names = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (running, overlap, names) = (running.clone(), overlap.clone(), names.clone());
                rt.spawn_blocking(move || {
                    if running.fetch_add(1, Ordering::SeqCst) > 0 {
                        overlap.fetch_add(1, Ordering::SeqCst);
                    }
                    names.lock().unwrap().push(std::thread::current().id());
                    std::thread::sleep(Duration::from_millis(2));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(
            overlap.load(Ordering::SeqCst),
            0,
            "two blocking closures overlapped"
        );
        let mut ids = names.lock().unwrap().clone();
        ids.dedup();
        assert_eq!(ids.len(), 1, "more than one blocking thread: {ids:?}");
    });
}

/// As in Tokio, `max_blocking_threads` counts the threads for blocking work only, not the
/// multi-thread scheduler's workers: with one, a blocking closure still gets a thread.
#[test]
fn max_blocking_threads_excludes_the_workers() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (started_tx, started_rx) = mpsc::channel();
        let task = rt.spawn_blocking(move || started_tx.send(()).unwrap());
        started_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the blocking closure never got a thread");
        rt.block_on(task).unwrap();
    });
}

/// An idle blocking thread exits after `thread_keep_alive` (its stop hook runs) while the
/// runtime is still alive.
#[test]
fn idle_blocking_threads_exit_after_keep_alive() {
    bounded(|| {
        let stops = Arc::new(AtomicUsize::new(0));
        let rt = Builder::new_current_thread()
            .thread_keep_alive(Duration::from_millis(10))
            .on_thread_stop({
                let stops = stops.clone();
                move || {
                    stops.fetch_add(1, Ordering::SeqCst);
                }
            })
            .build()
            .unwrap();
        rt.block_on(rt.spawn_blocking(|| ())).unwrap();
        wait_until("the idle blocking thread to exit", || {
            stops.load(Ordering::SeqCst) == 1
        });
        // The pool starts a new thread for later work.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 9)).unwrap(), 9);
    });
}
