//! `join!`: run several futures concurrently and wait for all of them; and [`MaybeDone`], the slot
//! that holds each future, then its output, for `join!` and `try_join!`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Waits on several futures concurrently, on the current task, and returns all their outputs as a
/// tuple, in the order given.
///
/// The futures run interleaved on the task that awaits `join!`, not in parallel: use `eddy::spawn`
/// for that. Each time the `join!` future is polled it polls every future that is not done yet,
/// starting one further along each time (so that a future that uses up the task's budget cannot
/// starve the ones after it); with `biased;` first, it always starts from the first one.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// async fn double(x: u32) -> u32 { x * 2 }
///
/// let (a, b, c) = eddy::join!(double(1), double(2), async { "three" });
/// assert_eq!((a, b, c), (2, 4, "three"));
///
/// let (x,) = eddy::join!(biased; double(5));
/// assert_eq!(x, 10);
/// # });
/// ```
///
/// `join!` must be used inside `async` code. To stop at the first error, see [`try_join!`](crate::try_join!).
#[macro_export]
macro_rules! join {
    (biased; $($fut:expr),* $(,)?) => {
        $crate::macros::support::join_expand!($crate biased $(($fut))*)
    };
    ($($fut:expr),* $(,)?) => {
        $crate::macros::support::join_expand!($crate fair $(($fut))*)
    };
}

/// A future to drive to completion, then its output until it is taken.
///
/// `repr(C)` keeps the discriminant out of the future's bytes: without it rustc may store the variant
/// in a niche inside the future, so reading it would touch memory that a self-referential future
/// (an `async` block holding a borrow of its own local) has borrowed, which Miri reports as UB. The
/// cost is a few bytes per slot.
#[doc(hidden)]
#[derive(Debug)]
#[repr(C)]
pub enum MaybeDone<F: Future> {
    /// Still running.
    Running(F),
    /// Finished; the output waits here.
    Done(F::Output),
    /// The output was taken.
    Taken,
}

/// Wraps `future` in a [`MaybeDone`] slot.
#[doc(hidden)]
pub fn maybe_done<F: IntoFuture>(future: F) -> MaybeDone<F::IntoFuture> {
    MaybeDone::Running(future.into_future())
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    /// Polls the future if it is still running; `Ready` once the output is in the slot.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the slot is never moved out of: `Running(f)` is only reached as a pinned reference,
        // and the slot is overwritten in place (`Pin::set` drops the old value where it lies), which
        // is what pinning allows.
        let inner = unsafe { self.get_unchecked_mut() };
        let output = match inner {
            // SAFETY: `f` is inside the pinned slot and is not moved until it is dropped in place.
            MaybeDone::Running(f) => match unsafe { Pin::new_unchecked(f) }.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            MaybeDone::Done(_) => return Poll::Ready(()),
            MaybeDone::Taken => panic!("join! polled a future after taking its output"),
        };
        // Dropping the finished future in place is fine for a pinned value.
        *inner = MaybeDone::Done(output);
        Poll::Ready(())
    }
}

impl<F: Future> MaybeDone<F> {
    /// Takes the output out of a finished slot.
    ///
    /// # Panics
    /// If the future has not finished, or its output was already taken.
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only a `Done` slot is replaced (moved out of), and a `Done` slot holds no future,
        // only its output, which was never pinned.
        let inner = unsafe { self.get_unchecked_mut() };
        match inner {
            MaybeDone::Done(_) => match std::mem::replace(inner, MaybeDone::Taken) {
                MaybeDone::Done(output) => output,
                _ => unreachable!(),
            },
            _ => panic!("join! took an output that is not there"),
        }
    }
}

impl<F, T, E> MaybeDone<F>
where
    F: Future<Output = Result<T, E>>,
{
    /// Takes the output if the future finished with an error, as `Err` of any `Ok` type (so that the
    /// caller never handles a bare `E`, which could be uninhabited and make rustc warn of unreachable
    /// code in the user's crate).
    pub fn take_err<U>(self: Pin<&mut Self>) -> Option<Result<U, E>> {
        match &*self {
            MaybeDone::Done(Err(_)) => match self.take_output() {
                Err(e) => Some(Err(e)),
                Ok(_) => unreachable!(),
            },
            _ => None,
        }
    }

    /// Takes the `Ok` value out of a finished slot.
    ///
    /// # Panics
    /// If the slot holds no output or an `Err`.
    pub fn take_ok(self: Pin<&mut Self>) -> T {
        match self.take_output() {
            Ok(value) => value,
            Err(_) => panic!("try_join! took an `Ok` output that is an `Err`"),
        }
    }
}
