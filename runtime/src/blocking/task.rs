//! A blocking closure dressed as a task: its future runs the closure on the first poll.

use crate::task::raw::{Notified, RawTask, Schedule};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of a blocking task.
pub(crate) struct BlockingTask<F>(Option<F>);

impl<F> BlockingTask<F> {
    pub(crate) fn new(f: F) -> BlockingTask<F> {
        BlockingTask(Some(f))
    }
}

// The closure is never pinned: it is moved out and called.
impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("blocking task polled after completion");
        // Blocking code may use runtime resources freely: no budget applies.
        Poll::Ready(crate::coop::with_budget(
            crate::coop::Budget::unconstrained(),
            f,
        ))
    }
}

/// The scheduler of blocking tasks: they are queued once, at spawn, and never woken again (their only
/// poll completes them), and they are not in any owner list.
pub(crate) struct BlockingSchedule;

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        // Only `abort` could get here, and it only schedules tasks that are idle and not queued, which a
        // blocking task never is: before its poll it is queued, after it it is complete.
        debug_assert!(false, "blocking task scheduled twice");
        drop(task);
    }

    fn release(&self, _task: RawTask) -> bool {
        false
    }
}
