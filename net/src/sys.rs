//! Socket system calls and address conversions, each `-1`/`errno` turned into an `io::Error` in one
//! place.
//!
//! Every socket eddy makes is created nonblocking and close-on-exec in the same `socket(2)` /
//! `accept4(2)` call (no window where a forked child could inherit it, no extra `fcntl`).

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Calls a libc function; `-1` becomes `Err(io::Error::last_os_error())`.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // SAFETY: each use site passes pointers to live, correctly sized buffers and valid
        // descriptors, as the system call requires (argued where the buffers are made).
        let res = unsafe { $crate::sys::libc_or_direct::$fn($($arg),*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}
pub(crate) use syscall;

/// What [`syscall!`] calls: every libc function, plus `send_direct` and `recv_direct`.
///
/// The hot path's `send(2)` and `recv(2)` go to the kernel's `sendto`/`recvfrom` through glibc's
/// `syscall()` rather than through glibc's `send`/`recv`. Those wrappers are pthread cancellation
/// points: around every call they switch asynchronous cancellation on and off again, about 60
/// instructions per call (callgrind, the echo example) that eddy, which never cancels a thread, has
/// no use for. The kernel sees the same call either way (`strace` shows `sendto` for both). Other C
/// libraries get the plain functions.
pub(crate) mod libc_or_direct {
    pub(crate) use libc::*;

    /// `sendto` or `recvfrom` (`nr`) with no address: the kernel's `send` and `recv`.
    ///
    /// # Safety
    /// `buf` must be valid for `len` bytes: readable for `sendto`, writable for `recvfrom`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[inline]
    unsafe fn without_address(
        nr: c_long,
        fd: c_int,
        buf: *const c_void,
        len: size_t,
        flags: c_int,
    ) -> ssize_t {
        // Every argument is widened to a full register (`c_long`), as the variadic `syscall` expects.
        // SAFETY: the caller vouches for `buf`/`len` as the call requires; a null address (length 0
        // for sendto, null pointers for recvfrom) is what glibc's own `send` and `recv` pass, so the
        // kernel touches nothing else.
        unsafe {
            syscall(
                nr,
                fd as c_long,
                buf as c_long,
                len as c_long,
                flags as c_long,
                0 as c_long,
                0 as c_long,
            ) as ssize_t
        }
    }

    /// `send(fd, buf, len, flags)`.
    ///
    /// # Safety
    /// As for `libc::send`: `buf` must be valid for reads of `len` bytes.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[inline]
    pub(crate) unsafe fn send_direct(
        fd: c_int,
        buf: *const c_void,
        len: size_t,
        flags: c_int,
    ) -> ssize_t {
        // SAFETY: forwarded; the caller's guarantee is the one `without_address` asks for.
        unsafe { without_address(SYS_sendto, fd, buf, len, flags) }
    }

    /// `recv(fd, buf, len, flags)`.
    ///
    /// # Safety
    /// As for `libc::recv`: `buf` must be valid for writes of `len` bytes.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[inline]
    pub(crate) unsafe fn recv_direct(
        fd: c_int,
        buf: *mut c_void,
        len: size_t,
        flags: c_int,
    ) -> ssize_t {
        // SAFETY: forwarded; the caller's guarantee is the one `without_address` asks for.
        unsafe { without_address(SYS_recvfrom, fd, buf, len, flags) }
    }

    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    pub(crate) use libc::{recv as recv_direct, send as send_direct};
}

/// A C socket address with its length.
pub(crate) struct RawAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl RawAddr {
    pub(crate) fn as_ptr(&self) -> *const libc::sockaddr {
        &self.storage as *const _ as *const libc::sockaddr
    }

    pub(crate) fn len(&self) -> libc::socklen_t {
        self.len
    }
}

/// Converts a Rust address into the C layout.
pub(crate) fn raw_addr(addr: &SocketAddr) -> RawAddr {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr type.
            let sin = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(a.ip().octets()),
            };
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above.
            let sin6 = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: a.ip().octets(),
            };
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_scope_id = a.scope_id();
            size_of::<libc::sockaddr_in6>()
        }
    };
    RawAddr {
        storage,
        len: len as libc::socklen_t,
    }
}

