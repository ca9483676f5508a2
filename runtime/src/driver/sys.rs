//! The thin layer over the Linux system calls the drivers use: epoll and eventfd.
//!
//! Every libc call goes through [`syscall!`], which turns the C convention (-1 and `errno`) into an
//! `io::Result`, so no errno handling is written twice.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Calls a libc function; `-1` becomes `Err(io::Error::last_os_error())`.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // SAFETY: the caller passes arguments that satisfy the system call's contract, as argued at
        // each use site.
        let res = unsafe { libc::$fn($($arg),*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

/// An epoll instance.
#[derive(Debug)]
pub(crate) struct Epoll {
    fd: OwnedFd,
}

pub(crate) const EPOLLIN: u32 = libc::EPOLLIN as u32;
pub(crate) const EPOLLOUT: u32 = libc::EPOLLOUT as u32;
pub(crate) const EPOLLPRI: u32 = libc::EPOLLPRI as u32;
pub(crate) const EPOLLERR: u32 = libc::EPOLLERR as u32;
pub(crate) const EPOLLHUP: u32 = libc::EPOLLHUP as u32;
pub(crate) const EPOLLRDHUP: u32 = libc::EPOLLRDHUP as u32;
pub(crate) const EPOLLET: u32 = libc::EPOLLET as u32;

impl Epoll {
    pub(crate) fn new() -> io::Result<Epoll> {
        // epoll_create1 takes only flags; CLOEXEC keeps the fd out of child processes.
        let fd = syscall!(epoll_create1(libc::EPOLL_CLOEXEC))?;
        // SAFETY: epoll_create1 returned a new, valid descriptor that nothing else owns.
        Ok(Epoll {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Adds `fd` with `events`; the kernel hands `token` back with every event for it.
    pub(crate) fn add(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // `ev` is a valid epoll_event for the duration of the call; the kernel copies it.
        syscall!(epoll_ctl(
            self.fd.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            fd,
            &mut ev
        ))?;
        Ok(())
    }

    /// Removes `fd` from the interest list.
    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        // A null event pointer is allowed for EPOLL_CTL_DEL since Linux 2.6.9.
        syscall!(epoll_ctl(
            self.fd.as_raw_fd(),
            libc::EPOLL_CTL_DEL,
            fd,
            std::ptr::null_mut()
        ))?;
        Ok(())
    }

    /// Waits for events, at most `timeout` (`None`: forever), rounded up to whole milliseconds so a
    /// timer is never woken early. An interrupted wait returns no events.
    pub(crate) fn wait(
        &self,
        events: &mut Vec<libc::epoll_event>,
        max: usize,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        let ms = match timeout {
            None => -1,
            Some(d) => {
                let ms = d.as_nanos().div_ceil(1_000_000);
                ms.min(i32::MAX as u128) as i32
            }
        };
        events.clear();
        // `events` has `capacity()` writable slots; the kernel fills at most `max` of them (never more
        // than the capacity, nor than `i32::MAX`) and we set the length to what it reports.
        let max = max.clamp(1, events.capacity().min(i32::MAX as usize));
        let n = match syscall!(epoll_wait(
            self.fd.as_raw_fd(),
            events.as_mut_ptr(),
            max as i32,
            ms
        )) {
            Ok(n) => n as usize,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        // SAFETY: epoll_wait initialised the first `n` entries, and `n <= capacity`.
        unsafe { events.set_len(n) };
        Ok(())
    }
}

/// An eventfd used to wake a thread blocked in `epoll_wait`.
#[derive(Debug)]
pub(crate) struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    pub(crate) fn new() -> io::Result<EventFd> {
        let fd = syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))?;
        // SAFETY: eventfd returned a new, valid descriptor that nothing else owns.
        Ok(EventFd {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Adds one to the counter, which makes the fd readable and wakes an edge-triggered waiter.
    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // Writes 8 bytes from a live u64.
        let res = syscall!(write(
            self.fd.as_raw_fd(),
            &one as *const u64 as *const libc::c_void,
            8
        ));
        if let Err(e) = res {
            if e.kind() == io::ErrorKind::WouldBlock {
                // The counter is saturated (2^64 - 2 unread wakes): reset it and try once more.
                self.reset();
                let _ = syscall!(write(
                    self.fd.as_raw_fd(),
                    &one as *const u64 as *const libc::c_void,
                    8
                ));
            }
        }
    }

    /// Reads the counter back to zero.
    pub(crate) fn reset(&self) {
        let mut buf: u64 = 0;
        // Reads at most 8 bytes into a live u64.
        let _ = syscall!(read(
            self.fd.as_raw_fd(),
            &mut buf as *mut u64 as *mut libc::c_void,
            8
        ));
    }
}
