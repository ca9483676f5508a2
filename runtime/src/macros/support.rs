//! What the exported macros expand to, reached as `$crate::macros::support::...`.
//!
//! Public only because expansions in the user's crate must name these items; hidden from the docs and
//! not part of the API.

pub use super::join::{maybe_done, MaybeDone};
pub use eddy_macros::{join_expand, select_expand, try_join_expand};
pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::pin::Pin;
pub use std::task::{Context, Poll};

use crate::util::rand::FastRand;
use std::cell::Cell;

/// A pseudo-random number in `0..n` (`n >= 1`) from this thread's generator; `select!` picks the branch
/// it polls first with it, so that no branch is always first.
pub fn thread_rng_n(n: u32) -> u32 {
    thread_local! {
        static RNG: Cell<Option<FastRand>> = const { Cell::new(None) };
    }
    // During thread teardown the generator may be gone; any start is then as good as another.
    RNG.try_with(|cell| {
        let mut rng = cell.take().unwrap_or_else(FastRand::new);
        let r = rng.next_n(n);
        cell.set(Some(rng));
        r
    })
    .unwrap_or(0)
}

/// `Pending` (after asking to be woken) if the current task has used up its cooperative budget.
///
/// `select!` checks it before polling its branches: a branch that is always ready would otherwise
/// keep the task running past its budget, since resources inside an always-ready future may not be
/// budgeted.
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    if crate::coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
