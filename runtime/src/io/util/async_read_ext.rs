//! `AsyncReadExt`: the `async fn`-style methods every `AsyncRead` gets.

use super::chain::{chain, Chain};
use super::read::{read, read_exact, Read, ReadExact};
use super::read_buf::{read_buf, ReadBufFuture};
use super::read_int::{read_num, ReadNum};
use super::read_to_end::{read_to_end, read_to_string, ReadToEnd, ReadToString};
use super::take::{take, Take};
use crate::io::{AsyncRead, SpareCapacity};

/// Defines one number reader: `$name` decodes `$ty` with `from_$order_bytes`.
macro_rules! reader {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $from:ident) => {
        $(#[$doc])*
        ///
        /// Reads exactly `size_of` of the type in bytes; a source that ends first gives an
        /// [`UnexpectedEof`](std::io::ErrorKind::UnexpectedEof) error. Not cancel safe.
        fn $name(&mut self) -> ReadNum<'_, Self, $ty>
        where
            Self: Unpin,
        {
            fn decode(b: &[u8]) -> $ty {
                <$ty>::$from(b.try_into().expect("length checked by ReadNum"))
            }
            read_num(self, std::mem::size_of::<$ty>(), decode)
        }
    };
}

/// Reading utilities for every [`AsyncRead`]; the methods return futures to `.await`.
///
/// ```
/// use eddy::io::AsyncReadExt;
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut src: &[u8] = b"\x00\x2ahello";
/// assert_eq!(src.read_u16().await.unwrap(), 42);
/// let mut rest = String::new();
/// src.read_to_string(&mut rest).await.unwrap();
/// assert_eq!(rest, "hello");
/// # });
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Joins this reader with `next`: reads all of `self`, then all of `next`.
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        chain(self, next)
    }

    /// Reads some bytes into `buf`, returning how many; `0` means end of file (or an empty `buf`).
    ///
    /// Cancel safe: if the future is dropped before completing, no data was read.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        read(self, buf)
    }

    /// Reads some bytes into the spare room of `buf` (growing a full `Vec` first) and appends them;
    /// returns how many, `0` meaning end of file.
    ///
    /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this takes the
    /// buffers that implement [`SpareCapacity`] (`Vec<u8>`). Cancel safe: if the future is dropped
    /// before completing, no data was read.
    ///
    /// # Panics
    /// If the reader swaps the `ReadBuf` it is given for another buffer.
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFuture<'a, Self, B>
    where
        Self: Unpin,
        B: SpareCapacity + ?Sized,
    {
        read_buf(self, buf)
    }

    /// Reads exactly `buf.len()` bytes, or fails with
    /// [`UnexpectedEof`](std::io::ErrorKind::UnexpectedEof) if the source ends first.
    ///
    /// Not cancel safe: some bytes may already be in `buf` when the future is dropped.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        read_exact(self, buf)
    }

    reader!(/// Reads a `u8`.
        read_u8, u8, from_be_bytes);
    reader!(/// Reads an `i8`.
        read_i8, i8, from_be_bytes);
    reader!(/// Reads a big-endian `u16`.
        read_u16, u16, from_be_bytes);
    reader!(/// Reads a big-endian `i16`.
        read_i16, i16, from_be_bytes);
    reader!(/// Reads a big-endian `u32`.
        read_u32, u32, from_be_bytes);
    reader!(/// Reads a big-endian `i32`.
        read_i32, i32, from_be_bytes);
    reader!(/// Reads a big-endian `u64`.
        read_u64, u64, from_be_bytes);
    reader!(/// Reads a big-endian `i64`.
        read_i64, i64, from_be_bytes);
    reader!(/// Reads a big-endian `u128`.
        read_u128, u128, from_be_bytes);
    reader!(/// Reads a big-endian `i128`.
        read_i128, i128, from_be_bytes);
    reader!(/// Reads a big-endian `f32`.
        read_f32, f32, from_be_bytes);
    reader!(/// Reads a big-endian `f64`.
        read_f64, f64, from_be_bytes);
    reader!(/// Reads a little-endian `u16`.
        read_u16_le, u16, from_le_bytes);
    reader!(/// Reads a little-endian `i16`.
        read_i16_le, i16, from_le_bytes);
    reader!(/// Reads a little-endian `u32`.
        read_u32_le, u32, from_le_bytes);
    reader!(/// Reads a little-endian `i32`.
        read_i32_le, i32, from_le_bytes);
    reader!(/// Reads a little-endian `u64`.
        read_u64_le, u64, from_le_bytes);
    reader!(/// Reads a little-endian `i64`.
        read_i64_le, i64, from_le_bytes);
    reader!(/// Reads a little-endian `u128`.
        read_u128_le, u128, from_le_bytes);
    reader!(/// Reads a little-endian `i128`.
        read_i128_le, i128, from_le_bytes);
    reader!(/// Reads a little-endian `f32`.
        read_f32_le, f32, from_le_bytes);
    reader!(/// Reads a little-endian `f64`.
        read_f64_le, f64, from_le_bytes);

    /// Reads until end of file, appending to `buf`; returns the number of bytes appended.
    ///
    /// Bytes are appended as they arrive, so if the future is dropped early they stay in `buf`.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        read_to_end(self, buf)
    }

    /// Reads until end of file, appending to `dst`; returns the number of bytes appended.
    ///
    /// If the bytes are not valid UTF-8 the result is an
    /// [`InvalidData`](std::io::ErrorKind::InvalidData) error, and on any error `dst` is left as it was.
    /// Not cancel safe: dropping the future early restores `dst` and loses the bytes read.
    fn read_to_string<'a>(&'a mut self, dst: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        read_to_string(self, dst)
    }

    /// Wraps this reader so that it reads at most `limit` bytes, then reports end of file.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        take(self, limit)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
