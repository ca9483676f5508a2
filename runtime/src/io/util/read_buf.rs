//! The future behind `AsyncReadExt::read_buf`: one read appended to a growable buffer.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf, SpareCapacity};

/// Future for [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf).
///
/// Cancel safe: it reads nothing until the one poll that returns `Ready`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFuture<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

pub(crate) fn read_buf<'a, R, B>(reader: &'a mut R, buf: &'a mut B) -> ReadBufFuture<'a, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: SpareCapacity + ?Sized,
{
    ReadBufFuture { reader, buf }
}

/// Reads once from `reader` into the spare room of `buf` and commits what arrived.
///
/// # Panics
/// If the reader swapped the `ReadBuf` it was given for another one (its bytes would not be in
/// `buf`).
pub(crate) fn poll_read_buf<R, B>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>>
where
    R: AsyncRead + ?Sized,
    B: SpareCapacity + ?Sized,
{
    let room = buf.spare_capacity();
    let start = room.as_ptr();
    let mut rb = ReadBuf::uninit(room);
    ready!(reader.poll_read(cx, &mut rb))?;
    assert_eq!(
        rb.filled().as_ptr(),
        start.cast::<u8>(),
        "AsyncRead::poll_read replaced the ReadBuf it was given"
    );
    let n = rb.filled().len();
    // SAFETY: `rb` is the room `spare_capacity` returned (checked above), and its first `n` bytes are
    // filled, hence initialised.
    unsafe { buf.commit(n) };
    Poll::Ready(Ok(n))
}

impl<R, B> Future for ReadBufFuture<'_, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: SpareCapacity + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        poll_read_buf(Pin::new(&mut *me.reader), cx, &mut *me.buf)
    }
}
