//! `eddy::net::unix::pipe`: anonymous pipes and FIFOs as async byte streams. Mirrors
//! `tokio::net::unix::pipe`.
//!
//! This module owns the public side: [`pipe()`], [`OpenOptions`] for opening FIFOs, the two ends
//! [`Sender`] and [`Receiver`], and the checks that decide whether a descriptor may become one (it
//! must be a pipe or FIFO, opened with the access its end needs). The reads, writes and readiness
//! underneath are the runtime's `PipeIo`, which eddy's child-process pipes use as well: each end is
//! nonblocking and registered with the reactor once, a read or write runs its system call at once,
//! and only `EAGAIN` makes it wait for the next epoll edge.
//!
//! What the OS does:
//! - `pipe2(2)` makes a kernel buffer (64 KiB by default on Linux) and two descriptors for it, one
//!   to write into and one to read from. A FIFO (`mkfifo(3)`) is the same buffer given a name in the
//!   file system; every process that opens the name is attached to one shared buffer.
//! - Opening a FIFO nonblocking for reading always succeeds. Opening it nonblocking for writing fails
//!   with `ENXIO` while nobody has it open for reading. Linux (not POSIX) also allows opening a FIFO
//!   for reading and writing at once: that descriptor counts as a reader and a writer itself, so the
//!   open never fails with `ENXIO`, and a reader opened that way never sees end of file.
//! - `read` returns 0 (end of file) once the buffer is empty and no writer has the pipe open; with
//!   writers still there it fails with `EAGAIN`. `write` fails with `EPIPE` once no reader is left,
//!   and the kernel also sends `SIGPIPE`, which a Rust binary ignores by default (a pipe, unlike a
//!   socket, has no `MSG_NOSIGNAL`: a program that restored the default action dies of it). A
//!   FIFO's reader that saw end of file reads again once a new writer opens it and writes; the
//!   `EAGAIN` it meets meanwhile shows a writer is there, and it waits for data without spinning.

use eddy_runtime::__private::{set_nonblocking, PipeIo, Ready};
use eddy_runtime::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, SpareCapacity};
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Creates an anonymous pipe and registers both ends with the current runtime's reactor: bytes
/// written to the [`Sender`] come out of the [`Receiver`], in order.
///
/// Both descriptors are nonblocking and close-on-exec. To give one end to a child process, turn it
/// back into a plain blocking descriptor with [`Sender::into_blocking_fd`] or
/// [`Receiver::into_blocking_fd`] (or let `Stdio::piped()` make the pipe in the first place).
///
/// # Errors
/// The operating system's error if the pipe cannot be made (for example, too many open files).
///
/// # Panics
/// Outside a runtime, or in one built without I/O enabled.
///
/// # Examples
/// ```
/// use eddy::io::{AsyncReadExt, AsyncWriteExt};
/// use eddy::net::unix::pipe;
///
/// # eddy::runtime::Builder::new_current_thread().enable_io().build().unwrap().block_on(async {
/// let (mut tx, mut rx) = pipe::pipe()?;
/// tx.write_all(b"ping").await?;
/// drop(tx); // the receiver sees end of file after the data
///
/// let mut got = String::new();
/// rx.read_to_string(&mut got).await?;
/// assert_eq!(got, "ping");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2(2) stores.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both entries are new open descriptors that nothing else owns;
    // each is wrapped exactly once.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // A new pipe is empty: the write end has room now, the read end has nothing to read until the
    // driver reports otherwise.
    let tx = Sender::register(write_end, Ready::WRITABLE)?;
    let rx = Receiver::register(read_end, Ready::EMPTY)?;
    Ok((tx, rx))
}

