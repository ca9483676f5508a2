//! The connection loop: one task per connection, reading requests and writing responses.
//!
//! The protocol, step by step:
//! 1. Parse every complete request at the front of the read buffer, in order (pipelining). For each:
//!    - a body that has fully arrived is copied out and handed to the handler whole (the fast
//!      path: no shared state); a `Content-Length` over `max_body_bytes` is answered with 413
//!      without calling the handler;
//!    - any other body is streamed: the handler's future is polled by this task, and while the
//!      request asks for body data (a shared [`Pipe`]) this task reads it from the socket and
//!      hands it over, one chunk at a time ([`BodyFeed`]: decoding, `100 Continue` the first time
//!      the body is wanted, the body read timeout);
//!    - the response is appended to the output buffer;
//!    - what the handler left unread of the body is skipped: read and dropped, up to the body
//!      limit, before the next request is parsed. Two exceptions close the connection after the
//!      response instead: a client still waiting for `100 Continue` (it was never sent, so the
//!      client may never send the body — it gets `Connection: close`), and a body
//!      that cannot be skipped (over the limit, malformed, stalled, peer gone).
//! 2. When no complete request is left, write the output buffer — so a batch of pipelined requests
//!    gets its responses in one `write`.
//! 3. Read more. With nothing buffered, wait up to `keep_alive_timeout` (or until shutdown) and close
//!    quietly if nothing comes. With part of a head buffered, the head must be complete within
//!    `header_timeout` of its first byte, else 408.
//! 4. A bad request is answered with its status and `Connection: close` (after the responses to
//!    the requests before it); then the write side is shut down and what the client still sends is
//!    read and dropped for a moment, so that closing does not turn into a reset that destroys the
//!    answer before the client reads it. A streamed body that goes bad (over the limit, malformed,
//!    no byte for `header_timeout`) counts as a bad request: the handler sees the
//!    [`BodyError`](super::BodyError), its response is dropped, and the client gets 413/400/408.

use super::catch_panic::HandlerSlot;
use super::chunked::ChunkedDecoder;
use super::conn_io::{Input, Output};
use super::conn_timer::ConnTimer;
use super::date::Stamps;
use super::feed::{BodyFeed, Failure};
use super::headers::Headers;
use super::parse::{Framing, HeadParser, Parse};
use super::pipe::Pipe;
use super::request::{BodySource, Request};
use super::response::{Body, Response};
use super::server::Shared;
use super::status::StatusCode;
use crate::TcpStream;
use eddy_runtime::sync::Notified;
use eddy_runtime::time::{timeout, Instant};
use std::future::{poll_fn, Future};
use std::io;
use std::net::Shutdown;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Poll, Waker};
use std::time::Duration;

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

impl From<Failure> for Stop {
    fn from(f: Failure) -> Stop {
        match f {
            Failure::Status(s) => Stop::Reject(s),
            Failure::Closed => Stop::Close,
        }
    }
}

