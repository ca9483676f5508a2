//! Nothing outlives a runtime: after building and dropping runtimes of both flavors (with
//! pending tasks, blocking tasks and tasks that never ran), the process' thread count, read from
//! `/proc/self/status`, returns to where it started. Alone in its binary, so no other test's
//! threads come and go meanwhile.

use eddy::runtime::{Builder, Runtime};
use std::time::{Duration, Instant};

/// The `Threads:` line of /proc/self/status.
fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .expect("no Threads: line")
        .trim()
        .parse()
        .unwrap()
}

fn busy_runtime(multi: bool) -> Runtime {
    let rt = if multi {
        Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(4)
            .build()
            .unwrap()
    } else {
        Builder::new_current_thread()
            .max_blocking_threads(4)
            .build()
            .unwrap()
    };
    // Spawned and never polled on current_thread; polled and parked on multi_thread.
    for _ in 0..10 {
        rt.spawn(std::future::pending::<()>());
    }
    // Blocking tasks: some finished, some still queued when the runtime drops.
    let done = rt.block_on(async {
        let hs: Vec<_> = (0..4)
            .map(|i| eddy::task::spawn_blocking(move || i))
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(done, 6);
    for _ in 0..8 {
        drop(rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(1))));
    }
    rt
}

#[test]
fn thread_count_returns_to_start() {
    let start = thread_count();
    for i in 0..50 {
        drop(busy_runtime(i % 2 == 0));
    }
    // Dropping a runtime joins its threads, but give the kernel's bookkeeping a bounded while.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut now = thread_count();
    while now != start && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        now = thread_count();
    }
    assert_eq!(now, start, "threads leaked: {start} before, {now} after");
}
