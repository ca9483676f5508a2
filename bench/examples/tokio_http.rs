//! The minimal Tokio HTTP/1.1 server: `httparse` for the head, the same routes and bytes as eddy's
//! `examples/http.rs`, nothing else.
//!
//! ```text
//! cargo run --release -p eddy-bench --example tokio_http -- [--addr 127.0.0.1:8080] [--workers N]
//! ```
//! Prints the address it listens on. One task per connection, keep-alive, pipelining-aware: after
//! each read every complete request in the buffer is answered and the answers go out in one
//! `write_all`. `Date` is cached per second per thread (`support/date.rs`). `--workers 1` (what
//! `bench/run` uses) runs a one-worker multi-thread runtime, as eddy's examples do. It answers issue
//! 6's question "what does a hand-written server on Tokio cost", as hyper answers "what does a
//! general-purpose HTTP library on Tokio cost".

#[path = "support/args.rs"]
mod args;
#[path = "support/date.rs"]
mod date;
#[path = "support/http.rs"]
mod http;

use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Header fields parsed per request; more is a 400.
const MAX_HEADERS: usize = 32;
/// Unconsumed input (an incomplete head or body) a connection may hold.
const MAX_PENDING: usize = 64 * 1024;
/// Bytes read per `read` call.
const READ_CHUNK: usize = 16 * 1024;

/// The outcome of answering the requests at the start of a buffer.
struct Answered {
    consumed: usize,
    close: bool,
}

/// Answers every complete request at the start of `input`, appending the responses to `out`.
fn answer_all(input: &[u8], out: &mut Vec<u8>) -> Answered {
    let mut pos = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        let len = match req.parse(&input[pos..]) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => {
                return Answered {
                    consumed: pos,
                    close: false,
                }
            }
            Err(_) => return bad_request(input, out),
        };
        let mut body_len = 0usize;
        let mut connection = None;
        for h in req.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                match std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                {
                    Some(n) if n <= MAX_PENDING / 2 => body_len = n,
                    _ => return bad_request(input, out),
                }
            } else if h.name.eq_ignore_ascii_case("connection") {
                connection = Some(h.value);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return bad_request(input, out); // chunked uploads are not a benchmark workload
            }
        }
        if input.len() - pos - len < body_len {
            return Answered {
                consumed: pos,
                close: false,
            };
        }
        let method = req.method.unwrap_or("").as_bytes();
        let target = req.path.unwrap_or("").as_bytes();
        let path = target.split(|&b| b == b'?').next().unwrap_or(target);
        let keep_alive = http::keep_alive(req.version.unwrap_or(1), connection);
        http::encode(
            out,
            &http::route(method, path),
            method == b"HEAD",
            keep_alive,
        );
        pos += len + body_len;
        if !keep_alive {
            return Answered {
                consumed: input.len(),
                close: true,
            };
        }
    }
}

fn bad_request(input: &[u8], out: &mut Vec<u8>) -> Answered {
    http::encode_bad_request(out);
    Answered {
        consumed: input.len(),
        close: true,
    }
}

async fn serve(mut stream: TcpStream) -> io::Result<()> {
    let mut input: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut out = Vec::new();
    loop {
        if input.capacity() - input.len() < READ_CHUNK / 4 {
            input.reserve(READ_CHUNK);
        }
        if stream.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
        out.clear();
        let answered = answer_all(&input, &mut out);
        input.drain(..answered.consumed);
        if !out.is_empty() {
            stream.write_all(&out).await?;
        }
        if answered.close {
            return Ok(());
        }
        if input.len() > MAX_PENDING {
            return Ok(()); // a head that never ends
        }
    }
}

async fn run(addr: String) -> io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    println!("tokio_http listening on http://{}/", listener.local_addr()?);
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    if let Err(e) = serve(stream).await {
                        if e.kind() != io::ErrorKind::ConnectionReset {
                            eprintln!("tokio_http: connection error: {e}");
                        }
                    }
                });
            }
            // Out of descriptors or memory: wait for connections to close instead of spinning.
            Err(e) => {
                eprintln!("tokio_http: accept: {e}; pausing 100 ms");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

fn main() {
    let args = args::parse("tokio_http");
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => args::fail("tokio_http", &format!("cannot start the runtime: {e}")),
    };
    if let Err(e) = rt.block_on(run(args.addr)) {
        eprintln!("tokio_http: {e}");
        std::process::exit(1);
    }
}
