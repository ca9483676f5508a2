//! `Request`: what a handler receives — the parsed head plus the body.
//!
//! The body is read by the connection before the handler is called: the whole of it, by
//! `Content-Length` or chunked decoding, up to the server's `max_body_bytes` (a larger body is answered
//! with 413 without calling the handler). [`Request::body_bytes`] hands that buffer over, and
//! [`Request::chunk`] yields it as a single chunk and then `None`. The shortcut: a handler cannot
//! start on a body before it has fully arrived — fine for bodies bounded by the limit, and it keeps
//! the connection loop one straight line.

use super::headers::Headers;
use super::method::{Method, Version};
use super::parse::RawHead;
use std::fmt;
use std::ops::Range;

/// Why a body could not be read. With bodies read before the handler runs (see the module docs) the
/// connection answers these itself, so handlers see them only from a body already taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body was already taken by an earlier `body_bytes` or `chunk` call.
    AlreadyTaken,
    /// The body was larger than the server's `max_body_bytes`.
    TooLarge,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::AlreadyTaken => f.write_str("request body already taken"),
            BodyError::TooLarge => f.write_str("request body over the size limit"),
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
    body: Option<Vec<u8>>,
}

impl Request {
    /// Builds a request from a head copied out of the read buffer (`head_bytes`, the ranges of `raw`
    /// pointing into it) and its already-read body.
    pub(crate) fn from_raw(head_bytes: Vec<u8>, raw: RawHead, body: Vec<u8>) -> Request {
        let method = Method::from_bytes(&head_bytes[raw.method.clone()]);
        Request {
            method,
            version: if raw.http11 {
                Version::Http11
            } else {
                Version::Http10
            },
            path: raw.path,
            query: raw.query,
            headers: Headers::from_parts(head_bytes, raw.headers),
            body: Some(body),
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path of the target, still percent-encoded (`/` when an absolute-form target had none).
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            return "/";
        }
        // The parser accepts only visible ASCII in the target.
        std::str::from_utf8(&self.headers.buf()[self.path.clone()]).unwrap_or("/")
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
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The whole body (empty if the request had none). Errors if the body was already taken.
    pub async fn body_bytes(&mut self) -> Result<Vec<u8>, BodyError> {
        self.body.take().ok_or(BodyError::AlreadyTaken)
    }

    /// The next chunk of the body: the whole body as one chunk (if not empty), then `None`.
    pub async fn chunk(&mut self) -> Option<Result<Vec<u8>, BodyError>> {
        self.body.take().filter(|b| !b.is_empty()).map(Ok)
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
