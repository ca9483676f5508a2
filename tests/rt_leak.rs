//! Builds and drops 1,000 runtimes, alternating the two flavors, each dropped while it holds
//! pending tasks, a running and some queued blocking tasks, and tasks spawned but never run, and
//! JoinHandles kept past the runtime's end. `.ci/run` runs this binary under
//! `valgrind --leak-check=full --error-exitcode=1`, which fails on any byte leaked; without
//! valgrind it checks that every future was dropped.

use eddy::runtime::Builder;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// Counts its own drops; owns a heap block so a leaked future shows up in valgrind.
struct Tracked {
    drops: Arc<AtomicUsize>,
    _payload: Vec<u8>,
}

impl Tracked {
    fn new(drops: &Arc<AtomicUsize>) -> Self {
        Tracked {
            drops: drops.clone(),
            _payload: vec![0; 64],
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// How many runtimes: 1,000 by default, `EDDY_LEAK_RUNTIMES` to change it.
fn runtimes() -> usize {
    std::env::var("EDDY_LEAK_RUNTIMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

#[test]
fn build_and_drop_runtimes_with_live_tasks() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut expected = 0;
    let mut kept_handles = Vec::new();
    for i in 0..runtimes() {
        let multi = i % 2 == 0;
        let rt = if multi {
            Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(1)
                .build()
                .unwrap()
        } else {
            Builder::new_current_thread()
                .max_blocking_threads(1)
                .build()
                .unwrap()
        };
        // Spawned before any block_on: never run on current_thread.
        for _ in 0..4 {
            let t = Tracked::new(&drops);
            kept_handles.push(rt.spawn(async move {
                let _t = t;
                std::future::pending::<()>().await
            }));
            expected += 1;
        }
        // Polled and pending, detached.
        rt.block_on(async {
            for _ in 0..4 {
                let t = Tracked::new(&drops);
                eddy::spawn(async move {
                    let _t = t;
                    eddy::task::yield_now().await;
                    std::future::pending::<()>().await
                });
                expected += 1;
            }
            eddy::task::yield_now().await;
        });
        // One running blocking task (short, the drop waits for it) and two queued behind it
        // on the single blocking thread: those are dropped unrun.
        let (started_tx, started_rx) = mpsc::channel();
        drop(rt.spawn_blocking(move || {
            let _ = started_tx.send(());
            std::thread::sleep(Duration::from_millis(1));
        }));
        for _ in 0..2 {
            let t = Tracked::new(&drops);
            drop(rt.spawn_blocking(move || drop(t)));
            expected += 1;
        }
        started_rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("runtime {i}: the blocking task never started"));
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), expected, "runtime {i}");
    }
    // The handles outlived their runtimes; every one reports cancellation.
    for h in kept_handles {
        assert!(futures::executor::block_on(h).unwrap_err().is_cancelled());
    }
}
