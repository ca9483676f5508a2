//! `Response`: what a handler returns, and its encoding onto the wire.
//!
//! A body is either fixed bytes (sent with `Content-Length`) or a stream of chunks from an
//! `eddy::sync::mpsc` channel (sent with `Transfer-Encoding: chunked` to HTTP/1.1 clients; to HTTP/1.0
//! clients as raw bytes ended by closing the connection). The server writes `Date`, `Server`,
//! `Content-Length`/`Transfer-Encoding` and `Connection` itself; the same fields set by the handler are
//! dropped, except that a handler's `Connection: close` is honoured.

use super::date::{Stamp, STAMP_LEN, STATUS_200};
use super::status::StatusCode;
use eddy_runtime::sync::mpsc;
use std::borrow::Cow;
use std::fmt;

/// A response body.
pub enum Body {
    /// Fixed bytes.
    Full(Cow<'static, [u8]>),
    /// Chunks sent as they arrive; the body ends when every sender is dropped.
    Stream(mpsc::Receiver<Vec<u8>>),
}

/// An HTTP response.
pub struct Response {
    status: StatusCode,
    /// The `Content-Type` set by the typed constructors, kept inline (no allocation); it comes
    /// before `headers`.
    content_type: Option<ContentType>,
    headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    body: Body,
}

impl Response {
    /// An empty response with `status`.
    pub fn new(status: StatusCode) -> Response {
        Response {
            status,
            content_type: None,
            headers: Vec::new(),
            body: Body::Full(Cow::Borrowed(b"")),
        }
    }

    fn typed(ct: ContentType, body: Cow<'static, [u8]>) -> Response {
        Response {
            status: StatusCode::OK,
            content_type: Some(ct),
            headers: Vec::new(),
            body: Body::Full(body),
        }
    }

    /// 200 with a `text/plain; charset=utf-8` body.
    pub fn text(body: impl Into<Cow<'static, str>>) -> Response {
        Response::typed(ContentType::Text, str_bytes(body.into()))
    }

    /// 200 with a `text/html; charset=utf-8` body.
    pub fn html(body: impl Into<Cow<'static, str>>) -> Response {
        Response::typed(ContentType::Html, str_bytes(body.into()))
    }

    /// 200 with an `application/json` body (already serialized: the string is sent as is).
    pub fn json(body: impl Into<Cow<'static, str>>) -> Response {
        Response::typed(ContentType::Json, str_bytes(body.into()))
    }

    /// A 200 response whose body is streamed, chunked, from `rx` until every sender is dropped.
    pub fn stream(rx: mpsc::Receiver<Vec<u8>>) -> Response {
        Response {
            status: StatusCode::OK,
            content_type: None,
            headers: Vec::new(),
            body: Body::Stream(rx),
        }
    }

    /// Replaces the status.
    pub fn with_status(mut self, status: StatusCode) -> Response {
        self.status = status;
        self
    }

    /// Adds a header field (repeats are kept). Framing fields are the server's and are ignored.
    pub fn with_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body with fixed bytes.
    pub fn with_body(mut self, body: impl Into<Cow<'static, [u8]>>) -> Response {
        self.body = Body::Full(body.into());
        self
    }

    /// The status.
    #[inline]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The header fields set so far.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        let ct = self.content_type.map(|ct| ("Content-Type", ct.value()));
        ct.into_iter()
            .chain(self.headers.iter().map(|(n, v)| (&**n, &**v)))
    }

    /// `true` if the handler asked to close the connection (`Connection: close`).
    #[inline]
    pub(crate) fn wants_close(&self) -> bool {
        !self.headers.is_empty() && self.says_close()
    }

