//! The futures behind `AsyncBufReadExt`'s `fill_buf`, `read_until` and `read_line`.

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncBufRead;

/// Future for [`AsyncBufReadExt::fill_buf`](crate::io::AsyncBufReadExt::fill_buf).
///
/// Cancel safe: filling the buffer consumes nothing.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    // `None` once the future has returned the borrowed buffer.
    reader: Option<&'a mut R>,
}

pub(crate) fn fill_buf<R: AsyncBufRead + Unpin + ?Sized>(reader: &mut R) -> FillBuf<'_, R> {
    FillBuf {
        reader: Some(reader),
    }
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&'a [u8]>> {
        let me = self.get_mut();
        let reader: &'a mut R = me.reader.take().expect("FillBuf polled after completion");
        let res = match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Ok(buf)) => Ok((buf.as_ptr(), buf.len())),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => {
                me.reader = Some(reader);
                return Poll::Pending;
            }
        };
        // The slice was borrowed from `reader` through a shorter reborrow only because the
        // compiler cannot see that the `Pending` arm (which keeps `reader`) and this path are
        // exclusive. We rebuild it with the full lifetime `'a` instead.
        Poll::Ready(res.map(|(ptr, len)| {
            // SAFETY: `ptr..ptr+len` is the buffer `poll_fill_buf` returned, borrowed from `*reader`.
            // We gave up `reader` (it is not put back in `self`), so nothing else can reach it for
            // `'a`, and the buffer stays valid and unchanged for as long as the `&'a mut R` borrow
            // it came from, which is exactly `'a`.
            unsafe { std::slice::from_raw_parts(ptr, len) }
        }))
    }
}

/// Appends bytes to `buf` up to and including `delim` (or end of file), counting them in `read`.
///
/// Bytes are moved from the reader to `buf` as they become available, so nothing is lost if the
/// caller stops polling. Returns the count and resets `read` to zero.
pub(crate) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delim: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (found, used) = {
            let available = match ready!(reader.as_mut().poll_fill_buf(cx)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res?,
            };
            match available.iter().position(|&b| b == delim) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (false, available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        if found || used == 0 {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncBufReadExt::read_until`](crate::io::AsyncBufReadExt::read_until).
    ///
    /// Cancel safe in Tokio's sense: bytes read before cancellation are in the vector, and calling
    /// again continues the search for the delimiter.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadUntil<'a, R: ?Sized> {
        reader: &'a mut R,
        delim: u8,
        buf: &'a mut Vec<u8>,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_until<'a, R: AsyncBufRead + Unpin + ?Sized>(
    reader: &'a mut R,
    delim: u8,
    buf: &'a mut Vec<u8>,
) -> ReadUntil<'a, R> {
    ReadUntil {
        reader,
        delim,
        buf,
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        poll_read_until(Pin::new(&mut **me.reader), cx, *me.delim, me.buf, me.read)
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncBufReadExt::read_line`](crate::io::AsyncBufReadExt::read_line).
    ///
    /// While it runs the string's allocation lives here as bytes and the string is empty. At the end:
    /// success appends the line; an I/O error keeps what was read if it is UTF-8; invalid UTF-8 gives
    /// an [`InvalidData`](std::io::ErrorKind::InvalidData) error and leaves the string as it was
    /// (the bytes read are lost). If dropped early, the string gets back its contents plus the
    /// partial line when that is UTF-8.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadLine<'a, R: ?Sized> {
        reader: &'a mut R,
        output: &'a mut String,
        bytes: Vec<u8>,
        original_len: usize,
        read: usize,
        done: bool,
        #[pin]
        _pin: PhantomPinned,
    }

    impl<R: ?Sized> PinnedDrop for ReadLine<'_, R> {
        fn drop(this: Pin<&mut Self>) {
            let me = this.project();
            if !*me.done {
                let _ = finish_line(me.output, std::mem::take(me.bytes), *me.original_len);
            }
        }
    }
}

/// Stores `bytes` (original contents, then new bytes) into `output`: all of it if the new part is
/// UTF-8, else only the original. Returns whether the new part was UTF-8.
fn finish_line(
    output: &mut String,
    mut bytes: Vec<u8>,
    original_len: usize,
) -> Result<(), std::str::Utf8Error> {
    // The whole string is checked so that the error's `valid_up_to` counts from its start.
    let res = std::str::from_utf8(&bytes).map(drop);
    if res.is_err() {
        bytes.truncate(original_len);
    }
    // SAFETY: the first `original_len` bytes came from a `String`; anything after them is kept only
    // if it was just checked to be UTF-8.
    *output = unsafe { String::from_utf8_unchecked(bytes) };
    res
}

pub(crate) fn read_line<'a, R: AsyncBufRead + Unpin + ?Sized>(
    reader: &'a mut R,
    output: &'a mut String,
) -> ReadLine<'a, R> {
    let bytes = std::mem::take(output).into_bytes();
    ReadLine {
        reader,
        output,
        original_len: bytes.len(),
        bytes,
        read: 0,
        done: false,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let res = ready!(poll_read_until(
            Pin::new(&mut **me.reader),
            cx,
            b'\n',
            me.bytes,
            me.read
        ));
        *me.done = true;
        let utf8 = finish_line(me.output, std::mem::take(me.bytes), *me.original_len);
        Poll::Ready(match (res, utf8) {
            (Ok(n), Ok(())) => Ok(n),
            (Ok(_), Err(e)) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            (Err(e), _) => Err(e),
        })
    }
}
