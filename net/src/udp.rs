//! `UdpSocket`: datagrams over IPv4 or IPv6, on the reactor.
//!
//! Like `TcpStream`, every send and receive makes its system call first (`sendto`/`send` with
//! `MSG_NOSIGNAL`, `recvfrom`/`recv`) and waits for readiness only after `EAGAIN`. Unlike a stream,
//! one socket is commonly shared (`Arc<UdpSocket>`) by several tasks: the `async fn`s (`send`,
//! `recv_from`, …) wait through the registration's waiter list, so any number of tasks may wait at
//! once, while the `poll_*` methods keep one waker per direction, as Tokio documents.

use crate::addr::{resolve, ToSocketAddrs};
use crate::sys;
use eddy_runtime::__private::{Interest, Ready, Registration};
use eddy_runtime::io::{ReadBuf, SpareCapacity};
use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::task::{ready, Context, Poll};

/// A UDP socket. Mirrors `tokio::net::UdpSocket`.
///
/// ```no_run
/// use eddy::net::UdpSocket;
///
/// # async fn run() -> std::io::Result<()> {
/// let sock = UdpSocket::bind("127.0.0.1:8080").await?;
/// let mut buf = [0u8; 1024];
/// loop {
///     let (len, peer) = sock.recv_from(&mut buf).await?;
///     sock.send_to(&buf[..len], peer).await?;
/// }
/// # }
/// ```
pub struct UdpSocket {
    // Field order matters: the registration is dropped (deregistered) before the fd is closed.
    io: Registration,
    fd: OwnedFd,
}

/// What the `async fn` receives (`recv`, `recv_from`, the `_buf` forms, the peeks) wait for: read
/// readiness or a pending error. An ICMP error on a connected socket (`ECONNREFUSED` after sending
/// to a closed port) comes as `EPOLLERR` without `EPOLLIN`, which no read interest reports; the
/// receive call then returns it (taking `SO_ERROR`). As Tokio's receives do since its issue 8000;
/// the `poll_*` and `try_*` forms wait for, and check, read readiness only, as Tokio's do.
const RECV: Interest = Interest::READABLE.add(Interest::ERROR);