    /// [`wants_close`](Response::wants_close) for a response with fields of the handler's.
    fn says_close(&self) -> bool {
        self.headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("connection")
                && v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"))
        })
    }

    /// Takes the body out (leaving an empty one).
    pub(crate) fn take_body(&mut self) -> Body {
        std::mem::replace(&mut self.body, Body::Full(Cow::Borrowed(b"")))
    }

    /// Appends the status line and header fields to `out`, up to and including the blank line.
    /// `stamp` holds the `200 OK` status line, `Server` and `Date` (see [`Stamp`]). `body` describes
    /// what follows: `Some(n)` a fixed body of `n` bytes, `None` a stream (`chunked` true: chunked
    /// coding; false: raw until close). `keep_alive` false adds `Connection: close`; true, to an
    /// HTTP/1.0 client (`http11` false), adds `Connection: keep-alive` (a 1.0 client otherwise
    /// expects the close).
    ///
    /// The common head (200, no fields of the handler's) is inlined into the caller: a handful of
    /// copies into room reserved once (the stamp, the content type's whole line, the length line);
    /// any other head takes the general path, out of line.
    #[inline]
    pub(crate) fn encode_head(
        &self,
        out: &mut Vec<u8>,
        stamp: &Stamp,
        body_len: Option<usize>,
        chunked: bool,
        keep_alive: bool,
        http11: bool,
    ) {
        if self.status != StatusCode::OK || !self.headers.is_empty() {
            self.encode_head_general(out, stamp, body_len, chunked, keep_alive, http11);
            return;
        }
        out.reserve(STAMP_LEN + FIXED_LINES);
        out.extend_from_slice(stamp);
        if let Some(ct) = self.content_type {
            let line = ct.line();
            put_padded(out, &line.bytes, line.len);
        }
        self.encode_head_end(out, body_len, chunked, keep_alive, http11);
    }

    /// [`encode_head`](Response::encode_head) for any status and the handler's own fields.
    #[inline(never)]
    fn encode_head_general(
        &self,
        out: &mut Vec<u8>,
        stamp: &Stamp,
        body_len: Option<usize>,
        chunked: bool,
        keep_alive: bool,
        http11: bool,
    ) {
        // Everything but a long reason and the handler's own fields fits in this: one reserve.
        let mut need = STAMP_LEN + FIXED_LINES;
        for (n, v) in &self.headers {
            need += n.len() + v.len() + 4;
        }
        let code = self.status.as_u16();
        if code == 200 {
            out.reserve(need);
            out.extend_from_slice(stamp);
        } else {
            let reason = self.status.reason().as_bytes();
            out.reserve(need + reason.len());
            out.extend_from_slice(&[
                b'H',
                b'T',
                b'T',
                b'P',
                b'/',
                b'1',
                b'.',
                b'1',
                b' ',
                b'0' + (code / 100 % 10) as u8,
                b'0' + (code / 10 % 10) as u8,
                b'0' + (code % 10) as u8,
                b' ',
            ]);
            out.extend_from_slice(reason);
            out.extend_from_slice(&stamp[STATUS_200.len()..]);
        }
        if let Some(ct) = self.content_type {
            let line = ct.line();
            put_padded(out, &line.bytes, line.len);
        }
        for (n, v) in &self.headers {
            if is_framing(n) {
                continue;
            }
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            // A value with CR or LF would split the response; drop those bytes.
            if v.bytes().any(|c| c == b'\r' || c == b'\n') {
                out.extend(v.bytes().filter(|&c| c != b'\r' && c != b'\n'));
            } else {
                out.extend_from_slice(v.as_bytes());
            }
            out.extend_from_slice(b"\r\n");
        }
        self.encode_head_end(out, body_len, chunked, keep_alive, http11);
    }

    /// The server's last fields (framing, `Connection`) and the blank line.
    #[inline]
    fn encode_head_end(
        &self,
        out: &mut Vec<u8>,
        body_len: Option<usize>,
        chunked: bool,
        keep_alive: bool,
        http11: bool,
    ) {
        if !self.status.forbids_body() {
            match body_len {
                Some(n) => push_content_length(out, n),
                None if chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
                None => {}
            }
        }
        if !keep_alive {
            out.extend_from_slice(b"Connection: close\r\n");
        } else if !http11 {
            out.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Room for every line the server writes after the stamp: a content type, a length or
/// `Transfer-Encoding`, a `Connection`, the blank line (each bound generous).
const FIXED_LINES: usize = CT_LINE + CL_LINE + 32 + 2;

/// The longest content-type line, padded: every line is stored in this many bytes.
const CT_LINE: usize = 48;

/// A header line stored padded to a fixed size, so that appending it is one fixed-size copy.
struct PaddedLine {
    bytes: [u8; CT_LINE],
    len: usize,
}

impl PaddedLine {
    /// `Content-Type: {value}\r\n`, padded (fails to compile if it does not fit).
    const fn content_type(value: &str) -> PaddedLine {
        const PREFIX: &[u8] = b"Content-Type: ";
        let v = value.as_bytes();
        let len = PREFIX.len() + v.len() + 2;
        assert!(len <= CT_LINE);
        let mut bytes = [0u8; CT_LINE];
        let mut i = 0;
        while i < PREFIX.len() {
            bytes[i] = PREFIX[i];
            i += 1;
        }
        let mut j = 0;
        while j < v.len() {
            bytes[i + j] = v[j];
            j += 1;
        }
        bytes[len - 2] = b'\r';
        bytes[len - 1] = b'\n';
        PaddedLine { bytes, len }
    }
}

/// The `Content-Type`s of the typed constructors: their values, and their whole lines built once.
#[derive(Debug, Clone, Copy)]
enum ContentType {
    Text,
    Html,
    Json,
}

impl ContentType {
    const TEXT: &'static str = "text/plain; charset=utf-8";
    const HTML: &'static str = "text/html; charset=utf-8";
    const JSON: &'static str = "application/json";

    fn value(self) -> &'static str {
        match self {
            ContentType::Text => Self::TEXT,
            ContentType::Html => Self::HTML,
            ContentType::Json => Self::JSON,
        }
    }

    fn line(self) -> &'static PaddedLine {
        static LINES: [PaddedLine; 3] = [
            PaddedLine::content_type(ContentType::TEXT),
            PaddedLine::content_type(ContentType::HTML),
            PaddedLine::content_type(ContentType::JSON),
        ];
        &LINES[self as usize]
    }
}

