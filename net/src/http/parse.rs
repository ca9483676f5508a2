//! The request-head parser: bytes in, offsets out.
//!
//! [`HeadParser::parse`] looks at the front of a connection's read buffer and answers one of three
//! things: the head is complete (its parts as offsets into the buffer, plus how many bytes it used),
//! more bytes are needed, or the head is bad and must be answered with a given status and a close.
//! Nothing is copied while parsing; the connection copies the head once, when it builds a `Request`.
//!
//! Incremental in the cheap way: the parser remembers how far it has already searched for the blank
//! line that ends the head, so a head arriving one byte per read costs O(n) scanning in total, not
//! O(n²). The head is then parsed in one pass. A request line, once complete, is checked at once, so a
//! garbage first line gets its 400 without waiting for the rest.
//!
//! Rules (RFC 9112), and what breaking them earns:
//! - request line `method SP target SP HTTP/1.x`; `HTTP/<other>` → 505, anything else malformed → 400;
//!   the target is origin-form (`/p?q`), asterisk-form (`*`, `OPTIONS` only) or absolute-form
//!   (`http://host/p`);
//! - header lines `name: value`; the name a token, no whitespace before the colon; values without
//!   control characters; obs-fold (a line starting with SP/HTAB) → 400; a bare LF ends a line as CRLF
//!   does; a bare CR → 400;
//! - the head longer than the limit, or more than [`MAX_HEADERS`] fields → 431;
//! - framing: `Content-Length` digits only, repeated values must agree (else 400); both
//!   `Content-Length` and `Transfer-Encoding` → 400 (request smuggling); any transfer coding but a
//!   single `chunked` → 501 (`chunked` twice → 400); HTTP/1.1 without exactly one `Host` → 400.

use super::status::StatusCode;
use std::ops::Range;

/// The most header fields one request may carry; more is answered with 431.
pub const MAX_HEADERS: usize = 100;

/// What [`HeadParser::parse`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    /// A whole head: its parts, and how many bytes of the buffer it used (including leading empty
    /// lines and the final blank line).
    Complete(RawHead, usize),
    /// The head is not complete yet; read more and call again with the grown buffer.
    Partial,
    /// The head is bad: answer with this status and close the connection.
    Error(StatusCode),
}

/// How the request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// A chunked body follows.
    Chunked,
}

/// A parsed head: byte ranges into the buffer that was parsed, plus what the framing headers said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHead {
    /// The method token.
    pub method: Range<usize>,
    /// The path part of the target (`*` for asterisk-form; from the first `/` for absolute-form).
    pub path: Range<usize>,
    /// The query, without the `?`, if the target had one.
    pub query: Option<Range<usize>>,
    /// `true` for HTTP/1.1, `false` for HTTP/1.0.
    pub http11: bool,
    /// Each header as (name, value) ranges, in order; values are trimmed of surrounding whitespace.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// How the body is delimited.
    pub framing: Framing,
    /// `Connection: close` was present.
    pub conn_close: bool,
    /// `Connection: keep-alive` was present.
    pub conn_keep_alive: bool,
    /// `Expect: 100-continue` was present.
    pub expect_continue: bool,
}

/// The parser's memory between calls: how far the search for the end of the head has gone, and a
/// field list handed back by [`recycle`](HeadParser::recycle) for the next head to reuse.
#[derive(Debug, Default, Clone)]
pub struct HeadParser {
    scanned: usize,
    line_checked: bool,
    spare: Vec<(Range<usize>, Range<usize>)>,
}

impl HeadParser {
    /// A parser for a new request.
    pub fn new() -> HeadParser {
        HeadParser::default()
    }

    /// Forgets the progress (call after a head is consumed, before parsing the next one).
    pub fn reset(&mut self) {
        self.scanned = 0;
        self.line_checked = false;
    }

    /// Hands a parsed head's field list back, so that the next head reuses its allocation.
    pub fn recycle(&mut self, head: RawHead) {
        let mut fields = head.headers;
        fields.clear();
        if fields.capacity() <= MAX_HEADERS {
            self.spare = fields;
        }
    }