/// Converts a C address (as filled in by the kernel) into a Rust one.
pub(crate) fn socket_addr(storage: &libc::sockaddr_storage) -> io::Result<SocketAddr> {
    match storage.ss_family as libc::c_int {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin = unsafe { &*(storage as *const _ as *const libc::sockaddr_in) };
            Ok(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes()),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin6 = unsafe { &*(storage as *const _ as *const libc::sockaddr_in6) };
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        f => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("unsupported address family {f}"),
        )),
    }
}

/// A new nonblocking, close-on-exec socket.
pub(crate) fn socket(domain: libc::c_int, ty: libc::c_int) -> io::Result<OwnedFd> {
    let fd = syscall!(socket(
        domain,
        ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0
    ))?;
    // SAFETY: socket(2) returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub(crate) fn domain_of(addr: &SocketAddr) -> libc::c_int {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// Accepts one connection as a nonblocking, close-on-exec socket.
pub(crate) fn accept(fd: RawFd) -> io::Result<(OwnedFd, SocketAddr)> {
    let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let new = syscall!(accept4(
        fd,
        storage.as_mut_ptr() as *mut libc::sockaddr,
        &mut len,
        libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC
    ))?;
    // SAFETY: accept4 returned a new descriptor that nothing else owns.
    let new = unsafe { OwnedFd::from_raw_fd(new) };
    // SAFETY: zero-initialised, then (partly) filled by the kernel: valid either way.
    let addr = socket_addr(unsafe { storage.assume_init_ref() })?;
    Ok((new, addr))
}

/// `getsockname` / `getpeername`.
pub(crate) fn local_addr(fd: RawFd) -> io::Result<SocketAddr> {
    name(fd, false)
}

pub(crate) fn peer_addr(fd: RawFd) -> io::Result<SocketAddr> {
    name(fd, true)
}

fn name(fd: RawFd, peer: bool) -> io::Result<SocketAddr> {
    let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let p = storage.as_mut_ptr() as *mut libc::sockaddr;
    if peer {
        syscall!(getpeername(fd, p, &mut len))?;
    } else {
        syscall!(getsockname(fd, p, &mut len))?;
    }
    // SAFETY: zero-initialised and filled by the kernel.
    socket_addr(unsafe { storage.assume_init_ref() })
}

/// Sets an integer socket option.
pub(crate) fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    syscall!(setsockopt(
        fd,
        level,
        name,
        &value as *const _ as *const libc::c_void,
        size_of::<libc::c_int>() as libc::socklen_t
    ))?;
    Ok(())
}

/// Reads an integer socket option.
pub(crate) fn getsockopt_int(fd: RawFd, level: libc::c_int, name: libc::c_int) -> io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    syscall!(getsockopt(
        fd,
        level,
        name,
        &mut value as *mut _ as *mut libc::c_void,
        &mut len
    ))?;
    Ok(value)
}

/// The pending error of a socket (`SO_ERROR`), e.g. the outcome of a nonblocking connect.
pub(crate) fn take_error(fd: RawFd) -> io::Result<Option<io::Error>> {
    let e = getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_ERROR)?;
    Ok((e != 0).then(|| io::Error::from_raw_os_error(e)))
}

/// `send` with `MSG_NOSIGNAL`: a closed peer gives `EPIPE`, never `SIGPIPE`.
pub(crate) fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    let n = syscall!(send_direct(
        fd,
        buf.as_ptr() as *const libc::c_void,
        buf.len(),
        libc::MSG_NOSIGNAL
    ))?;
    Ok(n as usize)
}

