//! Models of the inject queue (`scheduler/inject.rs`): pushes and batch pushes from other threads
//! against `pop` and `pop_n`.

use super::TestSched;
use crate::loom::sync::Arc;
use crate::scheduler::inject::Inject;
use crate::task::Id;
use loom::thread;
use std::collections::HashSet;

/// Remote `push` and `push_batch` race the consumer's `pop_n` and `pop`; every task comes out once,
/// and the tasks of one producer come out in the order it pushed them.
#[test]
fn push_races_pop_n() {
    loom::model(|| {
        let sched = TestSched::new();
        let mut joins = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (join, task) = sched.bind(async {});
            joins.push(join);
            tasks.push(task);
        }
        let ids: Vec<Id> = joins.iter().map(|j| j.id()).collect();
        let inject = Arc::new(Inject::new());

        let batch: Vec<_> = tasks.drain(1..).collect();
        let single = tasks.pop().unwrap();
        let i = inject.clone();
        let batcher = thread::spawn(move || i.push_batch(batch.into_iter()));
        inject.push(single);

        let mut seen = Vec::new();
        for task in inject.pop_n(2) {
            seen.push(task);
        }
        if let Some(task) = inject.pop() {
            seen.push(task);
        }
        batcher.join().unwrap();
        while let Some(task) = inject.pop() {
            seen.push(task);
        }
        assert!(inject.is_empty());

        let order: Vec<Id> = seen.iter().map(|t| t.raw().id()).collect();
        let unique: HashSet<Id> = order.iter().copied().collect();
        assert_eq!(unique.len(), 3, "lost or duplicated: {order:?}");
        let pos = |id: Id| order.iter().position(|x| *x == id).unwrap();
        assert!(pos(ids[1]) < pos(ids[2]), "a batch came out of order");

        drop(seen);
        drop(joins);
        sched.shutdown();
    });
}

/// Two threads pop while a third pushes: no task is taken twice, none is lost.
#[test]
fn concurrent_pops() {
    loom::model(|| {
        let sched = TestSched::new();
        let mut joins = Vec::new();
        let inject = Arc::new(Inject::new());
        for _ in 0..2 {
            let (join, task) = sched.bind(async {});
            joins.push(join);
            inject.push(task);
        }
        let (join, late) = sched.bind(async {});
        joins.push(join);

        let i = inject.clone();
        let popper = thread::spawn(move || i.pop_n(2).map(|t| t.raw().id()).collect::<Vec<_>>());
        inject.push(late);
        let mut ids: Vec<Id> = inject.pop().into_iter().map(|t| t.raw().id()).collect();
        ids.extend(popper.join().unwrap());
        while let Some(t) = inject.pop() {
            ids.push(t.raw().id());
        }
        let unique: HashSet<Id> = ids.iter().copied().collect();
        assert_eq!((ids.len(), unique.len()), (3, 3), "{ids:?}");

        drop(joins);
        sched.shutdown();
    });
}
