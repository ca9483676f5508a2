//! `UnixDatagram`: a Unix datagram socket on the reactor.
//!
//! Sends (`send`, `sendto`, both with `MSG_NOSIGNAL`) and receives are tried first and wait for
//! readiness only after `EAGAIN`. The `async fn`s wait in the registration's waiter list, so a shared
//! socket (`Arc<UnixDatagram>`) may have many waiting tasks; the `poll_*` methods keep one waker per
//! direction. Receiving with the sender's address goes through `std`'s `recv_from`, which is what
//! builds `std`'s address type (see the module doc of `unix`).

use super::SocketAddr;
use crate::sys;
use eddy_runtime::__private::{Interest, Ready, Registration};
use eddy_runtime::io::{ReadBuf, SpareCapacity};
use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net;
use std::path::Path;
use std::task::{ready, Context, Poll};

/// A Unix datagram socket. Mirrors `tokio::net::UnixDatagram`.
///
/// ```no_run
/// use eddy::net::UnixDatagram;
///
/// # async fn run() -> std::io::Result<()> {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"ping").await?;
/// let mut buf = [0u8; 4];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"ping");
/// # Ok(()) }
/// ```
pub struct UnixDatagram {
    // Field order matters: the registration is dropped (deregistered) before the fd is closed.
    io: Registration,
    sock: net::UnixDatagram,
}

