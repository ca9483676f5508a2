//! The futures behind `AsyncReadExt::read` and `AsyncReadExt::read_exact`.

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Future for [`AsyncReadExt::read`](crate::io::AsyncReadExt::read).
///
/// Cancel safe: it reads nothing until the one poll that returns `Ready`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

pub(crate) fn read<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut [u8],
) -> Read<'a, R> {
    Read { reader, buf }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncReadExt::read_exact`](crate::io::AsyncReadExt::read_exact).
    ///
    /// Not cancel safe: bytes read before cancellation are in the buffer but their count is lost.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadExact<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut [u8],
        filled: usize,
        // `!Unpin`, as Tokio's is, so that a later change to the state does not break callers.
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_exact<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut [u8],
) -> ReadExact<'a, R> {
    ReadExact {
        reader,
        buf,
        filled: 0,
        _pin: PhantomPinned,
    }
}

/// The error returned when a source ends before a fixed-size read is complete.
pub(crate) fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        while *me.filled < me.buf.len() {
            let mut buf = ReadBuf::new(&mut me.buf[*me.filled..]);
            match ready!(Pin::new(&mut **me.reader).poll_read(cx, &mut buf)) {
                // Interrupted means "try again", as in std.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            }
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(eof()));
            }
            *me.filled += n;
        }
        Poll::Ready(Ok(me.buf.len()))
    }
}