/// How to open a FIFO as a [`Receiver`] or [`Sender`]: a builder, like `std::fs::OpenOptions`.
/// Mirrors `tokio::net::unix::pipe::OpenOptions`.
///
/// Start from [`new`](OpenOptions::new) (every option off), set options, then call
/// [`open_receiver`](OpenOptions::open_receiver) or [`open_sender`](OpenOptions::open_sender) with
/// the FIFO's path. The file is always opened nonblocking.
///
/// # Examples
/// ```
/// use eddy::io::{AsyncReadExt, AsyncWriteExt};
/// use eddy::net::unix::pipe;
///
/// # eddy::runtime::Builder::new_current_thread().enable_io().build().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("eddy-doc-fifo-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("fifo");
/// let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
/// // SAFETY: `c_path` is a NUL-terminated path string.
/// assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
///
/// // The reader first: a writer may only open the FIFO once somebody reads it.
/// let mut rx = pipe::OpenOptions::new().open_receiver(&path)?;
/// let mut tx = pipe::OpenOptions::new().open_sender(&path)?;
///
/// tx.write_all(b"through the file system").await?;
/// let mut buf = [0; 23];
/// rx.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"through the file system");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// Options with everything off: the file is opened read-only for a [`Receiver`], write-only for
    /// a [`Sender`], and checked to be a FIFO.
    pub fn new() -> OpenOptions {
        OpenOptions {
            read_write: false,
            unchecked: false,
        }
    }

    /// Opens the FIFO for reading and writing (`O_RDWR`) whichever end is asked for. Linux only:
    /// POSIX leaves this undefined.
    ///
    /// The end then holds the FIFO open in both directions, which changes two things:
    /// - [`open_sender`](OpenOptions::open_sender) succeeds with no reader present, instead of
    ///   failing with `ENXIO`. Data written before any reader has opened the FIFO is lost if the
    ///   sender is dropped before one does: the kernel discards the buffer when the last descriptor
    ///   closes.
    /// - A [`Receiver`] never reads end of file when writers come and go: it waits for the next
    ///   writer's data instead.
    ///
    /// Only the end's own direction can be used through its methods; the other access is there to
    /// change how the open behaves.
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the opened file is a FIFO (one `fstat` call). Set it only when the
    /// file is known to be one: any other file ends up registered with the reactor as if it were a
    /// pipe (epoll refuses regular files, so opening one then fails with `EPERM`).
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens the FIFO at `path` for reading and registers it with the current runtime's reactor.
    ///
    /// # Errors
    /// `InvalidInput` if the file is not a FIFO (unless [`unchecked`](OpenOptions::unchecked)), and
    /// whatever error opening it gives (`NotFound`, `PermissionDenied`, ...).
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let fd = self.open(path.as_ref(), End::Receiver)?;
        Receiver::from_owned_fd_unchecked(fd)
    }

    /// Opens the FIFO at `path` for writing and registers it with the current runtime's reactor.
    ///
    /// # Errors
    /// - `ENXIO` (`raw_os_error() == Some(libc::ENXIO)`) if no process has the FIFO open for
    ///   reading, unless [`read_write`](OpenOptions::read_write) is set. Open a receiver first, or
    ///   try again later.
    /// - `InvalidInput` if the file is not a FIFO (unless [`unchecked`](OpenOptions::unchecked)).
    /// - Whatever else opening it gives (`NotFound`, `PermissionDenied`, ...).
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let fd = self.open(path.as_ref(), End::Sender)?;
        Sender::from_owned_fd_unchecked(fd)
    }

    fn open(&self, path: &Path, end: End) -> io::Result<OwnedFd> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(self.read_write || end == End::Receiver)
            .write(self.read_write || end == End::Sender)
            // std adds O_CLOEXEC itself.
            .custom_flags(libc::O_NONBLOCK);
        let fd = OwnedFd::from(options.open(path)?);
        if !self.unchecked && !is_fifo(fd.as_fd())? {
            return Err(not_a_pipe());
        }
        Ok(fd)
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

/// Which end a descriptor is to become.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Sender,
    Receiver,
}

/// The write end of a pipe or FIFO. Mirrors `tokio::net::unix::pipe::Sender`.
///
/// Made by [`pipe()`], by [`OpenOptions::open_sender`] from a FIFO's path, or from a descriptor
/// with [`from_file`](Sender::from_file) or [`from_owned_fd`](Sender::from_owned_fd). Write to it
/// through [`AsyncWrite`] (`write_all` from [`AsyncWriteExt`](eddy_runtime::io::AsyncWriteExt)),
/// or with [`writable`](Sender::writable) and [`try_write`](Sender::try_write).
///
/// Dropping the last sender of a pipe lets its receivers read end of file once the buffer is
/// empty. Writing after the last receiver is gone fails with `BrokenPipe`.
///
/// Opening a FIFO for writing fails with `ENXIO` while no reader has it open, so a program that
/// cannot open the reader first retries:
///
/// ```no_run
/// use eddy::net::unix::pipe;
/// use std::time::Duration;
///
/// # async fn run() -> std::io::Result<()> {
/// let tx = loop {
///     match pipe::OpenOptions::new().open_sender("/run/app/commands") {
///         Ok(tx) => break tx,
///         Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
///             eddy::time::sleep(Duration::from_millis(100)).await;
///         }
///         Err(e) => return Err(e),
///     }
/// };
/// # drop(tx); Ok(()) }
/// ```
///
/// or, on Linux, opens it with [`OpenOptions::read_write`] (see there for the catch).
pub struct Sender {
    io: PipeIo,
}

