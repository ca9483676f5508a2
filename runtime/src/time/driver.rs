//! The time driver: the wheel behind a lock, and what the runtime's park does with it.
//!
//! The runtime owns a [`Driver`]; every `Sleep` holds a [`Handle`] (the same `Arc`). A thread about to
//! park asks [`Handle::next_expiration`] how long it may sleep, and after waking calls
//! [`Handle::process`], which fires every timer whose deadline has passed by the clock. Any worker may
//! do this; the lock serialises them.
//!
//! Wakers are never called under the lock: `process` pops up to [`WAKE_BATCH`] due entries, releases
//! the lock, wakes them, and goes again. Each popped entry is out of the wheel and `RELEASED` (see
//! `entry.rs`) before the lock is released, so owners may drop their `Sleep`s meanwhile.
//!
//! Ticks are whole milliseconds since the driver's start, by its clock. A deadline becomes the tick
//! that ends the millisecond it falls in (rounded up) and the current time the tick that began the
//! current millisecond (rounded down); a timer fires when its tick is at most the current tick, so never
//! before its deadline.

use super::clock::Clock;
use super::entry::TimerShared;
use super::wheel::{Wheel, MAX_TICK};
use super::Instant;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use crate::loom::sync::{Arc, Mutex};
use std::fmt;
use std::ptr::NonNull;
use std::task::Waker;
use std::time::Duration;

/// How many wakers `process` collects before releasing the lock to wake them.
const WAKE_BATCH: usize = 32;

const NANOS_PER_MS: u128 = 1_000_000;

/// The runtime's end of the time driver. Dropping it shuts the driver down.
#[derive(Debug)]
pub(crate) struct Driver {
    handle: Handle,
}

/// A cloneable, thread-safe reference to the time driver: what timers hold and what park calls.
#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    /// Tick zero.
    start: std::time::Instant,
    wheel: Mutex<Wheel>,
    /// Set once by `shutdown`, under the wheel lock.
    is_shutdown: AtomicBool,
    /// Set by `unpark`, cleared by `did_wake`: lets park tell a real wake-up from a timeout before it
    /// auto-advances paused time.
    did_wake: AtomicBool,
    /// The tick a thread parked in the I/O driver will wake at by itself (`u64::MAX`: only when woken;
    /// `0`: nobody is parked). Read and written under the wheel lock, so that a timer filed earlier than
    /// it wakes the parked thread (see [`Handle::begin_park`]).
    parked_until: AtomicU64,
    /// Interrupts the parked thread (the I/O driver's eventfd).
    unpark_io: std::sync::OnceLock<std::sync::Arc<dyn Fn() + Send + Sync>>,
}

