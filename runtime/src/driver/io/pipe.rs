//! `PipeIo`: one end of a pipe or FIFO, nonblocking and registered with the runtime's reactor, and
//! the `read(2)`/`write(2)` calls made on it. Child-process pipes (`crate::process`) and
//! `eddy-net`'s `unix::pipe::{Sender, Receiver}` are both built on it.
//!
//! What the kernel does: a pipe is a byte buffer (64 KiB by default on Linux) behind two kinds of
//! descriptor, read ends and write ends. In nonblocking mode `read` on an empty pipe and `write` on
//! a full one fail with `EAGAIN` instead of sleeping; `read` returns 0 (end of file) once the
//! buffer is empty and no write end is open, and `write` fails with `EPIPE` once no read end is.
//! epoll reports `EPOLLIN` on a read end while data is queued and `EPOLLHUP` once the last writer
//! has gone; `EPOLLOUT` on a write end while there is room and `EPOLLERR` once the last reader has
//! gone (read as the write side closing, which wakes a waiting writer: `Ready::from_epoll`). A
//! read or write here runs the system call at once and waits for an edge only after
//! `EAGAIN`, through [`Registration`], as sockets do.

use super::{Interest, Ready, Registration};
use crate::io::{ReadBuf, SpareCapacity};
use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{ready, Context, Poll};

/// The most buffers one `readv`/`writev` takes on Linux (`UIO_MAXIOV`); longer lists are cut to
/// this many, so a call moves fewer bytes instead of failing with `EINVAL`.
const MAX_IOV: usize = 1024;

/// One registered, nonblocking pipe end (either direction; the caller uses the calls that fit).
///
/// Low-level, and not a public API: the public types are `eddy::process::Child{Stdin,Stdout,Stderr}`
/// and `eddy::net::unix::pipe::{Sender, Receiver}`.
pub struct PipeIo {
    /// Declared before `fd`: deregistered before the descriptor is closed.
    io: Registration,
    fd: OwnedFd,
}

impl PipeIo {
    /// Registers `fd` with the current runtime's I/O driver. The descriptor must already be in
    /// nonblocking mode ([`set_nonblocking`]); `assumed` is the readiness it has until the driver's
    /// first event (`Ready::EMPTY` to wait for that event).
    ///
    /// # Panics
    /// Outside a runtime, or in one built without `enable_io`.
    #[track_caller]
    pub fn new(fd: OwnedFd, assumed: Ready) -> io::Result<PipeIo> {
        let io = Registration::new(fd.as_raw_fd())?;
        if !assumed.is_empty() {
            io.assume_ready(assumed);
        }
        Ok(PipeIo { io, fd })
    }

    /// The reactor registration, for waiting on readiness and for caller-supplied `try_io` calls.
    pub fn registration(&self) -> &Registration {
        &self.io
    }

    /// Reads into the unfilled part of `buf`, waiting for data only after `EAGAIN`. Unlike a
    /// stream socket, a pipe's short read does not prove it empty: in packet mode (`O_DIRECT`,
    /// which the writer's end decides and the read end cannot see) each read returns one packet
    /// with more queued, and no new edge would come for them. So a drained pipe costs one `read`
    /// that fails with `EAGAIN`.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // SAFETY: read(2) stores only initialised bytes into the unfilled part, and exactly the
        // bytes it reports are marked initialised and filled below.
        let unfilled = unsafe { buf.unfilled_mut() };
        let fd = self.fd.as_raw_fd();
        let n = ready!(self.io.poll_read_io(cx, || read(fd, unfilled)))?;
        // SAFETY: the kernel wrote `n` bytes at the start of the unfilled part.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Writes from `buf`: the system call first, a wait for room only after `EAGAIN`.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let fd = self.fd.as_raw_fd();
        self.io.poll_write_io(cx, || write(fd, buf))
    }

    /// As [`poll_write`](Self::poll_write), from several buffers in order (`writev`).
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let fd = self.fd.as_raw_fd();
        self.io.poll_write_io(cx, || writev(fd, bufs))
    }

    /// Reads without waiting, if the pipe is known to be readable; `WouldBlock` otherwise.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and read(2) stores only initialised
        // bytes, so the caller's slice stays initialised.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        let fd = self.fd.as_raw_fd();
        self.io.try_io(Interest::READABLE, || read(fd, buf))
    }

    /// Reads into several buffers in order (`readv`) without waiting.
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        self.io.try_io(Interest::READABLE, || {
            let count = bufs.len().min(MAX_IOV);
            // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix, and each of the first
            // `count` entries describes a live, writable buffer of its length; readv(2) writes
            // within those lengths only.
            let n = unsafe { libc::readv(fd, bufs.as_ptr().cast(), count as libc::c_int) };
            result(n)
        })
    }

    /// Reads without waiting into the spare room of `buf`, which then counts the bytes as data.
    pub fn try_read_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        self.io.try_io(Interest::READABLE, || {
            let n = read(fd, buf.spare_capacity())?;
            // SAFETY: read(2) initialised the first `n` bytes of the room it was given, and `buf`
            // was not touched in between.
            unsafe { buf.commit(n) };
            Ok(n)
        })
    }

    /// Writes without waiting, if the pipe is known to have room; `WouldBlock` otherwise.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        self.io.try_io(Interest::WRITABLE, || write(fd, buf))
    }

    /// Writes several buffers in order (`writev`) without waiting.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let fd = self.fd.as_raw_fd();
        self.io.try_io(Interest::WRITABLE, || writev(fd, bufs))
    }

    /// Deregisters and gives the descriptor back, still in nonblocking mode.
    pub fn into_fd(self) -> io::Result<OwnedFd> {
        let PipeIo { io, fd } = self;
        io.deregister()?;
        Ok(fd)
    }
}

impl AsRawFd for PipeIo {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for PipeIo {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl fmt::Debug for PipeIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeIo")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

/// Turns `O_NONBLOCK` on or off for `fd` (one `F_GETFL`, and an `F_SETFL` only if that changes
/// anything). The flag belongs to the open file description, so every duplicate of the
/// descriptor, in this process or another, sees the change.
pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    // SAFETY: `fd` is open for the borrow's lifetime; F_GETFL only reads its status flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let wanted = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    if wanted != flags {
        // SAFETY: as above; F_SETFL changes only the status flags, here just `O_NONBLOCK`.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, wanted) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A byte count from a `ssize_t` result, or the `errno` of a `-1`.
fn result(n: libc::ssize_t) -> io::Result<usize> {
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

fn read(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of its length; read(2) writes no further.
    result(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of its length; write(2) reads no further.
    result(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
}

fn writev(fd: RawFd, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(MAX_IOV);
    // SAFETY: `IoSlice` is ABI-compatible with `iovec` on Unix, and each of the first `count`
    // entries describes a live buffer of its length; writev(2) only reads them.
    result(unsafe { libc::writev(fd, bufs.as_ptr().cast(), count as libc::c_int) })
}