impl Sender {
    #[track_caller]
    fn register(fd: OwnedFd, assumed: Ready) -> io::Result<Sender> {
        Ok(Sender {
            io: PipeIo::new(fd, assumed)?,
        })
    }

    /// Makes a sender of `file`, an open pipe or FIFO: checks that it is one and that it was opened
    /// for writing, switches it to nonblocking mode, and registers it with the current runtime's
    /// reactor.
    ///
    /// # Errors
    /// `InvalidInput` if the file is not a pipe or FIFO, or was opened read-only; the operating
    /// system's error if a check or registration fails. The file is closed on error.
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// As [`from_file`](Sender::from_file), for a descriptor (an anonymous pipe's write end, say).
    ///
    /// # Errors
    /// As [`from_file`](Sender::from_file).
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Sender> {
        check(owned_fd.as_fd(), End::Sender)?;
        Sender::from_owned_fd_unchecked(owned_fd)
    }

    /// Makes a sender of `file` without any checks: the caller makes sure it is a pipe or FIFO,
    /// open for writing, and already in nonblocking mode (a blocking one would block the runtime's
    /// thread whenever the pipe is full).
    ///
    /// # Errors
    /// The operating system's error if registering the descriptor fails.
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// As [`from_file_unchecked`](Sender::from_file_unchecked), for a descriptor.
    ///
    /// # Errors
    /// The operating system's error if registering the descriptor fails.
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Sender> {
        // Nothing is assumed about a descriptor from elsewhere: the driver's first event says
        // whether the pipe has room (a write tries its system call first in any case).
        Sender::register(owned_fd, Ready::EMPTY)
    }

    /// Waits until the pipe is ready for any of `interest` and returns the readiness seen, which
    /// may be [`Ready::WRITE_CLOSED`] (every reader has gone).
    ///
    /// The readiness may be stale: a `try_write` after it can still fail with `WouldBlock`, and
    /// then clears it, so the next call waits for new room. Cancel safe: dropping the future loses
    /// nothing.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until the pipe may have room for a write (then use [`try_write`](Sender::try_write)).
    /// Also returns once every reader has gone, so that the write reports the broken pipe.
    ///
    /// Cancel safe.
    ///
    /// # Examples
    /// ```
    /// use eddy::net::unix::pipe;
    /// use std::io;
    ///
    /// # eddy::runtime::Builder::new_current_thread().enable_io().build().unwrap().block_on(async {
    /// let (tx, _rx) = pipe::pipe()?;
    /// let msg = b"hello";
    /// let mut sent = 0;
    /// while sent < msg.len() {
    ///     tx.writable().await?;
    ///     match tx.try_write(&msg[sent..]) {
    ///         Ok(n) => sent += n,
    ///         Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for room to write: `Ready(Ok(()))` when the pipe may accept data, `Pending` (with the
    /// waker stored) otherwise. Only the waker of the latest call is kept; for several waiting
    /// tasks use [`writable`](Sender::writable).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_write_ready(cx).map_ok(drop)
    }

    /// Writes as much of `buf` as the pipe takes now, without waiting; returns the count.
    ///
    /// Fails with `WouldBlock` if the pipe is full, or not known to have room (the write is only
    /// attempted when the reactor last reported room), and with `BrokenPipe` if every reader has
    /// gone. A write of at most `PIPE_BUF` (4096) bytes is all-or-nothing: it is never interleaved
    /// with other writers' data.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// As [`try_write`](Sender::try_write), from several buffers in order (`writev`): the count
    /// covers them as if they were one.
    pub fn try_write_vectored(&self, buf: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_write_vectored(buf)
    }

    /// Runs `f`, an operation on the pipe's descriptor made by the caller, if the pipe is known to
    /// be writable; `WouldBlock` without calling it otherwise.
    ///
    /// If `f` returns `WouldBlock`, the pipe's write readiness is cleared, so return that error
    /// only when the system call inside `f` did. Don't call this type's own methods inside `f`.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.registration().try_io(Interest::WRITABLE, f)
    }

    /// Deregisters the pipe end and returns its descriptor switched back to blocking mode, ready to
    /// hand to a child process as its standard output, say.
    ///
    /// # Examples
    /// ```
    /// use eddy::io::AsyncReadExt;
    /// use eddy::net::unix::pipe;
    /// use eddy::process::Command;
    ///
    /// # eddy::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let (tx, mut rx) = pipe::pipe()?;
    /// let status = Command::new("echo").arg("hi").stdout(tx.into_blocking_fd()?).status();
    ///
    /// let mut out = String::new();
    /// rx.read_to_string(&mut out).await?;
    /// assert_eq!(out, "hi\n");
    /// assert!(status.await?.success());
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = self.into_nonblocking_fd()?;
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }

    /// Deregisters the pipe end and returns its descriptor, still in nonblocking mode.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        self.io.into_fd()
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Every write went straight into the kernel's buffer.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe cannot be half-closed: readers see end of file when the sender is dropped.
        Poll::Ready(Ok(()))
    }
}

