//! `UnixStream`: a connected Unix stream socket, with the same direct-write fast path as
//! `TcpStream` (`send` with `MSG_NOSIGNAL` first; wait for `EPOLLOUT` only after `EAGAIN`).

use super::split::{ReadHalf, WriteHalf};
use super::split_owned::{OwnedReadHalf, OwnedWriteHalf};
use super::{SocketAddr, UCred};
use crate::stream::SocketStream;
use crate::sys;
use eddy_runtime::io::Ready;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net;
use std::path::Path;

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
    pub(crate) inner: SocketStream<net::UnixStream>,
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
        let stream = UnixStream::from_fd(fd, Ready::EMPTY)?;
        stream.inner.finish_connect().await?;
        Ok(stream)
    }

    /// Registers the stream `fd`, with `assumed` readiness (see `SocketStream::new`).
    #[track_caller]
    pub(crate) fn from_fd(fd: OwnedFd, assumed: Ready) -> io::Result<UnixStream> {
        Ok(UnixStream {
            inner: SocketStream::new(net::UnixStream::from(fd), assumed)?,
        })
    }

    /// A connected pair of streams (`socketpair(2)`).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = sys::socketpair(libc::SOCK_STREAM)?;
        // Nothing can have been sent to either end yet: writable, not readable.
        Ok((
            UnixStream::from_fd(a, Ready::WRITABLE)?,
            UnixStream::from_fd(b, Ready::WRITABLE)?,
        ))
    }

    /// Wraps a connected `std` stream (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            inner: SocketStream::new(stream, Ready::EMPTY)?,
        })
    }

    /// Turns this stream back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        self.inner.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.sock().local_addr().map(SocketAddr)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.sock().peer_addr().map(SocketAddr)
    }

    /// The peer process's credentials (`SO_PEERCRED`).
    pub fn peer_cred(&self) -> io::Result<UCred> {
        super::ucred::peer_cred(self.inner.sock().as_raw_fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.sock().take_error()
    }

    #[inline]
    fn core(&self) -> &SocketStream<net::UnixStream> {
        &self.inner
    }

    stream_methods!();

    /// Splits into a read half and a write half that borrow the stream.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        super::split::split(self)
    }

    /// Splits into owned halves that can move to different tasks; `reunite` puts them back.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split_owned::split_owned(self)
    }
}

async_read_impl!(UnixStream);
async_write_impl!(UnixStream);
fd_impls!(UnixStream);

impl TryFrom<net::UnixStream> for UnixStream {
    type Error = io::Error;

    fn try_from(s: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(s)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.inner.sock().as_raw_fd())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