    /// The field list for the next head: the recycled one, or a new one with room for a few.
    fn fields(&mut self) -> Vec<(Range<usize>, Range<usize>)> {
        match std::mem::take(&mut self.spare) {
            v if v.capacity() > 0 => v,
            _ => Vec::with_capacity(8),
        }
    }

    /// Parses the head at the start of `buf`. Between calls, `buf` must only grow at the end (the same
    /// request's bytes); after `Complete` or `Error`, call [`reset`](HeadParser::reset).
    pub fn parse(&mut self, buf: &[u8], max_head_bytes: usize) -> Parse {
        // Leading empty lines before a request line are allowed (RFC 9112 §2.2).
        let mut start = 0;
        while start < buf.len() {
            match buf[start] {
                b'\n' => start += 1,
                b'\r' if buf.get(start + 1) == Some(&b'\n') => start += 2,
                b'\r' if start + 1 == buf.len() => return Parse::Partial,
                _ => break,
            }
            if start > max_head_bytes {
                return Parse::Error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
            }
        }
        // A fresh parser first tries the one-pass parse over what is there: when the whole head
        // has arrived (the common case) that is the only pass over it. Anything else (a partial
        // head, a bad one) takes the incremental path below, which decides as before.
        if self.scanned == 0 && !self.line_checked {
            if let Ok(Some((head, end))) = parse_head(buf, start, self.fields()) {
                if end - start <= max_head_bytes {
                    return Parse::Complete(head, end);
                }
            }
        }
        let Some(end) = self.find_end(buf, start) else {
            if buf.len() - start > max_head_bytes {
                return Parse::Error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
            }
            if !self.line_checked {
                if let Some(nl) = memchr(b'\n', &buf[start..]) {
                    let mut head = RawHead::empty(Vec::new());
                    if let Err(s) = request_line(buf, start, start + nl, &mut head) {
                        return Parse::Error(s);
                    }
                    self.line_checked = true;
                }
            }
            return Parse::Partial;
        };
        if end - start > max_head_bytes {
            return Parse::Error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        match parse_head(&buf[..end], start, self.fields()) {
            Ok(Some((head, n))) if n == end => Parse::Complete(head, end),
            // Unreachable: the blank line at `end` is the first one.
            Ok(_) => Parse::Error(StatusCode::BAD_REQUEST),
            Err(s) => Parse::Error(s),
        }
    }

    /// Finds the end of the head (just past the blank line), resuming where the last call stopped.
    fn find_end(&mut self, buf: &[u8], start: usize) -> Option<usize> {
        let mut i = self.scanned.max(start);
        while let Some(off) = memchr(b'\n', &buf[i..]) {
            let nl = i + off;
            // A line ending at `nl` is empty if the previous line ended right before it.
            let after = nl + 1;
            match buf.get(after) {
                Some(b'\n') => return Some(after + 1),
                Some(b'\r') => match buf.get(after + 1) {
                    Some(b'\n') => return Some(after + 2),
                    Some(_) => i = after,
                    None => {
                        self.scanned = nl;
                        return None;
                    }
                },
                Some(_) => i = after,
                None => {
                    self.scanned = nl;
                    return None;
                }
            }
        }
        // No LF from `i` on: resume from the end next time.
        self.scanned = buf.len();
        None
    }
}

/// `0x0101…01`: one in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// `0x8080…80`: the high bit of every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Nonzero if a byte of `w` is zero; the lowest set bit (in little-endian order) is in the first
/// zero byte (higher ones may be false alarms, which callers never rely on).
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// Nonzero if a byte of `w` is below `n` (`n` ≤ 128).
#[inline(always)]
fn bytes_below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

/// The 8 bytes of `s` at `i` as a little-endian word.
#[inline(always)]
fn word_at(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(b)
}

/// Position of the first `b` in `s`, eight bytes at a time.
fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    let pattern = ONES * u64::from(b);
    let mut i = 0;
    while i + 8 <= s.len() {
        let found = zero_bytes(word_at(s, i) ^ pattern);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&c| c == b).map(|p| i + p)
}

