//! `TcpStream`: a connected TCP socket with the direct-write fast path.
//!
//! Writes call `send(2)` (with `MSG_NOSIGNAL`) straight away, every time: when the socket buffer has
//! room — the usual case — the bytes are gone in one system call, with no readiness check, no
//! `epoll_ctl` and no lock. Only `EAGAIN` makes the task store its waker and return `Pending`, to be
//! woken by the next `EPOLLOUT` edge. Reads likewise call `recv(2)` first. A closed peer shows up as an
//! `io::Error` (`EPIPE`, `ECONNRESET`), never as a signal.

use super::split::{ReadHalf, WriteHalf};
use super::split_owned::{OwnedReadHalf, OwnedWriteHalf};
use crate::addr::{resolve, ToSocketAddrs};
use crate::sys::{self, syscall};
use eddy_runtime::__private::{Interest, Ready, Registration};
use eddy_runtime::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// A TCP connection. Mirrors `tokio::net::TcpStream`.
///
/// ```no_run
/// use eddy::io::{AsyncReadExt, AsyncWriteExt};
/// use eddy::net::TcpStream;
///
/// # async fn run() -> std::io::Result<()> {
/// let mut stream = TcpStream::connect("127.0.0.1:8080").await?;
/// stream.write_all(b"hello").await?;
/// let mut buf = [0u8; 5];
/// stream.read_exact(&mut buf).await?;
/// # Ok(()) }
/// ```
pub struct TcpStream {
    // Field order matters: the registration is dropped (deregistered) before the fd is closed.
    io: Registration,
    fd: OwnedFd,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn; returns the first connection that
    /// succeeds, or the last error.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs = resolve(addr).await?;
        let mut last_err = None;
        for addr in addrs {
            match TcpStream::connect_addr(addr).await {
                Ok(s) => return Ok(s),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any address",
            )
        }))
    }

    pub(crate) async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let fd = sys::socket(sys::domain_of(&addr), libc::SOCK_STREAM)?;
        TcpStream::connect_fd(fd, addr).await
    }

    /// Starts a nonblocking connect on `fd` and waits for it to finish.
    pub(crate) async fn connect_fd(fd: OwnedFd, addr: SocketAddr) -> io::Result<TcpStream> {
        let raw = sys::raw_addr(&addr);
        // `raw` holds a valid sockaddr of `raw.len()` bytes.
        match syscall!(connect(fd.as_raw_fd(), raw.as_ptr(), raw.len())) {
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::from_fd(fd)?;
        // The connect finishes when the socket turns writable; SO_ERROR tells how it ended.
        poll_fn(|cx| stream.io.poll_write_ready(cx)).await?;
        if let Some(e) = sys::take_error(stream.fd.as_raw_fd())? {
            return Err(e);
        }
        // A socket can report writable before the handshake completes on some error paths; make sure
        // there is a peer.
        if let Err(e) = sys::peer_addr(stream.fd.as_raw_fd()) {
            if e.raw_os_error() == Some(libc::ENOTCONN) {
                return Err(sys::take_error(stream.fd.as_raw_fd())?.unwrap_or(e));
            }
            return Err(e);
        }
        Ok(stream)
    }

    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<TcpStream> {
        let io = Registration::new_ready(fd.as_raw_fd())?;
        Ok(TcpStream { io, fd })
    }

    /// Wraps a connected `std` stream (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        // SAFETY: into_raw_fd hands over ownership of a valid descriptor.
        TcpStream::from_fd(unsafe { OwnedFd::from_raw_fd(stream.into_raw_fd()) })
    }

    /// Turns this stream back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let TcpStream { io, fd } = self;
        io.deregister()?;
        Ok(std::net::TcpStream::from(fd))
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.fd.as_raw_fd())
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        sys::peer_addr(self.fd.as_raw_fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.fd.as_raw_fd())
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out at once).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        sys::setsockopt_int(
            self.fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            nodelay as libc::c_int,
        )
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY)
            .map(|v| v != 0)
    }

    /// Sets `SO_LINGER`: `Some(d)` makes close wait up to `d` for unsent data (`Some(0)` resets the
    /// connection); `None` turns lingering off.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        let linger = libc::linger {
            l_onoff: dur.is_some() as libc::c_int,
            l_linger: dur.map_or(0, |d| {
                d.as_secs().min(libc::c_int::MAX as u64) as libc::c_int
            }),
        };
        // `linger` is a live libc::linger of the size passed.
        syscall!(setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t
        ))?;
        Ok(())
    }

    /// Reads `SO_LINGER`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        let mut linger = libc::linger {
            l_onoff: 0,
            l_linger: 0,
        };
        let mut len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
        // `linger` is a live libc::linger and `len` its size.
        syscall!(getsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &mut linger as *mut _ as *mut libc::c_void,
            &mut len
        ))?;
        Ok((linger.l_onoff != 0).then(|| Duration::from_secs(linger.l_linger as u64)))
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        sys::setsockopt_int(
            self.fd.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_TTL,
            ttl as libc::c_int,
        )
    }

    /// Reads `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_IP, libc::IP_TTL).map(|v| v as u32)
    }

    /// Waits for any of `interest`; returns what is ready. Several tasks may wait at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let ev = self.io.readiness(interest).await?;
        Ok(ev.ready())
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
        self.io.try_io(Interest::READABLE, || {
            // SAFETY: a `&mut [u8]` is a valid `[MaybeUninit<u8>]` that recv only writes to.
            let buf = unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
            sys::recv(self.fd.as_raw_fd(), buf, 0)
        })
    }

    /// Reads into several buffers without waiting.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, || {
            // IoSliceMut is ABI-compatible with iovec; readv writes at most the given lengths.
            let n = syscall!(readv(
                self.fd.as_raw_fd(),
                bufs.as_ptr() as *const libc::iovec,
                bufs.len().min(libc::c_int::MAX as usize) as libc::c_int
            ))?;
            Ok(n as usize)
        })
    }

    /// Writes without waiting: `WouldBlock` if the socket buffer is known to be full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, || sys::send(self.fd.as_raw_fd(), buf))
    }

    /// Writes several buffers without waiting.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, || {
            sys::send_vectored(self.fd.as_raw_fd(), bufs)
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

    /// Receives data without removing it from the queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            let mut rb = ReadBuf::new(buf);
            ready!(self.poll_peek(cx, &mut rb))?;
            Poll::Ready(Ok(rb.filled().len()))
        })
        .await
    }

    /// Polls to peek into `buf`; returns how many bytes were copied.
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.poll_recv(cx, buf, libc::MSG_PEEK)
    }

    pub(crate) fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        flags: libc::c_int,
    ) -> Poll<io::Result<usize>> {
        // SAFETY: recv only writes initialised bytes into the unfilled part, and we mark exactly the
        // bytes it reports as initialised and filled.
        let unfilled = unsafe { buf.unfilled_mut() };
        let fd = self.fd.as_raw_fd();
        let n = if flags == 0 {
            let cap = unfilled.len();
            ready!(self
                .io
                .poll_read_stream(cx, cap, || sys::recv(fd, unfilled, 0)))?
        } else {
            // Peeking leaves the data queued: a short peek says nothing about readiness.
            ready!(self.io.poll_read_io(cx, || sys::recv(fd, unfilled, flags)))?
        };
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_recv(cx, buf, 0).map_ok(drop)
    }

    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send(self.fd.as_raw_fd(), buf))
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send_vectored(self.fd.as_raw_fd(), bufs))
    }

    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        };
        syscall!(shutdown(self.fd.as_raw_fd(), how))?;
        Ok(())
    }

    /// Splits into a read half and a write half that borrow the stream; the halves may be used from
    /// two places at once (e.g. two branches of `select!` or `join!`).
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        super::split::split(self)
    }

    /// Splits into owned halves that can move to different tasks; `reunite` puts them back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split_owned::split_owned(self)
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    fn try_from(s: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(s)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &self.fd.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