/// Appends `bytes[..used]` to `out` by copying all `N` bytes (a fixed-size copy the compiler
/// inlines, where a copy of a variable length is a call) and then counting only `used` of them.
#[inline]
fn put_padded<const N: usize>(out: &mut Vec<u8>, bytes: &[u8; N], used: usize) {
    let used = used.min(N);
    out.reserve(N);
    let len = out.len();
    // `out` is borrowed mutably and `bytes` shared: `bytes` is not in `out`'s buffer.
    // SAFETY: `reserve` made room for `N` bytes after `len`, not overlapping `bytes`; the first
    // `used` (≤ `N`) of them, counted as initialized, were just written.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().add(len), N);
        out.set_len(len + used);
    }
}

/// The longest `Content-Length` line: the name, 20 digits, CRLF.
const CL_LINE: usize = 16 + 20 + 2;

/// `00`, `01`, … `99`: the decimal digits of every number below 100, two bytes each.
static DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends `Content-Length: n` and its CRLF. The line is built right-aligned in a stack buffer
/// (digits from the last, then the name before them: every copy has a fixed size), then copied
/// out with one fixed-size copy.
#[inline]
fn push_content_length(out: &mut Vec<u8>, n: usize) {
    const PREFIX: &[u8; 16] = b"Content-Length: ";
    let mut buf = [0u8; 2 * CL_LINE];
    // The line ends at `CL_LINE`, so it starts at or after 0 however many digits `n` has.
    buf[CL_LINE - 2..CL_LINE].copy_from_slice(b"\r\n");
    let mut i = CL_LINE - 2;
    let mut n = n;
    // Two digits at a time, from a table.
    while n >= 100 {
        let d = (n % 100) * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
    }
    if n >= 10 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[n * 2..n * 2 + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    let start = i - PREFIX.len();
    buf[start..i].copy_from_slice(PREFIX);
    if let Some(line) = buf[start..].first_chunk::<CL_LINE>() {
        put_padded(out, line, CL_LINE - start);
    }
}

fn is_framing(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "date",
        "server",
    ]
    .iter()
    .any(|f| name.eq_ignore_ascii_case(f))
}

fn str_bytes(s: Cow<'static, str>) -> Cow<'static, [u8]> {
    match s {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("content_type", &self.content_type.map(ContentType::value))
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::super::date;
    use super::*;

    #[test]
    fn encodes_typed_response() {
        let resp = Response::text("hi").with_header("X-A", "b\r\nc");
        let mut out = Vec::new();
        let stamp = date::stamp(&date::format_imf(0));
        resp.encode_head(&mut out, &stamp, Some(2), false, true, true);
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\
              Content-Type: text/plain; charset=utf-8\r\nX-A: bc\r\nContent-Length: 2\r\n\r\n"
        );
        let names: Vec<_> = resp.headers().map(|(n, _)| n).collect();
        assert_eq!(names, ["Content-Type", "X-A"]);
    }

    #[test]
    fn content_length_digits() {
        for n in [0, 7, 9, 10, 13, 99, 100, 101, 999, 1000, 65_536, usize::MAX] {
            let mut out = b"x".to_vec();
            push_content_length(&mut out, n);
            assert_eq!(out, format!("xContent-Length: {n}\r\n").as_bytes());
        }
    }

    #[test]
    fn typed_content_types() {
        let stamp = date::stamp(&date::format_imf(0));
        for (resp, line) in [
            (
                Response::html("x"),
                "Content-Type: text/html; charset=utf-8\r\n",
            ),
            (Response::json("x"), "Content-Type: application/json\r\n"),
            (
                Response::text("x"),
                "Content-Type: text/plain; charset=utf-8\r\n",
            ),
        ] {
            let mut out = Vec::new();
            resp.encode_head(&mut out, &stamp, Some(1), false, true, false);
            let head = String::from_utf8(out).unwrap();
            let want = format!("{line}Content-Length: 1\r\nConnection: keep-alive\r\n\r\n");
            assert!(head.ends_with(&want), "{head:?}");
            let ct = line["Content-Type: ".len()..line.len() - 2].to_string();
            assert_eq!(resp.headers().collect::<Vec<_>>(), [("Content-Type", &*ct)]);
        }
    }

    #[test]
    fn encodes_other_status_and_long_length() {
        let resp = Response::new(StatusCode::NOT_FOUND);
        let mut out = Vec::new();
        let stamp = date::stamp(&date::format_imf(0));
        resp.encode_head(&mut out, &stamp, Some(12_345_678_901), false, false, false);
        assert_eq!(
            out,
            b"HTTP/1.1 404 Not Found\r\nServer: eddy\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\
              Content-Length: 12345678901\r\nConnection: close\r\n\r\n"
        );
    }
}