/// Index of the first byte of `buf[from..]` that is not a field-value character (the CR or LF
/// that ends the value, or a bad byte); `buf.len()` if there is none. Eight bytes at a time: a
/// word with no control byte and no DEL is skipped whole.
fn value_end(buf: &[u8], from: usize) -> usize {
    const DEL: u64 = ONES * 0x7f;
    let mut i = from;
    while i + 8 <= buf.len() {
        let w = word_at(buf, i);
        let hits = bytes_below(w, 0x20) | zero_bytes(w ^ DEL);
        if hits == 0 {
            i += 8;
            continue;
        }
        // The lowest flagged byte is exactly the first control byte or DEL (false alarms only
        // ever come after a true one): the end, unless it is a tab.
        let k = i + (hits.trailing_zeros() / 8) as usize;
        if buf[k] != b'\t' {
            return k;
        }
        i = k + 1;
    }
    buf[i..]
        .iter()
        .position(|&c| !is_value_char(c))
        .map_or(buf.len(), |p| i + p)
}

/// The length of the run of visible ASCII (`0x21..=0x7e`) at the start of `s`, eight bytes at a
/// time.
fn visible_run(s: &[u8]) -> usize {
    const DEL: u64 = ONES * 0x7f;
    let mut i = 0;
    while i + 8 <= s.len() {
        let w = word_at(s, i);
        // Space and controls, DEL, and bytes with the high bit set end the run; the lowest
        // flagged byte is exact (see `zero_bytes`).
        let hits = bytes_below(w, 0x21) | zero_bytes(w ^ DEL) | (w & HIGHS);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + s[i..]
        .iter()
        .position(|c| !(0x21..=0x7e).contains(c))
        .unwrap_or(s.len() - i)
}

/// Which bytes are `tchar`s, by value.
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = matches!(c as u8,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
            | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z');
        c += 1;
    }
    t
};

/// `tchar` of RFC 9110 §5.6.2: the characters a token (method, header name) may contain.
#[inline(always)]
pub(crate) fn is_tchar(c: u8) -> bool {
    TCHAR[usize::from(c)]
}

/// A character allowed in a field value: HTAB, SP, visible ASCII, or obs-text.
#[inline(always)]
fn is_value_char(c: u8) -> bool {
    c == b'\t' || c == b' ' || (0x21..=0x7e).contains(&c) || c >= 0x80
}

impl RawHead {
    fn empty(headers: Vec<(Range<usize>, Range<usize>)>) -> RawHead {
        RawHead {
            method: 0..0,
            path: 0..0,
            query: None,
            http11: true,
            headers,
            framing: Framing::None,
            conn_close: false,
            conn_keep_alive: false,
            expect_continue: false,
        }
    }
}

