//! The connection loop: one task per connection, reading requests and writing responses.
//!
//! The protocol, step by step:
//! 1. Parse every complete request at the front of the read buffer, in order (pipelining). For each:
//!    read its body (answering `Expect: 100-continue` first if the body has not arrived), call the
//!    handler, and append the response to the output buffer.
//! 2. When no complete request is left, write the output buffer — so a batch of pipelined requests
//!    gets its responses in one `write`.
//! 3. Read more. With nothing buffered, wait up to `keep_alive_timeout` (or until shutdown) and close
//!    quietly if nothing comes. With part of a head buffered, the head must be complete within
//!    `header_timeout` of its first byte, else 408.
//! 4. A bad request is answered with its status and `Connection: close`; then the write side is shut
//!    down and what the client still sends is read and dropped for a moment, so that closing does not
//!    turn into a reset that destroys the answer before the client reads it.

use super::catch_panic::run_catching;
use super::chunked::ChunkedDecoder;
use super::parse::{Framing, HeadParser, Parse};
use super::request::Request;
use super::response::{Body, Response};
use super::server::Shared;
use super::status::StatusCode;
use crate::TcpStream;
use eddy_runtime::io::{AsyncReadExt, AsyncWriteExt};
use eddy_runtime::time::{timeout, timeout_at, Instant};
use std::future::{poll_fn, Future};
use std::io;
use std::net::Shutdown;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// How much room a read asks for at least.
const READ_CHUNK: usize = 8 * 1024;

/// Why the connection loop stopped early.
enum Stop {
    /// Answer with this status, then close.
    Reject(StatusCode),
    /// Close without answering (peer gone, idle timeout, shutdown).
    Close,
}

impl From<io::Error> for Stop {
    fn from(_: io::Error) -> Stop {
        Stop::Close
    }
}

/// The read side: a buffer holding `buf[start..end]` unread bytes (`buf.len()` is its initialized
/// capacity, grown only when needed, so reads do not re-zero memory).
struct Input {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Input {
    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Moves unread bytes to the front and makes room for a read.
    fn make_room(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.buf.len() - self.end < READ_CHUNK {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            let want = (self.end + READ_CHUNK).max(self.buf.len() * 2);
            self.buf.resize(want, 0);
        }
    }

    /// One read; `Ok(0)` means the peer closed.
    async fn read_more(&mut self, stream: &mut TcpStream) -> io::Result<usize> {
        self.make_room();
        let n = stream.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }
}

/// Serves one connection until it closes.
pub(crate) async fn serve_connection<H, Fut>(mut stream: TcpStream, shared: &Shared<H>)
where
    H: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let mut input = Input {
        buf: vec![0; READ_CHUNK * 2],
        start: 0,
        end: 0,
    };
    let mut out = Vec::with_capacity(READ_CHUNK);
    match run(&mut stream, shared, &mut input, &mut out).await {
        Ok(()) | Err(Stop::Close) => {}
        Err(Stop::Reject(status)) => {
            out.clear();
            let msg = status.reason();
            let mut resp = Response::new(status).with_header("Content-Type", "text/plain");
            resp = resp.with_body(msg.as_bytes());
            resp.encode_head(&mut out, Some(msg.len()), false, false);
            out.extend_from_slice(msg.as_bytes());
            if stream.write_all(&out).await.is_ok() {
                linger_close(&mut stream, &mut input).await;
            }
        }
    }
}

