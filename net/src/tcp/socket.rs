//! `TcpSocket`: a TCP socket not yet connected or listening, for setting options first.
//!
//! It is a plain descriptor: nothing is registered with the reactor until `listen` or `connect`
//! turns it into a `TcpListener` or a `TcpStream`, so a `TcpSocket` can be made and configured
//! outside a runtime.

use super::listener::TcpListener;
use super::stream::TcpStream;
use crate::sys;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// A TCP socket that has not been turned into a stream or a listener yet. Mirrors
/// `tokio::net::TcpSocket`.
///
/// ```no_run
/// use eddy::net::TcpSocket;
///
/// # async fn run() -> std::io::Result<()> {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:8080".parse().unwrap())?;
/// let listener = socket.listen(1024)?;
/// # drop(listener); Ok(()) }
/// ```
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (nonblocking, close-on-exec).
    pub fn new_v4() -> io::Result<TcpSocket> {
        Self::new(libc::AF_INET)
    }

    /// A new IPv6 TCP socket (nonblocking, close-on-exec).
    pub fn new_v6() -> io::Result<TcpSocket> {
        Self::new(libc::AF_INET6)
    }

    fn new(domain: libc::c_int) -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            fd: sys::socket(domain, libc::SOCK_STREAM)?,
        })
    }

    fn set_bool(&self, level: libc::c_int, name: libc::c_int, on: bool) -> io::Result<()> {
        sys::setsockopt_int(self.fd.as_raw_fd(), level, name, on as libc::c_int)
    }

    fn get_bool(&self, level: libc::c_int, name: libc::c_int) -> io::Result<bool> {
        sys::getsockopt_int(self.fd.as_raw_fd(), level, name).map(|v| v != 0)
    }

    fn set_size(&self, name: libc::c_int, size: u32) -> io::Result<()> {
        // The kernel caps the value (and doubles it for bookkeeping); clamp rather than wrap.
        let size = size.min(libc::c_int::MAX as u32) as libc::c_int;
        sys::setsockopt_int(self.fd.as_raw_fd(), libc::SOL_SOCKET, name, size)
    }

    fn get_size(&self, name: libc::c_int) -> io::Result<u32> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::SOL_SOCKET, name).map(|v| v as u32)
    }

    /// Sets `SO_KEEPALIVE`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_bool(libc::SOL_SOCKET, libc::SO_KEEPALIVE, keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.get_bool(libc::SOL_SOCKET, libc::SO_KEEPALIVE)
    }

    /// Sets `SO_REUSEADDR` (bind to an address still in `TIME_WAIT`).
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.set_bool(libc::SOL_SOCKET, libc::SO_REUSEADDR, reuseaddr)
    }

    /// Reads `SO_REUSEADDR`.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.get_bool(libc::SOL_SOCKET, libc::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEPORT` (several sockets may bind the same address; the kernel spreads
    /// connections among them).
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.set_bool(libc::SOL_SOCKET, libc::SO_REUSEPORT, reuseport)
    }

    /// Reads `SO_REUSEPORT`.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.get_bool(libc::SOL_SOCKET, libc::SO_REUSEPORT)
    }

    /// Sets `SO_SNDBUF`.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_size(libc::SO_SNDBUF, size)
    }

    /// Reads `SO_SNDBUF` (Linux reports double the value set: the kernel's bookkeeping).
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.get_size(libc::SO_SNDBUF)
    }

    /// Sets `SO_RCVBUF`.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_size(libc::SO_RCVBUF, size)
    }

    /// Reads `SO_RCVBUF` (doubled by Linux, as for the send buffer).
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.get_size(libc::SO_RCVBUF)
    }

    /// Sets `SO_LINGER`: `Some(d)` makes close wait up to `d` for unsent data; `None` turns it off.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        sys::set_linger(self.fd.as_raw_fd(), dur)
    }

    /// Sets a zero linger: closing the socket then resets the connection.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
    }

    /// Reads `SO_LINGER`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.fd.as_raw_fd())
    }

    /// Sets `TCP_NODELAY`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_bool(libc::IPPROTO_TCP, libc::TCP_NODELAY, nodelay)
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.get_bool(libc::IPPROTO_TCP, libc::TCP_NODELAY)
    }

    /// Reads `IP_TOS`.
    pub fn tos_v4(&self) -> io::Result<u32> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_IP, libc::IP_TOS).map(|v| v as u32)
    }

    /// Sets `IP_TOS`.
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        let tos = libc::c_int::try_from(tos)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "tos out of range"))?;
        sys::setsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_IP, libc::IP_TOS, tos)
    }

    /// Reads `IPV6_TCLASS` (the traffic class of outgoing IPv6 packets).
    pub fn tclass_v6(&self) -> io::Result<u32> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_TCLASS)
            .map(|v| v as u32)
    }

    /// Sets `IPV6_TCLASS`.
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        let v = libc::c_int::try_from(tclass)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "tclass out of range"))?;
        sys::setsockopt_int(
            self.fd.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_TCLASS,
            v,
        )
    }

    /// Reads `IP_TOS` (the old name of `tos_v4`).
    #[deprecated(note = "use `tos_v4()`")]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets `IP_TOS` (the old name of `set_tos_v4`).
    #[deprecated(note = "use `set_tos_v4()`")]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// The interface this socket is bound to (`SO_BINDTODEVICE`), if any.
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        sys::device(self.fd.as_raw_fd())
    }

    /// Binds the socket to an interface by name (`SO_BINDTODEVICE`); `None` removes the binding.
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        sys::bind_device(self.fd.as_raw_fd(), interface)
    }

    /// The local address (after `bind`, or the kernel's choice after `connect`/`listen`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.fd.as_raw_fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.fd.as_raw_fd())
    }

    /// Binds the socket to `addr`.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        sys::bind(self.fd.as_raw_fd(), &addr)
    }

    /// Connects to `addr`, turning the socket into a `TcpStream`.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled (when the stream is registered).
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_fd(self.fd, addr).await
    }

    /// Starts listening with a queue of `backlog` pending connections, turning the socket into a
    /// `TcpListener`.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = backlog.min(libc::c_int::MAX as u32) as libc::c_int;
        sys::listen(self.fd.as_raw_fd(), backlog)?;
        TcpListener::from_fd(self.fd)
    }

    /// Wraps a `std` stream's socket (for setting options on it before converting it to eddy's).
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            fd: OwnedFd::from(std_stream),
        }
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// # Safety
    /// `fd` must be an open TCP socket that nothing else owns.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: the caller guarantees `fd` is open and owned by nobody else.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}
