//! Test time: `pause`, `resume` and `advance`, acting on the current runtime's clock.
//!
//! With the clock paused, an idle runtime jumps it straight to the next timer (the runtime's park does
//! that), so a test full of sleeps runs instantly and deterministically.

use super::{Clock, Duration};

/// The current runtime's clock, or the panic for calling from outside one.
#[track_caller]
fn current_clock() -> Clock {
    match crate::runtime::context::with_current(|h| h.driver().time.clone()) {
        Ok(Some(handle)) => handle.clock().clone(),
        Ok(None) => panic!(
            "An eddy context was found, but timers are disabled. Call `enable_time` on the runtime \
             builder to enable timers."
        ),
        Err(_) => panic!("time cannot be frozen from outside the eddy runtime"),
    }
}

/// Pauses time: [`Instant::now`](super::Instant::now) stops moving, and moves only through
/// [`advance`] or, when the runtime has nothing to do, by jumping to the next pending timer
/// (auto-advance).
///
/// Auto-advance waits while a `spawn_blocking` task runs. Mirrors `tokio::time::pause`.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use eddy::time::{self, Duration, Instant};
/// time::pause();
/// let start = Instant::now();
/// time::sleep(Duration::from_secs(3600)).await; // returns at once
/// assert!(start.elapsed() >= Duration::from_secs(3600));
/// # });
/// ```
///
/// # Panics
/// If time is already paused, if called outside a runtime, or on a multi-thread runtime (paused time
/// needs the current-thread runtime, which `#[eddy::test]` uses by default).
#[track_caller]
pub fn pause() {
    let current_thread = crate::runtime::context::with_current(|h| h.is_current_thread());
    if matches!(current_thread, Ok(false)) {
        panic!(
            "`time::pause()` requires the `current_thread` eddy runtime. This is the default Runtime \
             used by `#[eddy::test]."
        );
    }
    current_clock().pause();
}

/// Resumes time: the clock runs again from where it was paused. Mirrors `tokio::time::resume`.
///
/// # Panics
/// If time is not paused, or if called outside a runtime.
#[track_caller]
pub fn resume() {
    current_clock().resume();
}

/// Moves paused time forward by `duration` in one jump, then yields so that the runtime can fire the
/// timers that came due. Mirrors `tokio::time::advance`.
///
/// Timers due within the jump all complete "at once", in no particular order; to see them fire one by
/// one, `sleep` instead and let auto-advance move the clock.
///
/// # Panics
/// If time is not paused, if called outside a runtime, or if `duration` overflows the clock.
pub async fn advance(duration: Duration) {
    current_clock().advance(duration);
    crate::task::yield_now().await;
}
