//! The `AsyncRead` trait and its implementations for std types and pointers.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ReadBuf;

/// Reads bytes from a source asynchronously.
///
/// The asynchronous counterpart of [`std::io::Read`]: instead of blocking, `poll_read` returns
/// `Poll::Pending` and arranges for the task to be woken when data may be available. Most code uses the
/// methods of [`AsyncReadExt`](super::AsyncReadExt) rather than this trait directly.
pub trait AsyncRead {
    /// Attempts to read data into `buf`.
    ///
    /// On success returns `Poll::Ready(Ok(()))` and has appended the bytes read to `buf`'s filled part;
    /// if nothing was appended (and `buf` had room) the source has reached end of file. Returns
    /// `Poll::Pending` if no data is available yet, after scheduling the current task to be woken.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let pos = self.position();
        let data = self.get_ref().as_ref();
        // A position past the end reads nothing, as in std.
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        self.set_position(pos + n as u64);
        Poll::Ready(Ok(()))
    }
}
