//! `AsyncBufReadExt`: the `async fn`-style methods every `AsyncBufRead` gets.

use std::pin::Pin;

use super::lines::{lines, split, Lines, Split};
use super::read_until::{fill_buf, read_line, read_until, FillBuf, ReadLine, ReadUntil};
use crate::io::AsyncBufRead;

/// Buffered reading utilities for every [`AsyncBufRead`].
///
/// ```
/// use eddy::io::AsyncBufReadExt;
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut lines = (&b"one\r\ntwo\n"[..]).lines();
/// assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
/// assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
/// assert_eq!(lines.next_line().await.unwrap(), None);
/// # });
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads into `buf` up to and including `byte`, or to end of file; returns the bytes read.
    ///
    /// Cancel safe in the sense that bytes read before cancellation are in `buf` and a new call
    /// continues from there (its count starts again at zero).
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        read_until(self, byte, buf)
    }

    /// Reads a line (up to and including `\n`, or to end of file) and appends it to `buf`.
    ///
    /// Returns the number of bytes read; `0` means end of file. If the bytes are not UTF-8 the result
    /// is an [`InvalidData`](std::io::ErrorKind::InvalidData) error and `buf` is left as it was.
    /// Not cancel safe: if cancelled, the bytes read may be lost (the partial line is appended to
    /// `buf` when it is UTF-8); prefer [`lines`](AsyncBufReadExt::lines) in `select!`.
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        read_line(self, buf)
    }

    /// Turns this reader into an iterator over segments separated by `byte`.
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized + Unpin,
    {
        split(self, byte)
    }

    /// Returns the buffered bytes, reading more if the buffer is empty; empty means end of file.
    ///
    /// Cancel safe. Follow with [`consume`](AsyncBufReadExt::consume) to mark bytes as read.
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        fill_buf(self)
    }

    /// Marks `amt` buffered bytes as read.
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// Turns this reader into an iterator over its lines (without `\n` / `\r\n`).
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        lines(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
