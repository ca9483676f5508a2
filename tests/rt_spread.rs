//! Work spreads over the workers: on a 2-worker runtime, two tasks that each hold their thread
//! until the other has started can only both finish if the two workers run them at once.
//!
//! The rendezvous waits are bounded, so a scheduler that leaves one worker idle fails the test
//! instead of hanging it; nothing here measures time.

use eddy::runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one party waits for the others before giving up; far above any healthy wait.
const PATIENCE: Duration = Duration::from_secs(30);

/// A rendezvous for `parties` threads that gives up after [`PATIENCE`]: `arrive` blocks the
/// calling thread (deliberately: the point is to occupy a worker) until every party arrived.
#[derive(Clone)]
struct Rendezvous {
    arrived: Arc<AtomicUsize>,
    parties: usize,
}

impl Rendezvous {
    fn new(parties: usize) -> Self {
        Rendezvous {
            arrived: Arc::new(AtomicUsize::new(0)),
            parties,
        }
    }

    /// True if every party arrived before the patience ran out.
    fn arrive(&self) -> bool {
        self.arrived.fetch_add(1, Ordering::SeqCst);
        let deadline = Instant::now() + PATIENCE;
        while self.arrived.load(Ordering::SeqCst) < self.parties {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }
}

fn two_workers() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[test]
fn two_blocking_tasks_spawned_from_outside_run_at_once() {
    let rt = two_workers();
    let meet = Rendezvous::new(2);
    let a = rt.spawn({
        let meet = meet.clone();
        async move { meet.arrive() }
    });
    let b = rt.spawn({
        let meet = meet.clone();
        async move { meet.arrive() }
    });
    let (a, b) = rt.block_on(async { (a.await.unwrap(), b.await.unwrap()) });
    assert!(a && b, "the two tasks never ran at the same time");
}

/// Both tasks are spawned from inside a worker, so they land in that worker's own queue (one
/// of them perhaps in a slot that only the owner runs); the other worker has to be woken and
/// steal the other one.
#[test]
fn tasks_spawned_inside_a_worker_are_stolen() {
    let rt = two_workers();
    let meet = Rendezvous::new(2);
    let outer = rt.spawn({
        let meet = meet.clone();
        async move {
            let spawn_one = || {
                let meet = meet.clone();
                eddy::spawn(async move { meet.arrive() })
            };
            let (a, b) = (spawn_one(), spawn_one());
            (a.await.unwrap(), b.await.unwrap())
        }
    });
    let (a, b) = rt.block_on(outer).unwrap();
    assert!(
        a && b,
        "a task spawned inside a worker was not stolen by the idle worker"
    );
}

/// Many rounds, so that a worker that went to sleep between rounds must be woken each time.
#[test]
fn rendezvous_repeatedly() {
    let rt = two_workers();
    for round in 0..50 {
        let meet = Rendezvous::new(2);
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let meet = meet.clone();
                rt.spawn(async move { meet.arrive() })
            })
            .collect();
        let ok = rt.block_on(async {
            let mut ok = true;
            for h in handles {
                ok &= h.await.unwrap();
            }
            ok
        });
        assert!(
            ok,
            "round {round}: the two tasks never ran at the same time"
        );
    }
}

/// `block_in_place` hands the worker's queue to another thread, so a task blocked inside it
/// does not hold up the tasks queued behind it, even on a single worker.
#[test]
fn block_in_place_lets_queued_tasks_run() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let meet = Rendezvous::new(2);
    let outer = rt.spawn({
        let meet = meet.clone();
        async move {
            let inner = eddy::spawn({
                let meet = meet.clone();
                async move { meet.arrive() }
            });
            let mine = eddy::task::block_in_place(|| meet.arrive());
            (mine, inner.await.unwrap())
        }
    });
    let (a, b) = rt.block_on(outer).unwrap();
    assert!(
        a && b,
        "the queued task did not run while its worker was in block_in_place"
    );
}

/// `spawn_blocking` runs on its own threads: two blocking closures and a task meet.
#[test]
fn spawn_blocking_runs_beside_the_workers() {
    let rt = Builder::new_current_thread().build().unwrap();
    let meet = Rendezvous::new(3);
    let a = rt.spawn_blocking({
        let meet = meet.clone();
        move || meet.arrive()
    });
    let b = rt.spawn_blocking({
        let meet = meet.clone();
        move || meet.arrive()
    });
    let mine = rt.block_on(async { meet.arrive() });
    let (a, b) = rt.block_on(async { (a.await.unwrap(), b.await.unwrap()) });
    assert!(mine && a && b, "blocking closures did not run concurrently");
}