/// The end of the line content at `nl` (the index of its LF): drops a CR before it.
fn line_end(buf: &[u8], from: usize, nl: usize) -> usize {
    if nl > from && buf[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

/// Parses the request line `buf[start..nl]` (`nl` is the index of its LF) into `head`.
fn request_line(buf: &[u8], start: usize, nl: usize, head: &mut RawHead) -> Result<(), StatusCode> {
    const BAD: StatusCode = StatusCode::BAD_REQUEST;
    let line = &buf[start..line_end(buf, start, nl)];
    // The method: tchars up to the first space.
    let mut sp1 = 0;
    while sp1 < line.len() && is_tchar(line[sp1]) {
        sp1 += 1;
    }
    if sp1 == 0 || line.get(sp1) != Some(&b' ') {
        return Err(BAD);
    }
    // The target: visible ASCII up to the next space.
    let sp2 = sp1 + 1 + visible_run(&line[sp1 + 1..]);
    if sp2 == sp1 + 1 || line.get(sp2) != Some(&b' ') {
        return Err(BAD);
    }
    let target = &line[sp1 + 1..sp2];
    let version = &line[sp2 + 1..];
    head.http11 = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        [b'H', b'T', b'T', b'P', b'/', a, b'.', b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            return Err(StatusCode::HTTP_VERSION_NOT_SUPPORTED)
        }
        [b'H', b'T', b'T', b'P', b'/', a] if a.is_ascii_digit() => {
            return Err(StatusCode::HTTP_VERSION_NOT_SUPPORTED)
        }
        _ => return Err(BAD),
    };
    head.method = start..start + sp1;
    let t0 = start + sp1 + 1;
    // Where the path starts inside the target.
    let path_off = if target[0] == b'/' {
        0
    } else if target == b"*" {
        if &line[..sp1] != b"OPTIONS" {
            return Err(BAD);
        }
        0
    } else {
        absolute_form_path(target).ok_or(BAD)?
    };
    let t_end = t0 + target.len();
    let p0 = t0 + path_off;
    match memchr(b'?', &buf[p0..t_end]) {
        Some(q) => {
            let q = p0 + q;
            head.path = p0..q;
            head.query = Some(q + 1..t_end);
        }
        None => {
            head.path = p0..t_end;
            head.query = None;
        }
    }
    if head.path.is_empty() {
        // `http://host` or `http://host?x`: the path is "/", which is not in the buffer; point at
        // nothing and let the request report "/".
        head.path = p0..p0;
    }
    Ok(())
}

/// For an absolute-form target (`scheme://authority/path`), the offset of the path (or of the end, or
/// of the `?`, when the path is empty).
fn absolute_form_path(t: &[u8]) -> Option<usize> {
    let colon = memchr(b':', t)?;
    let scheme = &t[..colon];
    if scheme.is_empty()
        || !scheme[0].is_ascii_alphabetic()
        || !scheme
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let rest = t[colon..].strip_prefix(b"://")?;
    let auth0 = colon + 3;
    let auth_len = rest
        .iter()
        .position(|&c| c == b'/' || c == b'?')
        .unwrap_or(rest.len());
    if auth_len == 0 {
        return None;
    }
    Some(auth0 + auth_len)
}

/// Parses the head starting at `buf[start]` line by line, in one pass: `Ok(Some((head, end)))`
/// with `end` just past the blank line, `Ok(None)` if `buf` ends before the blank line (with every
/// line so far valid), or the status for the first bad line. `fields` (empty) receives the fields.
fn parse_head(
    buf: &[u8],
    start: usize,
    fields: Vec<(Range<usize>, Range<usize>)>,
) -> Result<Option<(RawHead, usize)>, StatusCode> {
    const BAD: StatusCode = StatusCode::BAD_REQUEST;
    let mut head = RawHead::empty(fields);
    let Some(nl) = memchr(b'\n', &buf[start..]) else {
        return Ok(None);
    };
    let nl = start + nl;
    request_line(buf, start, nl, &mut head)?;

    let mut content_length: Option<u64> = None;
    let mut chunked = 0u32;
    let mut other_coding = false;
    let mut has_te = false;
    let mut hosts = 0u32;
    let mut pos = nl + 1;
    // One pass per line: the name's tchars up to the colon, then the value up to the byte that
    // ends it, which must be the line end. Running out of bytes anywhere is `Ok(None)`.
    let end = loop {
        match buf.get(pos) {
            None => return Ok(None),
            Some(b'\n') => break pos + 1, // the blank line
            Some(b'\r') => match buf.get(pos + 1) {
                Some(b'\n') => break pos + 2,
                None => return Ok(None),
                Some(_) => return Err(BAD), // a bare CR where a name should start
            },
            Some(b' ' | b'\t') => return Err(BAD), // obs-fold
            Some(_) => {}
        }
        // The name: up to the first colon, every byte a tchar (a line without a colon runs into
        // the next line's bytes here and fails on its CR or LF).
        let Some(colon) = memchr(b':', &buf[pos..]) else {
            return Ok(None);
        };
        let colon = pos + colon;
        if colon == pos || !buf[pos..colon].iter().all(|&c| is_tchar(c)) {
            // An empty name, or whitespace/garbage in it (incl. before the colon).
            return Err(BAD);
        }
        let mut v0 = colon + 1;
        while v0 < buf.len() && matches!(buf[v0], b' ' | b'\t') {
            v0 += 1;
        }
        let stop = value_end(buf, v0);
        let nl = match buf.get(stop) {
            None => return Ok(None),
            Some(b'\n') => stop,
            Some(b'\r') => match buf.get(stop + 1) {
                Some(b'\n') => stop + 1,
                None => return Ok(None),
                Some(_) => return Err(BAD), // a bare CR
            },
            Some(_) => return Err(BAD), // a control byte in the value
        };
        let mut v1 = stop;
        while v1 > v0 && matches!(buf[v1 - 1], b' ' | b'\t') {
            v1 -= 1;
        }
        if head.headers.len() == MAX_HEADERS {
            return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        let name = &buf[pos..colon];
        let value = &buf[v0..v1];
        head.headers.push((pos..colon, v0..v1));

        // The fields that matter to framing, told apart by length first.
        match name.len() {
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
                    return Err(BAD);
                }
                let n = value
                    .iter()
                    .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
                if content_length.is_some_and(|old| old != n) {
                    return Err(BAD);
                }
                content_length = Some(n);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                has_te = true;
                for coding in value.split(|&c| c == b',') {
                    let coding = trim(coding);
                    if coding.is_empty() {
                        continue;
                    }
                    if coding.eq_ignore_ascii_case(b"chunked") {
                        chunked += 1;
                    } else {
                        other_coding = true;
                    }
                }
            }
            10 if name.eq_ignore_ascii_case(b"connection") => {
                for opt in value.split(|&c| c == b',') {
                    let opt = trim(opt);
                    if opt.eq_ignore_ascii_case(b"close") {
                        head.conn_close = true;
                    } else if opt.eq_ignore_ascii_case(b"keep-alive") {
                        head.conn_keep_alive = true;
                    }
                }
            }
            6 if name.eq_ignore_ascii_case(b"expect")
                && value.eq_ignore_ascii_case(b"100-continue") =>
            {
                head.expect_continue = true;
            }
            4 if name.eq_ignore_ascii_case(b"host") => hosts += 1,
            _ => {}
        }
        pos = nl + 1;
    };
    if head.http11 && hosts != 1 {
        return Err(BAD);
    }
    head.framing = if has_te {
        if content_length.is_some() || chunked > 1 {
            return Err(BAD);
        }
        if other_coding || chunked == 0 {
            return Err(StatusCode::NOT_IMPLEMENTED);
        }
        Framing::Chunked
    } else {
        match content_length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        }
    };
    Ok(Some((head, end)))
}

