//! `RuntimeMetrics`' per-worker counters beyond what Tokio's rt_metrics file checks: busy time
//! covers the time a task spends running, park/unpark parity follows a worker's sleeps, the global
//! queue depth counts spawns from outside, and a bad worker index panics with a message.

use eddy::runtime::Builder;
use std::time::{Duration, Instant};

fn wait_until(mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "condition not reached in 10 s");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn busy_time_includes_a_task_that_runs_for_a_while() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let metrics = rt.metrics();
    let ran = rt
        .block_on(rt.spawn(async {
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(30) {
                std::hint::spin_loop();
            }
            start.elapsed()
        }))
        .unwrap();
    drop(rt);
    // The worker was awake for the whole spin; its busy time is counted up to its last sleep.
    assert!(metrics.worker_total_busy_duration(0) >= ran);
}

#[test]
fn park_unpark_count_is_odd_while_the_worker_sleeps() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let metrics = rt.metrics();
    wait_until(|| metrics.worker_park_unpark_count(0) % 2 == 1);
    let before = metrics.worker_park_count(0);
    rt.block_on(rt.spawn(async {})).unwrap();
    // Woken for the task, then asleep again.
    wait_until(|| {
        metrics.worker_park_count(0) > before && metrics.worker_park_unpark_count(0) % 2 == 1
    });
    drop(rt);
    assert_eq!(metrics.worker_park_unpark_count(0) % 2, 0);
}

#[test]
fn global_queue_depth_counts_spawns_from_outside_until_a_worker_takes_them() {
    let rt = Builder::new_current_thread().build().unwrap();
    let metrics = rt.metrics();
    for i in 0..3 {
        assert_eq!(metrics.global_queue_depth(), i);
        let handle = rt.handle().clone();
        std::thread::spawn(move || drop(handle.spawn(async {})))
            .join()
            .unwrap();
    }
    assert_eq!(metrics.global_queue_depth(), 3);
    rt.block_on(eddy::task::yield_now());
    assert_eq!(metrics.global_queue_depth(), 0);
}

#[test]
#[should_panic(expected = "worker index 2 out of range: the runtime has 2 worker(s)")]
fn a_worker_index_out_of_range_panics() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.metrics().worker_park_count(2);
}
