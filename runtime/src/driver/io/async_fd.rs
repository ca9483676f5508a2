//! `AsyncFd`: readiness for any file descriptor, so that users can drive their own nonblocking
//! I/O objects (pipes, eventfds, devices, sockets made by other libraries) on eddy's reactor.
//!
//! The protocol, as with Tokio's: wait for readiness (`readable`, `writable`, `ready`), which
//! returns a guard; try the operation on the descriptor; if it reports `WouldBlock`, tell the guard
//! (`clear_ready`, or let `guard.try_io` do it) so that the next wait really waits for a new event.
//! Clearing is safe against races: it only forgets readiness of the tick the guard observed, so an
//! event that arrived meanwhile is kept (see `scheduled_io.rs`).
//!
//! The descriptor is registered once, when the `AsyncFd` is made, for every kind of readiness (as
//! the sockets are); the interest given at creation is recorded but does not narrow the
//! registration. Registering a descriptor that is already registered fails with the `EEXIST` that
//! `epoll_ctl` returns.

use super::{Interest, Ready, ReadyEvent, Registration};
use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// A file descriptor registered with the reactor, with the object that owns it. Mirrors
/// `tokio::io::unix::AsyncFd`.
///
/// ```no_run
/// use eddy::io::unix::AsyncFd;
/// use std::io::Read;
/// use std::os::unix::net::UnixStream;
///
/// # async fn run(sock: UnixStream) -> std::io::Result<()> {
/// sock.set_nonblocking(true)?;
/// // SAFETY: `sock` is moved into the AsyncFd, so its descriptor lives as long as the AsyncFd.
/// let fd = unsafe { AsyncFd::register(sock) }?;
/// let mut buf = [0u8; 64];
/// loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => break result.map(drop),
///         Err(_would_block) => continue,
///     }
/// }
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    // Field order matters: the registration is dropped (deregistered) before `inner`, which may
    // close the descriptor.
    registration: Registration,
    interest: Interest,
    inner: T,
}

/// The readiness returned by [`AsyncFd::readable`] and friends, borrowing the `AsyncFd` shared.
#[must_use = "You must explicitly choose whether to clear the readiness state by calling a method on ReadyGuard"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The readiness returned by [`AsyncFd::readable_mut`] and friends, borrowing the `AsyncFd`
/// exclusively.
#[must_use = "You must explicitly choose whether to clear the readiness state by calling a method on ReadyGuard"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The operation passed to a guard's `try_io` reported `WouldBlock`; the guard's readiness has been
/// cleared, so wait again.
#[derive(Debug)]
pub struct TryIoError(());