/// `sendmsg` of several buffers with `MSG_NOSIGNAL` (a `writev` that cannot raise `SIGPIPE`).
pub(crate) fn send_vectored(fd: RawFd, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: msghdr is plain old data; all-zero is valid (no name, no control data).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // IoSlice is guaranteed ABI-compatible with iovec on Unix.
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len().min(libc::c_int::MAX as usize) as _;
    let n = syscall!(sendmsg(fd, &msg, libc::MSG_NOSIGNAL))?;
    Ok(n as usize)
}

/// `recv` into an uninitialised buffer; returns the byte count (0 at end of stream).
pub(crate) fn recv(
    fd: RawFd,
    buf: &mut [MaybeUninit<u8>],
    flags: libc::c_int,
) -> io::Result<usize> {
    let n = syscall!(recv_direct(
        fd,
        buf.as_mut_ptr() as *mut libc::c_void,
        buf.len(),
        flags
    ))?;
    Ok(n as usize)
}

/// `recv` into the spare room of a growable buffer, which then counts the received bytes as data.
pub(crate) fn recv_buf<B: eddy_runtime::io::SpareCapacity + ?Sized>(
    fd: RawFd,
    buf: &mut B,
) -> io::Result<usize> {
    let n = recv(fd, buf.spare_capacity(), 0)?;
    // SAFETY: recv initialised the first `n` bytes of the room it was given, and `buf` was not
    // touched since.
    unsafe { buf.commit(n) };
    Ok(n)
}

// ---- Added for UDP, `TcpSocket` and Unix sockets. ----

/// `bind(2)` to an IP address.
pub(crate) fn bind(fd: RawFd, addr: &SocketAddr) -> io::Result<()> {
    let raw = raw_addr(addr);
    // `raw` holds a valid sockaddr of `raw.len()` bytes.
    syscall!(bind(fd, raw.as_ptr(), raw.len()))?;
    Ok(())
}

/// `connect(2)` to an IP address; for a nonblocking stream socket `EINPROGRESS` is an error here,
/// so callers that start a TCP handshake use `TcpStream::connect_fd` instead.
pub(crate) fn connect(fd: RawFd, addr: &SocketAddr) -> io::Result<()> {
    let raw = raw_addr(addr);
    // `raw` holds a valid sockaddr of `raw.len()` bytes.
    syscall!(connect(fd, raw.as_ptr(), raw.len()))?;
    Ok(())
}

/// `sendto` with `MSG_NOSIGNAL`.
pub(crate) fn send_to(fd: RawFd, buf: &[u8], addr: &SocketAddr) -> io::Result<usize> {
    let raw = raw_addr(addr);
    // `buf` is a live slice of `buf.len()` bytes; `raw` a valid sockaddr of `raw.len()` bytes.
    let n = syscall!(sendto(
        fd,
        buf.as_ptr() as *const libc::c_void,
        buf.len(),
        libc::MSG_NOSIGNAL,
        raw.as_ptr(),
        raw.len()
    ))?;
    Ok(n as usize)
}

/// `recvfrom` into an uninitialised buffer: the byte count and the sender's IP address.
pub(crate) fn recv_from(
    fd: RawFd,
    buf: &mut [MaybeUninit<u8>],
    flags: libc::c_int,
) -> io::Result<(usize, SocketAddr)> {
    let mut storage = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // `buf` is writable for `buf.len()` bytes; `storage` for `len` bytes.
    let n = syscall!(recvfrom(
        fd,
        buf.as_mut_ptr() as *mut libc::c_void,
        buf.len(),
        flags,
        storage.as_mut_ptr() as *mut libc::sockaddr,
        &mut len
    ))?;
    // SAFETY: zero-initialised, then (partly) filled by the kernel: valid either way.
    let addr = socket_addr(unsafe { storage.assume_init_ref() })?;
    Ok((n as usize, addr))
}

