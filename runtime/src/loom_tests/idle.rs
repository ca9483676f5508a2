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
/// sleep while worker 1 queues a task and then runs `ask`, which returns true if it woke a sleeper.
fn queue_while_other_sleeps(sleeper_searching: bool, ask: fn(&Idle) -> bool) {
    loom::model(move || {
        let sched = TestSched::new();
        let (join, task) = sched.bind(async {});
        let inject = Inject::new();
        // Two workers, both awake, one of them searching.
        let idle = Arc::new(Idle::new(2));
        assert!(idle.transition_worker_to_searching());
        let (steal, mut local) = queue::local();

        let sleeper = {
            let idle = idle.clone();
            thread::spawn(move || {
                let must_recheck = idle.transition_worker_to_parked(0, sleeper_searching);
                must_recheck && !steal.is_empty()
            })
        };

        local.push_back_or_overflow(task, &inject);
        let woke_sleeper = ask(&idle);

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
    queue_while_other_sleeps(true, |idle| idle.worker_to_notify().is_some());
}

/// Worker 0 is awake but not searching (the one searcher allowed out of two is worker 1) and goes
/// to sleep while worker 1 finds two tasks: it queues one, stops searching and, as the last
/// searcher, asks for a sleeper. If it asks before worker 0 has left the count of awake workers,
/// nobody looks asleep to it; worker 0 then has to see that no searcher is left and re-check.
#[test]
fn searcher_finds_work_while_non_searcher_parks() {
    queue_while_other_sleeps(false, |idle| {
        idle.transition_worker_from_searching() && idle.worker_to_notify().is_some()
    });
}
