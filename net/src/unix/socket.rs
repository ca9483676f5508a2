//! `UnixSocket`: a Unix socket not yet bound, listening or connected, for setting it up first.
//!
//! Like `TcpSocket`, it is a plain descriptor: nothing is registered with the reactor until it turns
//! into a `UnixListener`, `UnixStream` or `UnixDatagram`.

use super::{UnixDatagram, UnixListener, UnixStream};
use crate::sys;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::Path;

/// An unconnected Unix socket of stream or datagram type. Mirrors `tokio::net::UnixSocket`.
///
/// ```no_run
/// use eddy::net::UnixSocket;
///
/// # async fn run() -> std::io::Result<()> {
/// let socket = UnixSocket::new_stream()?;
/// let stream = socket.connect("/tmp/app.sock").await?;
/// # drop(stream); Ok(()) }
/// ```
pub struct UnixSocket {
    fd: OwnedFd,
}

impl UnixSocket {
    /// A new datagram socket (nonblocking, close-on-exec).
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(libc::SOCK_DGRAM)
    }

    /// A new stream socket (nonblocking, close-on-exec).
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(libc::SOCK_STREAM)
    }

    fn new(ty: libc::c_int) -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            fd: sys::socket(libc::AF_UNIX, ty)?,
        })
    }

    fn ty(&self) -> io::Result<libc::c_int> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TYPE)
    }

    fn expect_type(&self, ty: libc::c_int, msg: &'static str) -> io::Result<()> {
        if self.ty()? == ty {
            Ok(())
        } else {
            Err(io::Error::other(msg))
        }
    }

    /// Binds the socket to `path`.
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let addr = sys::UnixRawAddr::from_path(path.as_ref())?;
        sys::bind_unix(self.fd.as_raw_fd(), &addr)
    }

    /// Starts listening with a queue of `backlog` connections (stream sockets only).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        self.expect_type(
            libc::SOCK_STREAM,
            "listen cannot be called on a datagram socket",
        )?;
        let backlog = backlog.min(libc::c_int::MAX as u32) as libc::c_int;
        sys::listen(self.fd.as_raw_fd(), backlog)?;
        UnixListener::from_fd(self.fd)
    }

    /// Connects to `path` (stream sockets only).
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        self.expect_type(
            libc::SOCK_STREAM,
            "connect cannot be called on a datagram socket",
        )?;
        let addr = sys::UnixRawAddr::from_path(path.as_ref())?;
        UnixStream::connect_fd(self.fd, &addr).await
    }

    /// Turns the socket into a `UnixDatagram` (datagram sockets only).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        self.expect_type(
            libc::SOCK_DGRAM,
            "datagram cannot be called on a stream socket",
        )?;
        UnixDatagram::from_fd(self.fd)
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl FromRawFd for UnixSocket {
    /// # Safety
    /// `fd` must be an open Unix socket that nothing else owns.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        UnixSocket {
            // SAFETY: the caller guarantees `fd` is open and owned by nobody else.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixSocket")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}
