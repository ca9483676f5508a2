//! `Registration`: a file descriptor registered with the current runtime's I/O driver, and the
//! try-the-syscall-first protocol built on it.
//!
//! This is the piece sockets are made of (`eddy-net` wraps each socket's fd in one). Its core is
//! [`Registration::poll_io`]: run the system call right away; if it succeeds, done — no readiness check,
//! no `epoll_ctl`, no lock. Only on `WouldBlock` clear the readiness observed before the call, store the
//! task's waker, and return `Pending`; the next edge from epoll wakes the task and it tries again.

use super::scheduled_io::{Direction, ReadyEvent, ScheduledIo, Shutdown};
use super::{shutdown_error, Handle, Interest};
use crate::coop;
use crate::runtime::context;
use std::future::Future;
use std::io;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A file descriptor registered with a runtime's I/O driver. Deregisters on drop (the caller still
/// owns, and closes, the descriptor — after dropping this).
///
/// Low-level: it is what `eddy-net`'s sockets and [`AsyncFd`](crate::io::unix::AsyncFd) are built on.
pub struct Registration {
    handle: Arc<Handle>,
    io: Arc<ScheduledIo>,
    token: u64,
    fd: RawFd,
}

// Unwind-safe, as Tokio's sockets are (Tokio's `unwindsafe` test checks it): a panic caught while a
// socket is borrowed leaves nothing half-updated that a later call would misread. Readiness is one
// atomic word; the registry and a descriptor's waker slots change by single assignments under the
// driver's locks, and parking_lot locks do not poison.
impl std::panic::UnwindSafe for Registration {}
impl std::panic::RefUnwindSafe for Registration {}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("fd", &self.fd)
            .finish()
    }
}

impl Registration {
    /// Registers `fd` with the current runtime's I/O driver.
    ///
    /// # Panics
    /// Outside a runtime, or if the runtime was built without `enable_io`.
    #[track_caller]
    pub fn new(fd: RawFd) -> io::Result<Registration> {
        let handle = match context::with_current(|h| h.driver().io.clone()) {
            Ok(Some(h)) => h,
            Ok(None) => panic!(
                "An eddy context was found, but IO is disabled. Call `enable_io` on the runtime \
                 builder to enable IO."
            ),
            Err(e) => panic!("{}", e),
        };
        let (io, token) = handle.register(fd)?;
        Ok(Registration {
            handle,
            io,
            token,
            fd,
        })
    }

    /// Registers a socket, assumed ready in both directions: its first read and first write each try
    /// their system call (data that arrived before registration is read without waiting for a driver
    /// turn), and only a `WouldBlock` makes them wait for an edge.
    ///
    /// # Panics
    /// As [`Registration::new`].
    #[track_caller]
    pub fn new_ready(fd: RawFd) -> io::Result<Registration> {
        let reg = Registration::new(fd)?;
        reg.assume_ready(super::Ready::READABLE | super::Ready::WRITABLE);
        Ok(reg)
    }

    /// Deregisters now, reporting any error (dropping does the same, silently).
    pub fn deregister(mut self) -> io::Result<()> {
        let res = self.handle.deregister(self.fd, self.token);
        self.fd = -1;
        res
    }

    fn map(r: Result<ReadyEvent, Shutdown>) -> io::Result<ReadyEvent> {
        r.map_err(|_| shutdown_error())
    }

