//! The cooperative budget: how one always-ready task is kept from starving the others.
//!
//! A future that keeps returning `Ready` (a channel that is never empty, a socket that always has
//! data) would hold its worker forever if nothing stopped it. Before each task poll the scheduler gives
//! the thread a budget of [`BUDGET`] units; every runtime resource (channels, sockets, timers, `JoinHandle`)
//! calls [`poll_proceed`] before doing work. While units remain it spends one and goes on; at zero it wakes
//! the task and returns `Pending`, so the task goes to the back of the run queue and the worker moves on.
//!
//! A resource that spends a unit and then returns `Pending` gives the unit back (the
//! [`RestoreOnPending`] guard does it on drop unless [`RestoreOnPending::made_progress`] was called): only
//! progress costs budget.
//!
//! Outside a task poll (in `block_on`'s own future, on a plain thread) the budget is unconstrained unless
//! the caller sets one, as Tokio does; [`unconstrained`] lifts it for one future.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Units of work a task may do in one poll before runtime resources make it yield (Tokio's figure).
pub(crate) const BUDGET: u8 = 128;

/// The budget of the task being polled on this thread; `None` means unconstrained.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget(Option<u8>);

impl Budget {
    pub(crate) const fn initial() -> Budget {
        Budget(Some(BUDGET))
    }

    pub(crate) const fn unconstrained() -> Budget {
        Budget(None)
    }

    fn has_remaining(self) -> bool {
        self.0.is_none_or(|n| n > 0)
    }
}

thread_local! {
    static CURRENT: Cell<Budget> = const { Cell::new(Budget(None)) };
}

/// Runs `f` with `budget` installed on this thread, restoring the previous one afterwards, even if `f`
/// panics.
#[inline]
pub(crate) fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Reset(Budget);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
        }
    }
    let prev = CURRENT.with(|c| c.replace(budget));
    let _reset = Reset(prev);
    f()
}

/// Runs `f` with a fresh task budget (the scheduler calls this around every task poll).
#[inline]
pub(crate) fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::initial(), f)
}

/// True if the current task still has budget (or is unconstrained). Mirrors
/// `tokio::task::coop::has_budget_remaining`.
#[inline]
pub fn has_budget_remaining() -> bool {
    CURRENT
        .try_with(|c| c.get().has_remaining())
        .unwrap_or(true)
}

/// Gives back one unit on drop unless [`RestoreOnPending::made_progress`] was called. Returned by
/// [`poll_proceed`].
#[must_use = "drop it where the operation returns Pending, or call made_progress()"]
#[derive(Debug)]
pub struct RestoreOnPending(Cell<Budget>, std::marker::PhantomData<*const ()>);

impl RestoreOnPending {
    /// The operation did its work: keep the unit spent.
    #[inline]
    pub fn made_progress(&self) {
        self.0.set(Budget(None));
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        // Restore only if a unit was actually taken (a constrained budget) and not used.
        if self.0.get().0.is_some() {
            let _ = CURRENT.try_with(|c| {
                if let Budget(Some(n)) = c.get() {
                    c.set(Budget(Some(n.saturating_add(1))));
                }
            });
        }
    }
}

/// Spends one unit of the current task's budget, or, if none is left, wakes the task and returns
/// `Pending` so that it yields to the scheduler. For resources written outside eddy that want to take
/// part in cooperative scheduling: call it first, and `made_progress()` on the guard once the
/// operation completes. Mirrors `tokio::task::coop::poll_proceed`.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let budget = CURRENT.try_with(|c| c.get()).unwrap_or(Budget(None));
    match budget.0 {
        None => Poll::Ready(RestoreOnPending(
            Cell::new(Budget(None)),
            std::marker::PhantomData,
        )),
        Some(0) => {
            // Yield: the wake is deferred until the scheduler has run others and turned its drivers,
            // so that a task out of budget lets I/O and timers through, not just other tasks.
            crate::runtime::context::defer(cx.waker());
            Poll::Pending
        }
        Some(n) => {
            let _ = CURRENT.try_with(|c| c.set(Budget(Some(n - 1))));
            Poll::Ready(RestoreOnPending(
                Cell::new(budget),
                std::marker::PhantomData,
            ))
        }
    }
}

/// Spends one unit of budget, yielding first if none is left.
///
/// A loop that does work without awaiting any runtime resource can call this to take part in
/// cooperative scheduling. Mirrors `tokio::task::consume_budget`.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// for _ in 0..1_000 {
///     // ... CPU work ...
///     eddy::task::consume_budget().await;
/// }
/// # });
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| {
        let restore = ready!(poll_proceed(cx));
        restore.made_progress();
        Poll::Ready(())
    })
    .await
}

pin_project_lite::pin_project! {
    /// A future that takes part in cooperative scheduling; see [`cooperative`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Coop<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let restore = ready!(poll_proceed(cx));
        let out = ready!(self.project().inner.poll(cx));
        restore.made_progress();
        Poll::Ready(out)
    }
}

/// Makes `fut` spend one unit of budget per completion and yield when the budget is gone. Mirrors
/// `tokio::task::coop::cooperative`.
pub fn cooperative<F: Future>(fut: F) -> Coop<F> {
    Coop { inner: fut }
}

pin_project_lite::pin_project! {
    /// A future that runs its inner future without a cooperative budget; see [`unconstrained`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Unconstrained<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        with_budget(Budget::unconstrained(), || inner.poll(cx))
    }
}

/// Turns off cooperative scheduling for `inner`: runtime resources it awaits never force it to yield.
///
/// Use with care: an unconstrained task that is always ready starves everything else on its worker.
/// Mirrors `tokio::task::unconstrained`.
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}
