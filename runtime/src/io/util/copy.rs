//! `copy`: moves every byte from a reader to a writer, and the buffer engine `copy_bidirectional`
//! shares with it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::buf_reader::DEFAULT_BUF_SIZE;
use super::write::write_zero;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// One direction of a copy: a buffer that is filled from a reader and drained into a writer.
#[derive(Debug)]
pub(crate) struct CopyBuffer {
    buf: Box<[u8]>,
    // Bytes `pos..cap` of `buf` were read and not yet written.
    pos: usize,
    cap: usize,
    read_done: bool,
    // Bytes were written since the last flush.
    need_flush: bool,
    amt: u64,
}

impl CopyBuffer {
    /// A buffer of `size` bytes; callers check `size > 0` (a zero-byte read would look like end
    /// of file).
    pub(crate) fn new(size: usize) -> Self {
        debug_assert!(size > 0, "a copy buffer needs room for at least one byte");
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            amt: 0,
        }
    }

    /// Copies until the reader reaches end of file and the writer is flushed; returns the total.
    ///
    /// Spends one unit of cooperative budget per call, kept if any byte moved. While the reader has
    /// nothing to give, the writer is flushed, so bytes never sit unflushed waiting for more input.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        let coop = ready!(crate::coop::poll_proceed(cx));
        loop {
            if self.pos == self.cap && !self.read_done {
                let mut buf = ReadBuf::new(&mut self.buf);
                match reader.as_mut().poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(())) => {
                        let n = buf.filled().len();
                        self.pos = 0;
                        self.cap = n;
                        self.read_done = n == 0;
                        coop.made_progress();
                    }
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Poll::Ready(Err(e)) => {
                        coop.made_progress();
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => {
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                            coop.made_progress();
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let res = ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]));
                let n = match res {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    res => res?,
                };
                coop.made_progress();
                if n == 0 {
                    return Poll::Ready(Err(write_zero()));
                }
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                coop.made_progress();
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Future for [`copy`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
struct Copy<'a, R: ?Sized, W: ?Sized> {
    reader: &'a mut R,
    writer: &'a mut W,
    buf: CopyBuffer,
}

impl<R, W> Future for Copy<'_, R, W>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        me.buf
            .poll_copy(cx, Pin::new(&mut *me.reader), Pin::new(&mut *me.writer))
    }
}

/// Copies everything from `reader` to `writer` until end of file, then flushes; returns the number
/// of bytes copied.
///
/// Uses an 8 KiB buffer. For a reader that already buffers, [`copy_buf`](crate::io::copy_buf)
/// avoids the second copy. Not cancel safe: bytes read but not yet written when the future is dropped
/// are lost.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut src: &[u8] = b"hello";
/// let mut dst = Vec::new();
/// let n = eddy::io::copy(&mut src, &mut dst).await.unwrap();
/// assert_eq!((n, &dst[..]), (5, &b"hello"[..]));
/// # });
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    Copy {
        reader,
        writer,
        buf: CopyBuffer::new(DEFAULT_BUF_SIZE),
    }
    .await
}