/// Shuts down the write side, then drops what the client still sends (up to 1 s and 1 MiB), so the
/// kernel does not answer unread data with a reset that could destroy the response in flight.
async fn linger_close(stream: &mut TcpStream, input: &mut Input) {
    let _ = stream.shutdown_std(Shutdown::Write);
    let _ = timeout(Duration::from_secs(1), async {
        let mut total = 0;
        while total < 1 << 20 {
            input.start = 0;
            input.end = 0;
            match input.read_more(stream).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
}

async fn run<H, Fut>(
    stream: &mut TcpStream,
    shared: &Shared<H>,
    input: &mut Input,
    out: &mut Vec<u8>,
) -> Result<(), Stop>
where
    H: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let opts = &shared.options;
    let mut parser = HeadParser::new();
    let mut head_deadline: Option<Instant> = None;
    loop {
        // 1. Every complete request in the buffer.
        while input.start < input.end {
            let (raw, n) = match parser.parse(input.data(), opts.max_head_bytes) {
                Parse::Partial => break,
                Parse::Error(status) => {
                    flush(stream, out).await?;
                    return Err(Stop::Reject(status));
                }
                Parse::Complete(raw, n) => (raw, n),
            };
            parser.reset();
            head_deadline = None;
            let head_bytes = input.data()[..n].to_vec();
            input.start += n;

            let body = match raw.framing {
                Framing::None => Vec::new(),
                Framing::Length(len) => {
                    if len > opts.max_body_bytes as u64 {
                        flush(stream, out).await?;
                        return Err(Stop::Reject(StatusCode::PAYLOAD_TOO_LARGE));
                    }
                    let len = len as usize;
                    if raw.expect_continue && input.data().len() < len {
                        out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                        flush(stream, out).await?;
                    }
                    while input.data().len() < len {
                        read_body_bytes(stream, input, opts.header_timeout, out).await?;
                    }
                    let body = input.data()[..len].to_vec();
                    input.start += len;
                    body
                }
                Framing::Chunked => {
                    let mut dec = ChunkedDecoder::new(opts.max_body_bytes as u64);
                    let mut body = Vec::new();
                    let mut continued = !raw.expect_continue;
                    loop {
                        let used = dec.decode(input.data(), &mut body).map_err(Stop::Reject)?;
                        input.start += used;
                        if dec.is_done() {
                            break;
                        }
                        if !continued {
                            continued = true;
                            out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                            flush(stream, out).await?;
                        }
                        read_body_bytes(stream, input, opts.header_timeout, out).await?;
                    }
                    body
                }
            };

            let mut keep_alive = if raw.http11 {
                !raw.conn_close
            } else {
                raw.conn_keep_alive && !raw.conn_close
            };
            let http11 = raw.http11;
            let req = Request::from_raw(head_bytes, raw, body);
            let is_head = *req.method() == super::Method::Head;
            let handler = &shared.handler;
            let mut resp = match run_catching(|| handler(req)).await {
                Ok(resp) => resp,
                Err(()) => Response::text("Internal Server Error")
                    .with_status(StatusCode::INTERNAL_SERVER_ERROR),
            };
            keep_alive &= !resp.wants_close() && !shared.is_shutting_down();
            match resp.take_body() {
                Body::Full(bytes) => {
                    resp.encode_head(out, Some(bytes.len()), false, keep_alive);
                    if !is_head && !resp.status().forbids_body() {
                        out.extend_from_slice(&bytes);
                    }
                }
                Body::Stream(mut rx) => {
                    // HTTP/1.0 has no chunked coding: the body ends at close.
                    keep_alive &= http11;
                    resp.encode_head(out, None, http11, keep_alive);
                    flush(stream, out).await?;
                    if !is_head && !resp.status().forbids_body() {
                        while let Some(chunk) = rx.recv().await {
                            if chunk.is_empty() {
                                continue;
                            }
                            if http11 {
                                push_hex(out, chunk.len());
                                out.extend_from_slice(b"\r\n");
                                out.extend_from_slice(&chunk);
                                out.extend_from_slice(b"\r\n");
                            } else {
                                out.extend_from_slice(&chunk);
                            }
                            flush(stream, out).await?;
                        }
                        if http11 {
                            out.extend_from_slice(b"0\r\n\r\n");
                        }
                    }
                }
            }
            if !keep_alive {
                flush(stream, out).await?;
                linger_close(stream, input).await;
                return Ok(());
            }
        }

        // 2. Everything answerable is answered: one write for the batch.
        flush(stream, out).await?;

        // 3. Read more.
        if input.start == input.end {
            if !wait_idle(stream, shared, input).await? {
                return Ok(());
            }
        } else {
            let deadline =
                *head_deadline.get_or_insert_with(|| Instant::now() + opts.header_timeout);
            match timeout_at(deadline, input.read_more(stream)).await {
                Ok(Ok(0)) => return Err(Stop::Close),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => return Err(Stop::Reject(StatusCode::REQUEST_TIMEOUT)),
            }
        }
    }
}

/// Waits for the next request's first bytes on an idle connection. `Ok(false)`: close (the peer
/// closed, the keep-alive timeout passed, or the server is shutting down).
async fn wait_idle<H>(
    stream: &mut TcpStream,
    shared: &Shared<H>,
    input: &mut Input,
) -> Result<bool, Stop> {
    let shutdown = shared.shutdown.notified();
    if shared.is_shutting_down() {
        return Ok(false);
    }
    let mut shutdown = pin!(shutdown);
    let read = timeout(shared.options.keep_alive_timeout, input.read_more(stream));
    let mut read = pin!(read);
    poll_fn(|cx| {
        if let Poll::Ready(r) = read.as_mut().poll(cx) {
            return Poll::Ready(match r {
                Ok(Ok(0)) | Err(_) => Ok(false),
                Ok(Ok(_)) => Ok(true),
                Ok(Err(e)) => Err(e.into()),
            });
        }
        if shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Ok(false));
        }
        Poll::Pending
    })
    .await
}

/// Reads more of a body, each read within `limit`; the peer closing mid-body ends the connection.
async fn read_body_bytes(
    stream: &mut TcpStream,
    input: &mut Input,
    limit: Duration,
    out: &mut Vec<u8>,
) -> Result<(), Stop> {
    // Anything already answered goes out first (it is ahead of this request's response).
    flush(stream, out).await?;
    match timeout(limit, input.read_more(stream)).await {
        Ok(Ok(0)) => Err(Stop::Close),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(Stop::Reject(StatusCode::REQUEST_TIMEOUT)),
    }
}

/// Writes out the output buffer, if anything is in it.
async fn flush(stream: &mut TcpStream, out: &mut Vec<u8>) -> io::Result<()> {
    if !out.is_empty() {
        stream.write_all(out).await?;
        out.clear();
    }
    Ok(())
}

/// Appends `n` in lowercase hex (a chunk size line's number).
fn push_hex(out: &mut Vec<u8>, n: usize) {
    let digits = format!("{n:x}");
    out.extend_from_slice(digits.as_bytes());
}
