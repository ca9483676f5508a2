//! The drivers: what a parked worker waits on, and what turns kernel events into task wake-ups.
//!
//! One [`Driver`] per runtime (when I/O or time is enabled), shared by all workers: whichever worker parks
//! first takes it (a `try_lock`) and blocks in `epoll_wait`; the others sleep on their condition
//! variables. Busy workers also turn it without blocking every `EVENT_INTERVAL` ticks, so CPU-bound tasks
//! cannot starve I/O. A worker parked in the driver is woken through the eventfd.
//!
//! [`Handle`] is the shared side that resources use: registering file descriptors and timers. The
//! timers' next deadline is the `epoll_wait` timeout; a timer filed for earlier than a parked thread's
//! wake-up interrupts it through the eventfd.

pub(crate) mod io;
pub(crate) mod sys;

use crate::loom::sync::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// The waiting side, behind a lock that parked workers `try_lock`.
pub(crate) struct Driver {
    io: io::Driver,
    /// Kept for its `Drop`, which shuts the timers down.
    time: Option<(crate::time::Driver, crate::time::Handle)>,
}

/// The shared side.
#[derive(Clone, Default)]
pub(crate) struct Handle {
    /// The I/O driver, if `enable_io` was set.
    pub(crate) io: Option<Arc<io::Handle>>,
    /// The timers, if `enable_time` was set.
    pub(crate) time: Option<crate::time::Handle>,
    /// Wakes a thread parked in the driver (set whenever a driver exists).
    unpark: Option<Arc<io::Handle>>,
}

/// What each parker holds: the driver and the means to wake whoever waits in it.
pub(crate) struct Shared {
    pub(crate) driver: Mutex<Driver>,
    pub(crate) handle: Handle,
}

/// Which drivers to build.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Config {
    pub(crate) enable_io: bool,
    pub(crate) enable_time: bool,
    pub(crate) start_paused: bool,
    /// `Builder::max_io_events_per_tick` and `max_io_events_per_busy_tick` (0: the default).
    pub(crate) max_io_events_per_tick: usize,
    pub(crate) max_io_events_per_busy_tick: usize,
}

impl Driver {
    /// Builds the drivers; `None` if neither I/O nor time is enabled (workers then park on condition
    /// variables only).
    pub(crate) fn create(cfg: Config) -> std::io::Result<Option<Arc<Shared>>> {
        if !cfg.enable_io && !cfg.enable_time {
            return Ok(None);
        }
        let max_events = match cfg.max_io_events_per_tick {
            0 => io::DEFAULT_MAX_EVENTS,
            n => n,
        };
        let max_busy_events = match cfg.max_io_events_per_busy_tick {
            0 => max_events,
            n => n,
        };
        let (io, io_handle) = io::Driver::new(max_events, max_busy_events)?;
        let time = cfg.enable_time.then(|| {
            let (driver, handle) =
                crate::time::Driver::new(crate::time::Clock::new(cfg.start_paused));
            let io = io_handle.clone();
            handle.set_unpark_io(Arc::new(move || io.unpark()));
            (driver, handle)
        });
        let handle = Handle {
            io: cfg.enable_io.then(|| io_handle.clone()),
            time: time.as_ref().map(|(_, h)| h.clone()),
            unpark: Some(io_handle),
        };
        Ok(Some(Arc::new(Shared {
            driver: Mutex::new(Driver { io, time }),
            handle,
        })))
    }

    /// Blocks until an event, an unpark, a timer, or `timeout`; dispatches what arrived and fires due
    /// timers.
    ///
    /// With the clock paused (tests), an idle runtime — a blocking park, with timers pending and no
    /// blocking task running — does not sleep: it checks for I/O once, and jumps the clock to the next
    /// timer only if that check delivered no I/O event and nothing else woke the driver. (An I/O event
    /// may have woken a task that would act before the timer: advancing then would let time pass that
    /// the task should have seen stand still.)
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        let Some((_, time)) = &self.time else {
            let _ = self.io.turn(timeout);
            return;
        };
        if timeout == Some(Duration::ZERO) {
            let _ = self.io.turn(timeout);
            time.process();
            return;
        }
        let clock = time.clock();
        if timeout.is_none() && clock.can_auto_advance() {
            if let Some(next) = time.next_expiration() {
                let io_event = self.io.turn(Some(Duration::ZERO));
                if !io_event && !time.did_wake() {
                    clock.advance(next);
                }
                time.process();
                return;
            }
        }
        let next = time.begin_park();
        let wait = match (timeout, next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let _ = self.io.turn(wait);
        time.end_park();
        time.process();
    }
}

impl Handle {
    /// Interrupts a thread blocked in [`Driver::park`].
    pub(crate) fn unpark(&self) {
        if let Some(time) = &self.time {
            time.unpark();
        }
        if let Some(io) = &self.unpark {
            io.unpark();
        }
    }

    /// Runtime shutdown: every registration reports an error from now on, and waiting tasks wake.
    pub(crate) fn shutdown(&self) {
        if let Some(io) = &self.io {
            io.shutdown();
        }
        if let Some(time) = &self.time {
            time.shutdown();
        }
    }
}
