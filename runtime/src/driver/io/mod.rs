//! The I/O driver: one epoll instance per runtime, and the table of registrations.
//!
//! Every file descriptor is registered once, edge-triggered for read, write, priority and peer
//! hang-up; after that no `epoll_ctl` happens until it is deregistered. The kernel hands back, with each
//! event, the 64-bit token given at registration: here the index of the registration's slot in a table
//! and the slot's generation. A slot's generation changes every time it is reused, so an event queued
//! for a descriptor that has since been closed (and whose number a new socket may now have) finds a
//! generation mismatch and is dropped: it can never wake the new socket's tasks.
//!
//! [`Driver::turn`] waits in `epoll_wait`, then, for each event, stamps the registration's readiness with
//! the turn's tick and wakes the tasks it satisfies. An eventfd, registered under a reserved token, lets
//! other threads interrupt the wait ([`Handle::unpark`]). Once a task of the runtime listens for a
//! Unix signal, the process's signal pipe joins the set under another reserved token
//! ([`Handle::watch_signals`]), and its events dispatch the signals (`crate::signal`).

mod async_fd;
mod pipe;
mod ready;
mod registration;
mod scheduled_io;

#[allow(deprecated)]
pub use async_fd::AsyncFdTryNewError;
pub use async_fd::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
};
pub use pipe::{set_nonblocking, PipeIo};
pub use ready::{Interest, Ready};
pub use registration::{Readiness, Registration};
pub use scheduled_io::ReadyEvent;
pub(crate) use scheduled_io::ScheduledIo;

use super::sys::{self, Epoll, EventFd};
use crate::loom::sync::Mutex;
use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

/// The token of the eventfd. Registration tokens never take this value, nor the next: their index
/// (the low 32 bits) is below 2^32 - 2.
const WAKE_TOKEN: u64 = u64::MAX;
/// The token of the process's signal pipe (`crate::signal`).
const SIGNAL_TOKEN: u64 = u64::MAX - 1;
/// Events taken from the kernel per `epoll_wait`, unless `Builder::max_io_events_per_tick` says.
pub(crate) const DEFAULT_MAX_EVENTS: usize = 1024;

struct Slot {
    generation: u32,
    io: Option<Arc<ScheduledIo>>,
}

#[derive(Default)]
struct Registry {
    slots: Vec<Slot>,
    free: Vec<u32>,
    shutdown: bool,
}

/// The shared half: registration, unpark, shutdown.
pub(crate) struct Handle {
    epoll: Epoll,
    waker: EventFd,
    registry: Mutex<Registry>,
    /// Whether the signal pipe is in this epoll set (a lock, so that a second caller waits for the
    /// first one's `epoll_ctl` and its outcome).
    signals: Mutex<bool>,
}

/// The half that waits; owned by whichever thread parks on the driver.
pub(crate) struct Driver {
    handle: Arc<Handle>,
    events: Vec<libc::epoll_event>,
    /// Events taken by a turn that may wait (the worker is idle) ...
    max_events: usize,
    /// ... and by one that does not (the worker still has tasks to run).
    max_busy_events: usize,
    tick: u16,
}

impl Driver {
    /// A driver taking up to `max_events` events per turn that may wait, and `max_busy_events` per
    /// turn that does not (both at least 1).
    pub(crate) fn new(
        max_events: usize,
        max_busy_events: usize,
    ) -> io::Result<(Driver, Arc<Handle>)> {
        let epoll = Epoll::new()?;
        let waker = EventFd::new()?;
        epoll.add(waker.as_raw_fd(), sys::EPOLLIN | sys::EPOLLET, WAKE_TOKEN)?;
        let handle = Arc::new(Handle {
            epoll,
            waker,
            registry: Mutex::new(Registry::default()),
            signals: Mutex::new(false),
        });
        Ok((
            Driver {
                handle: handle.clone(),
                events: Vec::with_capacity(max_events.max(max_busy_events).max(1)),
                max_events,
                max_busy_events,
                tick: 0,
            },
            handle,
        ))
    }

    /// Waits up to `timeout` for events and dispatches them. Returns whether any event reached a
    /// live registration (so a waiting task may have been woken); the eventfd's own wake-ups and
    /// stale events do not count.
    pub(crate) fn turn(&mut self, timeout: Option<Duration>) -> bool {
        // A turn that does not wait is made by a worker with tasks still to run: every task the turn
        // wakes joins them, so it takes a smaller batch if so configured and leaves the rest in the
        // kernel for the next turn.
        let max = if timeout == Some(Duration::ZERO) {
            self.max_busy_events
        } else {
            self.max_events
        };
        if let Err(e) = self.handle.epoll.wait(&mut self.events, max, timeout) {
            // epoll_wait fails only on programming errors (EBADF, EFAULT, EINVAL); nothing a task could
            // do about it, and retrying would spin.
            panic!("epoll_wait failed: {e}");
        }
        self.tick = (self.tick + 1) & 0x7fff;
        if self.events.is_empty() {
            return false;
        }
        let mut dispatched = false;
        let mut signals = false;
        let registry = self.handle.registry.lock();
        for ev in &self.events {
            let token = ev.u64;
            if token == WAKE_TOKEN {
                continue;
            }
            if token == SIGNAL_TOKEN {
                signals = true;
                continue;
            }
            let index = token as u32 as usize;
            let generation = (token >> 32) as u32;
            let Some(slot) = registry.slots.get(index) else {
                continue;
            };
            if slot.generation != generation {
                continue; // A stale event for a descriptor that was deregistered.
            }
            if let Some(io) = &slot.io {
                io.set_readiness(self.tick, Ready::from_epoll(ev.events));
                dispatched = true;
            }
        }
        drop(registry);
        if signals {
            // Wakes listeners, possibly of other runtimes; outside the registry lock.
            crate::signal::dispatch();
            dispatched = true;
        }
        dispatched
    }
}

