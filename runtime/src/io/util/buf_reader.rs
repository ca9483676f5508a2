//! `BufReader`: adds a read buffer to any `AsyncRead`.

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// The default buffer size of [`BufReader`] and [`BufWriter`](crate::io::BufWriter): 8 KiB.
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

pin_project_lite::pin_project! {
    /// Buffers the reads of an [`AsyncRead`], so that many small reads cost few calls to the inner
    /// reader, and gives it [`AsyncBufRead`] (for `read_line`, `lines`, …).
    ///
    /// Reads at least as large as the buffer bypass it when it is empty. Dropping a `BufReader`
    /// drops any bytes still buffered.
    #[derive(Debug)]
    pub struct BufReader<R> {
        #[pin]
        inner: R,
        buf: Box<[u8]>,
        // Unread bytes are `buf[pos..filled]`.
        pos: usize,
        filled: usize,
        // Where a seek through this reader stands (see `SeekState`).
        seek: SeekState,
    }
}

/// The progress of a seek through a [`BufReader`]; seeking is deferred to `poll_complete` because it
/// must first wait for the inner reader to finish any seek of its own.
#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// No seek of ours waits to be started.
    Idle,
    /// `start_seek` was called with this position; nothing is started on the inner reader yet.
    Start(SeekFrom),
    /// `SeekFrom::Current(n)` could not be folded into one inner seek (subtracting the buffered
    /// bytes overflowed): the inner reader is seeking back over the buffered bytes, and
    /// `SeekFrom::Current(n)` follows once that completes.
    Underflow(i64),
}

impl<R: AsyncRead> BufReader<R> {
    /// Wraps `inner` with a buffer of the default size (8 KiB).
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes.
    ///
    /// # Panics
    /// Panics if `capacity` is zero.
    #[track_caller]
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        assert!(capacity > 0, "capacity must be greater than zero");
        BufReader {
            inner,
            buf: vec![0; capacity].into_boxed_slice(),
            pos: 0,
            filled: 0,
            seek: SeekState::Idle,
        }
    }
}

impl<R> BufReader<R> {
    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably; reading from it directly skips buffered bytes.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Returns the inner reader; buffered bytes are lost.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The bytes buffered and not yet read.
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    fn discard_buffer(self: Pin<&mut Self>) {
        let me = self.project();
        *me.pos = 0;
        *me.filled = 0;
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Nothing buffered and a big read: skip our buffer entirely.
        if self.pos == self.filled && buf.remaining() >= self.buf.len() {
            let res = ready!(self.as_mut().get_pin_mut().poll_read(cx, buf));
            self.discard_buffer();
            return Poll::Ready(res);
        }
        let rem = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = rem.len().min(buf.remaining());
        buf.put_slice(&rem[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.project();
        if *me.pos >= *me.filled {
            let mut buf = ReadBuf::new(me.buf);
            ready!(me.inner.poll_read(cx, &mut buf))?;
            *me.filled = buf.filled().len();
            *me.pos = 0;
        }
        Poll::Ready(Ok(&me.buf[*me.pos..*me.filled]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.project();
        *me.pos = (*me.pos + amt).min(*me.filled);
    }
}

impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    /// Seeks the inner reader. Seeking always discards the buffer; `SeekFrom::Current` counts from
    /// the position of the next byte this `BufReader` would return, not the inner reader's.
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        *self.project().seek = SeekState::Start(pos);
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        loop {
            match self.seek {
                SeekState::Idle => return self.get_pin_mut().poll_complete(cx),
                SeekState::Start(pos) => {
                    // Finish any seek in progress on the inner reader before starting ours.
                    ready!(self.as_mut().get_pin_mut().poll_complete(cx))?;
                    // From here the seek is either started or failed; never retried.
                    *self.as_mut().project().seek = SeekState::Idle;
                    let pos = match pos {
                        SeekFrom::Current(n) => {
                            let buffered = (self.filled - self.pos) as i64;
                            match n.checked_sub(buffered) {
                                Some(offset) => SeekFrom::Current(offset),
                                None => {
                                    // Two steps: back to the position of our next byte, then `n`.
                                    let back = SeekFrom::Current(-buffered);
                                    self.as_mut().get_pin_mut().start_seek(back)?;
                                    self.as_mut().discard_buffer();
                                    *self.as_mut().project().seek = SeekState::Underflow(n);
                                    continue;
                                }
                            }
                        }
                        other => other,
                    };
                    self.as_mut().get_pin_mut().start_seek(pos)?;
                    self.as_mut().discard_buffer();
                }
                SeekState::Underflow(n) => {
                    ready!(self.as_mut().get_pin_mut().poll_complete(cx))?;
                    *self.as_mut().project().seek = SeekState::Idle;
                    self.as_mut()
                        .get_pin_mut()
                        .start_seek(SeekFrom::Current(n))?;
                }
            }
        }
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.get_ref().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}