impl UnixDatagram {
    /// A socket bound to `path` (on Linux a path starting with a NUL byte names an abstract socket).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        let addr = sys::UnixRawAddr::from_path(path.as_ref())?;
        let fd = sys::socket(libc::AF_UNIX, libc::SOCK_DGRAM)?;
        sys::bind_unix(fd.as_raw_fd(), &addr)?;
        UnixDatagram::from_fd(fd)
    }

    /// A socket bound to no address.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_fd(sys::socket(libc::AF_UNIX, libc::SOCK_DGRAM)?)
    }

    /// A pair of sockets connected to each other (`socketpair(2)`).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = sys::socketpair(libc::SOCK_DGRAM)?;
        // Writable at once (an empty socket buffer), as Tokio's; readable once the driver says so.
        let a = UnixDatagram::register(a, Ready::WRITABLE)?;
        let b = UnixDatagram::register(b, Ready::WRITABLE)?;
        Ok((a, b))
    }

    /// Registers `fd`, assumed readable and writable until the driver's first event.
    #[track_caller]
    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<UnixDatagram> {
        UnixDatagram::register(fd, Ready::READABLE | Ready::WRITABLE)
    }

    /// Registers `fd` with `assumed` readiness until the driver's first event.
    #[track_caller]
    fn register(fd: OwnedFd, assumed: Ready) -> io::Result<UnixDatagram> {
        let io = Registration::new(fd.as_raw_fd())?;
        io.assume_ready(assumed);
        Ok(UnixDatagram {
            io,
            sock: net::UnixDatagram::from(fd),
        })
    }

    /// Wraps a `std` socket (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_fd(OwnedFd::from(socket))
    }

    /// Turns this socket back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<net::UnixDatagram> {
        let UnixDatagram { io, sock } = self;
        io.deregister()?;
        Ok(sock)
    }

    /// Connects the socket: `send`/`recv` then talk only to `path`.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        let addr = sys::UnixRawAddr::from_path(path.as_ref())?;
        sys::connect_unix(self.sock.as_raw_fd(), &addr)
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock.local_addr().map(SocketAddr)
    }

    /// The address this socket is connected to.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.sock.peer_addr().map(SocketAddr)
    }

    /// Takes the socket's pending error (`SO_ERROR`).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock.take_error()
    }

    /// Shuts down the read side, the write side, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.sock.shutdown(how)
    }

    /// Waits for any of `interest`; returns what is ready. Several tasks may wait at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready())
    }

    /// Waits until the socket may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Waits until the socket may be readable.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for write readiness (one waiting task per direction).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_write_ready(cx).map_ok(drop)
    }

    /// Polls for read readiness (one waiting task per direction).
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read_ready(cx).map_ok(drop)
    }

    /// Sends `buf` to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::WRITABLE, || sys::send(self.sock.as_raw_fd(), buf))
            .await
    }

    /// Polls to send `buf` to the connected peer.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send(self.sock.as_raw_fd(), buf))
    }

    /// Sends to the connected peer without waiting.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, || sys::send(self.sock.as_raw_fd(), buf))
    }

    /// Sends `buf` to the socket at `target`.
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let addr = sys::UnixRawAddr::from_path(target.as_ref())?;
        self.io
            .async_io(Interest::WRITABLE, || {
                sys::send_to_unix(self.sock.as_raw_fd(), buf, &addr)
            })
            .await
    }

    /// Polls to send `buf` to `target`.
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: P,
    ) -> Poll<io::Result<usize>> {
        let addr = sys::UnixRawAddr::from_path(target.as_ref())?;
        self.io
            .poll_write_io(cx, || sys::send_to_unix(self.sock.as_raw_fd(), buf, &addr))
    }

    /// Sends to `target` without waiting.
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let addr = sys::UnixRawAddr::from_path(target.as_ref())?;
        self.io.try_io(Interest::WRITABLE, || {
            sys::send_to_unix(self.sock.as_raw_fd(), buf, &addr)
        })
    }

    /// Receives one datagram from the connected peer (the rest of a longer one is discarded).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, || self.sock.recv(buf))
            .await
    }

    /// Polls to receive one datagram into the unfilled part of `buf`.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // SAFETY: recv only writes initialised bytes into the unfilled part, and exactly the bytes it
        // reports are marked initialised and filled below.
        let unfilled: &mut [MaybeUninit<u8>] = unsafe { buf.unfilled_mut() };
        let n = ready!(self
            .io
            .poll_read_io(cx, || sys::recv(self.sock.as_raw_fd(), unfilled, 0)))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Receives without waiting.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, || self.sock.recv(buf))
    }

    /// Receives one datagram; returns its length and its sender's address.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self
            .io
            .async_io(Interest::READABLE, || self.sock.recv_from(buf))
            .await?;
        Ok((n, SocketAddr(addr)))
    }

    /// Polls to receive one datagram into `buf`; returns the sender's address.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        // std's recv_from takes an initialised buffer: the unfilled part is zeroed once (the copy
        // traded for getting std's address type).
        let dst = buf.initialize_unfilled();
        let (n, addr) = ready!(self.io.poll_read_io(cx, || self.sock.recv_from(dst)))?;
        buf.advance(n);
        Poll::Ready(Ok(SocketAddr(addr)))
    }

    /// Receives with the sender's address, without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, || self.sock.recv_from(buf))
            .map(|(n, a)| (n, SocketAddr(a)))
    }

    /// Receives one datagram from the connected peer, appending it to the spare room of `buf`.
    ///
    /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this takes the
    /// buffers that implement [`SpareCapacity`] (`Vec<u8>`). A full `Vec` grows by at least 64 bytes
    /// first; a datagram longer than the room is truncated, as with `recv`.
    pub async fn recv_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        let fd = self.sock.as_raw_fd();
        self.io
            .async_io(Interest::READABLE, || sys::recv_buf(fd, buf))
            .await
    }

    /// Receives one datagram from the connected peer without waiting, appending it to `buf`
    /// (see [`recv_buf`](UnixDatagram::recv_buf)).
    pub fn try_recv_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, || {
            sys::recv_buf(self.sock.as_raw_fd(), buf)
        })
    }

    /// Receives one datagram, appending it to the spare room of `buf`; returns its length and its
    /// sender's address.
    ///
    /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this takes the
    /// buffers that implement [`SpareCapacity`] (`Vec<u8>`). A full `Vec` grows by at least 64 bytes
    /// first; a datagram longer than the room is truncated, as with `recv`.
    pub async fn recv_buf_from<B: SpareCapacity + ?Sized>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, || self.recv_buf_from_now(buf))
            .await
    }

    /// Receives one datagram without waiting, appending it to `buf` (see
    /// [`recv_buf_from`](UnixDatagram::recv_buf_from)).
    pub fn try_recv_buf_from<B: SpareCapacity + ?Sized>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, || self.recv_buf_from_now(buf))
    }

    /// One `recv_from` into the room of `buf`. std's `recv_from` (the source of std's address type)
    /// takes an initialised buffer, so the room is zeroed first.
    fn recv_buf_from_now<B: SpareCapacity + ?Sized>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        let room = buf.spare_capacity();
        room.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `room` was just initialised.
        let room = unsafe { &mut *(room as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let (n, addr) = self.sock.recv_from(room)?;
        // SAFETY: the whole room is initialised, so its first `n` bytes are.
        unsafe { buf.commit(n) };
        Ok((n, SocketAddr(addr)))
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
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl TryFrom<net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    fn try_from(s: net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(s)
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.sock.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