/// The read end of a pipe or FIFO. Mirrors `tokio::net::unix::pipe::Receiver`.
///
/// Made by [`pipe()`], by [`OpenOptions::open_receiver`] from a FIFO's path, or from a descriptor
/// with [`from_file`](Receiver::from_file) or [`from_owned_fd`](Receiver::from_owned_fd). Read
/// from it through [`AsyncRead`] (`read`, `read_exact`, `read_to_end` from
/// [`AsyncReadExt`](eddy_runtime::io::AsyncReadExt)), or with [`readable`](Receiver::readable)
/// and [`try_read`](Receiver::try_read).
///
/// A read returns 0 bytes (end of file) once the pipe is empty and no sender has it open. For a
/// FIFO that is not final: a later writer can open it again and send more, which the same
/// receiver reads. A receiver opened with [`OpenOptions::read_write`] never sees end of file.
pub struct Receiver {
    io: PipeIo,
}

impl Receiver {
    #[track_caller]
    fn register(fd: OwnedFd, assumed: Ready) -> io::Result<Receiver> {
        Ok(Receiver {
            io: PipeIo::new(fd, assumed)?,
        })
    }

    /// Makes a receiver of `file`, an open pipe or FIFO: checks that it is one and that it was
    /// opened for reading, switches it to nonblocking mode, and registers it with the current
    /// runtime's reactor.
    ///
    /// # Errors
    /// `InvalidInput` if the file is not a pipe or FIFO, or was opened write-only; the operating
    /// system's error if a check or registration fails. The file is closed on error.
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// As [`from_file`](Receiver::from_file), for a descriptor (an anonymous pipe's read end, say).
    ///
    /// # Errors
    /// As [`from_file`](Receiver::from_file).
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_owned_fd(owned_fd: OwnedFd) -> io::Result<Receiver> {
        check(owned_fd.as_fd(), End::Receiver)?;
        Receiver::from_owned_fd_unchecked(owned_fd)
    }

    /// Makes a receiver of `file` without any checks: the caller makes sure it is a pipe or FIFO,
    /// open for reading, and already in nonblocking mode (a blocking one would block the runtime's
    /// thread whenever the pipe is empty).
    ///
    /// # Errors
    /// The operating system's error if registering the descriptor fails.
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// As [`from_file_unchecked`](Receiver::from_file_unchecked), for a descriptor.
    ///
    /// # Errors
    /// The operating system's error if registering the descriptor fails.
    ///
    /// # Panics
    /// Outside a runtime, or in one built without I/O enabled.
    #[track_caller]
    pub fn from_owned_fd_unchecked(owned_fd: OwnedFd) -> io::Result<Receiver> {
        // The driver's first event (delivered for data already queued, too) says when to read.
        Receiver::register(owned_fd, Ready::EMPTY)
    }

