//! Model of the idle protocol (`scheduler/multi_thread/idle.rs`) against a push into a worker's
//! local queue: one worker queues a task and asks whether to wake a sleeper while the last
//! searching worker goes to sleep. Either the pusher sees no searcher left and wakes a sleeper, or
//! the sleeper, as the last searcher, re-checks the queues and sees the task; never neither. Neither
//! is the lost wake-up that left the second worker of `tests/rt_spread.rs` asleep for 30 s while a
//! task waited in the first worker's queue.

use super::TestSched;
use crate::loom::sync::Arc;
use crate::scheduler::inject::Inject;
use crate::scheduler::multi_thread::idle::Idle;
use crate::scheduler::multi_thread::queue;
use loom::thread;

#[test]
fn local_push_against_last_searcher_parking() {
    loom::model(|| {
        let sched = TestSched::new();
        let (join, task) = sched.bind(async {});
        let inject = Inject::new();
        // Two workers, both awake: worker 0 searching, worker 1 running tasks.
        let idle = Arc::new(Idle::new(2));
        assert!(idle.transition_worker_to_searching());
        let (steal, mut local) = queue::local();

        let sleeper = {
            let idle = idle.clone();
            thread::spawn(move || {
                // Worker 0 found nothing and goes to sleep; as the last searcher it looks once more.
                let last_searcher = idle.transition_worker_to_parked(0, true);
                last_searcher && !steal.is_empty()
            })
        };

        // Worker 1 queues a task where others can steal it, then asks for a sleeper to wake.
        local.push_back_or_overflow(task, &inject);
        let woke_sleeper = idle.worker_to_notify().is_some();

        let sleeper_saw_task = sleeper.join().unwrap();
        assert!(
            woke_sleeper || sleeper_saw_task,
            "a task was queued while the last searcher went to sleep, and nobody will run it"
        );
        drop(local.pop());
        drop(join);
        sched.shutdown();
    });
}

/// A worker that is awake but not searching (the one searcher allowed out of two was busy) goes to
/// sleep while the searcher finds work: it queues a second task where the sleeper could steal it,
/// stops searching and, as the last searcher, asks for a sleeper to wake. If it asks before the
/// sleeper has left the count of awake workers, nobody looks asleep to it; the sleeper then has to
/// see that no searcher is left and re-check the queues itself.
#[test]
fn searcher_finds_work_while_non_searcher_parks() {
    loom::model(|| {
        let sched = TestSched::new();
        let (join, task) = sched.bind(async {});
        let inject = Inject::new();
        // Two workers, both awake: worker 1 searching, worker 0 not.
        let idle = Arc::new(Idle::new(2));
        assert!(idle.transition_worker_to_searching());
        let (steal, mut local) = queue::local();

        let sleeper = {
            let idle = idle.clone();
            thread::spawn(move || {
                let must_recheck = idle.transition_worker_to_parked(0, false);
                must_recheck && !steal.is_empty()
            })
        };

        // Worker 1 found two tasks: it keeps one to run and queues the other, then stops searching.
        local.push_back_or_overflow(task, &inject);
        let woke_sleeper =
            idle.transition_worker_from_searching() && idle.worker_to_notify().is_some();

        let sleeper_saw_task = sleeper.join().unwrap();
        assert!(
            woke_sleeper || sleeper_saw_task,
            "a task was queued while the other worker went to sleep, and nobody will run it"
        );
        drop(local.pop());
        drop(join);
        sched.shutdown();
    });
}
