//! hyper 1.x on Tokio serving the benchmark routes of eddy's `examples/http.rs`.
//!
//! ```text
//! cargo run --release -p eddy-bench --example hyper_http -- [--addr 127.0.0.1:8080] [--workers N]
//! ```
//! Prints the address it listens on. `/plaintext` and `/json` answer with the same body, the same
//! `Content-Type` and `Server` values (`support/http.rs`), and hyper's own cached `Date` and
//! `Content-Length`; anything else is a 404. hyper writes header names in lower case, which changes
//! no byte count. The connection is configured as a benchmark would want it: keep-alive, and
//! `pipeline_flush` so that answers to pipelined requests leave in one write. `--workers 1` (what
//! `bench/run` uses) runs a one-worker multi-thread runtime, as eddy's examples do.

#[path = "support/args.rs"]
mod args;
#[path = "support/date.rs"]
#[allow(dead_code)] // `support/http.rs` needs it; hyper writes its own `Date`
mod date;
#[path = "support/http.rs"]
#[allow(dead_code)] // hyper encodes the head itself; only the routes are used here
mod http;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE, SERVER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io;
use tokio::net::TcpListener;

/// Answers one request from the shared route table.
async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = http::route(
        req.method().as_str().as_bytes(),
        req.uri().path().as_bytes(),
    );
    let body = if req.method() == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from_static(reply.body)
    };
    let mut resp = Response::new(Full::new(body));
    if reply.status.starts_with("404") {
        *resp.status_mut() = StatusCode::NOT_FOUND;
    }
    let headers = resp.headers_mut();
    headers.insert(SERVER, HeaderValue::from_static(http::SERVER_NAME));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    Ok(resp)
}

async fn run(addr: String) -> io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    println!("hyper_http listening on http://{}/", listener.local_addr()?);
    let mut builder = http1::Builder::new();
    builder.keep_alive(true).pipeline_flush(true);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            // Out of descriptors or memory: wait for connections to close instead of spinning.
            Err(e) => {
                eprintln!("hyper_http: accept: {e}; pausing 100 ms");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = builder.serve_connection(TokioIo::new(stream), service_fn(handle));
        tokio::spawn(async move {
            // Clients closing mid-request are normal at the end of a load run; hyper reports them
            // as errors, which are not worth a line each.
            let _ = conn.await;
        });
    }
}

fn main() {
    let args = args::parse("hyper_http");
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => args::fail("hyper_http", &format!("cannot start the runtime: {e}")),
    };
    if let Err(e) = rt.block_on(run(args.addr)) {
        eprintln!("hyper_http: {e}");
        std::process::exit(1);
    }
}
