//! Loom models of `Barrier` with two parties: in every interleaving exactly one `wait()` is the
//! leader, nobody leaves before both have arrived and nobody hangs (the leader's `notify_waiters`
//! cannot slip past the other's wait), also when the barrier is reused for a second generation
//! while the first one's waiter has not yet seen its release.
#![cfg(loom)]

use eddy_runtime::sync::Barrier;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

/// Arrives at the barrier `rounds` times, counting each arrival in `arrived` first. Checks after
/// each `wait()` that both parties have arrived for that round; returns whether it led each one.
fn party(barrier: &Barrier, arrived: &AtomicUsize, rounds: usize) -> Vec<bool> {
    (1..=rounds)
        .map(|round| {
            arrived.fetch_add(1, SeqCst);
            let leader = block_on(barrier.wait()).is_leader();
            assert!(
                arrived.load(SeqCst) >= 2 * round,
                "left round {round} before the other party arrived"
            );
            leader
        })
        .collect()
}

/// Two parties arrive together, in either order, with the second arrival's `notify_waiters`
/// racing the first one's wait: both return (loom reports a hang as a deadlock), after both
/// arrived, and exactly one of them is the leader.
#[test]
fn barrier_one_leader() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let arrived = Arc::new(AtomicUsize::new(0));
        let (b2, a2) = (barrier.clone(), arrived.clone());
        let th = thread::spawn(move || party(&b2, &a2, 1));
        let mine = party(&barrier, &arrived, 1);
        let theirs = th.join().unwrap();
        assert_ne!(mine[0], theirs[0], "not exactly one leader");
    });
}

/// The barrier reused: both parties wait twice. The first generation's leader can arrive for the
/// second before the other has seen its release; the other must still leave the first generation
/// (it is not fooled by the new arrival), and each generation has exactly one leader.
///
/// This model, not the one above, is the one that catches a waiter creating its `Notified` after
/// releasing the state lock: loom 0.7 does not reach the losing schedule (a `notify_waiters` between
/// a loom `Mutex` release and the releasing thread's next step) in a single generation.
#[test]
fn barrier_reuse_across_generations() {
    loom::model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let arrived = Arc::new(AtomicUsize::new(0));
        let (b2, a2) = (barrier.clone(), arrived.clone());
        let th = thread::spawn(move || party(&b2, &a2, 2));
        let mine = party(&barrier, &arrived, 2);
        let theirs = th.join().unwrap();
        for round in 0..2 {
            assert_ne!(
                mine[round], theirs[round],
                "not exactly one leader in generation {round}"
            );
        }
    });
}