/// `recvfrom` into the spare room of a growable buffer, which then counts the bytes as data.
pub(crate) fn recv_buf_from<B: eddy_runtime::io::SpareCapacity + ?Sized>(
    fd: RawFd,
    buf: &mut B,
) -> io::Result<(usize, SocketAddr)> {
    let (n, addr) = recv_from(fd, buf.spare_capacity(), 0)?;
    // SAFETY: recvfrom initialised the first `n` bytes of the room it was given.
    unsafe { buf.commit(n) };
    Ok((n, addr))
}

/// `listen(2)`.
pub(crate) fn listen(fd: RawFd, backlog: libc::c_int) -> io::Result<()> {
    syscall!(listen(fd, backlog))?;
    Ok(())
}

/// Sets a socket option whose value is a plain C struct (`ip_mreq`, `linger`, …).
pub(crate) fn setsockopt_val<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // `value` is a live `T` of exactly the size passed; the kernel only reads it.
    syscall!(setsockopt(
        fd,
        level,
        name,
        value as *const T as *const libc::c_void,
        size_of::<T>() as libc::socklen_t
    ))?;
    Ok(())
}

/// Reads a socket option whose value is a plain C struct; `T` must be valid when all-zero.
pub(crate) fn getsockopt_val<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // `value` is writable for `len` bytes; the kernel writes at most that many.
    syscall!(getsockopt(
        fd,
        level,
        name,
        value.as_mut_ptr() as *mut libc::c_void,
        &mut len
    ))?;
    // SAFETY: callers only use C structs of integers, for which all-zero (then partly overwritten
    // by the kernel) is a valid value.
    Ok(unsafe { value.assume_init() })
}

/// A connected pair of nonblocking, close-on-exec Unix sockets of type `ty`.
pub(crate) fn socketpair(ty: libc::c_int) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    // `fds` has room for the two descriptors socketpair writes.
    syscall!(socketpair(
        libc::AF_UNIX,
        ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0,
        fds.as_mut_ptr()
    ))?;
    // SAFETY: socketpair returned two new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Accepts one connection without asking for the peer's address (Unix listeners; the address is
/// read afterwards, if wanted).
pub(crate) fn accept_unnamed(fd: RawFd) -> io::Result<OwnedFd> {
    let new = syscall!(accept4(
        fd,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC
    ))?;
    // SAFETY: accept4 returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// A Unix socket address in the C layout.
pub(crate) struct UnixRawAddr {
    addr: libc::sockaddr_un,
    len: libc::socklen_t,
}

impl UnixRawAddr {
    /// From a path. On Linux a path whose first byte is NUL names an abstract socket (the bytes
    /// after it, no terminator); any other path is a file system name, NUL-terminated.
    pub(crate) fn from_path(path: &std::path::Path) -> io::Result<UnixRawAddr> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let abstract_name = bytes.first() == Some(&0);
        if !abstract_name && bytes.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "paths must not contain interior null bytes",
            ));
        }
        Self::from_bytes(bytes, !abstract_name)
    }

    /// From a `std` address: a path name, an abstract name, or unnamed (binding to it autobinds).
    pub(crate) fn from_std(addr: &std::os::unix::net::SocketAddr) -> io::Result<UnixRawAddr> {
        use std::os::linux::net::SocketAddrExt;
        if let Some(path) = addr.as_pathname() {
            Self::from_path(path)
        } else if let Some(name) = addr.as_abstract_name() {
            let mut bytes = Vec::with_capacity(name.len() + 1);
            bytes.push(0);
            bytes.extend_from_slice(name);
            Self::from_bytes(&bytes, false)
        } else {
            Self::from_bytes(&[], false)
        }
    }

    fn from_bytes(bytes: &[u8], nul_terminate: bool) -> io::Result<UnixRawAddr> {
        // SAFETY: sockaddr_un is plain old data; all-zero is a valid value.
        let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let room = addr.sun_path.len() - nul_terminate as usize;
        if bytes.len() > room {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "path must be shorter than SUN_LEN",
            ));
        }
        for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
            *dst = *src as libc::c_char;
        }
        let base = std::mem::offset_of!(libc::sockaddr_un, sun_path);
        let len = base + bytes.len() + (nul_terminate && !bytes.is_empty()) as usize;
        Ok(UnixRawAddr {
            addr,
            len: len as libc::socklen_t,
        })
    }

    fn as_ptr(&self) -> *const libc::sockaddr {
        &self.addr as *const libc::sockaddr_un as *const libc::sockaddr
    }
}

