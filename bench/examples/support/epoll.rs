//! A single-threaded epoll server loop on libc, with no runtime: the "no runtime" limit that
//! `raw_echo` and `raw_http` measure eddy against.
//!
//! The loop owns the listening socket and every connection. Sockets are nonblocking and registered
//! once, edge-triggered, for input and output (`EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`), so after
//! the `EPOLL_CTL_ADD` at accept no further `epoll_ctl` call is made. A connection is read while it
//! is known to be readable; a read that fills less than the buffer means the socket is drained (the
//! next edge will report new data), which saves the `recv` that would only answer `EAGAIN`. Each
//! read's bytes go to a [`Protocol`], which appends its replies to one output buffer; that buffer is
//! sent with one `send`. Output the kernel does not take stays with the connection, and reading stops
//! until the next `EPOLLOUT` edge lets it drain: a slow reader cannot make the server buffer without
//! bound.
//!
//! The shortcut: connections live in a `Vec` indexed by file descriptor, which is as dense as the
//! kernel keeps descriptors and needs no token allocator.

use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};

/// What a server does with the bytes it reads.
pub trait Protocol {
    /// Consumes a prefix of `input` (bytes received and not consumed so far), appending replies to
    /// `out`. Returns how many bytes it consumed (the rest is handed back, with more, after the next
    /// read) and whether the connection must close once `out` is sent.
    fn process(&mut self, input: &[u8], out: &mut Vec<u8>) -> Processed;
}

/// The outcome of [`Protocol::process`].
pub struct Processed {
    /// Bytes of the input consumed.
    pub consumed: usize,
    /// Close after sending the output.
    pub close: bool,
}

/// Unconsumed input a connection may hold before it is dropped (an HTTP head larger than this is
/// refused by closing).
const MAX_PENDING_INPUT: usize = 64 * 1024;
/// The read buffer shared by all connections (one thread, one read at a time).
const READ_BUF: usize = 64 * 1024;
/// Events taken per `epoll_wait`.
const EVENTS: usize = 1024;
/// The token of the listening socket (no connection has this descriptor).
const LISTENER: u64 = u64::MAX;

