//! `UnixStream`: a connected Unix stream socket, with the same direct-write fast path as
//! `TcpStream` (`send` with `MSG_NOSIGNAL` first; wait for `EPOLLOUT` only after `EAGAIN`).

use super::split::{ReadHalf, WriteHalf};
use super::split_owned::{OwnedReadHalf, OwnedWriteHalf};
use super::{SocketAddr, UCred};
use crate::sys::{self, syscall};
use eddy_runtime::__private::{Interest, Ready, Registration};
use eddy_runtime::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net;
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A Unix stream connection. Mirrors `tokio::net::UnixStream`.
///
/// ```no_run
/// use eddy::io::AsyncWriteExt;
/// use eddy::net::UnixStream;
///
/// # async fn run() -> std::io::Result<()> {
/// let mut stream = UnixStream::connect("/tmp/app.sock").await?;
/// stream.write_all(b"hello").await?;
/// # Ok(()) }
/// ```
pub struct UnixStream {
    // Field order matters: the registration is dropped (deregistered) before the fd is closed.
    io: Registration,
    sock: net::UnixStream,
}

impl UnixStream {
    /// Connects to the socket at `path` (on Linux a path starting with a NUL byte names an abstract
    /// socket).
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let addr = sys::UnixRawAddr::from_path(path.as_ref())?;
        UnixStream::connect_raw(addr).await
    }

    /// Connects to the socket at `addr`.
    pub async fn connect_addr(addr: &std::os::unix::net::SocketAddr) -> io::Result<UnixStream> {
        let addr = sys::UnixRawAddr::from_std(addr)?;
        UnixStream::connect_raw(addr).await
    }

    async fn connect_raw(addr: sys::UnixRawAddr) -> io::Result<UnixStream> {
        let fd = sys::socket(libc::AF_UNIX, libc::SOCK_STREAM)?;
        UnixStream::connect_fd(fd, &addr).await
    }

    /// Connects the (nonblocking) stream socket `fd` to `addr`.
    pub(crate) async fn connect_fd(fd: OwnedFd, addr: &sys::UnixRawAddr) -> io::Result<UnixStream> {
        // A Unix connect finishes at once or fails (EINPROGRESS is allowed for, as for TCP; EAGAIN —
        // the listener's queue is full — is returned to the caller). Either way the outcome is read
        // once the socket reports writable, as Tokio does: a listener closed in between then shows
        // up as an error (`SO_ERROR`, or the hang-up) rather than as a dead stream.
        match sys::connect_unix(fd.as_raw_fd(), addr) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = UnixStream::from_fd(fd)?;
        poll_fn(|cx| stream.io.poll_write_ready(cx)).await?;
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<UnixStream> {
        let io = Registration::new_ready(fd.as_raw_fd())?;
        Ok(UnixStream {
            io,
            sock: net::UnixStream::from(fd),
        })
    }

    /// A connected pair of streams (`socketpair(2)`).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = sys::socketpair(libc::SOCK_STREAM)?;
        Ok((UnixStream::from_fd(a)?, UnixStream::from_fd(b)?))
    }

    /// Wraps a connected `std` stream (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_fd(OwnedFd::from(stream))
    }

    /// Turns this stream back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        let UnixStream { io, sock } = self;
        io.deregister()?;
        Ok(sock)
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_addr().map(SocketAddr)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.sock.peer_addr().map(SocketAddr)
    }

    /// The peer process's credentials (`SO_PEERCRED`).
    pub fn peer_cred(&self) -> io::Result<UCred> {
        super::ucred::peer_cred(self.sock.as_raw_fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock.take_error()
    }

    /// Waits for any of `interest`; returns what is ready. Several tasks may wait at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready())
    }

    /// Waits until the stream may be readable (then try `try_read`).
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until the stream may be writable (then try `try_write`).
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness (one task at a time per direction).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read_ready(cx).map_ok(drop)
    }

    /// Polls for write readiness (one task at a time per direction).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_write_ready(cx).map_ok(drop)
    }

    /// Reads without waiting: `WouldBlock` if no data is known to be there.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and recv only writes bytes into it, so
        // the caller's slice stays initialised.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        self.io.try_io(Interest::READABLE, || {
            sys::recv(self.sock.as_raw_fd(), buf, 0)
        })
    }

    /// Reads into several buffers without waiting.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, || {
            // IoSliceMut is ABI-compatible with iovec; readv writes at most the given lengths.
            let n = syscall!(readv(
                self.sock.as_raw_fd(),
                bufs.as_ptr() as *const libc::iovec,
                bufs.len().min(libc::c_int::MAX as usize) as libc::c_int
            ))?;
            Ok(n as usize)
        })
    }

    /// Writes without waiting: `WouldBlock` if the socket buffer is known to be full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, || sys::send(self.sock.as_raw_fd(), buf))
    }

    /// Writes several buffers without waiting.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, || {
            sys::send_vectored(self.sock.as_raw_fd(), bufs)
        })
    }

    /// Runs `f` (an I/O operation on the raw socket) if readiness for `interest` is known; clears it
    /// on `WouldBlock`.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, f)
    }

    /// Waits for `interest`, then runs `f`, retrying on `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, f).await
    }

    /// Splits into a read half and a write half that borrow the stream.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        super::split::split(self)
    }

    /// Splits into owned halves that can move to different tasks; `reunite` puts them back.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split_owned::split_owned(self)
    }

    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: recv only writes initialised bytes into the unfilled part, and exactly the bytes it
        // reports are marked initialised and filled below.
        let unfilled = unsafe { buf.unfilled_mut() };
        let cap = unfilled.len();
        let fd = self.sock.as_raw_fd();
        let n = ready!(self
            .io
            .poll_read_stream(cx, cap, || sys::recv(fd, unfilled, 0)))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send(self.sock.as_raw_fd(), buf))
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send_vectored(self.sock.as_raw_fd(), bufs))
    }

    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.sock.shutdown(how)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes go straight to the kernel: nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_std(Shutdown::Write))
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl TryFrom<net::UnixStream> for UnixStream {
    type Error = io::Error;

    fn try_from(s: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(s)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.sock.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
