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
//! garbage first line gets its 400 without waiting for the rest. A fresh parser first tries that one
//! pass over whatever is in the buffer: when the whole head is there (nearly always) it is the only
//! pass; anything else falls back to the incremental path, which decides.
//!
//! Where the cost goes, and how it is kept small (the h2load request of 88 bytes parses in ~480
//! instructions, from ~1,000 with a byte-table scan):
//! - the common request line (`GET /` or `POST /`, an origin-form target, ` HTTP/1.1` or
//!   ` HTTP/1.0`, CRLF) is checked with word compares and one target scan; any other line takes the
//!   general path (`request_line`);
//! - field names, values and the target are scanned many bytes per step (`parse_scan.rs`: SSE2 on
//!   x86_64, u64 words elsewhere); a name scan stops at the first byte that is not a letter, digit
//!   or `-`, which is normally the colon, and only a rarer byte is looked up in the `tchar` table;
//! - `Host:`, in every request, is recognized at the line start by one case-folded word compare
//!   (no name scan); the other framing fields are told apart by name length and one or a few
//!   such compares (`Known`) and handled out of line;
//! - the incremental path is out of line, so the one-pass path carries none of its state.
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

use super::parse_scan::{
    memchr, name_stop, target_stop, value_stop, word_at, word_of, CONNECTION, CONTENT_LENGTH,
    EXPECT, HOST, HOST_COLON, TRANSFER_ENCODING,
};
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
        // head, a bad one) takes the incremental path, out of line, which decides as before.
        if self.scanned == 0 && !self.line_checked {
            let mut head = RawHead::empty(self.fields());
            match parse_head(buf, start, &mut head) {
                Ok(Some(end)) if end - start <= max_head_bytes => {
                    return Parse::Complete(head, end)
                }
                _ => self.recycle(head),
            }
        }
        self.incremental(buf, start, max_head_bytes)
    }

    /// The incremental path: finds the blank line (resuming the search), then parses up to it.
    #[cold]
    #[inline(never)]
    fn incremental(&mut self, buf: &[u8], start: usize, max_head_bytes: usize) -> Parse {
        let end = match self.find_end(buf, start) {
            Some(end) if end - start > max_head_bytes => {
                return Parse::Error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
            }
            Some(end) => end,
            None => return self.partial(buf, start, max_head_bytes),
        };
        let mut head = RawHead::empty(self.fields());
        match parse_head_outlined(&buf[..end], start, &mut head) {
            Ok(Some(n)) if n == end => Parse::Complete(head, end),
            // Unreachable: the blank line at `end` is the first one.
            Ok(_) => Parse::Error(StatusCode::BAD_REQUEST),
            Err(s) => Parse::Error(s),
        }
    }

    /// The answer while the blank line has not arrived: 431 if the head is already too long, 400
    /// if its request line is complete and bad (checked once), else wait.
    fn partial(&mut self, buf: &[u8], start: usize, max_head_bytes: usize) -> Parse {
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
        Parse::Partial
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
    let sp2 = target_stop(buf, start + sp1 + 1).0 - start;
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

/// Parses the head starting at `buf[start]` line by line, in one pass, into `head` (fresh from
/// [`RawHead::empty`]): `Ok(Some(end))` with `end` just past the blank line, `Ok(None)` if `buf`
/// ends before the blank line (with every line so far valid), or the status for the first bad line.
#[inline(always)]
fn parse_head(buf: &[u8], start: usize, head: &mut RawHead) -> Result<Option<usize>, StatusCode> {
    let nl = match request_line_fast(buf, start, head) {
        Some(nl) => nl,
        None => {
            let Some(nl) = memchr(b'\n', &buf[start..]) else {
                return Ok(None);
            };
            request_line(buf, start, start + nl, head)?;
            start + nl
        }
    };
    fields(buf, nl + 1, head)
}

/// [`parse_head`] as a call, for the incremental path (where the inlined copy would only grow
/// the code).
#[inline(never)]
fn parse_head_outlined(
    buf: &[u8],
    start: usize,
    head: &mut RawHead,
) -> Result<Option<usize>, StatusCode> {
    parse_head(buf, start, head)
}

/// The request line of nearly every request, checked with a few word compares: `GET /` or
/// `POST /`, the rest of an origin-form target, ` HTTP/1.1` or ` HTTP/1.0`, and CRLF. `Some(index
/// of the LF)` with `head` filled in; `None` when the line is anything else (or not all here),
/// and the general [`request_line`] decides.
#[inline(always)]
fn request_line_fast(buf: &[u8], start: usize, head: &mut RawHead) -> Option<usize> {
    const GET: u64 = word_of(b"GET /");
    const POST: u64 = word_of(b"POST /");
    const VERSION: u64 = word_of(b" HTTP/1.");
    const CRLF_11: u64 = word_of(b"TP/1.1\r\n");
    const CRLF_10: u64 = word_of(b"TP/1.0\r\n");
    if start + 8 > buf.len() {
        return None;
    }
    let w = word_at(buf, start);
    // The index of the space after the method.
    let sp1 = if w & 0xff_ffff_ffff == GET {
        start + 3
    } else if w & 0xffff_ffff_ffff == POST {
        start + 4
    } else {
        return None;
    };
    let p0 = sp1 + 1;
    let (sp2, q) = target_stop(buf, p0 + 1);
    // ` HTTP/1.x\r\n` as two overlapping words.
    if sp2 + 11 > buf.len() || word_at(buf, sp2) != VERSION {
        return None;
    }
    head.http11 = match word_at(buf, sp2 + 3) {
        CRLF_11 => true,
        CRLF_10 => false,
        _ => return None,
    };
    head.method = start..sp1;
    match q {
        Some(q) => {
            head.path = p0..q;
            head.query = Some(q + 1..sp2);
        }
        None => head.path = p0..sp2,
    }
    Some(sp2 + 10)
}

/// The colon that ends the field name starting at `pos`: `Ok(Some(index))` when every byte
/// before it is a tchar (and there is one), `Ok(None)` when the buffer ends first with no colon
/// anywhere after `pos`, else 400. Many bytes per step (`parse_scan`): a run of letters, digits
/// and `-` is passed whole; any other byte is looked up.
#[inline(always)]
fn name_end(buf: &[u8], pos: usize) -> Result<Option<usize>, StatusCode> {
    let mut i = pos;
    loop {
        let k = name_stop(buf, i);
        match buf.get(k) {
            None => return Ok(None),
            Some(b':') if k > pos => return Ok(Some(k)),
            Some(&c) if c != b':' && is_tchar(c) => i = k + 1,
            // An empty name, or a byte no name may hold: bad if a colon follows at all (as the
            // line is then complete enough to be wrong), else wait for more.
            Some(_) => {
                return match memchr(b':', &buf[k..]) {
                    Some(_) => Err(StatusCode::BAD_REQUEST),
                    None => Ok(None),
                }
            }
        }
    }
}

/// Index of the first byte of `buf[from..]` that is not a field-value character (the CR or LF
/// that ends the value, or a bad byte); `buf.len()` if there is none.
#[inline(always)]
fn value_end(buf: &[u8], from: usize) -> usize {
    let mut i = from;
    loop {
        let k = value_stop(buf, i);
        if buf.get(k) != Some(&b'\t') {
            return k;
        }
        i = k + 1;
    }
}

/// What the framing fields said so far.
#[derive(Default)]
struct FramingFields {
    content_length: Option<u64>,
    chunked: u32,
    other_coding: bool,
    has_te: bool,
    hosts: u32,
}

/// Parses the field lines from `pos` to the blank line into `head` (see [`parse_head`]).
#[inline(always)]
fn fields(buf: &[u8], mut pos: usize, head: &mut RawHead) -> Result<Option<usize>, StatusCode> {
    const BAD: StatusCode = StatusCode::BAD_REQUEST;
    let mut f = FramingFields::default();
    // One pass per line: the name's tchars up to the colon, then the value up to the byte that
    // ends it, which must be the line end. Running out of bytes anywhere is `Ok(None)`.
    let end = loop {
        let Some(&first) = buf.get(pos) else {
            return Ok(None);
        };
        if first <= b' ' {
            match first {
                b'\n' => break pos + 1, // the blank line
                b'\r' => match buf.get(pos + 1) {
                    Some(b'\n') => break pos + 2,
                    None => return Ok(None),
                    Some(_) => return Err(BAD), // a bare CR where a name should start
                },
                b' ' | b'\t' => return Err(BAD), // obs-fold
                _ => {}                          // another control byte: the name is bad
            }
        }
        // The name: up to the first colon, every byte a tchar (a line without a colon runs into
        // the next line's bytes here and fails on its CR or LF). `Host:`, in every request, is
        // recognized by one word compare instead.
        let host = pos + 8 <= buf.len() && HOST_COLON.is_at(buf, pos);
        let colon = if host {
            pos + 4
        } else {
            let Some(colon) = name_end(buf, pos)? else {
                return Ok(None);
            };
            colon
        };
        // The value, after optional whitespace (most often one space).
        let mut v0 = colon + 1;
        if buf.get(v0) == Some(&b' ') {
            v0 += 1;
        }
        if buf.get(v0).is_some_and(|&c| c <= b' ') {
            while v0 < buf.len() && matches!(buf[v0], b' ' | b'\t') {
                v0 += 1;
            }
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
        // Trailing whitespace: the only bytes up to `b' '` a value holds are SP and HTAB.
        let mut v1 = stop;
        if v1 > v0 && buf[v1 - 1] <= b' ' {
            while v1 > v0 && matches!(buf[v1 - 1], b' ' | b'\t') {
                v1 -= 1;
            }
        }
        if head.headers.len() == MAX_HEADERS {
            return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        head.headers.push((pos..colon, v0..v1));
        // The fields that matter to framing, told apart by length first; all but `Host` are
        // handled out of line.
        let name = || &buf[pos..colon];
        match colon - pos {
            _ if host => f.hosts += 1,
            4 if HOST.is(name()) => f.hosts += 1,
            6 if EXPECT.is(name()) => expect(&buf[v0..v1], head),
            10 if CONNECTION.is(name()) => connection(&buf[v0..v1], head),
            14 if CONTENT_LENGTH.is(name()) => f.content_length(&buf[v0..v1])?,
            17 if TRANSFER_ENCODING.is(name()) => f.transfer_encoding(&buf[v0..v1]),
            _ => {}
        }
        pos = nl + 1;
    };
    if head.http11 && f.hosts != 1 {
        return Err(BAD);
    }
    head.framing = if f.has_te {
        if f.content_length.is_some() || f.chunked > 1 {
            return Err(BAD);
        }
        if f.other_coding || f.chunked == 0 {
            return Err(StatusCode::NOT_IMPLEMENTED);
        }
        Framing::Chunked
    } else {
        match f.content_length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        }
    };
    Ok(Some(end))
}

impl FramingFields {
    /// A `Content-Length` value: 1 to 18 digits, nothing else, and the same as any before.
    #[inline(never)]
    fn content_length(&mut self, value: &[u8]) -> Result<(), StatusCode> {
        const BAD: StatusCode = StatusCode::BAD_REQUEST;
        if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
            return Err(BAD);
        }
        let n = value
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        if self.content_length.is_some_and(|old| old != n) {
            return Err(BAD);
        }
        self.content_length = Some(n);
        Ok(())
    }

    /// Counts the codings of a `Transfer-Encoding` value.
    #[inline(never)]
    fn transfer_encoding(&mut self, value: &[u8]) {
        self.has_te = true;
        for coding in value.split(|&c| c == b',') {
            let coding = trim(coding);
            if coding.is_empty() {
                continue;
            }
            if coding.eq_ignore_ascii_case(b"chunked") {
                self.chunked += 1;
            } else {
                self.other_coding = true;
            }
        }
    }
}

/// Notes `close` and `keep-alive` among a `Connection` value's options.
#[inline(never)]
fn connection(value: &[u8], head: &mut RawHead) {
    for opt in value.split(|&c| c == b',') {
        let opt = trim(opt);
        if opt.eq_ignore_ascii_case(b"close") {
            head.conn_close = true;
        } else if opt.eq_ignore_ascii_case(b"keep-alive") {
            head.conn_keep_alive = true;
        }
    }
}

/// Notes `Expect: 100-continue`.
#[inline(never)]
fn expect(value: &[u8], head: &mut RawHead) {
    if value.eq_ignore_ascii_case(b"100-continue") {
        head.expect_continue = true;
    }
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

    /// The word-compare paths (request line, `Host:`, framing names) accept and refuse exactly
    /// what the general paths do, whatever the case and wherever the buffer ends.
    #[test]
    fn fast_paths_keep_the_rules() {
        let ok = |s: &[u8]| matches!(parse(s), Parse::Complete(..));
        assert!(ok(b"GET /a?b HTTP/1.1\r\nhOsT: x\r\n\r\n"));
        assert!(ok(b"POST /a HTTP/1.0\r\nContent-LENGTH: 0\r\n\r\n"));
        assert!(ok(b"GET /a HTTP/1.1\nHost: x\n\n"));
        assert!(ok(b"get /a HTTP/1.1\r\nHost: x\r\n\r\n")); // methods are case-sensitive tokens
        assert!(ok(
            b"GET /a HTTP/1.1\r\nX_y.z!#$%&'*+^`|~: v\tw\r\nHost:x\r\n\r\n"
        ));
        assert_eq!(status(b"GET /a HTTP/1.1\r\nHost : x\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET /a HTTP/1.1\r\nHo/st: x\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET /a HTTP/1.1\r\nHost: x\x7f\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET /a HTTP/1.1\r\nHost: x\ry\r\n\r\n"), Some(400));
        assert_eq!(
            status(b"GET /a HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"),
            Some(400)
        );
        assert_eq!(status(b"GET /a HTTP/1.2\r\nHost: a\r\n\r\n"), Some(505));
        assert_eq!(status(b"GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET /a HTTP/1.1 \r\nHost: a\r\n\r\n"), Some(400));
        let te = b"POST / HTTP/1.1\r\nHost: a\r\nTRANSFER-encoding: chunked\r\n\r\n";
        let Parse::Complete(h, _) = parse(te) else {
            panic!()
        };
        assert_eq!(h.framing, Framing::Chunked);
        // Trailing whitespace is trimmed, inner whitespace kept; a value may be empty.
        let req = b"GET / HTTP/1.1\r\nHost: a \t\r\nX:\r\nY: b c\t\r\n\r\n";
        let Parse::Complete(h, _) = parse(req) else {
            panic!()
        };
        let value = |i: usize| &req[h.headers[i].1.clone()];
        assert_eq!(
            (value(0), value(1), value(2)),
            (&b"a"[..], &b""[..], &b"b c"[..])
        );
        // Every prefix of a request is Partial (or, at the end, Complete).
        let req = b"GET /p?q HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        for cut in 0..req.len() {
            assert_eq!(parse(&req[..cut]), Parse::Partial, "cut {cut}");
        }
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
