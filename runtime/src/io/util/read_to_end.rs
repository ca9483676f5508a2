//! The futures behind `AsyncReadExt::read_to_end` and `AsyncReadExt::read_to_string`.
//!
//! Both read straight into the spare capacity of a `Vec<u8>` without zeroing it first, and remember
//! how much of that spare capacity a previous read already initialized so a reader that needs an
//! initialized slice does not zero the same bytes twice.
//!
//! Growth policy, chosen so that a vector the caller sized for the data is never reallocated: while
//! at least [`PROBE`] bytes are spare, reads go straight into the vector. With less spare room, a
//! vector that still has the capacity it started with is first probed with a small read on the
//! stack (end of file then costs no allocation), and only grows if the probe's bytes do not fit; a
//! vector that has already grown once is simply grown again (`Vec::reserve`, which doubles).

use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// The size of the stack probe, and the least spare room worth a direct read into the vector.
const PROBE: usize = 32;

/// What a read-to-end remembers between polls.
#[derive(Debug)]
pub(crate) struct Progress {
    /// Bytes appended so far.
    read: usize,
    /// Initialized bytes at the start of the vector's spare capacity.
    init: usize,
    /// The vector's capacity when the read began (see the module doc's growth policy).
    start_capacity: usize,
}

impl Progress {
    /// The progress of a read into a vector that now has `capacity`.
    pub(crate) fn new(capacity: usize) -> Progress {
        Progress {
            read: 0,
            init: 0,
            start_capacity: capacity,
        }
    }
}

/// Reads from `reader` into `vec` until end of file, counting the bytes in `progress`.
///
/// Bytes are appended to `vec` as they arrive, so a caller that stops polling keeps what was read.
pub(crate) fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    progress: &mut Progress,
) -> Poll<io::Result<usize>> {
    loop {
        if vec.capacity() - vec.len() < PROBE {
            if vec.capacity() != progress.start_capacity {
                // Already grown once: grow again rather than probe. Reallocation copies only the
                // length, so the initialized spare bytes are forgotten.
                vec.reserve(PROBE);
                progress.init = 0;
            } else {
                let mut probe = [MaybeUninit::<u8>::uninit(); PROBE];
                let mut buf = ReadBuf::uninit(&mut probe);
                match ready!(reader.as_mut().poll_read(cx, &mut buf)) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Poll::Ready(Err(e)),
                    Ok(()) if buf.filled().is_empty() => {
                        return Poll::Ready(Ok(std::mem::take(&mut progress.read)));
                    }
                    Ok(()) => {
                        let bytes = buf.filled();
                        if bytes.len() > vec.capacity() - vec.len() {
                            vec.reserve(PROBE.max(bytes.len()));
                            progress.init = 0;
                        } else {
                            progress.init = progress.init.saturating_sub(bytes.len());
                        }
                        vec.extend_from_slice(bytes);
                        progress.read += bytes.len();
                        continue;
                    }
                }
            }
        }
        let len = vec.len();
        let mut buf = ReadBuf::uninit(vec.spare_capacity_mut());
        // SAFETY: `progress.init` counts spare-capacity bytes that an earlier read initialized, and
        // the vector has not been reallocated since (the count is reset whenever it may have been).
        unsafe { buf.assume_init(progress.init) };
        let res = reader.as_mut().poll_read(cx, &mut buf);
        let n = buf.filled().len();
        let now_init = buf.initialized().len();
        // SAFETY: the reader initialized and filled `n` bytes right after the current length (a
        // `ReadBuf` only counts bytes as filled once they are initialized).
        unsafe { vec.set_len(len + n) };
        progress.init = now_init - n;
        progress.read += n;
        match res {
            Poll::Pending => {
                debug_assert_eq!(n, 0, "poll_read returned Pending after filling bytes");
                return Poll::Pending;
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) if n == 0 => {
                return Poll::Ready(Ok(std::mem::take(&mut progress.read)));
            }
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
        progress: Progress,
        #[pin]
        _pin: PhantomPinned,
    }
}

pub(crate) fn read_to_end<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
) -> ReadToEnd<'a, R> {
    let progress = Progress::new(buf.capacity());
    ReadToEnd {
        reader,
        buf,
        progress,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        poll_read_to_end(Pin::new(&mut **me.reader), cx, me.buf, me.progress)
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
        progress: Progress,
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
        progress: Progress::new(bytes.capacity()),
        bytes,
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
            me.progress
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
