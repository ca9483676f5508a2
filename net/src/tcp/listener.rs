//! `TcpListener`: a listening socket whose `accept` is a future.

use super::stream::TcpStream;
use crate::addr::{resolve, ToSocketAddrs};
use crate::sys::{self, syscall};
use eddy_runtime::__private::Registration;
use eddy_runtime::io::Ready;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

/// Pending connections the kernel queues per listener (the `listen(2)` backlog).
const BACKLOG: libc::c_int = 1024;

/// A TCP socket server, listening for connections. Mirrors `tokio::net::TcpListener`.
///
/// ```no_run
/// use eddy::net::TcpListener;
///
/// # async fn run() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:8080").await?;
/// loop {
///     let (socket, peer) = listener.accept().await?;
///     eddy::spawn(async move {
///         let _ = (socket, peer); // serve the connection
///     });
/// }
/// # }
/// ```
pub struct TcpListener {
    // Field order matters: the registration is dropped (deregistered) before the fd is closed.
    io: Registration,
    fd: OwnedFd,
}

impl TcpListener {
    /// Binds to `addr` (every resolved address is tried in turn; the first that binds wins) with
    /// `SO_REUSEADDR` set, and starts listening.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let addrs = resolve(addr).await?;
        let mut last_err = None;
        for addr in addrs {
            match TcpListener::bind_addr(addr) {
                Ok(l) => return Ok(l),
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

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let fd = sys::socket(sys::domain_of(&addr), libc::SOCK_STREAM)?;
        sys::setsockopt_int(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        let raw = sys::raw_addr(&addr);
        // `raw` holds a valid sockaddr of `raw.len()` bytes.
        syscall!(bind(fd.as_raw_fd(), raw.as_ptr(), raw.len()))?;
        syscall!(listen(fd.as_raw_fd(), BACKLOG))?;
        TcpListener::from_fd(fd)
    }

    #[track_caller]
    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<TcpListener> {
        let io = Registration::new_ready(fd.as_raw_fd())?;
        Ok(TcpListener { io, fd })
    }

    /// Accepts a new connection: the stream and the peer's address.
    ///
    /// Errors from the kernel (`EMFILE` when out of descriptors, `ECONNABORTED`, `ENOBUFS`, …) are
    /// returned as they are; the listener stays usable. A server should log them and carry on, after a
    /// short pause for resource exhaustion (see `examples/echo.rs`) — retrying at once would spin.
    ///
    /// Any number of tasks may wait in `accept` on one listener at once; each is woken when a
    /// connection may be ready (unlike [`poll_accept`](Self::poll_accept), which keeps one waker).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let fd = self.fd.as_raw_fd();
        let (fd, addr) = self
            .io
            .async_io(eddy_runtime::__private::Interest::READABLE, || {
                sys::accept(fd)
            })
            .await?;
        TcpStream::from_fd(fd, accepted()).map(|s| (s, addr))
    }

    /// Polls to accept a connection; on `Pending` the task is woken when one may be ready.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (fd, addr) = std::task::ready!(self
            .io
            .poll_read_io(cx, || sys::accept(self.fd.as_raw_fd())))?;
        Poll::Ready(TcpStream::from_fd(fd, accepted()).map(|s| (s, addr)))
    }

    /// Wraps a listener made by `std` (it is switched to nonblocking mode). Mirrors Tokio: the std
    /// listener should already be nonblocking; eddy sets it to be sure.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        // SAFETY: into_raw_fd hands over ownership of a valid descriptor.
        TcpListener::from_fd(unsafe { OwnedFd::from_raw_fd(listener.into_raw_fd()) })
    }

    /// Turns this listener back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let TcpListener { io, fd } = self;
        io.deregister()?;
        Ok(std::net::TcpListener::from(fd))
    }

    /// The local address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.fd.as_raw_fd())
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

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.fd.as_raw_fd())
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    fn try_from(l: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(l)
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("fd", &self.fd.as_raw_fd())
            .field("addr", &self.local_addr().ok())
            .finish()
    }
}

/// What an accepted stream is assumed ready for: both ways, so its first read tries `recv` (the
/// peer may have sent with the handshake) without waiting for the driver's first event.
fn accepted() -> Ready {
    Ready::READABLE | Ready::WRITABLE
}