    /// Waits until the descriptor is ready for reading (`Direction::Read` slot: one waiting task).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        let coop = ready!(coop::poll_proceed(cx));
        let ev = ready!(self.io.poll_ready(cx, Direction::Read));
        coop.made_progress();
        Poll::Ready(Self::map(ev))
    }

    /// Waits until the descriptor is ready for writing (one waiting task).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        let coop = ready!(coop::poll_proceed(cx));
        let ev = ready!(self.io.poll_ready(cx, Direction::Write));
        coop.made_progress();
        Poll::Ready(Self::map(ev))
    }

    /// Forgets the readiness in `event` (after the operation it allowed hit `WouldBlock`), unless
    /// newer readiness arrived meanwhile.
    pub fn clear_readiness(&self, event: ReadyEvent) {
        self.io.clear_readiness(event);
    }

    /// Records readiness that is known without waiting for an event (e.g. a new socket pair starts
    /// writable), so that `try_*` calls and `ready()` see it at once.
    pub fn assume_ready(&self, ready: super::Ready) {
        self.io.assume_ready(ready);
    }

    /// The readiness currently cached for `interest`.
    pub fn readiness_now(&self, interest: Interest) -> ReadyEvent {
        self.io.snapshot(interest)
    }

    /// Runs `f` (a nonblocking read-side system call) unless the cached readiness says the descriptor
    /// is drained; on `WouldBlock` clears readiness, waits for the next edge and tries again.
    pub fn poll_read_io<R>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Read, f, |_| false)
    }

    /// The same for the write side: `f` is tried at once; `WouldBlock` stores the waker and yields.
    pub fn poll_write_io<R>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Write, f, |_| false)
    }

    /// Reads from a stream socket into a buffer of `capacity` bytes with `f`. As
    /// [`poll_read_io`](Self::poll_read_io), and in addition: a read that returns fewer bytes than
    /// asked for (but not zero, which is end-of-stream) emptied the kernel's receive queue, so the
    /// readiness it was made under is cleared, and the next read waits for the next `EPOLLIN` edge
    /// instead of costing a `recv` that fails with `EAGAIN`. Only for byte streams: for datagrams, or
    /// when peeking, a short read says nothing about what is left.
    pub fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        capacity: usize,
        f: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Direction::Read, f, |&n| n > 0 && n < capacity)
    }

    fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let coop = ready!(coop::poll_proceed(cx));
        for _ in 0..32 {
            // The tick before the call: if an event lands during it, clearing below is skipped.
            let mut before = self.io.snapshot(direction.interest());
            if direction == Direction::Read && before.ready.is_empty() {
                // Known to be drained (a WouldBlock or short read since the last event): wait for
                // the next edge rather than ask the kernel. Writes always try first: a socket buffer
                // with room is the common case there.
                match self.io.poll_ready(cx, direction) {
                    Poll::Ready(Ok(ev)) => before = ev,
                    Poll::Ready(Err(Shutdown)) => return Poll::Ready(Err(shutdown_error())),
                    Poll::Pending => return Poll::Pending,
                }
            }
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_readiness_would_block(before);
                    match self.io.poll_ready(cx, direction) {
                        Poll::Ready(Ok(_)) => continue,
                        Poll::Ready(Err(Shutdown)) => return Poll::Ready(Err(shutdown_error())),
                        Poll::Pending => return Poll::Pending,
                    }
                }
                res => {
                    if let Ok(r) = &res {
                        if drained(r) {
                            self.io.clear_readiness(before);
                        }
                    }
                    coop.made_progress();
                    return Poll::Ready(res);
                }
            }
        }
        // Readiness keeps saying yes and the call keeps saying WouldBlock (a closed state that the
        // call doesn't report): yield instead of spinning on this thread.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Runs `f` if the cached readiness allows `interest`; `WouldBlock` clears it. Never waits.
    ///
    /// After the runtime's shutdown, readiness already known is still used (data queued in the
    /// socket can be read, as with Tokio); with none known, the shutdown error is returned instead of
    /// `WouldBlock`, since no event will ever come.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let ev = self.io.snapshot(interest);
        if ev.ready.is_empty() {
            if self.io.is_shutdown() {
                return Err(shutdown_error());
            }
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match f() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.io.clear_readiness_would_block(ev);
                Err(e)
            }
            res => res,
        }
    }

    /// Waits for any of `interest`; many tasks may wait at once.
    pub fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness {
            io: &self.io,
            interest,
            slot: None,
        }
    }

    /// Waits for `interest`, then runs `f`; on `WouldBlock` clears and waits again.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let ev = self.readiness(interest).await?;
            // The operation, not the wait, spends the budget (as in Tokio), so a task that finds
            // its socket ready again and again still yields.
            let coop = std::future::poll_fn(coop::poll_proceed).await;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_readiness_would_block(ev)
                }
                res => {
                    coop.made_progress();
                    return res;
                }
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.fd >= 0 {
            let _ = self.handle.deregister(self.fd, self.token);
        }
    }
}

/// The future of [`Registration::readiness`].
#[must_use = "futures do nothing unless polled"]
pub struct Readiness<'a> {
    io: &'a ScheduledIo,
    interest: Interest,
    slot: Option<usize>,
}

impl std::fmt::Debug for Readiness<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("interest", &self.interest)
            .finish()
    }
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // No cooperative budget here, as in Tokio: waiting for readiness is not an operation, and a
        // `ready()` polled after the task's budget ran out must still report readiness that is
        // there (the `try_*` call that follows never waits either). `async_io` spends the budget.
        let this = self.get_mut();
        let res = ready!(this.io.poll_ready_list(cx, this.interest, &mut this.slot));
        Poll::Ready(Registration::map(res))
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            self.io.remove_waiter(slot);
        }
    }
}
