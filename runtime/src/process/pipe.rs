//! `ChildStdin`, `ChildStdout`, `ChildStderr`: a child's pipes as async I/O on the reactor.
//!
//! `std::process` creates the pipes; each end the parent keeps is switched to nonblocking mode
//! (the child's ends are separate descriptors, so the child still sees blocking pipes) and
//! registered with the current runtime's epoll instance. A read or write tries the system call
//! first and waits for the pipe's readiness edge only on `EAGAIN`, as eddy's sockets do.

use crate::driver::io::{set_nonblocking, PipeIo, Ready};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

/// One registered, nonblocking pipe end (the reads and writes are `PipeIo`'s, shared with
/// `eddy-net`'s `unix::pipe`).
struct Pipe {
    io: PipeIo,
}

impl Pipe {
    #[track_caller]
    fn new(fd: OwnedFd) -> io::Result<Pipe> {
        set_nonblocking(fd.as_fd(), true)?;
        // Assumed ready both ways: the first read or write tries its system call at once.
        let io = PipeIo::new(fd, Ready::READABLE | Ready::WRITABLE)?;
        Ok(Pipe { io })
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io.poll_read(cx, buf)
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    /// Gives the descriptor back, deregistered and in blocking mode again (for use as another
    /// child's stdio, which expects a blocking pipe).
    fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let fd = self.io.into_fd()?;
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }
}

macro_rules! child_pipe {
    ($(#[$doc:meta])* $name:ident, $std:ty) => {
        $(#[$doc])*
        pub struct $name {
            pipe: Pipe,
        }

        impl $name {
            /// Wraps a pipe end that `std::process` made, registering it with the current runtime.
            ///
            /// # Panics
            /// Outside a runtime with I/O enabled.
            #[track_caller]
            pub fn from_std(inner: $std) -> io::Result<Self> {
                Ok($name {
                    pipe: Pipe::new(OwnedFd::from(inner))?,
                })
            }

            /// The pipe end as an owned descriptor, deregistered from the reactor and back in
            /// blocking mode.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_owned_fd()
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.io.as_raw_fd()
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.io.as_fd()
            }
        }

        /// For handing the pipe to another child as its stdio: `Command::stdin(child.stdout.take().unwrap().try_into()?)`.
        impl TryInto<Stdio> for $name {
            type Error = io::Error;

            fn try_into(self) -> io::Result<Stdio> {
                self.into_owned_fd().map(Stdio::from)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("fd", &self.pipe.io.as_raw_fd())
                    .finish()
            }
        }
    };
}

child_pipe!(
    /// The write end of a child's standard input (`Command::stdin(Stdio::piped())`). Mirrors
    /// `tokio::process::ChildStdin`. Dropping it closes the pipe: the child reads end-of-file.
    ChildStdin,
    std::process::ChildStdin
);
child_pipe!(
    /// The read end of a child's standard output (`Command::stdout(Stdio::piped())`). Mirrors
    /// `tokio::process::ChildStdout`.
    ChildStdout,
    std::process::ChildStdout
);
child_pipe!(
    /// The read end of a child's standard error (`Command::stderr(Stdio::piped())`). Mirrors
    /// `tokio::process::ChildStderr`.
    ChildStderr,
    std::process::ChildStderr
);

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered here: a write went to the kernel's pipe buffer.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no half-close: the child sees end-of-file when this end is dropped.
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.pipe.poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.pipe.poll_read(cx, buf)
    }
}
