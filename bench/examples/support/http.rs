//! The routes every HTTP peer serves, and their responses byte for byte as eddy's http example
//! writes them.
//!
//! `GET`/`HEAD` `/plaintext` and `/json` answer 200; everything else answers 404 with `not found\n`,
//! as `examples/http.rs` does for unknown paths. The head carries the same fields in the same order as
//! eddy's server: status line, `Server`, `Date`, `Content-Type`, `Content-Length`, and
//! `Connection: close` when the connection is about to close. The `Server` value is eddy's own
//! ("eddy") in every peer, so that each server puts exactly the same number of bytes on the wire
//! per response and the comparison measures the servers, not the header sizes.

/// The `Server` header value (the same bytes as eddy's, on purpose: see the module doc).
pub const SERVER_NAME: &str = "eddy";

/// A fixed response: status line text, content type, body.
pub struct Reply {
    /// `200 OK` or `404 Not Found`.
    pub status: &'static str,
    /// The `Content-Type` value.
    pub content_type: &'static str,
    /// The body (omitted on the wire for `HEAD`).
    pub body: &'static [u8],
}

/// What `examples/http.rs` answers to `method` and `path`, for the routes the benchmarks use.
pub fn route(method: &[u8], path: &[u8]) -> Reply {
    let readable = method == b"GET" || method == b"HEAD";
    match path {
        b"/plaintext" if readable => Reply {
            status: "200 OK",
            content_type: "text/plain; charset=utf-8",
            body: b"Hello, World!",
        },
        b"/json" if readable => Reply {
            status: "200 OK",
            content_type: "application/json",
            body: br#"{"message":"Hello, World!"}"#,
        },
        _ => Reply {
            status: "404 Not Found",
            content_type: "text/plain; charset=utf-8",
            body: b"not found\n",
        },
    }
}

/// Appends the response to `out`: head (with the cached `Date`) and, unless `head_only`, the body.
pub fn encode(out: &mut Vec<u8>, reply: &Reply, head_only: bool, keep_alive: bool) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(reply.status.as_bytes());
    out.extend_from_slice(b"\r\nServer: ");
    out.extend_from_slice(SERVER_NAME.as_bytes());
    out.extend_from_slice(b"\r\nDate: ");
    super::date::push(out);
    out.extend_from_slice(b"\r\nContent-Type: ");
    out.extend_from_slice(reply.content_type.as_bytes());
    out.extend_from_slice(b"\r\nContent-Length: ");
    push_decimal(out, reply.body.len());
    out.extend_from_slice(b"\r\n");
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(reply.body);
    }
}

/// The answer to a request that cannot be parsed; the connection closes after it.
pub fn encode_bad_request(out: &mut Vec<u8>) {
    let reply = Reply {
        status: "400 Bad Request",
        content_type: "text/plain; charset=utf-8",
        body: b"bad request\n",
    };
    encode(out, &reply, false, false);
}

/// Whether a request keeps the connection open: HTTP/1.1 unless `Connection: close`; HTTP/1.0 only
/// with `Connection: keep-alive`. `connection` is the header's value, if present.
pub fn keep_alive(minor_version: u8, connection: Option<&[u8]>) -> bool {
    let has = |token: &[u8]| {
        connection.is_some_and(|v| {
            v.split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
        })
    };
    if minor_version >= 1 {
        !has(b"close")
    } else {
        has(b"keep-alive")
    }
}

fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}
