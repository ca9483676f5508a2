//! Error cases of the `eddy::io` utilities, and what each leaves behind.

use std::io::ErrorKind;
use std::pin::Pin;
use std::task::{Context, Poll};

use eddy::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};

/// A writer that accepts nothing: every write returns `Ok(0)`.
struct Full;

impl AsyncWrite for Full {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(0))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[eddy::test]
async fn read_exact_on_short_input_is_unexpected_eof() {
    let mut input: &[u8] = b"abc";
    let mut buf = [0u8; 4];
    let err = input.read_exact(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[eddy::test]
async fn read_int_on_short_input_is_unexpected_eof() {
    let (mut a, mut b) = eddy::io::duplex(8);
    a.write_all(&[0, 1]).await.unwrap();
    drop(a);
    let err = b.read_u32().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[eddy::test]
async fn write_all_to_a_writer_that_takes_nothing_is_write_zero() {
    let err = Full.write_all(b"data").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
}

#[eddy::test]
async fn buf_writer_flush_to_a_full_writer_is_write_zero() {
    let mut w = BufWriter::new(Full);
    w.write_all(b"data").await.unwrap();
    let err = w.flush().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
}

#[eddy::test]
async fn write_to_a_closed_pipe_is_broken_pipe() {
    let (mut a, b) = eddy::io::duplex(8);
    drop(b);
    let err = a.write_all(b"x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
}

#[eddy::test]
async fn read_line_with_invalid_utf8_keeps_the_string() {
    let mut input = BufReader::new(&b"\xff\xfe\n"[..]);
    let mut line = String::from("kept");
    let err = input.read_line(&mut line).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(line, "kept");
}

#[eddy::test]
async fn read_to_string_with_invalid_utf8_keeps_the_string() {
    let mut input: &[u8] = b"ok then \xc3\x28";
    let mut text = String::from("kept");
    let err = input.read_to_string(&mut text).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(text, "kept");
}

#[eddy::test]
async fn lines_with_invalid_utf8_is_invalid_data() {
    let mut lines = BufReader::new(&b"good\n\x80bad\n"[..]).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("good"));
    let err = lines.next_line().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
}

#[eddy::test]
async fn read_until_keeps_bytes_whatever_they_are() {
    let mut input = BufReader::new(&b"\xff\x00rest"[..]);
    let mut out = Vec::new();
    assert_eq!(input.read_until(0, &mut out).await.unwrap(), 2);
    assert_eq!(out, b"\xff\x00");
}
