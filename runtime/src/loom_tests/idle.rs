//! Models of the sleep protocol (`scheduler/multi_thread/idle.rs`) against a push into a worker's
//! local queue. Of two awake workers, one queues a task where the other could steal it and then asks
//! for a sleeper to wake, while the other goes to sleep. Either the pusher finds a sleeper to wake,
//! or the sleeper, seeing no searcher left, re-checks the queues and sees the task; never neither.
//! Neither is the lost wake-up that left the second worker of `tests/rt_spread.rs` asleep for 30 s
//! while a task waited in the first worker's queue.

use super::TestSched;
use crate::loom::sync::Arc;
use crate::scheduler::inject::Inject;
use crate::scheduler::multi_thread::idle::Idle;
use crate::scheduler::multi_thread::queue;
use loom::thread;

/// Runs the race: worker 0 (searching if `sleeper_searching`, else worker 1 is the searcher) goes to
/// sleep while worker 1 queues a task and then runs `ask` (given worker 1's own queue), which returns
/// true if it woke a sleeper.
fn queue_while_other_sleeps(sleeper_searching: bool, ask: fn(&Idle, &queue::Steal) -> bool) {
    loom::model(move || {
        let sched = TestSched::new();
        let (join, task) = sched.bind(async {});
        let inject = Inject::new();
        // Two workers, both awake, one of them searching.
        let idle = Arc::new(Idle::new(2));
        assert!(idle.transition_worker_to_searching());
        let (steal, mut local) = queue::local();
        let own = steal.clone();

        let sleeper = {
            let idle = idle.clone();
            thread::spawn(move || {
                let must_recheck = idle.transition_worker_to_parked(0, sleeper_searching);
                must_recheck && !steal.is_empty()
            })
        };

        local.push_back_or_overflow(task, &inject);
        let woke_sleeper = ask(&idle, &own);

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

/// Worker 0, the last searcher, found nothing and goes to sleep; worker 1, running tasks, queues
/// one and asks for a sleeper. Its check must not be answered before its push is visible.
#[test]
fn local_push_against_last_searcher_parking() {
    queue_while_other_sleeps(true, |idle, _| idle.worker_to_notify().is_some());
}

/// Worker 0 is awake but not searching (the one searcher allowed out of two is worker 1) and goes
/// to sleep while worker 1 finds two tasks: it queues one, stops searching and, as the last
/// searcher with work still queued (its own), asks for a sleeper. If it asks before worker 0 has
/// left the count of awake workers, nobody looks asleep to it; worker 0 then has to see that no
/// searcher is left and re-check.
#[test]
fn searcher_finds_work_while_non_searcher_parks() {
    queue_while_other_sleeps(false, |idle, own| {
        idle.transition_worker_from_searching()
            && !own.is_empty()
            && idle.worker_to_notify().is_some()
    });
}

/// The last searcher's hand-off, against a push it was relied on for. Of three workers, worker 2
/// sleeps, worker 1 searches, and worker 0, running tasks, queues one and asks for a sleeper: it
/// sees the searcher and wakes nobody. Worker 1 meanwhile found other work, stops searching and,
/// as the last searcher, wakes a sleeper only if some queue still holds work. Either worker 0 woke
/// worker 2, or worker 1 sees worker 0's task; never neither (the task would wait for worker 0
/// alone). Fails if worker 1 looks at the queues before it leaves the searcher count.
#[test]
fn last_searcher_hands_off_only_visible_work() {
    loom::model(|| {
        let sched = TestSched::new();
        let (join, task) = sched.bind(async {});
        let inject = Inject::new();
        let idle = Arc::new(Idle::new(3));
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_parked(2, false));
        let (steal, mut local) = queue::local();

        let searcher = {
            let idle = idle.clone();
            thread::spawn(move || {
                // `Core::transition_from_searching`, then `Handle::notify_if_work_pending`.
                idle.transition_worker_from_searching() && !steal.is_empty()
            })
        };

        local.push_back_or_overflow(task, &inject);
        let pusher_woke = idle.worker_to_notify().is_some();

        let searcher_saw_task = searcher.join().unwrap();
        assert!(
            pusher_woke || searcher_saw_task,
            "a task was queued for the searcher to hand over, and the searcher did not see it"
        );
        drop(local.pop());
        drop(join);
        sched.shutdown();
    });
}