/// Registering the descriptor failed; carries the object back with the cause.
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// The old name of [`AsyncFdRegisterError`].
#[doc(hidden)]
#[deprecated(note = "use `AsyncFdRegisterError` instead")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor for reading and writing readiness.
    ///
    /// # Safety
    /// The descriptor `inner.as_raw_fd()` returns must stay open, and must be the same descriptor,
    /// for as long as the `AsyncFd` lives (the reactor refers to it by number; closing it early could
    /// let an unrelated descriptor with the same number be deregistered).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: the caller upholds `register`'s contract, which is `register_with_interest`'s.
        unsafe { Self::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// Registers `inner`'s descriptor, recording `interest`.
    ///
    /// # Safety
    /// As for [`AsyncFd::register`].
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<Self, AsyncFdRegisterError<T>> {
        match Registration::new(inner.as_raw_fd()) {
            Ok(registration) => Ok(AsyncFd {
                registration,
                interest,
                inner,
            }),
            Err(cause) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// Registers `inner` for reading and writing readiness.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    #[deprecated(
        note = "cannot guarantee the descriptor outlives the AsyncFd; use `AsyncFd::register`"
    )]
    pub fn new(inner: T) -> io::Result<Self> {
        // SAFETY: not upheld by this safe function — the reason Tokio deprecated it; kept for
        // compatibility. Reactor bookkeeping stays memory-safe either way (tokens are checked).
        unsafe { Self::register(inner) }.map_err(io::Error::from)
    }

    /// Registers `inner`, recording `interest`.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    #[deprecated(
        note = "cannot guarantee the descriptor outlives the AsyncFd; use `AsyncFd::register_with_interest`"
    )]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<Self> {
        // SAFETY: as in `new`.
        unsafe { Self::register_with_interest(inner, interest) }.map_err(io::Error::from)
    }

    /// Like `new`, handing `inner` back on failure.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    #[deprecated(
        note = "cannot guarantee the descriptor outlives the AsyncFd; use `AsyncFd::register`"
    )]
    pub fn try_new(inner: T) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: as in `new`.
        unsafe { Self::register(inner) }
    }

    /// Like `with_interest`, handing `inner` back on failure.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    #[deprecated(
        note = "cannot guarantee the descriptor outlives the AsyncFd; use `AsyncFd::register_with_interest`"
    )]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<Self, AsyncFdRegisterError<T>> {
        // SAFETY: as in `new`.
        unsafe { Self::register_with_interest(inner, interest) }
    }

    /// The wrapped object.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped object, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Deregisters the descriptor and returns the wrapped object.
    pub fn into_inner(self) -> T {
        let AsyncFd {
            registration,
            inner,
            ..
        } = self;
        // Deregistration errors (the descriptor was already closed) leave nothing to undo.
        let _ = registration.deregister();
        inner
    }

    /// Polls for read readiness; stores the waker in the read slot (one waiting task per direction).
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.registration.poll_read_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            async_fd: self,
            event: Some(event),
        }))
    }

    /// Polls for read readiness, for a guard with `&mut` access.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.registration.poll_read_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            event: Some(event),
        }))
    }

    /// Polls for write readiness; stores the waker in the write slot.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.registration.poll_write_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            async_fd: self,
            event: Some(event),
        }))
    }

    /// Polls for write readiness, for a guard with `&mut` access.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.registration.poll_write_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            event: Some(event),
        }))
    }

    /// Waits for any of `interest`. Many tasks may wait at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.registration.readiness(interest).await?;
        Ok(AsyncFdReadyGuard {
            async_fd: self,
            event: Some(event),
        })
    }

    /// Waits for any of `interest`, for a guard with `&mut` access.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.registration.readiness(interest).await?;
        Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            event: Some(event),
        })
    }

    /// Waits until the descriptor may be readable.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until the descriptor may be readable, for a guard with `&mut` access.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor may be writable.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Waits until the descriptor may be writable, for a guard with `&mut` access.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest`, then runs `f`; on `WouldBlock` clears the readiness and waits again.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration
            .async_io(interest, || f(&self.inner))
            .await
    }

    /// Like `async_io`, with `&mut` access to the object.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd {
            registration,
            inner,
            ..
        } = self;
        registration.async_io(interest, || f(inner)).await
    }

    /// Runs `f` if readiness for `interest` is known (else `WouldBlock` at once); a `WouldBlock`
    /// from `f` clears that readiness.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration.try_io(interest, || f(&self.inner))
    }

    /// Like `try_io`, with `&mut` access to the object.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd {
            registration,
            inner,
            ..
        } = self;
        registration.try_io(interest, || f(inner))
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `register`'s contract keeps `inner`'s descriptor open while the AsyncFd lives, and
        // the borrow cannot outlive `self`. (The deprecated safe constructors cannot promise this,
        // exactly as in Tokio.)
        unsafe { BorrowedFd::borrow_raw(self.inner.as_raw_fd()) }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .field("interest", &self.interest)
            .finish()
    }
}

/// Clears exactly `ready` (within what `event` observed) in `registration`, keeping the rest.
fn clear_matching(registration: &Registration, event: &mut Option<ReadyEvent>, ready: Ready) {
    let Some(ev) = event.as_mut() else { return };
    let clear = ev.ready & ready;
    ev.ready = ev.ready - ready;
    registration.clear_readiness(ReadyEvent {
        tick: ev.tick,
        ready: clear,
    });
    if ev.ready.is_empty() {
        *event = None;
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Forgets the readiness this guard observed (call after the operation hit `WouldBlock`); the
    /// next wait then waits for a new event. Readiness that arrived since is kept.
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.async_fd.registration.clear_readiness(event);
        }
    }

    /// Forgets only the states in `ready` (e.g. `Ready::READABLE` while keeping `WRITABLE`).
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(&self.async_fd.registration, &mut self.event, ready);
    }

    /// Keeps the readiness (the default when the guard is dropped): the next wait returns at once.
    pub fn retain_ready(&mut self) {}

    /// The readiness this guard observed (empty once cleared).
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    /// Runs `f`; a `WouldBlock` clears the readiness and becomes `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The wrapped object.
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// Forgets the readiness this guard observed; see [`AsyncFdReadyGuard::clear_ready`].
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.async_fd.registration.clear_readiness(event);
        }
    }

    /// Forgets only the states in `ready`.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(&self.async_fd.registration, &mut self.event, ready);
    }

    /// Keeps the readiness (the default when the guard is dropped).
    pub fn retain_ready(&mut self) {}

    /// The readiness this guard observed (empty once cleared).
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready)
    }

    /// Runs `f`; a `WouldBlock` clears the readiness and becomes `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd` this guard belongs to, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The wrapped object.
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The wrapped object, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyGuard")
            .field("async_fd", self.async_fd)
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutReadyGuard")
            .field("async_fd", &self.async_fd)
            .finish()
    }
}

impl<T> AsyncFdRegisterError<T> {
    /// The object that could not be registered, and why.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(e: AsyncFdRegisterError<T>) -> io::Error {
        e.cause
    }
}
