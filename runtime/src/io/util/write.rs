//! The futures behind `AsyncWriteExt`'s `write`, `write_vectored`, `write_all`, `flush` and `shutdown`.

use std::future::Future;
use std::io::{self, IoSlice};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncWrite;

/// Future for [`AsyncWriteExt::write`](crate::io::AsyncWriteExt::write).
///
/// Cancel safe: nothing is written until the one poll that returns `Ready`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

pub(crate) fn write<'a, W: AsyncWrite + Unpin + ?Sized>(
    writer: &'a mut W,
    buf: &'a [u8],
) -> Write<'a, W> {
    Write { writer, buf }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write(cx, me.buf)
    }
}

/// Future for [`AsyncWriteExt::write_vectored`](crate::io::AsyncWriteExt::write_vectored).
///
/// Cancel safe, like [`Write`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
}

pub(crate) fn write_vectored<'a, 'b, W: AsyncWrite + Unpin + ?Sized>(
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
) -> WriteVectored<'a, 'b, W> {
    WriteVectored { writer, bufs }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write_vectored(cx, me.bufs)
    }
}

/// The error returned when a writer accepts zero bytes of a non-empty buffer.
pub(crate) fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "write zero byte into writer")
}

/// Writes all of `buf[*written..]`, advancing `written`.
pub(crate) fn poll_write_all<W: AsyncWrite + ?Sized>(
    mut writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &[u8],
    written: &mut usize,
) -> Poll<io::Result<()>> {
    while *written < buf.len() {
        let n = match ready!(writer.as_mut().poll_write(cx, &buf[*written..])) {
            // Interrupted means "try again", as in std.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => res?,
        };
        if n == 0 {
            return Poll::Ready(Err(write_zero()));
        }
        *written += n;
    }
    Poll::Ready(Ok(()))
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncWriteExt::write_all`](crate::io::AsyncWriteExt::write_all).
    ///
    /// Not cancel safe: if dropped early, an unknown prefix of the buffer has been written.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteAll<'a, W: ?Sized> {
        writer: &'a mut W,
        buf: &'a [u8],
        written: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn write_all<'a, W: AsyncWrite + Unpin + ?Sized>(
    writer: &'a mut W,
    buf: &'a [u8],
) -> WriteAll<'a, W> {
    WriteAll {
        writer,
        buf,
        written: 0,
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        poll_write_all(Pin::new(&mut **me.writer), cx, me.buf, me.written)
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncWriteExt::flush`](crate::io::AsyncWriteExt::flush).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Flush<'a, W: ?Sized> {
        writer: &'a mut W,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn flush<W: AsyncWrite + Unpin + ?Sized>(writer: &mut W) -> Flush<'_, W> {
    Flush {
        writer,
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self.project().writer).poll_flush(cx)
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncWriteExt::shutdown`](crate::io::AsyncWriteExt::shutdown).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Shutdown<'a, W: ?Sized> {
        writer: &'a mut W,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn shutdown<W: AsyncWrite + Unpin + ?Sized>(writer: &mut W) -> Shutdown<'_, W> {
    Shutdown {
        writer,
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self.project().writer).poll_shutdown(cx)
    }
}

pin_project_lite::pin_project! {
    /// Future for the number writers of [`AsyncWriteExt`](crate::io::AsyncWriteExt), such as
    /// `write_u32` or `write_f64_le`.
    ///
    /// Writes all the encoded bytes; a writer that accepts zero bytes gives a
    /// [`WriteZero`](std::io::ErrorKind::WriteZero) error. Not cancel safe.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteNum<'a, W: ?Sized> {
        writer: &'a mut W,
        buf: [u8; 16],
        len: usize,
        written: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn write_num<'a, W: AsyncWrite + Unpin + ?Sized>(
    writer: &'a mut W,
    bytes: &[u8],
) -> WriteNum<'a, W> {
    let mut buf = [0; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    WriteNum {
        writer,
        buf,
        len: bytes.len(),
        written: 0,
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteNum<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        poll_write_all(
            Pin::new(&mut **me.writer),
            cx,
            &me.buf[..*me.len],
            me.written,
        )
    }
}
