//! `repeat(byte)`: a reader that yields one byte forever.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::poll_proceed_and_make_progress;
use crate::io::{AsyncRead, ReadBuf};

/// A reader that fills every buffer with the same byte, forever. Created by [`repeat()`].
///
/// Always ready, so each read spends a unit of the task's cooperative budget.
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// Creates a reader that yields `byte` endlessly.
///
/// ```
/// use eddy::io::AsyncReadExt;
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut buf = [0; 3];
/// eddy::io::repeat(7).read_exact(&mut buf).await.unwrap();
/// assert_eq!(buf, [7, 7, 7]);
/// # });
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        let n = buf.remaining();
        buf.initialize_unfilled().fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}