impl Driver {
    /// A driver reading `clock`, and a handle to it.
    pub(crate) fn new(clock: Clock) -> (Driver, Handle) {
        let start = clock.now();
        let handle = Handle {
            inner: Arc::new(Inner {
                clock,
                start,
                wheel: Mutex::new(Wheel::new()),
                is_shutdown: AtomicBool::new(false),
                did_wake: AtomicBool::new(false),
                parked_until: AtomicU64::new(0),
                unpark_io: std::sync::OnceLock::new(),
            }),
        };
        (
            Driver {
                handle: handle.clone(),
            },
            handle,
        )
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

impl Handle {
    /// The clock this driver reads.
    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// True once [`shutdown`](Self::shutdown) ran.
    pub(crate) fn is_shutdown(&self) -> bool {
        self.inner.is_shutdown.load(Acquire)
    }

    /// Notes that the thread parked on this driver was woken for a reason other than a timer (Tokio
    /// calls this from the driver's unpark); see [`did_wake`](Self::did_wake).
    pub(crate) fn unpark(&self) {
        self.inner.did_wake.store(true, SeqCst);
    }

    /// True if [`unpark`](Self::unpark) was called since the last call; clears the flag. Park uses it to
    /// skip auto-advancing paused time when a zero-timeout poll found work.
    pub(crate) fn did_wake(&self) -> bool {
        self.inner.did_wake.swap(false, SeqCst)
    }

    /// How long from now until the first pending timer is due, rounded up to a whole millisecond; zero
    /// if one is due already, `None` if no timer is pending.
    ///
    /// The answer may be earlier than any timer's deadline (a coarse slot coming due, whose timers are
    /// then refiled by `process`); never later.
    pub(crate) fn next_expiration(&self) -> Option<Duration> {
        let tick = self.inner.wheel.lock().next_expiration()?.deadline;
        let Some(at) = self.inner.start.checked_add(Duration::from_millis(tick)) else {
            return Some(Duration::MAX);
        };
        let wait = at.saturating_duration_since(self.inner.clock.now());
        Some(round_up_to_ms(wait))
    }

    /// Installs the function that interrupts a thread parked in the I/O driver.
    pub(crate) fn set_unpark_io(&self, f: std::sync::Arc<dyn Fn() + Send + Sync>) {
        let _ = self.inner.unpark_io.set(f);
    }

    /// Called by a thread about to block in the I/O driver: returns how long it may sleep (as
    /// [`next_expiration`](Self::next_expiration)) and records, under the wheel lock, the tick it will
    /// wake at. A timer filed for an earlier tick while it sleeps interrupts it.
    pub(crate) fn begin_park(&self) -> Option<Duration> {
        let wheel = self.inner.wheel.lock();
        let next = wheel.next_expiration().map(|e| e.deadline);
        self.inner
            .parked_until
            .store(next.unwrap_or(u64::MAX).max(1), SeqCst);
        drop(wheel);
        let tick = next?;
        let Some(at) = self.inner.start.checked_add(Duration::from_millis(tick)) else {
            return Some(Duration::MAX);
        };
        Some(round_up_to_ms(
            at.saturating_duration_since(self.inner.clock.now()),
        ))
    }

    /// The parked thread is awake again: timers no longer need to interrupt it.
    pub(crate) fn end_park(&self) {
        self.inner.parked_until.store(0, SeqCst);
    }

    /// Fires every timer whose deadline is at or before the clock's current time.
    pub(crate) fn process(&self) {
        let now = self.now_tick();
        let mut batch = WakeBatch::new();
        loop {
            let mut wheel = self.inner.wheel.lock();
            let more = loop {
                if batch.is_full() {
                    break true;
                }
                match wheel.pop_expired(now) {
                    // SAFETY: popped from the wheel, so it is live (owners unlink under this lock before
                    // their entry goes) and out of the wheel now; we fire it and touch it no more.
                    Some(entry) => batch.push(unsafe { entry.as_ref() }.fire()),
                    None => break false,
                }
            };
            drop(wheel);
            batch.wake_all();
            if !more {
                return;
            }
        }
    }

    /// Shuts the driver down: fires every pending timer, and makes timers polled from now on panic.
    /// Idempotent.
    pub(crate) fn shutdown(&self) {
        let mut batch = WakeBatch::new();
        loop {
            let mut wheel = self.inner.wheel.lock();
            self.inner.is_shutdown.store(true, Release);
            let more = loop {
                if batch.is_full() {
                    break true;
                }
                match wheel.pop_any() {
                    // SAFETY: as in `process`.
                    Some(entry) => batch.push(unsafe { entry.as_ref() }.fire()),
                    None => break false,
                }
            };
            drop(wheel);
            batch.wake_all();
            if !more {
                return;
            }
        }
    }

    /// The tick at which `deadline` is due: the end of the millisecond it falls in.
    pub(super) fn deadline_to_tick(&self, deadline: Instant) -> u64 {
        let since = deadline
            .into_std()
            .saturating_duration_since(self.inner.start);
        // Whole seconds are whole milliseconds, so only the sub-second part rounds (in 64-bit
        // arithmetic: this runs on every reset).
        let part_ms = since.subsec_nanos().div_ceil(NANOS_PER_MS as u32);
        since
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(part_ms))
            .min(MAX_TICK)
    }

    /// The current tick: the start of the current millisecond.
    fn now_tick(&self) -> u64 {
        let since = self
            .inner
            .clock
            .now()
            .saturating_duration_since(self.inner.start);
        let part_ms = since.subsec_nanos() / NANOS_PER_MS as u32;
        since
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(part_ms))
            .min(MAX_TICK)
    }

    /// Files `entry` at tick `when`, taking it out of the wheel first if it is in it and clearing an
    /// earlier fire. If `when` has already been processed, or the driver is shut down, fires it instead
    /// and wakes its waker.
    ///
    /// # Safety
    /// `entry` is live and pinned until [`deregister`](Self::deregister) or a fire `RELEASED` it, and
    /// it is filed with no other driver.
    pub(super) unsafe fn register(&self, entry: NonNull<TimerShared>, when: u64) {
        let mut wheel = self.inner.wheel.lock();
        // SAFETY: the entry is live and filed here or nowhere (caller); we hold the lock.
        unsafe { wheel.remove(entry) };
        // SAFETY: as above.
        let shared = unsafe { entry.as_ref() };
        shared.set_pending();
        let waker = if self.is_shutdown() || when <= wheel.elapsed() {
            shared.fire()
        } else {
            // SAFETY: out of the wheel now, live and pinned until the owner deregisters it (caller).
            unsafe { wheel.insert(entry, when) };
            None
        };
        // A thread asleep in the I/O driver until a later tick must wake up to recompute its timeout.
        let interrupt = waker.is_none() && when < self.inner.parked_until.load(SeqCst);
        drop(wheel);
        if interrupt {
            if let Some(f) = self.inner.unpark_io.get() {
                f();
            }
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Takes `entry` out of the wheel if it is in it.
    ///
    /// # Safety
    /// `entry` is live, and filed with this driver or with none.
    pub(super) unsafe fn deregister(&self, entry: NonNull<TimerShared>) {
        let mut wheel = self.inner.wheel.lock();
        // SAFETY: the caller's guarantee; we hold the lock.
        unsafe { wheel.remove(entry) };
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("time::Handle")
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

/// `d` rounded up to a whole number of milliseconds.
fn round_up_to_ms(d: Duration) -> Duration {
    let ms = d.as_nanos().div_ceil(NANOS_PER_MS);
    u64::try_from(ms).map_or(Duration::MAX, Duration::from_millis)
}

/// Wakers collected under the lock, woken after it.
struct WakeBatch {
    wakers: [Option<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeBatch {
    fn new() -> WakeBatch {
        WakeBatch {
            wakers: std::array::from_fn(|_| None),
            len: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.len == WAKE_BATCH
    }

    fn push(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            self.wakers[self.len] = Some(waker);
            self.len += 1;
        }
    }

    fn wake_all(&mut self) {
        for waker in &mut self.wakers[..self.len] {
            if let Some(waker) = waker.take() {
                waker.wake();
            }
        }
        self.len = 0;
    }
}