/// Turns a libc return value of -1 into the calling thread's `errno` as an `io::Error`.
fn cvt<T: PartialEq + From<i8>>(ret: T) -> io::Result<T> {
    if ret == T::from(-1) {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// One accepted connection.
struct Conn {
    fd: RawFd,
    /// Bytes read but not yet consumed by the protocol (an incomplete request).
    input: Vec<u8>,
    /// Bytes produced but not yet taken by the kernel.
    output: Vec<u8>,
    /// The socket may have unread data (set by `EPOLLIN`, cleared by a short read or `EAGAIN`).
    readable: bool,
    /// Close once `output` is empty.
    closing: bool,
}

/// The event loop: an epoll instance, the listener and the connections.
pub struct Server<P> {
    epfd: RawFd,
    listener: TcpListener,
    conns: Vec<Option<Conn>>,
    proto: P,
    buf: Vec<u8>,
    out: Vec<u8>,
}

impl<P: Protocol> Server<P> {
    /// Binds `addr` (nonblocking) and creates the epoll instance.
    pub fn bind(addr: &str, proto: P) -> io::Result<Server<P>> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        // SAFETY: epoll_create1 takes no pointers; it returns a new descriptor or -1.
        let epfd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        let server = Server {
            epfd,
            listener,
            conns: Vec::new(),
            proto,
            buf: vec![0; READ_BUF],
            out: Vec::new(),
        };
        server.register(server.listener.as_raw_fd(), LISTENER, libc::EPOLLIN as u32)?;
        Ok(server)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    fn register(&self, fd: RawFd, token: u64, events: u32) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call; epfd and fd are open
        // descriptors owned by this server.
        cvt(unsafe { libc::epoll_ctl(self.epfd, libc::EPOLL_CTL_ADD, fd, &mut ev) })?;
        Ok(())
    }

    /// Runs until an unrecoverable error of `epoll_wait`.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; EVENTS];
        loop {
            // SAFETY: `events` holds EVENTS initialized entries that the kernel may overwrite.
            let n = unsafe { libc::epoll_wait(self.epfd, events.as_mut_ptr(), EVENTS as i32, -1) };
            let n = match cvt(n) {
                Ok(n) => n as usize,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            for ev in &events[..n] {
                let (token, bits) = (ev.u64, ev.events);
                if token == LISTENER {
                    self.accept_all();
                } else {
                    self.on_event(token as RawFd, bits);
                }
            }
        }
    }

    fn accept_all(&mut self) {
        loop {
            // SAFETY: null address pointers ask accept4 not to report the peer; the listener's
            // descriptor is open for the server's lifetime.
            let fd = unsafe {
                libc::accept4(
                    self.listener.as_raw_fd(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                )
            };
            let fd = match cvt(fd) {
                Ok(fd) => fd,
                Err(e) => {
                    match e.raw_os_error() {
                        Some(libc::EAGAIN) => {}
                        Some(libc::EINTR | libc::ECONNABORTED) => continue,
                        // Out of descriptors or memory: the listener stays readable and the next
                        // edge (or a closed connection) brings us back; report and go on.
                        _ => eprintln!("accept: {e}"),
                    }
                    return;
                }
            };
            let one: libc::c_int = 1;
            // SAFETY: `one` is a valid c_int for the duration of the call and its size is passed.
            let _ = unsafe {
                libc::setsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    (&one as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            let bits = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
            if let Err(e) = self.register(fd, fd as u64, bits) {
                eprintln!("epoll_ctl: {e}");
                close(fd);
                continue;
            }
            let idx = fd as usize;
            if self.conns.len() <= idx {
                self.conns.resize_with(idx + 1, || None);
            }
            self.conns[idx] = Some(Conn {
                fd,
                input: Vec::new(),
                output: Vec::new(),
                readable: false,
                closing: false,
            });
        }
    }

    fn on_event(&mut self, fd: RawFd, bits: u32) {
        let Some(mut conn) = self.conns.get_mut(fd as usize).and_then(Option::take) else {
            return;
        };
        if bits & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0 {
            // Errors and hang-ups surface as a failed or empty read.
            conn.readable = true;
        }
        if self.drive(&mut conn) {
            self.conns[fd as usize] = Some(conn);
        } else {
            close(conn.fd);
        }
    }

    /// Reads, processes and writes until the socket would block. Returns `false` to close.
    fn drive(&mut self, conn: &mut Conn) -> bool {
        loop {
            if !conn.output.is_empty() {
                match send(conn.fd, &conn.output) {
                    Ok(n) => {
                        conn.output.drain(..n);
                        if !conn.output.is_empty() {
                            return true; // the kernel is full: wait for EPOLLOUT
                        }
                    }
                    Err(Blocked::Yes) => return true,
                    Err(Blocked::No) => return false,
                }
            }
            if conn.closing {
                return false;
            }
            if !conn.readable {
                return true;
            }
            let n = match recv(conn.fd, &mut self.buf) {
                Ok(0) | Err(Blocked::No) => return false,
                Ok(n) => n,
                Err(Blocked::Yes) => {
                    conn.readable = false;
                    return true;
                }
            };
            if n < self.buf.len() {
                conn.readable = false;
            }
            self.out.clear();
            let processed = if conn.input.is_empty() {
                let p = self.proto.process(&self.buf[..n], &mut self.out);
                conn.input.extend_from_slice(&self.buf[p.consumed..n]);
                p
            } else {
                conn.input.extend_from_slice(&self.buf[..n]);
                let p = self.proto.process(&conn.input, &mut self.out);
                conn.input.drain(..p.consumed);
                p
            };
            if conn.input.len() > MAX_PENDING_INPUT {
                return false;
            }
            conn.closing = processed.close;
            if !self.out.is_empty() {
                match send(conn.fd, &self.out) {
                    Ok(n) => conn.output.extend_from_slice(&self.out[n..]),
                    Err(Blocked::Yes) => conn.output.extend_from_slice(&self.out),
                    Err(Blocked::No) => return false,
                }
            }
        }
    }
}

/// Why a socket call did not transfer bytes.
enum Blocked {
    /// It would block (`EAGAIN`): wait for the next edge.
    Yes,
    /// It failed: close the connection.
    No,
}

fn classify(e: io::Error) -> Blocked {
    match e.raw_os_error() {
        Some(libc::EAGAIN) => Blocked::Yes,
        _ => Blocked::No,
    }
}

fn recv(fd: RawFd, buf: &mut [u8]) -> Result<usize, Blocked> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the duration of the call.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
        match cvt(n) {
            Ok(n) => return Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(classify(e)),
        }
    }
}

fn send(fd: RawFd, buf: &[u8]) -> Result<usize, Blocked> {
    loop {
        // SAFETY: `buf` is valid for reads of `buf.len()` bytes for the duration of the call;
        // MSG_NOSIGNAL turns a write to a closed peer into EPIPE instead of SIGPIPE.
        let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        match cvt(n) {
            Ok(n) => return Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(classify(e)),
        }
    }
}

fn close(fd: RawFd) {
    // SAFETY: `fd` is a connection descriptor this server accepted and no longer uses; closing it
    // also removes it from the epoll set.
    unsafe { libc::close(fd) };
}
