//! The drivers: what a parked worker waits on, and what turns kernel events into task wake-ups.
//!
//! One [`Driver`] per runtime (when I/O or time is enabled), shared by all workers: whichever worker parks
//! first takes it (a `try_lock`) and blocks in `epoll_wait`; the others sleep on their condition
//! variables. Busy workers also turn it without blocking every `EVENT_INTERVAL` ticks, so CPU-bound tasks
//! cannot starve I/O. A worker parked in the driver is woken through the eventfd.
//!
//! [`Handle`] is the shared side that resources use: registering file descriptors (and, with the time
//! issue, timers).

pub(crate) mod io;
pub(crate) mod sys;

use crate::loom::sync::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// The waiting side, behind a lock that parked workers `try_lock`.
pub(crate) struct Driver {
    io: io::Driver,
}

/// The shared side.
#[derive(Clone, Default)]
pub(crate) struct Handle {
    /// The I/O driver, if `enable_io` was set.
    pub(crate) io: Option<Arc<io::Handle>>,
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
}

impl Driver {
    /// Builds the drivers; `None` if neither I/O nor time is enabled (workers then park on condition
    /// variables only).
    pub(crate) fn create(cfg: Config) -> std::io::Result<Option<Arc<Shared>>> {
        if !cfg.enable_io && !cfg.enable_time {
            return Ok(None);
        }
        let (io, io_handle) = io::Driver::new()?;
        let handle = Handle {
            io: cfg.enable_io.then(|| io_handle.clone()),
            unpark: Some(io_handle),
        };
        Ok(Some(Arc::new(Shared {
            driver: Mutex::new(Driver { io }),
            handle,
        })))
    }

    /// Blocks until an event, an unpark, or `timeout`; dispatches what arrived.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        self.io.turn(timeout);
    }
}

impl Handle {
    /// Interrupts a thread blocked in [`Driver::park`].
    pub(crate) fn unpark(&self) {
        if let Some(io) = &self.unpark {
            io.unpark();
        }
    }

    /// Runtime shutdown: every registration reports an error from now on, and waiting tasks wake.
    pub(crate) fn shutdown(&self) {
        if let Some(io) = &self.io {
            io.shutdown();
        }
    }
}
