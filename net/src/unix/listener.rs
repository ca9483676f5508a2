//! `UnixListener`: a listening Unix stream socket whose `accept` is a future.

use super::{SocketAddr, UnixStream};
use crate::sys;
use eddy_runtime::__private::Registration;
use eddy_runtime::io::Ready;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net;
use std::path::Path;
use std::task::{ready, Context, Poll};

/// Pending connections the kernel queues per listener (the `listen(2)` backlog).
const BACKLOG: libc::c_int = 1024;

/// A Unix socket server, listening for connections. Mirrors `tokio::net::UnixListener`.
///
/// ```no_run
/// use eddy::net::UnixListener;
///
/// # async fn run() -> std::io::Result<()> {
/// let listener = UnixListener::bind("/tmp/app.sock")?;
/// loop {
///     let (stream, _addr) = listener.accept().await?;
///     eddy::spawn(async move { drop(stream) });
/// }
/// # }
/// ```
pub struct UnixListener {
    // Field order matters: the registration is dropped (deregistered) before the fd is closed.
    io: Registration,
    sock: net::UnixListener,
}

impl UnixListener {
    /// Binds to `path` and listens (on Linux a path starting with a NUL byte names an abstract
    /// socket). The socket file is not removed on drop, as with `std`.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::bind_raw(&sys::UnixRawAddr::from_path(path.as_ref())?)
    }

    /// Binds to `addr` and listens.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn bind_addr(addr: &std::os::unix::net::SocketAddr) -> io::Result<UnixListener> {
        UnixListener::bind_raw(&sys::UnixRawAddr::from_std(addr)?)
    }

    #[track_caller]
    fn bind_raw(addr: &sys::UnixRawAddr) -> io::Result<UnixListener> {
        let fd = sys::socket(libc::AF_UNIX, libc::SOCK_STREAM)?;
        sys::bind_unix(fd.as_raw_fd(), addr)?;
        sys::listen(fd.as_raw_fd(), BACKLOG)?;
        UnixListener::from_fd(fd)
    }

    #[track_caller]
    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<UnixListener> {
        let io = Registration::new_ready(fd.as_raw_fd())?;
        Ok(UnixListener {
            io,
            sock: net::UnixListener::from(fd),
        })
    }

    /// Wraps a `std` listener (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_fd(OwnedFd::from(listener))
    }

    /// Turns this listener back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        let UnixListener { io, sock } = self;
        io.deregister()?;
        Ok(sock)
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_addr().map(SocketAddr)
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock.take_error()
    }

    /// Accepts a connection: the stream and the peer's address (usually unnamed).
    ///
    /// Kernel errors (`EMFILE`, `ENFILE`, `ECONNABORTED`, …) are returned as they are and the
    /// listener stays usable; see `TcpListener::accept` for the recommended handling.
    ///
    /// Any number of tasks may wait in `accept` at once; each is woken when a connection may be ready.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let fd = self.sock.as_raw_fd();
        let fd = self
            .io
            .async_io(eddy_runtime::__private::Interest::READABLE, || {
                sys::accept_unnamed(fd)
            })
            .await?;
        // Assumed ready both ways, as an accepted TCP stream (see `SocketStream::new`).
        let stream = UnixStream::from_fd(fd, Ready::READABLE | Ready::WRITABLE)?;
        let addr = stream.peer_addr()?;
        Ok((stream, addr))
    }

    /// Polls to accept a connection; on `Pending` the task is woken when one may be ready.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let fd = ready!(self
            .io
            .poll_read_io(cx, || sys::accept_unnamed(self.sock.as_raw_fd())))?;
        // Assumed ready both ways, as an accepted TCP stream (see `SocketStream::new`).
        let stream = UnixStream::from_fd(fd, Ready::READABLE | Ready::WRITABLE)?;
        // One extra getpeername: std's address type can only be had from std (see the module doc).
        let addr = stream.peer_addr()?;
        Poll::Ready(Ok((stream, addr)))
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl TryFrom<net::UnixListener> for UnixListener {
    type Error = io::Error;

    fn try_from(l: net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(l)
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.sock.as_raw_fd())
            .field("addr", &self.local_addr().ok())
            .finish()
    }
}
