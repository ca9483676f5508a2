//! Models of the worker's local queue (`scheduler/multi_thread/queue.rs`): the owner's pushes, pops and
//! overflow against a stealer on another thread. Under loom the ring holds 4 tasks.

use super::TestSched;
use crate::scheduler::inject::Inject;
use crate::scheduler::multi_thread::queue::{self, CAPACITY};
use crate::task::raw::Notified;
use crate::task::{Id, JoinHandle};
use loom::thread;
use std::collections::HashSet;
use std::sync::Mutex as StdMutex;

/// `n` idle tasks: their handles, their ids, and their `Notified`s to push around.
fn tasks(sched: &TestSched, n: usize) -> (Vec<JoinHandle<()>>, HashSet<Id>, Vec<Notified>) {
    let mut joins = Vec::new();
    let mut ids = HashSet::new();
    let mut notified = Vec::new();
    for _ in 0..n {
        let (join, task) = sched.bind(async {});
        ids.insert(join.id());
        joins.push(join);
        notified.push(task);
    }
    (joins, ids, notified)
}

/// Records every task taken out of a queue; fails on a task seen twice.
#[derive(Default)]
struct Seen(StdMutex<Vec<Notified>>);

impl Seen {
    fn take(&self, task: Notified) {
        self.0.lock().unwrap().push(task);
    }

    /// Checks that exactly the tasks in `ids` were seen, once each, then releases them.
    fn check(self, ids: &HashSet<Id>) {
        let tasks = self.0.into_inner().unwrap();
        let seen: HashSet<Id> = tasks.iter().map(|t| t.raw().id()).collect();
        assert_eq!(seen.len(), tasks.len(), "a task came out twice");
        assert_eq!(&seen, ids, "a task was lost");
        drop(tasks);
    }
}

/// Steals from `src` into a fresh queue of this thread's own and records what it got.
fn steal_all(src: &queue::Steal, seen: &Seen) {
    let (_, mut dst) = queue::local();
    if let Some(task) = src.steal_into(&mut dst) {
        seen.take(task);
    }
    while let Some(task) = dst.pop() {
        seen.take(task);
    }
}

fn finish(sched: TestSched, joins: Vec<JoinHandle<()>>) {
    drop(joins);
    sched.shutdown();
}

/// The owner pushes and pops while a stealer takes half of what it finds.
#[test]
fn steal_races_push_and_pop() {
    loom::model(|| {
        let sched = TestSched::new();
        let (joins, ids, mut tasks) = tasks(&sched, 3);
        let inject = Inject::new();
        let seen = std::sync::Arc::new(Seen::default());
        let (steal, mut local) = queue::local();
        local.push_back_or_overflow(tasks.pop().unwrap(), &inject);
        local.push_back_or_overflow(tasks.pop().unwrap(), &inject);

        let s = seen.clone();
        let stealer = thread::spawn(move || steal_all(&steal, &s));

        local.push_back_or_overflow(tasks.pop().unwrap(), &inject);
        if let Some(task) = local.pop() {
            seen.take(task);
        }
        stealer.join().unwrap();

        while let Some(task) = local.pop() {
            seen.take(task);
        }
        while let Some(task) = inject.pop() {
            seen.take(task);
        }
        std::sync::Arc::into_inner(seen).unwrap().check(&ids);
        finish(sched, joins);
    });
}

/// The owner pushes into a full ring (overflowing half of it to the inject queue, or sending the task
/// there while a steal is in progress) while a stealer drains it.
#[test]
fn steal_races_overflow() {
    loom::model(|| {
        let sched = TestSched::new();
        let (joins, ids, mut tasks) = tasks(&sched, CAPACITY + 1);
        let inject = Inject::new();
        let seen = std::sync::Arc::new(Seen::default());
        let (steal, mut local) = queue::local();
        for _ in 0..CAPACITY {
            local.push_back_or_overflow(tasks.pop().unwrap(), &inject);
        }
        assert!(inject.is_empty());

        let s = seen.clone();
        let stealer = thread::spawn(move || steal_all(&steal, &s));

        local.push_back_or_overflow(tasks.pop().unwrap(), &inject);
        stealer.join().unwrap();

        while let Some(task) = local.pop() {
            seen.take(task);
        }
        for task in inject.pop_n(usize::MAX) {
            seen.take(task);
        }
        std::sync::Arc::into_inner(seen).unwrap().check(&ids);
        finish(sched, joins);
    });
}

/// Two stealers on one queue while the owner pops: only one steal runs at a time, and nothing is
/// taken twice.
#[test]
fn two_stealers_and_the_owner() {
    loom::model(|| {
        let sched = TestSched::new();
        let (joins, ids, tasks) = tasks(&sched, 4);
        let inject = Inject::new();
        let seen = std::sync::Arc::new(Seen::default());
        let (steal, mut local) = queue::local();
        for task in tasks {
            local.push_back_or_overflow(task, &inject);
        }

        let stealers: Vec<_> = (0..2)
            .map(|_| {
                let (st, s) = (steal.clone(), seen.clone());
                thread::spawn(move || steal_all(&st, &s))
            })
            .collect();
        if let Some(task) = local.pop() {
            seen.take(task);
        }
        for t in stealers {
            t.join().unwrap();
        }

        while let Some(task) = local.pop() {
            seen.take(task);
        }
        drop(steal);
        assert!(inject.is_empty());
        std::sync::Arc::into_inner(seen).unwrap().check(&ids);
        finish(sched, joins);
    });
}