impl Handle {
    /// Wakes the thread blocked in `turn`, if any (else the next `turn` returns at once).
    pub(crate) fn unpark(&self) {
        self.waker.wake();
    }

    /// Adds the process's signal pipe (read end `fd`) to this epoll set, once. Its events make
    /// [`Driver::turn`] dispatch the pending signals. The pipe stays in the set until the epoll
    /// instance is closed with the runtime; it is never closed itself.
    pub(crate) fn watch_signals(&self, fd: RawFd) -> io::Result<()> {
        let mut watching = self.signals.lock();
        if !*watching {
            // Edge-triggered like every registration: adding a pipe that already holds bytes queues
            // an event at once, so a signal delivered before this call is dispatched too.
            self.epoll
                .add(fd, sys::EPOLLIN | sys::EPOLLET, SIGNAL_TOKEN)?;
            *watching = true;
        }
        Ok(())
    }

    /// Registers `fd`, edge-triggered for every kind of readiness.
    pub(crate) fn register(&self, fd: RawFd) -> io::Result<(Arc<ScheduledIo>, u64)> {
        let io = Arc::new(ScheduledIo::new());
        let token = {
            let mut reg = self.registry.lock();
            if reg.shutdown {
                return Err(shutdown_error());
            }
            let index = match reg.free.pop() {
                Some(i) => i,
                None => {
                    if reg.slots.len() >= u32::MAX as usize - 2 {
                        return Err(io::Error::other("too many I/O registrations"));
                    }
                    reg.slots.push(Slot {
                        generation: 0,
                        io: None,
                    });
                    (reg.slots.len() - 1) as u32
                }
            };
            let slot = &mut reg.slots[index as usize];
            slot.io = Some(io.clone());
            ((slot.generation as u64) << 32) | index as u64
        };
        let events = sys::EPOLLIN | sys::EPOLLOUT | sys::EPOLLPRI | sys::EPOLLRDHUP | sys::EPOLLET;
        if let Err(e) = self.epoll.add(fd, events, token) {
            self.release(token);
            return Err(e);
        }
        Ok((io, token))
    }

    /// Removes `fd` from epoll and frees the slot of `token`.
    pub(crate) fn deregister(&self, fd: RawFd, token: u64) -> io::Result<()> {
        let res = self.epoll.delete(fd);
        self.release(token);
        res
    }

    fn release(&self, token: u64) {
        let index = token as u32;
        let mut reg = self.registry.lock();
        let slot = &mut reg.slots[index as usize];
        if slot.generation != (token >> 32) as u32 {
            return;
        }
        slot.generation = slot.generation.wrapping_add(1);
        if let Some(io) = slot.io.take() {
            io.clear_wakers();
        }
        reg.free.push(index);
    }

    /// Marks every registration shut down and wakes its tasks (runtime drop).
    pub(crate) fn shutdown(&self) {
        let ios: Vec<Arc<ScheduledIo>> = {
            let mut reg = self.registry.lock();
            if std::mem::replace(&mut reg.shutdown, true) {
                return;
            }
            reg.slots.iter().filter_map(|s| s.io.clone()).collect()
        };
        for io in ios {
            io.shutdown();
        }
    }
}

pub(crate) use crate::runtime::shutdown_error;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Driver;
    use std::time::Duration;

    /// A pipe with one byte in it: its read end is readable.
    fn ready_pipe() -> [libc::c_int; 2] {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: fds[1] is the write end just created; the buffer is one valid byte.
        assert_eq!(unsafe { libc::write(fds[1], b"x".as_ptr().cast(), 1) }, 1);
        fds
    }

    #[test]
    fn a_turn_that_does_not_wait_takes_the_busy_batch() {
        let (mut driver, handle) = Driver::new(8, 1).unwrap();
        let pipes: Vec<_> = (0..3).map(|_| ready_pipe()).collect();
        for p in &pipes {
            handle.register(p[0]).unwrap();
        }
        // Busy: one event per turn; the others stay queued in the epoll instance.
        driver.turn(Some(Duration::ZERO));
        assert_eq!(driver.events.len(), 1);
        // A turn that may wait takes up to the full batch: the two left.
        driver.turn(Some(Duration::from_millis(1)));
        assert_eq!(driver.events.len(), 2);
        for p in pipes {
            // SAFETY: both ends were opened above and are closed once, here.
            unsafe {
                libc::close(p[0]);
                libc::close(p[1]);
            }
        }
    }
}