    /// Waits until the pipe is ready for any of `interest` and returns the readiness seen, which
    /// may include [`Ready::READ_CLOSED`] (no sender is left; reads return end of file once the
    /// queued data is read).
    ///
    /// The readiness may be stale: a `try_read` after it can still fail with `WouldBlock`, and
    /// then clears it, so the next call waits for new data. Cancel safe: dropping the future
    /// loses nothing.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until the pipe may have data to read, or end of file (then use
    /// [`try_read`](Receiver::try_read)).
    ///
    /// Cancel safe.
    ///
    /// # Examples
    /// ```
    /// use eddy::io::AsyncWriteExt;
    /// use eddy::net::unix::pipe;
    /// use std::io;
    ///
    /// # eddy::runtime::Builder::new_current_thread().enable_io().build().unwrap().block_on(async {
    /// let (mut tx, rx) = pipe::pipe()?;
    /// tx.write_all(b"data").await?;
    ///
    /// let mut buf = [0; 16];
    /// let n = loop {
    ///     rx.readable().await?;
    ///     match rx.try_read(&mut buf) {
    ///         Ok(n) => break n,
    ///         Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// };
    /// assert_eq!(&buf[..n], b"data");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for data to read: `Ready(Ok(()))` when the pipe may have data (or end of file),
    /// `Pending` (with the waker stored) otherwise. Only the waker of the latest call is kept; for
    /// several waiting tasks use [`readable`](Receiver::readable).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_read_ready(cx).map_ok(drop)
    }

    /// Reads what the pipe holds, up to `buf.len()` bytes, without waiting; returns the count.
    ///
    /// `Ok(0)` means end of file (no sender left and nothing queued) or an empty `buf`. Fails with
    /// `WouldBlock` if the pipe is empty, or not known to have data (the read is only attempted
    /// when the reactor last reported data).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// As [`try_read`](Receiver::try_read), into several buffers filled in order (`readv`).
    pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_read_vectored(bufs)
    }

    /// As [`try_read`](Receiver::try_read), appending to `buf` (its spare room; a full `Vec` grows
    /// first).
    ///
    /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this takes the
    /// buffers that implement [`SpareCapacity`] (`Vec<u8>`).
    ///
    /// # Examples
    /// ```
    /// use eddy::io::AsyncWriteExt;
    /// use eddy::net::unix::pipe;
    ///
    /// # eddy::runtime::Builder::new_current_thread().enable_io().build().unwrap().block_on(async {
    /// let (mut tx, rx) = pipe::pipe()?;
    /// tx.write_all(b"abc").await?;
    /// drop(tx);
    ///
    /// let mut got = Vec::new();
    /// loop {
    ///     rx.readable().await?;
    ///     match rx.try_read_buf(&mut got) {
    ///         Ok(0) => break, // end of file
    ///         Ok(_) => {}
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// assert_eq!(got, b"abc");
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    pub fn try_read_buf<B: SpareCapacity + ?Sized>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_read_buf(buf)
    }

    /// Runs `f`, an operation on the pipe's descriptor made by the caller, if the pipe is known to
    /// be readable; `WouldBlock` without calling it otherwise.
    ///
    /// If `f` returns `WouldBlock`, the pipe's read readiness is cleared, so return that error
    /// only when the system call inside `f` did. Don't call this type's own methods inside `f`.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.registration().try_io(Interest::READABLE, f)
    }

    /// Deregisters the pipe end and returns its descriptor switched back to blocking mode, ready to
    /// hand to a child process as its standard input, say.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = self.into_nonblocking_fd()?;
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }

    /// Deregisters the pipe end and returns its descriptor, still in nonblocking mode.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        self.io.into_fd()
    }
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.io.poll_read(cx, buf)
    }
}

macro_rules! fd_and_debug_impls {
    ($ty:ident) => {
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.as_fd()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.io.as_raw_fd())
                    .finish()
            }
        }
    };
}

fd_and_debug_impls!(Sender);
fd_and_debug_impls!(Receiver);

fn not_a_pipe() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the file is not a pipe or FIFO",
    )
}

/// True if `fd` is a pipe or a FIFO (`fstat` reports both as `S_IFIFO`).
fn is_fifo(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `fd` is open for the borrow's lifetime, and `st` has room for the `stat` that
    // fstat(2) fills in.
    if unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstat succeeded, so it initialised `st`.
    let st = unsafe { st.assume_init() };
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFIFO)
}

/// The checks of `from_owned_fd`: `fd` is a pipe or FIFO, and its access mode allows `end`'s
/// direction. Switches it to nonblocking mode once both hold.
fn check(fd: BorrowedFd<'_>, end: End) -> io::Result<()> {
    if !is_fifo(fd)? {
        return Err(not_a_pipe());
    }
    // SAFETY: `fd` is open for the borrow's lifetime; F_GETFL only reads its status flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let mode = flags & libc::O_ACCMODE;
    let allowed = match end {
        End::Sender => mode == libc::O_WRONLY || mode == libc::O_RDWR,
        End::Receiver => mode == libc::O_RDONLY || mode == libc::O_RDWR,
    };
    if !allowed {
        let msg = match end {
            End::Sender => "the pipe is not open for writing (need O_WRONLY or O_RDWR)",
            End::Receiver => "the pipe is not open for reading (need O_RDONLY or O_RDWR)",
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    }
    if flags & libc::O_NONBLOCK == 0 {
        set_nonblocking(fd, true)?;
    }
    Ok(())
}