/// `bind(2)` to a Unix address.
pub(crate) fn bind_unix(fd: RawFd, addr: &UnixRawAddr) -> io::Result<()> {
    // `addr` holds a valid sockaddr_un of which the first `addr.len` bytes are meaningful.
    syscall!(bind(fd, addr.as_ptr(), addr.len))?;
    Ok(())
}

/// `connect(2)` to a Unix address (returns `EINPROGRESS`/`EAGAIN` as errors, for the caller).
pub(crate) fn connect_unix(fd: RawFd, addr: &UnixRawAddr) -> io::Result<()> {
    // As for `bind_unix`.
    syscall!(connect(fd, addr.as_ptr(), addr.len))?;
    Ok(())
}

/// `sendto` a Unix address, with `MSG_NOSIGNAL`.
pub(crate) fn send_to_unix(fd: RawFd, buf: &[u8], addr: &UnixRawAddr) -> io::Result<usize> {
    // `buf` is a live slice; `addr` a valid sockaddr_un of `addr.len` meaningful bytes.
    let n = syscall!(sendto(
        fd,
        buf.as_ptr() as *const libc::c_void,
        buf.len(),
        libc::MSG_NOSIGNAL,
        addr.as_ptr(),
        addr.len
    ))?;
    Ok(n as usize)
}

/// The interface name of `SO_BINDTODEVICE`, if the socket is bound to one.
pub(crate) fn device(fd: RawFd) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; libc::IFNAMSIZ];
    let mut len = buf.len() as libc::socklen_t;
    // `buf` is writable for `len` bytes; the kernel writes at most that many and updates `len`.
    syscall!(getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_BINDTODEVICE,
        buf.as_mut_ptr() as *mut libc::c_void,
        &mut len
    ))?;
    let name = &buf[..(len as usize).min(buf.len())];
    let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
    Ok((!name.is_empty()).then(|| name.to_vec()))
}

/// Sets (or, with `None`, removes) `SO_BINDTODEVICE`.
pub(crate) fn bind_device(fd: RawFd, interface: Option<&[u8]>) -> io::Result<()> {
    let name = interface.unwrap_or(&[]);
    // `name` is a live slice of the length passed; the kernel copies at most IFNAMSIZ bytes.
    syscall!(setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_BINDTODEVICE,
        name.as_ptr() as *const libc::c_void,
        name.len() as libc::socklen_t
    ))?;
    Ok(())
}

/// `SO_LINGER`: `Some(d)` makes close wait up to `d` (whole seconds) for unsent data, `Some(ZERO)`
/// makes it reset the connection, `None` turns lingering off.
pub(crate) fn set_linger(fd: RawFd, dur: Option<std::time::Duration>) -> io::Result<()> {
    let linger = libc::linger {
        l_onoff: dur.is_some() as libc::c_int,
        l_linger: dur.map_or(0, |d| {
            d.as_secs().min(libc::c_int::MAX as u64) as libc::c_int
        }),
    };
    setsockopt_val(fd, libc::SOL_SOCKET, libc::SO_LINGER, &linger)
}

/// Reads `SO_LINGER` back as [`set_linger`] takes it.
pub(crate) fn linger(fd: RawFd) -> io::Result<Option<std::time::Duration>> {
    let l: libc::linger = getsockopt_val(fd, libc::SOL_SOCKET, libc::SO_LINGER)?;
    Ok((l.l_onoff != 0).then(|| std::time::Duration::from_secs(l.l_linger as u64)))
}
