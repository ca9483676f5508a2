//! `split`: one `AsyncRead + AsyncWrite` value shared by a read half and a write half.
//!
//! Both halves hold an `Arc` to the stream behind a mutex, locked only for the duration of one poll,
//! so the halves can be used from different tasks. This is the general-purpose version: sockets
//! offer lock-free `split`/`into_split` of their own.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use parking_lot::Mutex;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The read half of a stream, created by [`split`].
pub struct ReadHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// The write half of a stream, created by [`split`].
pub struct WriteHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// Splits a stream into a read half and a write half that can be used from different tasks.
///
/// Put them back together with [`ReadHalf::unsplit`].
///
/// ```
/// use eddy::io::{AsyncReadExt, AsyncWriteExt};
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, mut b) = eddy::io::duplex(64);
/// let (mut rd, mut wr) = eddy::io::split(a);
/// wr.write_all(b"ping").await.unwrap();
/// let mut buf = [0; 4];
/// b.read_exact(&mut buf).await.unwrap();
/// b.write_all(b"pong").await.unwrap();
/// rd.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"pong");
/// # });
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let inner = Arc::new(Mutex::new(stream));
    (
        ReadHalf {
            inner: inner.clone(),
        },
        WriteHalf { inner },
    )
}

/// Locks the shared stream and pins it for one operation.
fn with_pinned<T, R>(inner: &Arc<Mutex<T>>, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
    let mut guard = inner.lock();
    // SAFETY: the stream lives in the `Arc`'s heap block and is never moved out of it while pinned:
    // the only way out is `unsplit`, which requires `T: Unpin`. So once pinned here it stays put
    // until it is dropped in place.
    let pinned = unsafe { Pin::new_unchecked(&mut *guard) };
    f(pinned)
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half split from the same stream as this one.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Puts the two halves back together into the original stream.
    ///
    /// # Panics
    /// Panics if `wr` is not the other half of this stream.
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(self.is_pair_of(&wr), "unrelated `split::Write` passed");
        drop(wr);
        let inner = Arc::try_unwrap(self.inner)
            .ok()
            .expect("`Arc::try_unwrap` failed");
        inner.into_inner()
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half split from the same stream as this one.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_pinned(&self.inner, |s| s.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_pinned(&self.inner, |s| s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_pinned(&self.inner, |s| s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.lock().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_pinned(&self.inner, |s| s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_pinned(&self.inner, |s| s.poll_shutdown(cx))
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("split::ReadHalf").finish()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("split::WriteHalf").finish()
    }
}
