//! In-memory pipes: `simplex` (one direction) and `duplex` (two simplex pipes crossed).
//!
//! A `SimplexStream` is a bounded byte queue with one reader waker and one writer waker. A write
//! into a full queue waits for the reader; a read from an empty queue waits for the writer. Closing
//! (shutdown of the write side, or dropping either end of a duplex) wakes both: the reader drains
//! what is left and then sees end of file; the writer gets `BrokenPipe`.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

use parking_lot::Mutex;

use crate::io::{split, AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};

/// A unidirectional in-memory pipe: bytes written to it can be read back from it.
///
/// Use [`simplex`] for separate halves, or [`SimplexStream::new_unsplit`] for one value that is
/// both ends.
#[derive(Debug)]
pub struct SimplexStream {
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// Creates a unidirectional pipe holding at most `max_buf_size` bytes, as read and write halves.
///
/// # Panics
/// If `max_buf_size` is zero (no write could ever complete).
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

impl SimplexStream {
    /// Creates a pipe that holds at most `max_buf_size` bytes, not split into halves.
    ///
    /// # Panics
    /// If `max_buf_size` is zero (no write could ever complete).
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        SimplexStream {
            buffer: VecDeque::new(),
            max_buf_size,
            closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    fn close(&mut self) -> Deferred {
        self.closed = true;
        Deferred {
            wake: [self.read_waker.take(), self.write_waker.take()],
            stale: None,
        }
    }

    fn read_some(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> (Poll<io::Result<()>>, Deferred) {
        let mut deferred = Deferred::default();
        if self.buffer.is_empty() && buf.remaining() > 0 {
            if self.closed {
                return (Poll::Ready(Ok(())), deferred);
            }
            deferred.stale = self.read_waker.replace(cx.waker().clone());
            return (Poll::Pending, deferred);
        }
        let (front, back) = self.buffer.as_slices();
        let n1 = front.len().min(buf.remaining());
        buf.put_slice(&front[..n1]);
        let n2 = back.len().min(buf.remaining());
        buf.put_slice(&back[..n2]);
        self.buffer.drain(..n1 + n2);
        if n1 + n2 > 0 {
            deferred.wake[0] = self.write_waker.take();
        }
        (Poll::Ready(Ok(())), deferred)
    }

    fn write_some(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> (Poll<io::Result<usize>>, Deferred) {
        let mut deferred = Deferred::default();
        if self.closed {
            return (Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())), deferred);
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return (Poll::Ready(Ok(0)), deferred);
        }
        let room = self.max_buf_size - self.buffer.len();
        if room == 0 {
            deferred.stale = self.write_waker.replace(cx.waker().clone());
            return (Poll::Pending, deferred);
        }
        let mut n = 0;
        for b in bufs {
            let take = b.len().min(room - n);
            self.buffer.extend(&b[..take]);
            n += take;
            if n == room {
                break;
            }
        }
        deferred.wake[0] = self.read_waker.take();
        (Poll::Ready(Ok(n)), deferred)
    }
}

/// Wakers to wake, and a replaced waker to drop, once the pipe's lock is released: a waker may run
/// arbitrary code (even poll the other end of the pipe), which would deadlock under the lock.
#[derive(Default)]
#[must_use = "run it after releasing the lock"]
struct Deferred {
    wake: [Option<Waker>; 2],
    stale: Option<Waker>,
}

impl Deferred {
    /// Wakes the wakers and drops the replaced one; call with no lock held.
    fn run(self) {
        let Deferred { wake, stale } = self;
        for w in wake.into_iter().flatten() {
            w.wake();
        }
        drop(stale);
    }
}

/// Runs one pipe operation inside the cooperative budget: a unit is spent only if the operation is
/// ready. `op` returns its wake-ups, which run after it (and any lock it took) is done.
fn with_budget<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> (Poll<T>, Deferred),
) -> Poll<T> {
    let coop = ready!(crate::coop::poll_proceed(cx));
    let (res, deferred) = op(cx);
    deferred.run();
    if res.is_ready() {
        coop.made_progress();
    }
    res
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.read_some(cx, buf))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.write_some(cx, &[IoSlice::new(buf)]))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        with_budget(cx, |cx| me.write_some(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe: the reader sees end of file once it has read what is buffered.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close().run();
        Poll::Ready(Ok(()))
    }
}

/// One end of a bidirectional in-memory pipe, created by [`duplex`].
///
/// What one end writes, the other reads. Dropping an end closes both directions: the other end
/// reads what is buffered and then end of file, and its writes fail with `BrokenPipe`.
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// Creates a pair of connected in-memory streams; each direction buffers at most `max_buf_size`
/// bytes.
///
/// ```
/// use eddy::io::{AsyncReadExt, AsyncWriteExt};
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut client, mut server) = eddy::io::duplex(64);
/// client.write_all(b"ping").await.unwrap();
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # });
/// ```
///
/// # Panics
/// If `max_buf_size` is zero (no write could ever complete).
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_budget(cx, |cx| self.read.lock().read_some(cx, buf))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx| {
            self.write.lock().write_some(cx, &[IoSlice::new(buf)])
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx| self.write.lock().write_some(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        let deferred = self.write.lock().close();
        deferred.run();
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let deferred = self.write.lock().close();
        deferred.run();
        let deferred = self.read.lock().close();
        deferred.run();
    }
}
