//! The future behind the fixed-size number readers (`read_u8`, `read_i32_le`, `read_f64`, …).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read::eof;
use crate::io::{AsyncRead, ReadBuf};

pin_project_lite::pin_project! {
    /// Future for the number readers of [`AsyncReadExt`](crate::io::AsyncReadExt), such as
    /// `read_u32` or `read_f64_le`.
    ///
    /// It reads exactly `size_of::<T>()` bytes, then decodes them. Not cancel safe: bytes read before
    /// cancellation are lost.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadNum<'a, R: ?Sized, T> {
        reader: &'a mut R,
        buf: [u8; 16],
        len: usize,
        filled: usize,
        decode: fn(&[u8]) -> T,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<R: ?Sized, T> std::fmt::Debug for ReadNum<'_, R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadNum")
            .field("len", &self.len)
            .field("filled", &self.filled)
            .finish()
    }
}

pub(crate) fn read_num<R: AsyncRead + Unpin + ?Sized, T>(
    reader: &mut R,
    len: usize,
    decode: fn(&[u8]) -> T,
) -> ReadNum<'_, R, T> {
    debug_assert!(len <= 16);
    ReadNum {
        reader,
        buf: [0; 16],
        len,
        filled: 0,
        decode,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized, T> Future for ReadNum<'_, R, T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let me = self.project();
        while *me.filled < *me.len {
            let mut buf = ReadBuf::new(&mut me.buf[*me.filled..*me.len]);
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
        Poll::Ready(Ok((me.decode)(&me.buf[..*me.len])))
    }
}