/// Views an initialised buffer as uninitialised memory for a receive call.
fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`; the kernel only writes bytes into it, so the
    // slice stays initialised for the caller.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

impl UdpSocket {
    /// Binds a socket to `addr` (each resolved address is tried in turn; the first that binds wins).
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let mut last_err = None;
        for addr in resolve(addr).await? {
            match UdpSocket::bind_addr(addr) {
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

    fn bind_addr(addr: SocketAddr) -> io::Result<UdpSocket> {
        let fd = sys::socket(sys::domain_of(&addr), libc::SOCK_DGRAM)?;
        sys::bind(fd.as_raw_fd(), &addr)?;
        UdpSocket::from_fd(fd)
    }

    #[track_caller]
    fn from_fd(fd: OwnedFd) -> io::Result<UdpSocket> {
        let io = Registration::new_ready(fd.as_raw_fd())?;
        Ok(UdpSocket { io, fd })
    }

    /// Wraps a `std` socket (switched to nonblocking mode).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        // SAFETY: into_raw_fd hands over ownership of a valid descriptor.
        UdpSocket::from_fd(unsafe { OwnedFd::from_raw_fd(socket.into_raw_fd()) })
    }

    /// Turns this socket back into a (nonblocking) `std` one, deregistered from the runtime.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        let UdpSocket { io, fd } = self;
        io.deregister()?;
        Ok(std::net::UdpSocket::from(fd))
    }

    /// The local address this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.fd.as_raw_fd())
    }

    /// The address this socket is connected to.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        sys::peer_addr(self.fd.as_raw_fd())
    }

    /// Connects the socket: `send`/`recv` then talk only to `addr` (the first resolved address that
    /// connects).
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let mut last_err = None;
        for addr in resolve(addr).await? {
            match sys::connect(self.fd.as_raw_fd(), &addr) {
                Ok(()) => return Ok(()),
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

    /// Waits for any of `interest`; returns what is ready. Several tasks may wait at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready())
    }

    /// Waits until the socket may be writable (then try `try_send`).
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Waits until the socket may be readable (then try `try_recv`).
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

    /// Sends `buf` to the connected peer; returns the bytes sent.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::WRITABLE, || sys::send(self.fd.as_raw_fd(), buf))
            .await
    }

    /// Polls to send `buf` to the connected peer.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send(self.fd.as_raw_fd(), buf))
    }

    /// Sends without waiting: `WouldBlock` if the socket is known not to be writable.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, || sys::send(self.fd.as_raw_fd(), buf))
    }

    /// Receives one datagram from the connected peer into `buf` (the rest of a longer datagram is
    /// discarded).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        let buf = as_uninit(buf);
        self.io.async_io(RECV, || sys::recv(fd, buf, 0)).await
    }

    /// Polls to receive one datagram into the unfilled part of `buf`.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_recv_flags(cx, buf, 0))?;
        Poll::Ready(Ok(()))
    }

    fn poll_recv_flags(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        flags: libc::c_int,
    ) -> Poll<io::Result<usize>> {
        // SAFETY: recv only writes initialised bytes into the unfilled part, and exactly the bytes it
        // reports are marked initialised and filled below.
        let unfilled = unsafe { buf.unfilled_mut() };
        let n =
            ready!(self
                .io
                .poll_read_io(cx, || sys::recv(self.fd.as_raw_fd(), unfilled, flags)))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(n))
    }

    /// Receives without waiting.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let buf = as_uninit(buf);
        self.io.try_io(Interest::READABLE, || {
            sys::recv(self.fd.as_raw_fd(), buf, 0)
        })
    }

    /// Sends `buf` to `target` (the first resolved address).
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = resolve(target).await?.into_iter().next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to")
        })?;
        self.io
            .async_io(Interest::WRITABLE, || {
                sys::send_to(self.fd.as_raw_fd(), buf, &target)
            })
            .await
    }

    /// Polls to send `buf` to `target`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_io(cx, || sys::send_to(self.fd.as_raw_fd(), buf, &target))
    }

    /// Sends to `target` without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, || {
            sys::send_to(self.fd.as_raw_fd(), buf, &target)
        })
    }

    /// Receives one datagram; returns its length (truncated to `buf`) and its sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let fd = self.fd.as_raw_fd();
        let buf = as_uninit(buf);
        self.io.async_io(RECV, || sys::recv_from(fd, buf, 0)).await
    }

    /// Polls to receive one datagram into `buf`; returns the sender.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.poll_recv_from_flags(cx, buf, 0)
    }

    fn poll_recv_from_flags(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        flags: libc::c_int,
    ) -> Poll<io::Result<SocketAddr>> {
        // SAFETY: as in `poll_recv_flags`: only the bytes the kernel reports are marked filled.
        let unfilled = unsafe { buf.unfilled_mut() };
        let (n, addr) = ready!(self.io.poll_read_io(cx, || {
            sys::recv_from(self.fd.as_raw_fd(), unfilled, flags)
        }))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(addr))
    }

    /// Receives from any sender without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let buf = as_uninit(buf);
        self.io.try_io(Interest::READABLE, || {
            sys::recv_from(self.fd.as_raw_fd(), buf, 0)
        })
    }

    /// Receives one datagram from the connected peer, appending it to the spare room of `buf`.
    ///
    /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this takes the
    /// buffers that implement [`SpareCapacity`] (`Vec<u8>`). A full `Vec` grows by at least 64 bytes
    /// first; a datagram longer than the room is truncated, as with `recv`.
    pub async fn recv_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        self.io.async_io(RECV, || sys::recv_buf(fd, buf)).await
    }

    /// Receives one datagram from the connected peer without waiting, appending it to `buf`
    /// (see [`recv_buf`](UdpSocket::recv_buf)).
    pub fn try_recv_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, || {
            sys::recv_buf(self.fd.as_raw_fd(), buf)
        })
    }

    /// Receives one datagram from any sender, appending it to the spare room of `buf`; returns its
    /// length and its sender.
    ///
    /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this takes the
    /// buffers that implement [`SpareCapacity`] (`Vec<u8>`). A full `Vec` grows by at least 64 bytes
    /// first; a datagram longer than the room is truncated, as with `recv`.
    pub async fn recv_buf_from<B: SpareCapacity + ?Sized>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        let fd = self.fd.as_raw_fd();
        self.io.async_io(RECV, || sys::recv_buf_from(fd, buf)).await
    }

    /// Receives one datagram from any sender without waiting, appending it to `buf` (see
    /// [`recv_buf_from`](UdpSocket::recv_buf_from)).
    pub fn try_recv_buf_from<B: SpareCapacity + ?Sized>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, || {
            sys::recv_buf_from(self.fd.as_raw_fd(), buf)
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

    /// Receives the next datagram from the connected peer without removing it from the queue.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        let buf = as_uninit(buf);
        self.io
            .async_io(RECV, || sys::recv(fd, buf, libc::MSG_PEEK))
            .await
    }

    /// Polls to peek at the next datagram.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_recv_flags(cx, buf, libc::MSG_PEEK))?;
        Poll::Ready(Ok(()))
    }

    /// Peeks without waiting.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        let buf = as_uninit(buf);
        self.io.try_io(Interest::READABLE, || {
            sys::recv(self.fd.as_raw_fd(), buf, libc::MSG_PEEK)
        })
    }

    /// Receives the next datagram and its sender without removing it from the queue.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let fd = self.fd.as_raw_fd();
        let buf = as_uninit(buf);
        self.io
            .async_io(RECV, || sys::recv_from(fd, buf, libc::MSG_PEEK))
            .await
    }

    /// Polls to peek at the next datagram; returns its sender.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.poll_recv_from_flags(cx, buf, libc::MSG_PEEK)
    }

    /// Peeks with the sender, without waiting.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let buf = as_uninit(buf);
        self.io.try_io(Interest::READABLE, || {
            sys::recv_from(self.fd.as_raw_fd(), buf, libc::MSG_PEEK)
        })
    }

    /// The sender of the next datagram, which stays queued.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(RECV, || self.peek_sender_now()).await
    }

    /// Polls for the sender of the next datagram.
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_io(cx, || self.peek_sender_now())
    }

    /// The sender of the next datagram, without waiting.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io
            .try_io(Interest::READABLE, || self.peek_sender_now())
    }

    fn peek_sender_now(&self) -> io::Result<SocketAddr> {
        // MSG_TRUNC: a zero-length buffer still peeks a datagram (and its sender) of any size.
        sys::recv_from(
            self.fd.as_raw_fd(),
            &mut [],
            libc::MSG_PEEK | libc::MSG_TRUNC,
        )
        .map(|(_, a)| a)
    }

    fn get_bool(&self, level: libc::c_int, name: libc::c_int) -> io::Result<bool> {
        sys::getsockopt_int(self.fd.as_raw_fd(), level, name).map(|v| v != 0)
    }

    fn set_int(&self, level: libc::c_int, name: libc::c_int, v: u32) -> io::Result<()> {
        let v = libc::c_int::try_from(v)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "value out of range"))?;
        sys::setsockopt_int(self.fd.as_raw_fd(), level, name, v)
    }

    /// Reads `SO_BROADCAST`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.get_bool(libc::SOL_SOCKET, libc::SO_BROADCAST)
    }

    /// Sets `SO_BROADCAST` (allows sending to a broadcast address).
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.set_int(libc::SOL_SOCKET, libc::SO_BROADCAST, on as u32)
    }

    /// Reads `IP_MULTICAST_LOOP`.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.get_bool(libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP)
    }

    /// Sets `IP_MULTICAST_LOOP` (multicast sent here is looped back to local sockets).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.set_int(libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, on as u32)
    }

    /// Reads `IP_MULTICAST_TTL`.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        sys::getsockopt_int(
            self.fd.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_TTL,
        )
        .map(|v| v as u32)
    }

    /// Sets `IP_MULTICAST_TTL`.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.set_int(libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, ttl)
    }

    /// Reads `IPV6_MULTICAST_LOOP`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.get_bool(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP)
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.set_int(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, on as u32)
    }

    /// Reads `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_IP, libc::IP_TTL).map(|v| v as u32)
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.set_int(libc::IPPROTO_IP, libc::IP_TTL, ttl)
    }

    /// Reads `IP_TOS`.
    pub fn tos_v4(&self) -> io::Result<u32> {
        sys::getsockopt_int(self.fd.as_raw_fd(), libc::IPPROTO_IP, libc::IP_TOS).map(|v| v as u32)
    }

    /// Sets `IP_TOS`.
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.set_int(libc::IPPROTO_IP, libc::IP_TOS, tos)
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

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`0.0.0.0`: the system's choice).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.mreq_v4(libc::IP_ADD_MEMBERSHIP, multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.mreq_v4(libc::IP_DROP_MEMBERSHIP, multiaddr, interface)
    }

    fn mreq_v4(&self, name: libc::c_int, group: Ipv4Addr, iface: Ipv4Addr) -> io::Result<()> {
        let mreq = libc::ip_mreq {
            imr_multiaddr: libc::in_addr {
                s_addr: u32::from_ne_bytes(group.octets()),
            },
            imr_interface: libc::in_addr {
                s_addr: u32::from_ne_bytes(iface.octets()),
            },
        };
        sys::setsockopt_val(self.fd.as_raw_fd(), libc::IPPROTO_IP, name, &mreq)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index `interface` (0: any).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.mreq_v6(libc::IPV6_ADD_MEMBERSHIP, multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.mreq_v6(libc::IPV6_DROP_MEMBERSHIP, multiaddr, interface)
    }

    fn mreq_v6(&self, name: libc::c_int, group: &Ipv6Addr, iface: u32) -> io::Result<()> {
        let mreq = libc::ipv6_mreq {
            ipv6mr_multiaddr: libc::in6_addr {
                s6_addr: group.octets(),
            },
            ipv6mr_interface: iface as _,
        };
        sys::setsockopt_val(self.fd.as_raw_fd(), libc::IPPROTO_IPV6, name, &mreq)
    }

    /// Takes the socket's pending error (`SO_ERROR`), e.g. an ICMP "port unreachable".
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.fd.as_raw_fd())
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    fn try_from(s: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(s)
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("fd", &self.fd.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
