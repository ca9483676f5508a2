//! The HTTP example server: a few fixed routes, an echo, an async sleep, graceful Ctrl-C.
//!
//! ```text
//! cargo run --release --example http -- [--addr 127.0.0.1:8080] [--workers N]
//! ```
//! Routes: `/` (an HTML page), `/network`, `/plaintext`, `/json`, `POST /echo` (the request body back),
//! `POST /count` (reads the body chunk by chunk as it arrives, answers with its size and chunk count),
//! `/sleep?ms=N` (answers after N ms); anything else is 404. Ctrl-C or SIGTERM stops it gracefully.

use eddy::http::{Method, Request, Response, Server, StatusCode};
use std::io;
use std::time::Duration;

const PAGE: &str = "<html><head><title>This is network programming</title></head><body><h1>Hello, network programming</h1></body></html>";

struct Args {
    addr: String,
    workers: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        addr: "127.0.0.1:8080".to_string(),
        workers: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => args.addr = it.next().expect("--addr needs a value"),
            "--workers" => {
                args.workers = Some(
                    it.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--workers needs a positive number"),
                )
            }
            "-h" | "--help" => {
                println!("usage: http [--addr ADDR] [--workers N]");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }
    args
}

async fn route(mut req: Request) -> Response {
    match (req.method(), req.path()) {
        (Method::Get | Method::Head, "/") => Response::html(PAGE),
        (Method::Get | Method::Head, "/network") => Response::text("hello, network programming"),
        (Method::Get | Method::Head, "/plaintext") => Response::text("Hello, World!"),
        (Method::Get | Method::Head, "/json") => Response::json(r#"{"message":"Hello, World!"}"#),
        (Method::Post, "/echo") => match req.body_bytes().await {
            Ok(body) => Response::new(StatusCode::OK)
                .with_header("Content-Type", "application/octet-stream")
                .with_body(body),
            Err(e) => Response::text(e.to_string()).with_status(StatusCode::BAD_REQUEST),
        },
        (Method::Post, "/count") => {
            let (mut bytes, mut chunks) = (0, 0);
            while let Some(chunk) = req.chunk().await {
                match chunk {
                    Ok(c) => {
                        bytes += c.len();
                        chunks += 1;
                    }
                    // Over the limit, malformed or stalled: the server answers 413/400/408 itself.
                    Err(e) => return Response::text(e.to_string()),
                }
            }
            Response::text(format!("{bytes} bytes in {chunks} chunks\n"))
        }
        (Method::Get | Method::Head, "/sleep") => {
            let ms: u64 = req
                .query_param("ms")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
                .min(60_000);
            eddy::time::sleep(Duration::from_millis(ms)).await;
            Response::text(format!("slept {ms} ms"))
        }
        _ => Response::text("not found\n").with_status(StatusCode::NOT_FOUND),
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM (`kill PID`, service managers).
async fn stop_requested() -> io::Result<()> {
    use eddy::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    eddy::select! {
        res = eddy::signal::ctrl_c() => res,
        _ = terminate.recv() => Ok(()),
    }
}

async fn run(addr: String) -> io::Result<()> {
    let server = Server::bind(&addr).await?;
    println!("http listening on http://{}/", server.local_addr()?);
    server
        .with_graceful_shutdown(async {
            if stop_requested().await.is_ok() {
                println!("shutting down");
            }
        })
        .serve(route)
        .await
}

fn main() -> io::Result<()> {
    let args = parse_args();
    let mut builder = eddy::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build()?.block_on(run(args.addr))
}
