//! The "no runtime" HTTP/1.1 server: one thread, one epoll loop on libc, a minimal parser.
//!
//! ```text
//! cargo run --release -p eddy-bench --example raw_http -- [--addr 127.0.0.1:8080] [--workers 1]
//! ```
//! Prints the address it listens on. Serves `/plaintext` and `/json` with the same bytes as eddy's
//! `examples/http.rs` (`support/http.rs`) and is the lower bound on CPU per request that
//! `bench/run --groups http` holds eddy against. Pipelining-aware: every complete request in a read
//! is answered, and all the answers leave in one `send`.
//!
//! The parser reads only what routing and framing need: the request line, `Content-Length` (a body
//! is skipped), `Connection`, and `Transfer-Encoding` (refused with 400: a chunked upload is not a
//! benchmark workload). Anything malformed gets a 400 and the connection closes.

#[path = "support/args.rs"]
mod args;
#[path = "support/date.rs"]
mod date;
#[path = "support/epoll.rs"]
mod epoll;
#[path = "support/http.rs"]
mod http;

use epoll::{Processed, Protocol};

/// One parsed request head.
struct Head<'a> {
    method: &'a [u8],
    path: &'a [u8],
    minor_version: u8,
    content_length: usize,
    connection: Option<&'a [u8]>,
}

/// Why a head could not be used.
enum Bad {
    /// Not enough bytes yet.
    Incomplete,
    /// Malformed or unsupported: answer 400 and close.
    Invalid,
}

/// Parses the head at the start of `buf`; returns it and its length (through the blank line).
fn parse_head(buf: &[u8]) -> Result<(Head<'_>, usize), Bad> {
    let end = find(buf, b"\r\n\r\n").ok_or(Bad::Incomplete)? + 4;
    let mut lines = buf[..end - 4].split(|&b| b == b'\n');
    let line = trim_cr(lines.next().ok_or(Bad::Invalid)?);
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && t.starts_with(b"/") => (m, t, v),
        _ => return Err(Bad::Invalid),
    };
    let minor_version = match version {
        b"HTTP/1.1" => 1,
        b"HTTP/1.0" => 0,
        _ => return Err(Bad::Invalid),
    };
    let path = match target.iter().position(|&b| b == b'?') {
        Some(q) => &target[..q],
        None => target,
    };
    let mut head = Head {
        method,
        path,
        minor_version,
        content_length: 0,
        connection: None,
    };
    for line in lines {
        let line = trim_cr(line);
        let colon = line.iter().position(|&b| b == b':').ok_or(Bad::Invalid)?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            head.content_length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or(Bad::Invalid)?;
        } else if name.eq_ignore_ascii_case(b"connection") {
            head.connection = Some(value);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(Bad::Invalid);
        }
    }
    Ok((head, end))
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The offset of the first `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Largest request body accepted (and skipped); below the loop's limit on unconsumed input, so a
/// body that is accepted can always arrive whole.
const MAX_BODY: usize = 32 * 1024;

/// HTTP/1.1 over the raw loop.
struct Http;

impl Protocol for Http {
    fn process(&mut self, input: &[u8], out: &mut Vec<u8>) -> Processed {
        let mut pos = 0;
        loop {
            let (head, len) = match parse_head(&input[pos..]) {
                Ok(h) => h,
                Err(Bad::Incomplete) => {
                    return Processed {
                        consumed: pos,
                        close: false,
                    }
                }
                Err(Bad::Invalid) => {
                    http::encode_bad_request(out);
                    return Processed {
                        consumed: input.len(),
                        close: true,
                    };
                }
            };
            if head.content_length > MAX_BODY {
                http::encode_bad_request(out);
                return Processed {
                    consumed: input.len(),
                    close: true,
                };
            }
            if input.len() - pos - len < head.content_length {
                return Processed {
                    consumed: pos,
                    close: false,
                }; // the body is still arriving
            }
            let keep_alive = http::keep_alive(head.minor_version, head.connection);
            let reply = http::route(head.method, head.path);
            http::encode(out, &reply, head.method == b"HEAD", keep_alive);
            pos += len + head.content_length;
            if !keep_alive {
                return Processed {
                    consumed: input.len(),
                    close: true,
                };
            }
        }
    }
}

fn main() {
    let args = args::parse("raw_http");
    if args.workers.is_some_and(|n| n != 1) {
        args::fail(
            "raw_http",
            "the raw loop is single-threaded: --workers must be 1",
        );
    }
    let mut server = match epoll::Server::bind(&args.addr, Http) {
        Ok(s) => s,
        Err(e) => args::fail("raw_http", &format!("cannot listen on {}: {e}", args.addr)),
    };
    match server.local_addr() {
        Ok(a) => println!("raw_http listening on http://{a}/"),
        Err(e) => args::fail("raw_http", &format!("local address: {e}")),
    }
    if let Err(e) = server.run() {
        eprintln!("raw_http: {e}");
        std::process::exit(1);
    }
}
