//! The connected byte-stream socket that `TcpStream` and `UnixStream` are both made of.
//!
//! [`SocketStream`] owns the socket and its reactor registration and does every read, write, wait
//! and shutdown; the two public types add only what differs (addresses, connecting, socket options).
//! The macros in [`api`], [`split`] and [`split_owned`] give both public types, and their borrowed and
//! owned halves, the same Tokio-shaped methods without writing them out twice.
//!
//! The hot path stays direct: `poll_read` is one `recv(2)` (or a wait when the socket is known to be
//! drained) and `poll_write` one `send(2)` with `MSG_NOSIGNAL`; everything here is generic over the
//! socket's owner type and marked `#[inline]`, so the public types compile to the same code as
//! before.

#[macro_use]
pub(crate) mod api;
#[macro_use]
pub(crate) mod split;
#[macro_use]
pub(crate) mod split_owned;

use crate::sys::{self, syscall};
use eddy_runtime::__private::{Interest, Ready, Registration};
use eddy_runtime::io::{ReadBuf, SpareCapacity};
use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{ready, Context, Poll};

/// A registered, nonblocking, connected stream socket held as `S` (an `OwnedFd` or a `std` type).
pub(crate) struct SocketStream<S: AsRawFd> {
    // Field order matters: the registration is dropped (deregistered) before the socket is closed.
    io: Registration,
    sock: S,
}

impl<S: AsRawFd> SocketStream<S> {
    /// Registers `sock` (already nonblocking) with `assumed` as its readiness until the first event,
    /// as Tokio does: an accepted stream is assumed readable and writable (its first read tries
    /// `recv`, so data that came with the handshake needs no driver turn), one end of a fresh pair
    /// writable only (nothing can have been sent to it yet), and a connecting or adopted (`from_std`)
    /// stream nothing (the driver's first event tells).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub(crate) fn new(sock: S, assumed: Ready) -> io::Result<SocketStream<S>> {
        let io = Registration::new(sock.as_raw_fd())?;
        if !assumed.is_empty() {
            io.assume_ready(assumed);
        }
        Ok(SocketStream { io, sock })
    }

    /// The socket.
    #[inline]
    pub(crate) fn sock(&self) -> &S {
        &self.sock
    }

    #[inline]
    fn fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }

    /// Deregisters and hands back the socket (still nonblocking).
    pub(crate) fn into_inner(self) -> io::Result<S> {
        let SocketStream { io, sock } = self;
        io.deregister()?;
        Ok(sock)
    }

    /// Waits for a nonblocking `connect` started on the socket to finish; returns its outcome
    /// (`SO_ERROR`).
    pub(crate) async fn finish_connect(&self) -> io::Result<()> {
        poll_fn(|cx| self.io.poll_write_ready(cx)).await?;
        match sys::take_error(self.fd())? {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready())
    }

    pub(crate) fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read_ready(cx).map_ok(drop)
    }

    pub(crate) fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_write_ready(cx).map_ok(drop)
    }

    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and recv only writes bytes into it, so
        // the caller's slice stays initialised.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        self.io
            .try_io(Interest::READABLE, || sys::recv(self.fd(), buf, 0))
    }

    pub(crate) fn try_read_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, || sys::recv_buf(self.fd(), buf))
    }

    pub(crate) fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, || {
            // IoSliceMut is ABI-compatible with iovec; readv writes at most the given lengths.
            let n = syscall!(readv(
                self.fd(),
                bufs.as_ptr() as *const libc::iovec,
                bufs.len().min(libc::c_int::MAX as usize) as libc::c_int
            ))?;
            Ok(n as usize)
        })
    }

    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, || sys::send(self.fd(), buf))
    }

    pub(crate) fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, || sys::send_vectored(self.fd(), bufs))
    }

    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, f)
    }

    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, f).await
    }

    /// Reads into `buf` (`AsyncRead::poll_read`): `recv` first; a short read marks the socket drained.
    #[inline]
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: recv only writes initialised bytes into the unfilled part, and exactly the bytes it
        // reports are marked initialised and filled below.
        let unfilled = unsafe { buf.unfilled_mut() };
        let cap = unfilled.len();
        let fd = self.fd();
        let n = ready!(self
            .io
            .poll_read_stream(cx, cap, || sys::recv(fd, unfilled, 0)))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Copies queued data into `buf` without consuming it (`MSG_PEEK`); returns the count.
    pub(crate) fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        // SAFETY: as in `poll_read`.
        let unfilled = unsafe { buf.unfilled_mut() };
        let fd = self.fd();
        // Peeking leaves the data queued: a short peek says nothing about readiness.
        let n = ready!(self
            .io
            .poll_read_io(cx, || sys::recv(fd, unfilled, libc::MSG_PEEK)))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(n))
    }

    /// Writes `buf` (`AsyncWrite::poll_write`): `send` at once; only `EAGAIN` waits.
    #[inline]
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let fd = self.fd();
        self.io.poll_write_io(cx, || sys::send(fd, buf))
    }

    #[inline]
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let fd = self.fd();
        self.io.poll_write_io(cx, || sys::send_vectored(fd, bufs))
    }

    /// `shutdown(2)`. `ENOTCONN` counts as done (as in Tokio): the connection is already gone (the
    /// peer reset it, say), so there is nothing left to shut down.
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        };
        match syscall!(shutdown(self.fd(), how)) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            res => res.map(drop),
        }
    }
}