/// `s` without leading and trailing spaces and tabs.
fn trim(s: &[u8]) -> &[u8] {
    let a = s
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(s.len());
    let b = s
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(a, |i| i + 1);
    &s[a..b]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Parse {
        HeadParser::new().parse(s, 8192)
    }

    fn status(s: &[u8]) -> Option<u16> {
        match parse(s) {
            Parse::Error(s) => Some(s.as_u16()),
            _ => None,
        }
    }

    #[test]
    fn simple_get() {
        let req = b"GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-A:  v  \r\n\r\nrest";
        let Parse::Complete(h, n) = parse(req) else {
            panic!()
        };
        assert_eq!(n, req.len() - 4);
        assert_eq!(&req[h.method.clone()], b"GET");
        assert_eq!(&req[h.path.clone()], b"/a/b");
        assert_eq!(&req[h.query.clone().unwrap()], b"x=1");
        assert_eq!(&req[h.headers[1].1.clone()], b"v");
        assert!(h.http11);
    }

    #[test]
    fn bare_lf_and_partial() {
        assert!(matches!(
            parse(b"GET / HTTP/1.0\n\n"),
            Parse::Complete(_, 16)
        ));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n"), Parse::Partial);
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r"), Parse::Partial);
    }

    #[test]
    fn bad_heads() {
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), Some(505));
        assert_eq!(status(b"GET / FOO/1.1\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET  / HTTP/1.1\r\n"), Some(400));
        assert_eq!(
            status(b"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n"),
            Some(400)
        );
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET / HTTP/1.1\r\n\r\n"), Some(400));
        let smuggle = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(status(smuggle), Some(400));
        let two = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
        assert_eq!(status(two), Some(400));
        let gz = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n";
        assert_eq!(status(gz), Some(501));
        let sign = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n";
        assert_eq!(status(sign), Some(400));
    }

    #[test]
    fn too_large() {
        let mut req = b"GET / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
        req.extend(std::iter::repeat_n(b'a', 9000));
        assert_eq!(status(&req), Some(431));
    }

    #[test]
    fn absolute_form() {
        let req = b"GET http://example.com/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n";
        let Parse::Complete(h, _) = parse(req) else {
            panic!()
        };
        assert_eq!(&req[h.path.clone()], b"/p");
        assert_eq!(&req[h.query.unwrap()], b"q");
    }
}
