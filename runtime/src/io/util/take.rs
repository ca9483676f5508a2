//! `Take`: a reader that stops after a limit.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

pin_project_lite::pin_project! {
    /// A reader that yields at most `limit` bytes of its inner reader, then end of file.
    ///
    /// Created by [`AsyncReadExt::take`](crate::io::AsyncReadExt::take).
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Take<R> {
        #[pin]
        inner: R,
        limit: u64,
    }
}

pub(crate) fn take<R: AsyncRead>(inner: R, limit: u64) -> Take<R> {
    Take { inner, limit }
}

impl<R: AsyncRead> Take<R> {
    /// The number of bytes that can still be read before end of file.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets the number of bytes that can still be read.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably; reading from it directly bypasses the limit.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Returns the inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let me = self.project();
        let max = usize::try_from(*me.limit).unwrap_or(usize::MAX);
        let mut sub = buf.take(max);
        let before = sub.filled().as_ptr();
        ready!(me.inner.poll_read(cx, &mut sub))?;
        // The inner reader must fill the buffer it was given, not swap in another.
        assert_eq!(before, sub.filled().as_ptr());
        let n = sub.filled().len();
        let init = sub.initialized().len();
        // SAFETY: `sub` covers `buf`'s unfilled region from its start; it reports `init` bytes from
        // there as initialized.
        unsafe { buf.assume_init(init) };
        buf.advance(n);
        *me.limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.project();
        if *me.limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let buf = ready!(me.inner.poll_fill_buf(cx))?;
        let cap = usize::try_from(*me.limit)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        Poll::Ready(Ok(&buf[..cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.project();
        let amt = (amt as u64).min(*me.limit) as usize;
        *me.limit -= amt as u64;
        me.inner.consume(amt);
    }
}
