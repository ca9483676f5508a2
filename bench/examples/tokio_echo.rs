//! The benchmark peer of `examples/echo.rs`: the same echo server, line for line, on Tokio.
//!
//! ```text
//! cargo run --release -p eddy-bench --example tokio_echo -- [--addr 127.0.0.1:43211] [--workers N]
//! ```
//! Prints the address it listens on (so `--addr 127.0.0.1:0` picks a free port). Tokio is a
//! dev-dependency of `eddy-bench` only, so that `bench/run --groups echo` can measure eddy against it
//! under the same load; keep this file's logic identical to `echo.rs` (one task per connection, a
//! 16 KiB buffer, read then `write_all`, `TCP_NODELAY` on every accepted socket), or the comparison
//! means nothing.

use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Args {
    addr: String,
    workers: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        addr: "127.0.0.1:43211".to_string(),
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
                println!("usage: tokio_echo [--addr ADDR] [--workers N]");
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

async fn serve(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// Errors that mean "out of resources right now": pause, then accept again.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    // ENOMEM, ENFILE, EMFILE, ENOBUFS on Linux.
    matches!(e.raw_os_error(), Some(12 | 23 | 24 | 105))
}

async fn run(addr: String) -> io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    println!("tokio_echo listening on {}", listener.local_addr()?);
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    if let Err(e) = serve(stream).await {
                        eprintln!("tokio_echo: connection error: {e}");
                    }
                });
            }
            Err(e) if is_resource_exhaustion(&e) => {
                // Same pause as echo.rs, taken the same way (a blocking-pool sleep), not tokio::time.
                eprintln!("tokio_echo: accept: {e}; pausing 100 ms");
                tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
                    .await
                    .ok();
            }
            Err(e) => eprintln!("tokio_echo: accept: {e}"),
        }
    }
}

fn main() -> io::Result<()> {
    let args = parse_args();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build()?.block_on(run(args.addr))
}
