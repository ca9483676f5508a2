//! A connection's two buffers: `Input` (bytes read, not yet parsed or consumed) and `Output`
//! (responses encoded, not yet written).
//!
//! Both are poll-based underneath so that the connection can drive them inside one `poll_fn`
//! together with the handler's future, and both keep their progress in their own fields: a read or
//! a write that is interrupted (its caller stops polling) loses and repeats nothing.

use crate::TcpStream;
use eddy_runtime::io::{AsyncRead, AsyncWrite, ReadBuf};
use eddy_runtime::time::timeout;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// How much room a read asks for at least.
pub(crate) const READ_CHUNK: usize = 8 * 1024;

/// The read side: a buffer holding `buf[start..]` unread bytes. Reads append into the vector's
/// spare capacity, which is never zeroed (a connection's first read costs no 16 KiB `memset`).
pub(crate) struct Input {
    buf: Vec<u8>,
    start: usize,
}

impl Input {
    /// An empty input buffer.
    pub(crate) fn new() -> Input {
        Input {
            buf: Vec::with_capacity(READ_CHUNK * 2),
            start: 0,
        }
    }

    /// The unread bytes.
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// `true` if no unread bytes are buffered.
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }

    /// Marks the first `n` unread bytes as consumed.
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.buf.len() - self.start);
        self.start += n;
    }

    /// Forgets everything buffered.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// Moves unread bytes to the front and makes room for a read.
    #[inline]
    fn make_room(&mut self) {
        if self.start == self.buf.len() {
            self.clear();
        }
        if self.buf.capacity() - self.buf.len() < READ_CHUNK {
            self.make_room_slow();
        }
    }

    /// [`make_room`](Input::make_room) when there is less than a read's room left: compacts, and
    /// grows the buffer if that was not enough.
    #[cold]
    fn make_room_slow(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        // At least a read's room; `reserve` grows by doubling, so a long head costs O(n) copying.
        self.buf.reserve(READ_CHUNK);
    }

    /// One read appended to the buffer; `Ready(Ok(0))` means the peer closed.
    #[inline]
    pub(crate) fn poll_read_more(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut TcpStream,
    ) -> Poll<io::Result<usize>> {
        self.make_room();
        let mut rb = ReadBuf::uninit(self.buf.spare_capacity_mut());
        ready!(Pin::new(stream).poll_read(cx, &mut rb))?;
        let n = rb.filled().len();
        let len = self.buf.len() + n;
        // SAFETY: the read filled (initialized) the first `n` bytes of the spare capacity, which
        // start at `buf.len()`; `ReadBuf` never counts as filled more than its buffer holds.
        unsafe { self.buf.set_len(len) };
        Poll::Ready(Ok(n))
    }

    /// One read appended to the buffer; `Ok(0)` means the peer closed.
    pub(crate) async fn read_more(&mut self, stream: &mut TcpStream) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_more(cx, stream)).await
    }
}

/// The write side: encoded bytes, of which `buf[written..]` have not been written yet.
pub(crate) struct Output {
    pub(crate) buf: Vec<u8>,
    written: usize,
    /// The longest [`flush`](Output::flush) waits for the socket to take any byte.
    write_timeout: Duration,
}

impl Output {
    /// An empty output buffer whose flushes give up after `write_timeout` without progress.
    pub(crate) fn new(write_timeout: Duration) -> Output {
        Output {
            buf: Vec::with_capacity(READ_CHUNK),
            written: 0,
            write_timeout,
        }
    }

    /// Writes out everything buffered; the buffer is empty when this returns `Ready(Ok)`.
    #[inline]
    pub(crate) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut TcpStream,
    ) -> Poll<io::Result<()>> {
        while self.written < self.buf.len() {
            let n = ready!(Pin::new(&mut *stream).poll_write(cx, &self.buf[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.buf.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Writes out everything buffered. Fails with `TimedOut` if the socket takes no byte for the
    /// write timeout (the client is not reading). No timer is involved unless the socket is full.
    pub(crate) async fn flush(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        // First without a timer: usually the whole buffer goes at once.
        match poll_fn(|cx| Poll::Ready(self.poll_flush(cx, stream))).await {
            Poll::Ready(r) => r,
            Poll::Pending => self.flush_timed(stream).await,
        }
    }

    /// The rest of [`flush`](Output::flush), once the socket is full: each wait for it to take
    /// something is bounded by the write timeout.
    pub(crate) async fn flush_timed(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        loop {
            if self.buf.is_empty() {
                return Ok(());
            }
            // The socket is full: wait for it to take something, within the timeout.
            let (before, limit) = (self.written, self.write_timeout);
            let progress = poll_fn(|cx| match self.poll_flush(cx, stream) {
                Poll::Ready(r) => Poll::Ready(Some(r)),
                Poll::Pending if self.written > before => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            });
            match timeout(limit, progress).await {
                Ok(Some(r)) => return r,
                Ok(None) => {}
                Err(_) => return Err(io::ErrorKind::TimedOut.into()),
            }
        }
    }
}
