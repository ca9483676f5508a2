//! `copy_buf`: copies from a buffered reader without a buffer of its own.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::write::write_zero;
use crate::io::{AsyncBufRead, AsyncWrite};

/// Future for [`copy_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
struct CopyBuf<'a, R: ?Sized, W: ?Sized> {
    reader: &'a mut R,
    writer: &'a mut W,
    amt: u64,
}

impl<R, W> Future for CopyBuf<'_, R, W>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        let coop = ready!(crate::coop::poll_proceed(cx));
        loop {
            let buf = match Pin::new(&mut *me.reader).poll_fill_buf(cx) {
                Poll::Ready(Ok(buf)) => buf,
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Ready(Err(e)) => {
                    coop.made_progress();
                    return Poll::Ready(Err(e));
                }
                // Flushing while waiting for input keeps bytes from sitting in the writer.
                Poll::Pending => {
                    ready!(Pin::new(&mut *me.writer).poll_flush(cx))?;
                    return Poll::Pending;
                }
            };
            if buf.is_empty() {
                ready!(Pin::new(&mut *me.writer).poll_flush(cx))?;
                coop.made_progress();
                return Poll::Ready(Ok(me.amt));
            }
            let n = match ready!(Pin::new(&mut *me.writer).poll_write(cx, buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
            coop.made_progress();
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            Pin::new(&mut *me.reader).consume(n);
            me.amt += n as u64;
        }
    }
}

/// Copies everything from the buffered `reader` to `writer` until end of file, then flushes;
/// returns the number of bytes copied.
///
/// Writes straight from the reader's own buffer, so no extra buffer is allocated. Cancel safe in the
/// sense that bytes are consumed from the reader only once written.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut src: &[u8] = b"hello";
/// let mut dst = Vec::new();
/// assert_eq!(eddy::io::copy_buf(&mut src, &mut dst).await.unwrap(), 5);
/// # });
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    CopyBuf {
        reader,
        writer,
        amt: 0,
    }
    .await
}
