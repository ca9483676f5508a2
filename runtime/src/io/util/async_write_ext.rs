//! `AsyncWriteExt`: the `async fn`-style methods every `AsyncWrite` gets.

use std::io::IoSlice;

use super::write::{
    flush, shutdown, write, write_all, write_num, write_vectored, Flush, Shutdown, Write, WriteAll,
    WriteNum, WriteVectored,
};
use crate::io::AsyncWrite;

/// Defines one number writer: `$name` encodes `$ty` with `to_$order_bytes`.
macro_rules! writer {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $to:ident) => {
        $(#[$doc])*
        ///
        /// Writes all of the value's bytes; not cancel safe.
        fn $name(&mut self, n: $ty) -> WriteNum<'_, Self>
        where
            Self: Unpin,
        {
            write_num(self, &n.$to())
        }
    };
}

/// Writing utilities for every [`AsyncWrite`]; the methods return futures to `.await`.
///
/// ```
/// use eddy::io::AsyncWriteExt;
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut out = Vec::new();
/// out.write_u16(42).await.unwrap();
/// out.write_all(b"hello").await.unwrap();
/// assert_eq!(out, b"\x00\x2ahello");
/// # });
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `src`, returning how many bytes were written.
    ///
    /// Cancel safe: if the future is dropped before completing, nothing was written.
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        write(self, src)
    }

    /// Writes some of the bytes of `bufs`, in order, returning how many were written.
    ///
    /// Cancel safe, like [`write`](AsyncWriteExt::write).
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        write_vectored(self, bufs)
    }

    /// Writes all of `src`.
    ///
    /// A writer that accepts zero bytes gives a [`WriteZero`](std::io::ErrorKind::WriteZero) error.
    /// Not cancel safe: if dropped early, an unknown prefix of `src` was written.
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        write_all(self, src)
    }

    writer!(/// Writes a `u8`.
        write_u8, u8, to_be_bytes);
    writer!(/// Writes an `i8`.
        write_i8, i8, to_be_bytes);
    writer!(/// Writes a big-endian `u16`.
        write_u16, u16, to_be_bytes);
    writer!(/// Writes a big-endian `i16`.
        write_i16, i16, to_be_bytes);
    writer!(/// Writes a big-endian `u32`.
        write_u32, u32, to_be_bytes);
    writer!(/// Writes a big-endian `i32`.
        write_i32, i32, to_be_bytes);
    writer!(/// Writes a big-endian `u64`.
        write_u64, u64, to_be_bytes);
    writer!(/// Writes a big-endian `i64`.
        write_i64, i64, to_be_bytes);
    writer!(/// Writes a big-endian `u128`.
        write_u128, u128, to_be_bytes);
    writer!(/// Writes a big-endian `i128`.
        write_i128, i128, to_be_bytes);
    writer!(/// Writes a big-endian `f32`.
        write_f32, f32, to_be_bytes);
    writer!(/// Writes a big-endian `f64`.
        write_f64, f64, to_be_bytes);
    writer!(/// Writes a little-endian `u16`.
        write_u16_le, u16, to_le_bytes);
    writer!(/// Writes a little-endian `i16`.
        write_i16_le, i16, to_le_bytes);
    writer!(/// Writes a little-endian `u32`.
        write_u32_le, u32, to_le_bytes);
    writer!(/// Writes a little-endian `i32`.
        write_i32_le, i32, to_le_bytes);
    writer!(/// Writes a little-endian `u64`.
        write_u64_le, u64, to_le_bytes);
    writer!(/// Writes a little-endian `i64`.
        write_i64_le, i64, to_le_bytes);
    writer!(/// Writes a little-endian `u128`.
        write_u128_le, u128, to_le_bytes);
    writer!(/// Writes a little-endian `i128`.
        write_i128_le, i128, to_le_bytes);
    writer!(/// Writes a little-endian `f32`.
        write_f32_le, f32, to_le_bytes);
    writer!(/// Writes a little-endian `f64`.
        write_f64_le, f64, to_le_bytes);

    /// Flushes buffered data to its destination.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        flush(self)
    }

    /// Flushes, then shuts down the write side (for a socket: sends end of file to the peer).
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        shutdown(self)
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
