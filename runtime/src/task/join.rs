//! `JoinHandle`: the owned permission to await a task's output.

use super::abort::AbortHandle;
use super::error::JoinError;
use super::id::Id;
use super::raw::RawTask;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An owned permission to join on a task (await its termination).
///
/// Awaiting it yields `Ok(output)`, or a [`JoinError`] if the task panicked or was cancelled. Dropping it
/// *detaches* the task: the task keeps running and its output is dropped. Mirrors
/// `tokio::task::JoinHandle`.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = eddy::spawn(async { 1 + 1 });
/// assert_eq!(handle.await.unwrap(), 2);
/// # });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _p: PhantomData<T>,
}

// SAFETY: the handle only moves `T` out of the task (so `T: Send` is needed to send it) and never shares
// `T` by reference between threads.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` gives no access to `T` at all.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> UnwindSafe for JoinHandle<T> {}
impl<T> RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// The caller hands over the `JoinHandle` reference of a task whose output type is `T`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _p: PhantomData,
        }
    }

    /// Cancels the task. If it has not finished, its future is dropped at the next chance a worker gets
    /// and awaiting this handle yields a cancelled [`JoinError`]. A task that already finished is left
    /// alone. Blocking tasks cannot be aborted once they have started.
    pub fn abort(&self) {
        abort_raw(self.raw);
    }

    /// True once the task has finished (its output is ready, or it panicked or was cancelled).
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// A handle that can abort the task but not await it.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle::from_raw(self.raw)
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

pub(crate) fn abort_raw(raw: RawTask) {
    if raw.header().state.transition_to_notified_and_cancel() {
        // SAFETY: the transition counted a reference and set NOTIFIED for us.
        unsafe { raw.schedule() }
    }
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = ready!(crate::coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the task's output type (fixed at spawn), and we are its JoinHandle.
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), cx.waker())
        };
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let prev = self.raw.header().state.unset_join_interest();
        if prev.is_complete() {
            // SAFETY: the task completed while we were interested, so the output is ours to drop.
            unsafe { self.raw.drop_output() };
        }
        // Release the waker we may have registered; nobody will register again.
        drop(self.raw.header().join_waker.take());
        self.raw.drop_reference();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}
