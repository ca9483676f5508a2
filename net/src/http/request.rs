//! `Request`: what a handler receives — the parsed head, and the body to read on demand.
//!
//! The body is pulled by the handler: [`Request::chunk`] yields it piece by piece as it arrives
//! from the client (`Content-Length` or chunked coding; trailer fields are read and dropped), and
//! [`Request::body_bytes`] collects all of it. A body that had fully arrived with the head is
//! handed over as it is (no sharing, no locking); any other body is read by the connection task
//! only while the request asks for more, through a small shared [`Pipe`](super::pipe). The request
//! is `'static` and `Send`: it may be moved to another task and read there.
//!
//! Limits: the server's `max_body_bytes` bounds every body (a larger `Content-Length` is answered
//! with 413 before the handler is called; a chunked body that grows past it fails with
//! [`BodyError::TooLarge`]); each wait for body bytes is bounded by the server's `header_timeout`
//! ([`BodyError::TimedOut`]). When a body fails because of the client (too large, malformed, too
//! slow) the handler sees the error, and the server answers 413/400/408 itself whatever the handler
//! returns, then closes the connection — the same answer the same bytes get when they arrive all at
//! once. Once the handler has returned, the body can no longer be read: the connection skips what
//! is left of it (see `conn.rs`) and a request kept alive elsewhere gets [`BodyError::Closed`].

use super::headers::Headers;
use super::method::{Method, Version};
use super::parse::RawHead;
use super::pipe::Pipe;
use std::fmt;
use std::future::poll_fn;
use std::ops::Range;
use std::sync::Arc;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyError {
    /// The body was already taken by `body_bytes`.
    AlreadyTaken,
    /// The body is larger than the server's `max_body_bytes` (the server answers 413).
    TooLarge,
    /// The chunked coding of the body is malformed (the server answers 400).
    Malformed,
    /// The client sent nothing for longer than the server's `header_timeout` while the body was
    /// being read (the server answers 408).
    TimedOut,
    /// The connection closed, or the handler returned before the body was read to its end.
    Closed,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::AlreadyTaken => f.write_str("request body already taken"),
            BodyError::TooLarge => f.write_str("request body over the size limit"),
            BodyError::Malformed => f.write_str("malformed chunked request body"),
            BodyError::TimedOut => f.write_str("timed out waiting for the request body"),
            BodyError::Closed => {
                f.write_str("request body no longer readable (connection moved on)")
            }
        }
    }
}

impl std::error::Error for BodyError {}

/// An HTTP request, as given to the handler.
pub struct Request {
    method: Method,
    version: Version,
    path: Range<usize>,
    query: Option<Range<usize>>,
    headers: Headers,
    body: BodySource,
}

/// Where a request's body comes from.
pub(crate) enum BodySource {
    /// No body, or all of it already read by `chunk`.
    Empty,
    /// The whole body, which arrived with the head.
    Full(Vec<u8>),
    /// A body still arriving, fed by the connection task.
    Streamed(Arc<Pipe>),
    /// Taken by `body_bytes`.
    Taken,
}

impl Request {
    /// Builds a request from a head copied out of the read buffer (`head_bytes`, the ranges of `raw`
    /// pointing into it) and the source of its body.
    #[inline]
    pub(crate) fn from_raw(head_bytes: Vec<u8>, raw: &RawHead, body: BodySource) -> Request {
        let method = Method::from_bytes(&head_bytes[raw.method.clone()]);
        Request {
            method,
            version: if raw.http11 {
                Version::Http11
            } else {
                Version::Http10
            },
            path: raw.path.clone(),
            query: raw.query.clone(),
            headers: Headers::from_parts(head_bytes, &raw.headers),
            body,
        }
    }

    /// The method.
    #[inline]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path of the target, still percent-encoded (`/` when an absolute-form target had none).
    #[inline]
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            return "/";
        }
        let bytes = &self.headers.buf()[self.path.clone()];
        debug_assert!(bytes.is_ascii());
        // SAFETY: `path` comes from the head parser, which accepts only visible ASCII
        // (`0x21..=0x7e`) in the request target and points `path` inside the target; ASCII is UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// The query string (after `?`), if any, still percent-encoded.
    pub fn query(&self) -> Option<&str> {
        let q = self.query.clone()?;
        std::str::from_utf8(&self.headers.buf()[q]).ok()
    }

    /// The value of query parameter `key` in a `a=1&b=2` query (first match, not decoded).
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query()?.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == key).then_some(v)
        })
    }

    /// The protocol version.
    #[inline]
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header fields.
    #[inline]
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The whole body, collected (empty if the request had none); after calls to
    /// [`chunk`](Request::chunk), the rest of it.
    ///
    /// Fails with [`BodyError::AlreadyTaken`] if `body_bytes` was called before, and with the body's error if it could not be read to its end (see
    /// [`BodyError`]). The size is bounded by the server's `max_body_bytes`.
    pub async fn body_bytes(&mut self) -> Result<Vec<u8>, BodyError> {
        match std::mem::replace(&mut self.body, BodySource::Taken) {
            BodySource::Empty => Ok(Vec::new()),
            BodySource::Full(bytes) => Ok(bytes),
            BodySource::Taken => Err(BodyError::AlreadyTaken),
            BodySource::Streamed(pipe) => {
                let mut all: Option<Vec<u8>> = None;
                loop {
                    match poll_fn(|cx| pipe.poll_chunk(cx)).await {
                        None => return Ok(all.unwrap_or_default()),
                        Some(Err(e)) => return Err(e),
                        // The first chunk becomes the buffer: a body in one chunk is not copied.
                        Some(Ok(chunk)) => match &mut all {
                            None => all = Some(chunk),
                            Some(all) => all.extend_from_slice(&chunk),
                        },
                    }
                }
            }
        }
    }

    /// The next chunk of the body, as it arrives from the client; `None` at its end.
    ///
    /// Chunks follow the reads from the socket, not the chunks of a chunked upload: their sizes
    /// say nothing. After an error, every further call returns the same error. After
    /// [`body_bytes`](Request::body_bytes), returns `Some(Err(BodyError::AlreadyTaken))`.
    pub async fn chunk(&mut self) -> Option<Result<Vec<u8>, BodyError>> {
        match &mut self.body {
            BodySource::Empty => None,
            BodySource::Taken => Some(Err(BodyError::AlreadyTaken)),
            BodySource::Full(_) => match std::mem::replace(&mut self.body, BodySource::Empty) {
                BodySource::Full(bytes) if !bytes.is_empty() => Some(Ok(bytes)),
                _ => None,
            },
            BodySource::Streamed(pipe) => poll_fn(|cx| pipe.poll_chunk(cx)).await,
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path())
            .field("query", &self.query())
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}