/// Serves one connection until it closes.
pub(crate) async fn serve_connection<H, Fut>(mut stream: TcpStream, shared: &Shared<H>)
where
    H: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let mut input = Input::new();
    let mut out = Output::new(shared.options.write_timeout);
    match run(&mut stream, shared, &mut input, &mut out).await {
        Ok(()) | Err(Stop::Close) => {}
        Err(Stop::Reject(status)) => {
            // Responses to earlier requests still in `out` go first.
            let msg = status.reason();
            let resp = Response::new(status).with_header("Content-Type", "text/plain");
            let stamp = super::date::stamp_at(Instant::now());
            resp.encode_head(&mut out.buf, &stamp, Some(msg.len()), false, false, true);
            out.buf.extend_from_slice(msg.as_bytes());
            if out.flush(&mut stream).await.is_ok() {
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
            input.clear();
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
    out: &mut Output,
) -> Result<(), Stop>
where
    H: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let opts = &shared.options;
    let mut parser = HeadParser::new();
    let mut head_deadline: Option<Instant> = None;
    // The clock is read once per batch of requests (after each read), and again only after a
    // request that had to wait; keep-alive and head deadlines and the `Date` come from it.
    let mut now = Instant::now();
    let mut stamps = Stamps::new(now);
    let mut timer = ConnTimer::new(now + opts.keep_alive_timeout);
    // One shutdown waiter for the connection's life: it sees a shutdown that starts any time
    // after this line, and is polled only while the connection is idle (and then only when the
    // waker it holds is not this task's, see `wait_idle`).
    let mut shutdown = pin!(shared.shutdown.notified());
    let mut shutdown_waker = None;
    // Every request's handler future is created, polled and dropped in this one place.
    let mut slot = pin!(HandlerSlot::new());
    loop {
        // 1. Every complete request in the buffer.
        while !input.is_empty() {
            // The head is used where the parser left it (not moved out), and handed back below.
            let parsed = parser.parse(input.data(), opts.max_head_bytes);
            let (raw, n) = match &parsed {
                Parse::Partial => break,
                Parse::Error(status) => return Err(Stop::Reject(*status)),
                Parse::Complete(raw, n) => (raw, *n),
            };
            parser.reset();
            head_deadline = None;
            // One buffer for the head's bytes and its field offsets (see `Headers`), usually the
            // thread's spare: no allocation.
            let mut head_bytes = Headers::buffer_for(n, raw.headers.len());
            head_bytes.extend_from_slice(&input.data()[..n]);
            input.consume(n);

            let http11 = raw.http11;
            let mut keep_alive = if http11 {
                !raw.conn_close
            } else {
                raw.conn_keep_alive && !raw.conn_close
            };
            // A 1.0 client's expectation is ignored (RFC 9110 §10.1.1).
            let expect = raw.expect_continue && http11;
            // The streaming state is boxed: requests whose body is already here (the fast path)
            // carry only a null pointer for it.
            let mut feed: Option<Box<BodyFeed>> = None;
            let source = match raw.framing {
                Framing::None => BodySource::Empty,
                Framing::Length(len) => {
                    if len > opts.max_body_bytes as u64 {
                        return Err(Stop::Reject(StatusCode::PAYLOAD_TOO_LARGE));
                    }
                    let have = input.data().len();
                    if have as u64 >= len {
                        let len = len as usize;
                        let body = input.data()[..len].to_vec();
                        input.consume(len);
                        BodySource::Full(body)
                    } else {
                        let awaiting_continue = expect && have == 0;
                        feed = Some(Box::new(BodyFeed::length(
                            len,
                            awaiting_continue,
                            opts.header_timeout,
                        )));
                        streamed(Vec::new())
                    }
                }
                Framing::Chunked => {
                    let mut dec = ChunkedDecoder::new(opts.max_body_bytes as u64);
                    let had_bytes = !input.is_empty();
                    let mut body = Vec::new();
                    let used = dec.decode(input.data(), &mut body).map_err(Stop::Reject)?;
                    input.consume(used);
                    if dec.is_done() {
                        BodySource::Full(body)
                    } else {
                        let awaiting_continue = expect && !had_bytes;
                        feed = Some(Box::new(BodyFeed::chunked(
                            dec,
                            awaiting_continue,
                            opts.header_timeout,
                        )));
                        streamed(body)
                    }
                }
            };

            let is_head = head_bytes.get(raw.method.clone()) == Some(b"HEAD");
            // A body still arriving: the pipe it is fed through (the request gets the other end).
            let pipe = match (&feed, &source) {
                (Some(_), BodySource::Streamed(pipe)) => Some(pipe.clone()),
                _ => None,
            };
            // The request is built right where the handler's future is created, in the slot.
            let handler = &shared.handler;
            let started = slot
                .as_mut()
                .start(|| handler(Request::from_raw(head_bytes, raw, source)));
            let mut waited = false;
            // The handler's response, written here by the slot; `None` if the handler panicked.
            let mut response = None;
            if started.is_err() {
                if let Some(pipe) = &pipe {
                    pipe.close();
                }
            } else if let (Some(feed), Some(pipe)) = (feed.as_deref_mut(), &pipe) {
                waited = true;
                let call = (slot.as_mut(), &mut response);
                call_streaming(call, pipe, feed, stream, input, out).await?;
            } else {
                poll_fn(|cx| {
                    let polled = slot.as_mut().poll(cx, &mut response);
                    waited |= polled.is_pending();
                    polled
                })
                .await;
            }
            if let Parse::Complete(raw, _) = parsed {
                parser.recycle(raw);
            }
            if waited {
                now = Instant::now();
                stamps.advance(now);
            }
            let mut resp = match response {
                Some(resp) => resp,
                None => Response::text("Internal Server Error")
                    .with_status(StatusCode::INTERNAL_SERVER_ERROR),
            };
            keep_alive &= !resp.wants_close() && !shared.is_shutting_down();
            // The unread rest of the body: skipped after the response, or the connection closes.
            let mut skip = None;
            if let Some(feed) = feed.as_mut().filter(|f| !f.is_done()) {
                if feed.client_waits_for_continue() {
                    keep_alive = false;
                } else if keep_alive {
                    skip = Some(feed);
                }
            }
            match resp.take_body() {
                Body::Full(bytes) => {
                    let len = Some(bytes.len());
                    resp.encode_head(&mut out.buf, stamps.get(), len, false, keep_alive, http11);
                    if !is_head && !resp.status().forbids_body() {
                        out.buf.extend_from_slice(&bytes);
                    }
                }
                Body::Stream(mut rx) => {
                    // HTTP/1.0 has no chunked coding: the body ends at close.
                    if !http11 {
                        keep_alive = false;
                        skip = None;
                    }
                    resp.encode_head(&mut out.buf, stamps.get(), None, http11, keep_alive, http11);
                    out.flush(stream).await?;
                    if !is_head && !resp.status().forbids_body() {
                        while let Some(chunk) = rx.recv().await {
                            if chunk.is_empty() {
                                continue;
                            }
                            if http11 {
                                push_hex(&mut out.buf, chunk.len());
                                out.buf.extend_from_slice(b"\r\n");
                                out.buf.extend_from_slice(&chunk);
                                out.buf.extend_from_slice(b"\r\n");
                            } else {
                                out.buf.extend_from_slice(&chunk);
                            }
                            out.flush(stream).await?;
                        }
                        if http11 {
                            out.buf.extend_from_slice(b"0\r\n\r\n");
                        }
                    }
                    now = Instant::now();
                    stamps.advance(now);
                }
            }
            if let Some(feed) = skip {
                keep_alive = feed.skip_rest(stream, input, out).await;
            }
            if !keep_alive {
                out.flush(stream).await?;
                linger_close(stream, input).await;
                return Ok(());
            }
        }

        // 2. Everything answerable is answered: one write for the batch.
        out.flush(stream).await?;

        // 3. Read more.
        if input.is_empty() {
            timer.set(now + opts.keep_alive_timeout);
            let idle = wait_idle(
                stream,
                shared,
                input,
                &mut timer,
                shutdown.as_mut(),
                &mut shutdown_waker,
            );
            if !idle.await? {
                return Ok(());
            }
        } else {
            let deadline = *head_deadline.get_or_insert_with(|| now + opts.header_timeout);
            timer.set(deadline);
            let read = poll_fn(|cx| {
                if let Poll::Ready(r) = input.poll_read_more(cx, stream) {
                    return Poll::Ready(Some(r));
                }
                ready!(timer.poll_expired(cx));
                Poll::Ready(None)
            });
            match read.await {
                Some(Ok(0)) => return Err(Stop::Close),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Err(Stop::Reject(StatusCode::REQUEST_TIMEOUT)),
            }
        }
        now = Instant::now();
        stamps.advance(now);
    }
}

/// A body source fed through a new pipe, `first` (if not empty) already in it.
#[cold]
fn streamed(first: Vec<u8>) -> BodySource {
    BodySource::Streamed(Arc::new(Pipe::new(first)))
}

/// Drives the handler of a request whose body is still arriving (its future already started in
/// the slot, the first half of `call`): whenever the handler is pending and the request wants body
/// data, reads the next piece from the socket and hands it over through `pipe`. The handler's
/// response goes into the second half of `call` (left `None` if it panicked). Fails with why the
/// body failed: a client fault (the handler has returned; the caller drops its response), or the
/// peer gone (the handler's future is dropped at once). Either way the pipe is closed on return.
async fn call_streaming<Fut>(
    call: (Pin<&mut HandlerSlot<Fut>>, &mut Option<Response>),
    pipe: &Pipe,
    feed: &mut BodyFeed,
    stream: &mut TcpStream,
    input: &mut Input,
    out: &mut Output,
) -> Result<(), Failure>
where
    Fut: Future<Output = Response>,
{
    let (mut slot, response) = call;
    let mut failed = None;
    let mut chunk = Vec::new();
    let result = poll_fn(|cx| loop {
        if slot.as_mut().poll(cx, response).is_ready() {
            return Poll::Ready(Ok(()));
        }
        if failed.is_some() || feed.is_done() || !pipe.poll_demand(cx) {
            return Poll::Pending;
        }
        match ready!(feed.poll_next(cx, stream, input, out, Some(&mut chunk))) {
            Ok(()) => {
                let end = feed.is_done().then_some(Ok(()));
                pipe.push(std::mem::take(&mut chunk), end, cx.waker());
            }
            Err(f) => {
                pipe.push(
                    std::mem::take(&mut chunk),
                    Some(Err(f.body_error())),
                    cx.waker(),
                );
                if f == Failure::Closed {
                    slot.as_mut().clear();
                    return Poll::Ready(Err(f));
                }
                failed = Some(f);
            }
        }
    })
    .await;
    pipe.close();
    match (result, failed) {
        (Ok(()), Some(f)) | (Err(f), _) => Err(f),
        (Ok(()), None) => Ok(()),
    }
}

/// Waits for the next request's first bytes on an idle connection, until `timer` expires or
/// `shutdown` completes (`shutdown_waker`: the waker it was last left pending with). `Ok(false)`:
/// close (the peer closed, the keep-alive timeout passed, or the server is shutting down).
///
/// A plain function returning the `poll_fn` (not an `async fn` around it): one state machine less
/// on a path taken once per batch.
fn wait_idle<'a, 'n: 'a, H>(
    stream: &'a mut TcpStream,
    shared: &'a Shared<H>,
    input: &'a mut Input,
    timer: &'a mut ConnTimer,
    mut shutdown: Pin<&'a mut Notified<'n>>,
    shutdown_waker: &'a mut Option<Waker>,
) -> impl Future<Output = Result<bool, Stop>> + use<'a, 'n, H> {
    // Checked when the wait starts; later, only when the read has nothing.
    let closing = shared.is_shutting_down();
    poll_fn(move |cx| {
        if closing {
            return Poll::Ready(Ok(false));
        }
        if let Poll::Ready(r) = input.poll_read_more(cx, stream) {
            return Poll::Ready(match r {
                Ok(0) => Ok(false),
                Ok(_) => Ok(true),
                Err(e) => Err(e.into()),
            });
        }
        if timer.poll_expired(cx).is_ready() || shared.is_shutting_down() {
            return Poll::Ready(Ok(false));
        }
        // The shutdown waiter stays queued with the waker it was last polled with, and shutdown
        // sets the flag checked above before it wakes the waiters: it needs polling again only
        // for a waker that wakes another task (never, in practice).
        if !shutdown_waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            if shutdown.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(false));
            }
            *shutdown_waker = Some(cx.waker().clone());
        }
        Poll::Pending
    })
}

/// Appends `n` in lowercase hex (a chunk size line's number).
fn push_hex(out: &mut Vec<u8>, n: usize) {
    let digits = format!("{n:x}");
    out.extend_from_slice(digits.as_bytes());
}
