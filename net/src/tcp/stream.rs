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
use crate::stream::SocketStream;
use crate::sys::{self, syscall};
use eddy_runtime::io::{ReadBuf, Ready};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
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
    pub(crate) inner: SocketStream<OwnedFd>,
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
        let stream = TcpStream::from_fd(fd, Ready::EMPTY)?;
        // The connect finishes when the socket turns writable; SO_ERROR tells how it ended.
        stream.inner.finish_connect().await?;
        // A socket can report writable before the handshake completes on some error paths; make sure
        // there is a peer.
        if let Err(e) = stream.peer_addr() {
            if e.raw_os_error() == Some(libc::ENOTCONN) {
                return Err(stream.take_error()?.unwrap_or(e));
            }
            return Err(e);
        }
        Ok(stream)
    }

    /// Registers the stream `fd`, with `assumed` readiness (see `SocketStream::new`).
    #[track_caller]
    pub(crate) fn from_fd(fd: OwnedFd, assumed: Ready) -> io::Result<TcpStream> {
        Ok(TcpStream {
            inner: SocketStream::new(fd, assumed)?,
        })
    }

    fn fd(&self) -> std::os::fd::RawFd {
        self.inner.sock().as_raw_fd()
    }

    /// Wraps a connected `std` stream (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        // SAFETY: into_raw_fd hands over ownership of a valid descriptor.
        TcpStream::from_fd(
            unsafe { OwnedFd::from_raw_fd(stream.into_raw_fd()) },
            Ready::EMPTY,
        )
    }

    /// Turns this stream back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        Ok(std::net::TcpStream::from(self.inner.into_inner()?))
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.fd())
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        sys::peer_addr(self.fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.fd())
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out at once).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        sys::setsockopt_int(
            self.fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            nodelay as libc::c_int,
        )
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        sys::getsockopt_int(self.fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY).map(|v| v != 0)
    }

    /// Sets `TCP_QUICKACK` (acknowledge at once instead of delaying ACKs). Linux clears it again on
    /// its own as the connection goes on, so it is set per need rather than once.
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        sys::setsockopt_int(
            self.fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            quickack as libc::c_int,
        )
    }

    /// Reads `TCP_QUICKACK`.
    pub fn quickack(&self) -> io::Result<bool> {
        sys::getsockopt_int(self.fd(), libc::IPPROTO_TCP, libc::TCP_QUICKACK).map(|v| v != 0)
    }

    /// Sets `SO_LINGER`: `Some(d)` makes close wait up to `d` for unsent data (`Some(0)` resets the
    /// connection); `None` turns lingering off.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        sys::set_linger(self.fd(), dur)
    }

    /// Sets a zero linger: closing the stream then resets the connection (`RST`) instead of
    /// finishing it, and drops unsent data. The same as `set_linger(Some(Duration::ZERO))`.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        sys::set_linger(self.fd(), Some(Duration::ZERO))
    }

    /// Reads `SO_LINGER`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.fd())
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        sys::setsockopt_int(
            self.fd(),
            libc::IPPROTO_IP,
            libc::IP_TTL,
            ttl as libc::c_int,
        )
    }

    /// Reads `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        sys::getsockopt_int(self.fd(), libc::IPPROTO_IP, libc::IP_TTL).map(|v| v as u32)
    }

    #[inline]
    fn core(&self) -> &SocketStream<OwnedFd> {
        &self.inner
    }

    stream_methods!();

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
        self.inner.poll_peek(cx, buf)
    }

    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
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

async_read_impl!(TcpStream);
async_write_impl!(TcpStream);
fd_impls!(TcpStream);

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    fn try_from(s: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(s)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &self.fd())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
