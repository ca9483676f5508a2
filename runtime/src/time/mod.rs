//! Time: sleeping, timeouts and intervals, driven by a hierarchical timing wheel.
//!
//! Mirrors `tokio::time`. The pieces, one file each:
//!
//! - [`Instant`] (`instant.rs`): a point in time read from the runtime's clock, so that paused test time
//!   is what every timer sees;
//! - `clock.rs`: the clock itself (real time, or frozen and moved by hand), and `test_util.rs`: the
//!   public [`pause`], [`resume`] and [`advance`];
//! - `entry.rs`: one timer, the part that lives inside a pinned [`Sleep`]: the intrusive node the wheel
//!   links, its fired flag and its waker slot, and the protocol between the owner and the driver;
//! - `wheel.rs`: the wheel: 6 levels of 64 slots at 1 ms resolution, O(1) insert, cancel and expiry;
//! - `driver.rs`: the driver [`Handle`] the runtime parks with: the wheel behind a lock, firing what is
//!   due, reporting the next deadline, shutting down;
//! - [`Sleep`], [`Timeout`], [`Interval`]: the futures users hold, built on one timer entry each.
//!
//! Timers are not allocated: a [`Sleep`] embeds its entry, and the wheel links entries in place while
//! they are pinned. [`Interval`] boxes its `Sleep` once, at creation, as Tokio does.

mod clock;
mod driver;
mod entry;
pub mod error;
mod instant;
mod interval;
mod sleep;
mod test_util;
mod timeout;
mod wheel;

pub(crate) use clock::Clock;
pub(crate) use driver::{Driver, Handle};
pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
pub use test_util::{advance, pause, resume};
pub use timeout::{timeout, timeout_at, Timeout};

/// The longest delay a timer is set for: about 30 years (Tokio's figure). Longer requests, up to
/// `Duration::MAX`, are cut to this so that adding them to "now" cannot overflow any platform's clock.
const MAX_DELAY: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `duration`, cut to [`MAX_DELAY`].
fn safe_delay(duration: Duration) -> Duration {
    duration.min(MAX_DELAY)
}

/// The time driver of the current runtime, or the panic Tokio gives when there is none.
#[track_caller]
pub(crate) fn current_handle() -> Handle {
    match crate::runtime::context::with_current(|h| h.driver().time.clone()) {
        Ok(Some(handle)) => handle,
        Ok(None) => panic!(
            "An eddy context was found, but timers are disabled. Call `enable_time` on the runtime \
             builder to enable timers."
        ),
        Err(_) => {
            panic!(
                "there is no reactor running, must be called from the context of an eddy runtime"
            )
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests;
