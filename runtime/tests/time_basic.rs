//! Timers through the public API on both runtimes: sleeps from every worker, timeouts, intervals,
//! paused time with auto-advance, and the misuse panics. (Tokio's own time_* tests, ported, cover the
//! details.)

use eddy_runtime::runtime::{Builder, Runtime};
use eddy_runtime::time::{self, Duration, Instant, MissedTickBehavior};

fn current_thread(start_paused: bool) -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .start_paused(start_paused)
        .build()
        .unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn sleep_never_fires_early_on_either_runtime() {
    for rt in [current_thread(false), multi_thread()] {
        rt.block_on(async {
            for d in [0, 1, 3, 20] {
                let start = std::time::Instant::now();
                time::sleep(ms(d)).await;
                assert!(start.elapsed() >= ms(d));
            }
        });
    }
}

#[test]
fn many_sleeps_from_spawned_tasks() {
    let rt = multi_thread();
    rt.block_on(async {
        let start = std::time::Instant::now();
        let tasks: Vec<_> = (0..1000u64)
            .map(|i| {
                eddy_runtime::spawn(async move {
                    let d = ms(i % 25);
                    let t = std::time::Instant::now();
                    time::sleep(d).await;
                    assert!(t.elapsed() >= d);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(start.elapsed() >= ms(24));
    });
}

#[test]
fn timeout_elapses_and_passes_through() {
    let rt = current_thread(true);
    rt.block_on(async {
        assert_eq!(time::timeout(ms(10), async { 7 }).await, Ok(7));
        let start = Instant::now();
        let r = time::timeout(ms(10), std::future::pending::<()>()).await;
        assert!(r.is_err());
        assert_eq!(start.elapsed(), ms(10));
    });
}

#[test]
fn paused_time_auto_advances() {
    let rt = current_thread(true);
    rt.block_on(async {
        let start = Instant::now();
        time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        time::sleep(Duration::MAX).await;
        time::advance(ms(5)).await;
    });
}

#[test]
fn interval_first_tick_immediate_then_period() {
    let rt = current_thread(true);
    rt.block_on(async {
        let start = Instant::now();
        let mut i = time::interval(ms(100));
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        assert_eq!(i.tick().await, start);
        assert_eq!(i.tick().await, start + ms(100));
        assert_eq!(i.tick().await, start + ms(200));
    });
}

#[test]
fn dropping_the_runtime_frees_pending_timers() {
    let rt = multi_thread();
    rt.block_on(async {
        for _ in 0..100 {
            eddy_runtime::spawn(time::sleep(Duration::from_secs(3600)));
        }
    });
    drop(rt);
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn sleep_outside_runtime_panics() {
    drop(time::sleep(ms(1)));
}

#[test]
#[should_panic(expected = "requires the `current_thread`")]
fn pause_on_multi_thread_panics() {
    multi_thread().block_on(async { time::pause() });
}

#[test]
#[should_panic(expected = "timers are disabled")]
fn sleep_without_enable_time_panics() {
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async { drop(time::sleep(ms(1))) });
}
