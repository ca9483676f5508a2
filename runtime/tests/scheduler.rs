//! Scheduler behaviour seen from the public API: many tasks, wakes across threads, shutdown.

use eddy_runtime::runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn rts() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap(),
    ]
}

#[test]
fn many_spawns_complete() {
    for rt in rts() {
        let n = rt.block_on(async {
            let mut handles = Vec::new();
            for i in 0..100_000usize {
                handles.push(eddy_runtime::spawn(async move { i }));
            }
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(n, (0..100_000usize).sum::<usize>());
    }
}

#[test]
fn chained_spawn_and_yield() {
    for rt in rts() {
        let out = rt.block_on(async {
            fn chain(n: usize, tx: std::sync::mpsc::Sender<()>) {
                if n == 0 {
                    tx.send(()).unwrap();
                } else {
                    eddy_runtime::spawn(async move {
                        eddy_runtime::task::yield_now().await;
                        chain(n - 1, tx)
                    });
                }
            }
            let (tx, rx) = std::sync::mpsc::channel();
            chain(1000, tx);
            eddy_runtime::task::spawn_blocking(move || rx.recv().is_ok())
                .await
                .unwrap()
        });
        assert!(out);
    }
}

#[test]
fn shutdown_drops_pending_futures() {
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    for rt in rts() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let g = Guard(dropped.clone());
                rt.spawn(async move {
                    let _g = g;
                    std::future::pending::<()>().await
                })
            })
            .collect();
        // Let them all start.
        rt.block_on(async {
            for _ in 0..10 {
                eddy_runtime::task::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(dropped.load(Ordering::SeqCst), 100);
        for h in handles {
            let err = futures::executor::block_on(h).unwrap_err();
            assert!(err.is_cancelled());
        }
    }
}

#[test]
fn abort_and_panic() {
    for rt in rts() {
        rt.block_on(async {
            let h = eddy_runtime::spawn(std::future::pending::<()>());
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            let h = eddy_runtime::spawn(async { panic!("boom") });
            let e = h.await.unwrap_err();
            assert!(e.is_panic());
            assert_eq!(*e.into_panic().downcast::<&str>().unwrap(), "boom");
            assert_eq!(eddy_runtime::spawn(async { 5 }).await.unwrap(), 5);
        });
    }
}

#[test]
fn wake_from_other_thread() {
    for rt in rts() {
        rt.block_on(async {
            let (tx, rx) = futures::channel::oneshot::channel();
            let h = eddy_runtime::spawn(async move { rx.await.unwrap() });
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(10));
                tx.send(9).unwrap();
            });
            assert_eq!(h.await.unwrap(), 9);
        });
    }
}

#[test]
fn block_in_place_keeps_others_running() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel();
        let h = eddy_runtime::spawn(async move {
            eddy_runtime::task::block_in_place(|| rx.recv().unwrap())
        });
        // Other tasks still run while one worker blocks.
        let n = eddy_runtime::spawn(async { 3 }).await.unwrap();
        tx.send(n).unwrap();
        assert_eq!(h.await.unwrap(), 3);
    });
}

#[test]
fn local_set_runs_non_send_futures() {
    use std::rc::Rc;
    for rt in rts() {
        let local = eddy_runtime::task::LocalSet::new();
        let rc = Rc::new(std::cell::Cell::new(0));
        let rc2 = rc.clone();
        local.block_on(&rt, async move {
            let mut hs = Vec::new();
            for _ in 0..100 {
                let rc = rc2.clone();
                hs.push(eddy_runtime::task::spawn_local(async move {
                    eddy_runtime::task::yield_now().await;
                    rc.set(rc.get() + 1);
                }));
            }
            // A wake from another thread reaches a local task.
            let (tx, rx) = futures::channel::oneshot::channel::<u32>();
            let h = eddy_runtime::task::spawn_local(async move { rx.await.unwrap() });
            std::thread::spawn(move || tx.send(5).unwrap());
            assert_eq!(h.await.unwrap(), 5);
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(rc.get(), 100);
        // Awaiting the set runs its tasks to completion.
        let rc3 = rc.clone();
        local.spawn_local(async move { rc3.set(0) });
        rt.block_on(local);
        assert_eq!(rc.get(), 0);
    }
}

#[test]
fn local_set_drop_cancels_tasks() {
    let rt = Builder::new_current_thread().build().unwrap();
    let local = eddy_runtime::task::LocalSet::new();
    let h = local.spawn_local(std::future::pending::<()>());
    local.block_on(&rt, eddy_runtime::task::yield_now());
    drop(local);
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
}
