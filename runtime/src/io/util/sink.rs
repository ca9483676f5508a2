//! `sink()`: a writer that accepts and drops every byte.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::poll_proceed_and_make_progress;
use crate::io::AsyncWrite;

/// A writer that accepts every byte and drops it. Created by [`sink()`].
///
/// Always ready, so each operation spends a unit of the task's cooperative budget.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sink {
    _priv: (),
}

/// Creates a writer that discards everything written to it.
///
/// ```
/// use eddy::io::AsyncWriteExt;
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let n = eddy::io::sink().write(b"gone").await.unwrap();
/// assert_eq!(n, 4);
/// # });
/// ```
pub fn sink() -> Sink {
    Sink { _priv: () }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }
}
