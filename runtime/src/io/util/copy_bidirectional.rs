//! `copy_bidirectional`: copies both ways between two streams, as a proxy does.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::buf_reader::DEFAULT_BUF_SIZE;
use super::copy::CopyBuffer;
use crate::io::{AsyncRead, AsyncWrite};

/// The progress of one direction.
enum Direction {
    /// Copying.
    Running(CopyBuffer),
    /// The reader hit end of file; shutting down the writer, then done with this many bytes.
    ShuttingDown(u64),
    /// Finished with this many bytes.
    Done(u64),
}

/// Drives one direction from `r` to `w` until it is done; returns the byte count.
fn poll_direction<R, W>(
    cx: &mut Context<'_>,
    state: &mut Direction,
    mut r: Pin<&mut R>,
    mut w: Pin<&mut W>,
) -> Poll<io::Result<u64>>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    loop {
        match state {
            Direction::Running(buf) => {
                let n = ready!(buf.poll_copy(cx, r.as_mut(), w.as_mut()))?;
                *state = Direction::ShuttingDown(n);
            }
            Direction::ShuttingDown(n) => {
                ready!(w.as_mut().poll_shutdown(cx))?;
                *state = Direction::Done(*n);
            }
            Direction::Done(n) => return Poll::Ready(Ok(*n)),
        }
    }
}

/// Future for [`copy_bidirectional`].
struct CopyBidirectional<'a, A: ?Sized, B: ?Sized> {
    a: &'a mut A,
    b: &'a mut B,
    a_to_b: Direction,
    b_to_a: Direction,
}

impl<A, B> Future for CopyBidirectional<'_, A, B>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    type Output = io::Result<(u64, u64)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let a_to_b = poll_direction(
            cx,
            &mut me.a_to_b,
            Pin::new(&mut *me.a),
            Pin::new(&mut *me.b),
        )?;
        let b_to_a = poll_direction(
            cx,
            &mut me.b_to_a,
            Pin::new(&mut *me.b),
            Pin::new(&mut *me.a),
        )?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    }
}

/// Copies from `a` to `b` and from `b` to `a` at the same time, until both reach end of file.
///
/// When one side's reader reaches end of file, the other side's writer is shut down (a socket sends
/// FIN) and the other direction goes on. Returns `(bytes a→b, bytes b→a)`; the first error from
/// either direction ends the whole copy. Uses an 8 KiB buffer per direction.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with the buffer size of each direction given.
///
/// # Panics
///
/// Panics (when first polled) if either buffer size is zero, as Tokio's does: a zero-byte read
/// would look like end of file.
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b_buf_size > 0,
        "`a_to_b_buf_size` must be greater than 0"
    );
    assert!(
        b_to_a_buf_size > 0,
        "`b_to_a_buf_size` must be greater than 0"
    );
    CopyBidirectional {
        a,
        b,
        a_to_b: Direction::Running(CopyBuffer::new(a_to_b_buf_size)),
        b_to_a: Direction::Running(CopyBuffer::new(b_to_a_buf_size)),
    }
    .await
}
