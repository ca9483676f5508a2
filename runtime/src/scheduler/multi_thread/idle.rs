//! Which workers sleep, and how many are searching for work.
//!
//! One atomic word counts *unparked* workers (awake) and *searching* workers (awake, out of local work,
//! trying to steal). A mutex-protected list holds the indices of sleeping workers.
//!
//! The rules that keep CPU use low without losing work:
//! - When work is queued, one sleeping worker is woken, and only if nobody is searching already (a
//!   searcher will find the work, and will wake the next worker when it does).
//! - At most half of the workers search at once, so stealing doesn't become a stampede.
//! - The woken worker starts out searching. When the last searcher finds work and more is still
//!   queued (in any worker's queue or the inject queue), it wakes another worker, so a burst of work
//!   spreads one worker at a time. Work queued while it searched was left to it (its pusher saw a
//!   searcher and woke nobody); it reads the state word with a read-modify-write before it looks at
//!   the queues, so it sees that work (`loom_tests/idle.rs`).
//! - A worker going to sleep when no other worker is searching (it was the last searcher, or it was
//!   not searching and nobody else is) re-checks every queue before it sleeps, so work queued while
//!   everyone was about to sleep is never stranded.
//! - Whoever queues work and then asks whether to wake a sleeper reads the state word with a
//!   read-modify-write, which orders its queue store before the read; a worker going to sleep
//!   decrements the word before it re-checks the queues. One of the two therefore sees the other.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

pub(crate) struct Idle {
    /// `unparked << 16 | searching`.
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn num_searching(s: usize) -> usize {
    s & SEARCH_MASK
}

fn num_unparked(s: usize) -> usize {
    s >> UNPARK_SHIFT
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// If a worker should be woken for new work, takes one off the sleep list (it counts as unparked
    /// and searching from now on) and returns its index.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Re-check under the lock: another thread may have woken someone meanwhile.
        if !self.notify_should_wake() {
            return None;
        }
        let index = sleepers.pop()?;
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        Some(index)
    }

    fn notify_should_wake(&self) -> bool {
        // A read-modify-write, not a load: the caller has just queued a task (a plain store into a
        // local queue, or the inject queue's), and a load may be answered before that store is
        // visible to other threads (a store buffer). Then a worker going to sleep could both miss
        // the task when it re-checks the queues and still count as awake or searching here, and nobody
        // would run the task. The RMW is ordered with the sleeper's own RMW on this word, so one of
        // the two sees the other (`loom_tests/idle.rs`).
        let s = self.state.fetch_add(0, SeqCst);
        num_searching(s) == 0 && num_unparked(s) < self.num_workers
    }

    /// Records that worker `index` goes to sleep. Returns true if no worker is searching any more
    /// (the caller must then check all queues once more).
    ///
    /// That includes a worker that was not searching itself: a searcher that found work just before
    /// this call, and asked for a sleeper to wake while this worker still counted as awake, was
    /// told there was none; the work it queued would then wait for it alone.
    pub(crate) fn transition_worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = (1 << UNPARK_SHIFT) | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        num_searching(prev) == usize::from(is_searching)
    }

    /// Lets a worker start searching, unless half of the workers already are.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * num_searching(s) >= self.num_workers {
            return false;
        }
        // Racy by design: going over the limit by one briefly is harmless.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work (or gave up). Returns true if it was the last searcher.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        num_searching(prev) == 1
    }

    /// True if worker `index` is on the sleep list.
    pub(crate) fn is_parked(&self, index: usize) -> bool {
        self.sleepers.lock().contains(&index)
    }

    /// Takes worker `index` off the sleep list (it woke up for its own reasons, e.g. its queue got work);
    /// returns true if it was there. It counts as unparked, not searching.
    pub(crate) fn unpark_worker_by_id(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        if let Some(pos) = sleepers.iter().position(|&i| i == index) {
            sleepers.swap_remove(pos);
            self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
            true
        } else {
            false
        }
    }
}
