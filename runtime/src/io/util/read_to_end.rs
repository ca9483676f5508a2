//! The futures behind `AsyncReadExt::read_to_end` and `AsyncReadExt::read_to_string`.
//!
//! Both read straight into the spare capacity of a `Vec<u8>` without zeroing it first, and remember
//! how much of that spare capacity a previous read already initialized so a reader that needs an
//! initialized slice does not zero the same bytes twice.

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// How much to grow the vector by at least, when it is full.
const MIN_GROW: usize = 32;

/// Reads from `reader` into `vec` until end of file, counting the bytes into `read`.
///
/// `init` is the number of initialized bytes in `vec`'s spare capacity. Bytes are appended to `vec`
/// as they arrive, so a caller that stops polling keeps what was read.
pub(crate) fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    init: &mut usize,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        if vec.len() == vec.capacity() {
            // Full: probe with a small stack buffer first, so that a vector sized exactly for the
            // data is not reallocated just to learn that the reader is at end of file.
            let mut probe = [0u8; MIN_GROW];
            let mut buf = ReadBuf::new(&mut probe);
            match ready!(reader.as_mut().poll_read(cx, &mut buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
                Ok(()) if buf.filled().is_empty() => return Poll::Ready(Ok(std::mem::take(read))),
                Ok(()) => {
                    // Grows geometrically; the initialized count is forgotten since a
                    // reallocation copies only the length.
                    vec.extend_from_slice(buf.filled());
                    *read += buf.filled().len();
                    *init = 0;
                    continue;
                }
            }
        }
        let len = vec.len();
        let mut buf = ReadBuf::uninit(vec.spare_capacity_mut());
        // SAFETY: `init` counts spare-capacity bytes that an earlier read initialized, and the vector
        // has not been reallocated since (we reset `init` whenever it may have been).
        unsafe { buf.assume_init(*init) };
        let res = reader.as_mut().poll_read(cx, &mut buf);
        let n = buf.filled().len();
        let now_init = buf.initialized().len();
        // SAFETY: the reader initialized and filled `n` bytes right after the current length (a
        // `ReadBuf` only counts bytes as filled once they are initialized).
        unsafe { vec.set_len(len + n) };
        *init = now_init - n;
        *read += n;
        match res {
            Poll::Pending => {
                debug_assert_eq!(n, 0, "poll_read returned Pending after filling bytes");
                return Poll::Pending;
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) if n == 0 => return Poll::Ready(Ok(std::mem::take(read))),
            Poll::Ready(Ok(())) => {}
        }
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncReadExt::read_to_end`](crate::io::AsyncReadExt::read_to_end).
    ///
    /// Not cancel safe in the sense that the count is lost, but the bytes read stay in the vector.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadToEnd<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut Vec<u8>,
        init: usize,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_to_end<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
) -> ReadToEnd<'a, R> {
    ReadToEnd {
        reader,
        buf,
        init: 0,
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        poll_read_to_end(Pin::new(&mut **me.reader), cx, me.buf, me.init, me.read)
    }
}

pin_project_lite::pin_project! {
    /// Future for [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string).
    ///
    /// While it runs, the string's allocation lives in the future as bytes and the string is empty;
    /// UTF-8 is checked once, at the end. On any error the string is left as it was before the call.
    /// Not cancel safe: if dropped early, the string gets back its original contents and the bytes
    /// read are lost.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadToString<'a, R: ?Sized> {
        reader: &'a mut R,
        output: &'a mut String,
        bytes: Vec<u8>,
        original_len: usize,
        init: usize,
        read: usize,
        #[pin]
        _pin: PhantomPinned,
    }

    impl<R: ?Sized> PinnedDrop for ReadToString<'_, R> {
        fn drop(this: Pin<&mut Self>) {
            let me = this.project();
            if !me.bytes.is_empty() || me.output.is_empty() {
                let mut bytes = std::mem::take(me.bytes);
                bytes.truncate(*me.original_len);
                **me.output = String::from_utf8(bytes).expect("the original string was UTF-8");
            }
        }
    }
}

pub(crate) fn read_to_string<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    output: &'a mut String,
) -> ReadToString<'a, R> {
    let bytes = std::mem::take(output).into_bytes();
    ReadToString {
        reader,
        output,
        original_len: bytes.len(),
        bytes,
        init: 0,
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let res = ready!(poll_read_to_end(
            Pin::new(&mut **me.reader),
            cx,
            me.bytes,
            me.init,
            me.read
        ));
        let mut bytes = std::mem::take(me.bytes);
        // Validate the whole string so that the error's `valid_up_to` counts from its start.
        let res = res.and_then(|n| match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(n),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        });
        if res.is_err() {
            bytes.truncate(*me.original_len);
        }
        // SAFETY: the first `original_len` bytes came from a `String`, and the rest (if kept) were
        // just checked to be UTF-8; a UTF-8 prefix followed by UTF-8 is UTF-8.
        **me.output = unsafe { String::from_utf8_unchecked(bytes) };
        Poll::Ready(res)
    }
}
