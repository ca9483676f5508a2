//! Per-worker counters behind `RuntimeMetrics`: parks, park/unpark transitions, and busy time.
//!
//! Each worker (the one "worker" of the current-thread scheduler included) owns a [`WorkerMetrics`],
//! written only by the thread running that worker and read by anyone through the runtime handle.
//! They are touched only around a real sleep (not around the zero-timeout driver turns between task
//! batches), so the cost is a few uncontended atomic adds and one clock read per sleep, which itself
//! costs a system call or two.
//!
//! - `park_count` counts sleeps;
//! - `park_unpark_count` counts both edges, so it is odd while the worker sleeps;
//! - `busy_ns` adds up the time between waking (or starting) and the next sleep (or stopping).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// One worker's counters (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    park_count: AtomicU64,
    park_unpark_count: AtomicU64,
    busy_ns: AtomicU64,
}

impl WorkerMetrics {
    /// The worker is about to sleep; `busy_since` is when it last started working.
    pub(crate) fn about_to_park(&self, busy_since: Instant) {
        self.park_count.fetch_add(1, Relaxed);
        self.park_unpark_count.fetch_add(1, Relaxed);
        self.add_busy(busy_since);
    }

    /// The worker woke up; returns the new start of its busy time.
    pub(crate) fn unparked(&self) -> Instant {
        self.park_unpark_count.fetch_add(1, Relaxed);
        Instant::now()
    }

    /// Adds the time since `busy_since` to the busy total (on a sleep, or when the worker stops).
    pub(crate) fn add_busy(&self, busy_since: Instant) {
        let ns = u64::try_from(busy_since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.busy_ns.fetch_add(ns, Relaxed);
    }

    pub(crate) fn park_count(&self) -> u64 {
        self.park_count.load(Relaxed)
    }

    pub(crate) fn park_unpark_count(&self) -> u64 {
        self.park_unpark_count.load(Relaxed)
    }

    pub(crate) fn busy_duration(&self) -> Duration {
        Duration::from_nanos(self.busy_ns.load(Relaxed))
    }
}
