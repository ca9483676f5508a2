//! The process's standard streams: [`stdin`], [`stdout`], [`stderr`].
//!
//! Each handle wraps the matching `std::io` handle in a [`Blocking`] adapter: the blocking `read`,
//! `write_all` and `flush` calls run on the blocking pool, one at a time per handle, through an
//! internal buffer (the module doc of `blocking` states the protocol). So a write is reported done
//! once its bytes are copied into that buffer; they reach the file descriptor even if the handle
//! is dropped right after, but errors show up on the next write or flush, and `flush` is the way to
//! know they were written.
//!
//! Several handles to one stream may exist; as with `std`, their writes do not interleave within
//! one call, but nothing orders them across handles. Bytes a blocking read took from standard input
//! belong to that handle: dropping it while they are unread loses them.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::blocking::Blocking;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The standard input of the process, for async code; see [`stdin`].
///
/// A read may be served by a blocking read that an earlier, dropped read started: no bytes are
/// lost to cancellation while the handle lives. Reading stdin blocks a pool thread until input
/// arrives, and a blocking read cannot be interrupted: a runtime that shuts down while one waits
/// waits for it too (use a timeout on shutdown, or read stdin on a thread of your own).
#[derive(Debug)]
pub struct Stdin {
    inner: Blocking<io::Stdin>,
}

/// The standard output of the process, for async code; see [`stdout`].
///
/// Writes are line-buffered by `std` beneath: call `flush` to push out a partial line.
#[derive(Debug)]
pub struct Stdout {
    inner: Blocking<io::Stdout>,
}

/// The standard error of the process, for async code; see [`stderr`].
#[derive(Debug)]
pub struct Stderr {
    inner: Blocking<io::Stderr>,
}

/// A handle to the process's standard input, read on the blocking pool.
///
/// Mirrors `tokio::io::stdin`. For interactive programs a thread of your own reading
/// `std::io::stdin` and sending lines through a channel is often simpler: see [`Stdin`].
///
/// ```no_run
/// use eddy::io::{AsyncBufReadExt, BufReader};
///
/// # async fn run() -> std::io::Result<()> {
/// let mut lines = BufReader::new(eddy::io::stdin()).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("read: {line}");
/// }
/// # Ok(())
/// # }
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new(io::stdin()),
    }
}

/// A handle to the process's standard output, written on the blocking pool.
///
/// Mirrors `tokio::io::stdout`. Flush before the program exits, or the last partial line may stay
/// in `std`'s buffer.
///
/// ```
/// use eddy::io::AsyncWriteExt;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut out = eddy::io::stdout();
/// out.write_all(b"hello\n").await?;
/// out.flush().await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn stdout() -> Stdout {
    Stdout {
        inner: Blocking::new(io::stdout()),
    }
}

/// A handle to the process's standard error, written on the blocking pool.
///
/// Mirrors `tokio::io::stderr`. `std`'s standard error is unbuffered, so each write reaches the
/// file descriptor on its own.
pub fn stderr() -> Stderr {
    Stderr {
        inner: Blocking::new(io::stderr()),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner.poll_read(cx, buf)
    }
}

/// Implements `AsyncWrite` for a write-only standard stream.
macro_rules! async_write_for {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.inner.poll_write(cx, buf)
            }

            fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.inner.poll_flush(cx)
            }

            /// Flushes; the standard stream itself stays open.
            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                self.inner.poll_flush(cx)
            }
        }
    };
}

async_write_for!(Stdout);
async_write_for!(Stderr);

/// Implements `AsRawFd`/`AsFd` with the descriptor of the matching `std` stream.
macro_rules! fd_for {
    ($ty:ty, $std:path) => {
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                $std().as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                // SAFETY: `std` treats the standard streams' descriptors (0, 1, 2) as open for the
                // life of the process (its own handles borrow them the same way), so they outlive
                // any borrow of `self`.
                unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
            }
        }
    };
}

fd_for!(Stdin, io::stdin);
fd_for!(Stdout, io::stdout);
fd_for!(Stderr, io::stderr);
