//! `Interest` (what a task wants to wait for) and `Ready` (what the kernel reported).

use super::super::sys;
use std::fmt;
use std::ops;

/// A set of readiness states reported for a resource. Mirrors `tokio::io::Ready`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ready(usize);

const READABLE: usize = 0b00_0001;
const WRITABLE: usize = 0b00_0010;
const READ_CLOSED: usize = 0b00_0100;
const WRITE_CLOSED: usize = 0b00_1000;
const PRIORITY: usize = 0b01_0000;
const ERROR: usize = 0b10_0000;

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side is closed (the peer shut down writing, or the connection ended).
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side is closed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// Urgent (out-of-band) data is available.
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// An error is pending on the resource (`EPOLLERR`). Reported only to a wait whose interest
    /// includes [`Interest::ERROR`].
    pub const ERROR: Ready = Ready(ERROR);
    /// Every state.
    pub const ALL: Ready =
        Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | PRIORITY | ERROR);

    /// Translates one epoll event mask the way mio (and so Tokio) reads it: `EPOLLIN` or `EPOLLPRI`
    /// is readable, `EPOLLOUT` writable; `EPOLLHUP` closes both directions, `EPOLLRDHUP` (with
    /// `EPOLLIN`) only reading; `EPOLLERR` is the error state, and closes writing when it comes
    /// with `EPOLLOUT` or alone (a pipe's write end whose last reader has gone reports `EPOLLOUT |
    /// EPOLLERR` while the pipe has room and a bare `EPOLLERR` once it is full).
    ///
    /// The closed states are what wakes a reader or writer when a descriptor fails: `ERROR` itself
    /// reaches only waits whose interest includes [`Interest::ERROR`].
    pub(crate) fn from_epoll(events: u32) -> Ready {
        let mut r = 0;
        if events & (sys::EPOLLIN | sys::EPOLLPRI) != 0 {
            r |= READABLE;
        }
        if events & sys::EPOLLPRI != 0 {
            r |= PRIORITY;
        }
        if events & sys::EPOLLOUT != 0 {
            r |= WRITABLE;
        }
        if events & sys::EPOLLHUP != 0
            || (events & sys::EPOLLIN != 0 && events & sys::EPOLLRDHUP != 0)
        {
            r |= READ_CLOSED;
        }
        if events & sys::EPOLLHUP != 0
            || (events & sys::EPOLLOUT != 0 && events & sys::EPOLLERR != 0)
            || events == sys::EPOLLERR
        {
            r |= WRITE_CLOSED;
        }
        if events & sys::EPOLLERR != 0 {
            r |= ERROR;
        }
        Ready(r)
    }

    pub(crate) const fn as_usize(self) -> usize {
        self.0
    }

    pub(crate) const fn from_usize(v: usize) -> Ready {
        Ready(v & Ready::ALL.0)
    }

    /// True if empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// True if readable.
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }
    /// True if writable.
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }
    /// True if the read side is closed.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }
    /// True if the write side is closed.
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }
    /// True if priority data is available.
    pub fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }
    /// True if an error is pending.
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// The part of `self` that satisfies `interest`.
    pub(crate) fn intersection(self, interest: Interest) -> Ready {
        Ready(self.0 & interest.mask())
    }

    /// The states a short read or a caller's `clear_ready` may clear: all but the closed states,
    /// which only a `WouldBlock` disproves (`ScheduledIo::clear_readiness_would_block`).
    pub(crate) fn clearable(self) -> Ready {
        Ready(self.0 & !(READ_CLOSED | WRITE_CLOSED))
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, rhs: Ready) -> Ready {
        Ready(self.0 | rhs.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, rhs: Ready) {
        self.0 |= rhs.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, rhs: Ready) -> Ready {
        Ready(self.0 & rhs.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;
    fn sub(self, rhs: Ready) -> Ready {
        Ready(self.0 & !rhs.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_priority", &self.is_priority())
            .field("is_error", &self.is_error())
            .finish()
    }
}

/// Readiness a task waits for. Mirrors `tokio::io::Interest`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(usize);

impl Interest {
    /// Readable (also satisfied by the read side closing).
    pub const READABLE: Interest = Interest(READABLE);
    /// Writable (also satisfied by the write side closing).
    pub const WRITABLE: Interest = Interest(WRITABLE);
    /// Urgent data.
    pub const PRIORITY: Interest = Interest(PRIORITY);
    /// Error readiness (`EPOLLERR`), which no other interest reports. The descriptor is always
    /// watched for errors; this only decides who hears of them.
    pub const ERROR: Interest = Interest(ERROR);

    /// True if readable interest is included.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }
    /// True if writable interest is included.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }
    /// True if priority interest is included.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }
    /// True if error interest is included.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Both interests.
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// `self` without `other`, or `None` if nothing is left.
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let v = self.0 & !other.0;
        (v != 0).then_some(Interest(v))
    }

    /// The `Ready` bits that satisfy this interest: a direction's closed state satisfies that
    /// direction (and `PRIORITY`, whose data comes on the read side, is satisfied by `READ_CLOSED`),
    /// while `ERROR` satisfies only an interest that names it, as in Tokio. So `ready(READABLE)`
    /// never reports `is_error()`, and a bare `EPOLLERR` on a socket does not wake its readers:
    /// a failure that ends a direction arrives as that direction's closed state.
    pub(crate) const fn mask(self) -> usize {
        let mut m = 0;
        if self.0 & READABLE != 0 {
            m |= READABLE | READ_CLOSED;
        }
        if self.0 & WRITABLE != 0 {
            m |= WRITABLE | WRITE_CLOSED;
        }
        if self.0 & PRIORITY != 0 {
            m |= PRIORITY | READ_CLOSED;
        }
        if self.0 & ERROR != 0 {
            m |= ERROR;
        }
        m
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, rhs: Interest) -> Interest {
        self.add(rhs)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, rhs: Interest) {
        *self = self.add(rhs);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (bit, name) in [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (PRIORITY, "PRIORITY"),
            (ERROR, "ERROR"),
        ] {
            if self.0 & bit != 0 {
                parts.push(name);
            }
        }
        f.write_str(&parts.join(" | "))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::super::sys::{EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP};
    use super::{Interest, Ready};

    #[test]
    fn epoll_bits_map_as_mio_maps_them() {
        // A pipe's write end with room, then full, after its last reader went.
        assert_eq!(
            Ready::from_epoll(EPOLLOUT | EPOLLERR),
            Ready::WRITABLE | Ready::WRITE_CLOSED | Ready::ERROR
        );
        assert_eq!(
            Ready::from_epoll(EPOLLERR),
            Ready::WRITE_CLOSED | Ready::ERROR
        );
        // An error that comes with data but without room closes nothing.
        assert_eq!(
            Ready::from_epoll(EPOLLIN | EPOLLERR),
            Ready::READABLE | Ready::ERROR
        );
        // A hang-up closes both directions; the peer's FIN only reading.
        assert_eq!(
            Ready::from_epoll(EPOLLHUP),
            Ready::READ_CLOSED | Ready::WRITE_CLOSED
        );
        assert_eq!(
            Ready::from_epoll(EPOLLIN | EPOLLRDHUP),
            Ready::READABLE | Ready::READ_CLOSED
        );
    }

    #[test]
    fn error_satisfies_only_an_interest_that_names_it() {
        let all = Ready::ALL;
        let read = all.intersection(Interest::READABLE);
        assert_eq!(read, Ready::READABLE | Ready::READ_CLOSED);
        let write = all.intersection(Interest::WRITABLE);
        assert_eq!(write, Ready::WRITABLE | Ready::WRITE_CLOSED);
        let prio = all.intersection(Interest::PRIORITY);
        assert_eq!(prio, Ready::PRIORITY | Ready::READ_CLOSED);
        assert_eq!(all.intersection(Interest::ERROR), Ready::ERROR);
        let both = all.intersection(Interest::READABLE | Interest::ERROR);
        assert_eq!(both, Ready::READABLE | Ready::READ_CLOSED | Ready::ERROR);
        assert!(Ready::ERROR.intersection(Interest::READABLE).is_empty());
        assert!(Ready::ERROR
            .intersection(Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY)
            .is_empty());
    }
}
