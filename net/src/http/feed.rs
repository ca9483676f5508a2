//! `BodyFeed`: the connection's side of a request body that had not fully arrived when its head was
//! parsed — where the rest of the body stands, how to read the next piece of it, how to skip it.
//!
//! Each read of body bytes from the socket must complete within the server's `header_timeout`
//! (a client that stalls mid-body gets 408 and the connection closes); before waiting on the
//! socket, responses already encoded are written out (they come before this request's answer), and
//! the `100 Continue` the client may be waiting for is sent the first time the body is needed.

use super::chunked::ChunkedDecoder;
use super::conn_io::{Input, Output};
use super::request::BodyError;
use super::status::StatusCode;
use crate::TcpStream;
use eddy_runtime::time::{sleep_until, Instant, Sleep};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// The interim response that lets a client waiting on `Expect: 100-continue` send its body.
pub(crate) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Why a body could not be read to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The client sent a bad body or was too slow: answer with this status, then close.
    Status(StatusCode),
    /// The peer closed or the socket failed: close without answering.
    Closed,
}

impl Failure {
    /// What a reader of the body is told.
    pub(crate) fn body_error(self) -> BodyError {
        match self {
            Failure::Status(StatusCode::PAYLOAD_TOO_LARGE) => BodyError::TooLarge,
            Failure::Status(StatusCode::REQUEST_TIMEOUT) => BodyError::TimedOut,
            Failure::Status(_) => BodyError::Malformed,
            Failure::Closed => BodyError::Closed,
        }
    }
}

/// How the rest of the body is delimited.
enum Framing {
    /// This many bytes are left.
    Length(u64),
    /// Chunked; the decoder knows where it stands (and enforces the size limit).
    Chunked(ChunkedDecoder),
}

/// The unread rest of one request body.
pub(crate) struct BodyFeed {
    framing: Framing,
    done: bool,
    /// The client waits for `100 Continue` before sending the body.
    awaiting_continue: bool,
    continue_sent: bool,
    /// The longest wait for one read of body bytes.
    read_timeout: Duration,
    /// The timer of the read in progress (allocated on the first wait).
    timer: Option<Pin<Box<Sleep>>>,
    timer_armed: bool,
}

impl BodyFeed {
    /// The rest of a `Content-Length` body with `left` bytes still to come.
    pub(crate) fn length(left: u64, awaiting_continue: bool, read_timeout: Duration) -> BodyFeed {
        BodyFeed::new(Framing::Length(left), awaiting_continue, read_timeout)
    }

    /// The rest of a chunked body, `decoder` having consumed what arrived so far.
    pub(crate) fn chunked(
        decoder: ChunkedDecoder,
        awaiting_continue: bool,
        read_timeout: Duration,
    ) -> BodyFeed {
        BodyFeed::new(Framing::Chunked(decoder), awaiting_continue, read_timeout)
    }

    fn new(framing: Framing, awaiting_continue: bool, read_timeout: Duration) -> BodyFeed {
        BodyFeed {
            framing,
            done: false,
            awaiting_continue,
            continue_sent: false,
            read_timeout,
            timer: None,
            timer_armed: false,
        }
    }

    /// `true` once the whole body has been read (or skipped).
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// `true` if the client is still waiting for a `100 Continue` that was never sent: it may never
    /// send the body, so the body cannot be skipped and the connection must close.
    pub(crate) fn client_waits_for_continue(&self) -> bool {
        self.awaiting_continue && !self.continue_sent
    }

    /// Uses body bytes from the front of `input`, appending the data to `sink` (or dropping it).
    /// Returns how many input bytes were used.
    fn take_buffered(
        &mut self,
        input: &mut Input,
        sink: Option<&mut Vec<u8>>,
    ) -> Result<usize, StatusCode> {
        let data = input.data();
        let used = match &mut self.framing {
            Framing::Length(left) => {
                let n = data.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                if let Some(sink) = sink {
                    sink.extend_from_slice(&data[..n]);
                }
                *left -= n as u64;
                self.done = *left == 0;
                n
            }
            Framing::Chunked(dec) => {
                let used = match sink {
                    Some(sink) => dec.decode(data, sink)?,
                    None => dec.decode(data, &mut Vec::new())?,
                };
                self.done = dec.is_done();
                used
            }
        };
        input.consume(used);
        Ok(used)
    }

    /// Reads the body on: `Ready(Ok)` once something was appended to `sink` (if given; else once
    /// some body bytes were used) or the body ended; `Pending` while waiting on the socket.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut TcpStream,
        input: &mut Input,
        out: &mut Output,
        mut sink: Option<&mut Vec<u8>>,
    ) -> Poll<Result<(), Failure>> {
        loop {
            if self.done {
                return Poll::Ready(Ok(()));
            }
            if !input.is_empty() {
                let before = sink.as_ref().map_or(0, |s| s.len());
                let used = self
                    .take_buffered(input, sink.as_deref_mut())
                    .map_err(Failure::Status)?;
                let progress = match &sink {
                    Some(s) => s.len() > before,
                    None => used > 0,
                };
                if progress || self.done {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            if self.awaiting_continue && !self.continue_sent {
                out.buf.extend_from_slice(CONTINUE);
                self.continue_sent = true;
            }
            ready!(out.poll_flush(cx, stream)).map_err(|_| Failure::Closed)?;
            if !self.timer_armed {
                let deadline = Instant::now() + self.read_timeout;
                match &mut self.timer {
                    Some(timer) => timer.as_mut().reset(deadline),
                    None => self.timer = Some(Box::pin(sleep_until(deadline))),
                }
                self.timer_armed = true;
            }
            match input.poll_read_more(cx, stream) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => {
                    return Poll::Ready(Err(Failure::Closed))
                }
                Poll::Ready(Ok(_)) => self.timer_armed = false,
                Poll::Pending => {
                    // Armed above: the timer is always there by now.
                    if let Some(timer) = &mut self.timer {
                        ready!(timer.as_mut().poll(cx));
                        return Poll::Ready(Err(Failure::Status(StatusCode::REQUEST_TIMEOUT)));
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Reads and drops the rest of the body (bounded by the body limit, each read by the read
    /// timeout). `true` if the body ended cleanly, so the next request can be read.
    pub(crate) async fn skip_rest(
        &mut self,
        stream: &mut TcpStream,
        input: &mut Input,
        out: &mut Output,
    ) -> bool {
        poll_fn(|cx| loop {
            match ready!(self.poll_next(cx, stream, input, out, None)) {
                Ok(()) if self.done => return Poll::Ready(true),
                Ok(()) => {}
                Err(_) => return Poll::Ready(false),
            }
        })
        .await
    }
}
