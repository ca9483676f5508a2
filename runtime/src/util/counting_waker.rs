//! Test support: a waker that counts its wake-ups.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// Counts the wake-ups of the wakers made from it ([`Count::waker`]).
pub(crate) struct Count(AtomicUsize);

impl Count {
    pub(crate) fn new() -> Arc<Count> {
        Arc::new(Count(AtomicUsize::new(0)))
    }

    /// A waker that adds one to this count when woken.
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(self.clone())
    }

    /// Wake-ups so far.
    pub(crate) fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}
