//! rot13 server: every byte received comes back rot13'd, one task per connection.
//!
//! ```text
//! cargo run --release --example rot13 -- [--addr 127.0.0.1:43211] [--workers N]
//! ```
//! Prints the address it listens on (so `--addr 127.0.0.1:0` picks a free port). Letters a–m/A–M move
//! 13 forward, n–z/N–Z 13 back, every other byte is sent unchanged; there is no framing, so whatever one
//! `read` returns is transformed in place and written back. Connection open and close are logged to stderr
//! with the peer's address.

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::{TcpListener, TcpStream};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

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
                println!("usage: rot13 [--addr ADDR] [--workers N]");
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

/// rot13 of one byte: ASCII letters rotate by 13 within their case, every other byte is unchanged.
pub fn rot13_byte(b: u8) -> u8 {
    match b {
        b'a'..=b'm' | b'A'..=b'M' => b + 13,
        b'n'..=b'z' | b'N'..=b'Z' => b - 13,
        _ => b,
    }
}

/// Applies [`rot13_byte`] to every byte of `buf`, in place.
pub fn rot13_in_place(buf: &mut [u8]) {
    for b in buf {
        *b = rot13_byte(*b);
    }
}

/// Serves one connection until the peer closes its write side; returns the bytes transformed.
async fn serve(stream: &mut TcpStream) -> io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        rot13_in_place(&mut buf[..n]);
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Errors that mean "out of resources right now": pause, then accept again.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    // ENOMEM, ENFILE, EMFILE, ENOBUFS on Linux.
    matches!(e.raw_os_error(), Some(12 | 23 | 24 | 105))
}

async fn handle(mut stream: TcpStream, peer: SocketAddr) {
    eprintln!("rot13: {peer} open");
    match serve(&mut stream).await {
        Ok(bytes) => eprintln!("rot13: {peer} closed after {bytes} bytes"),
        Err(e) => eprintln!("rot13: {peer} closed with error: {e}"),
    }
}

async fn run(addr: String) -> io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    println!("rot13 listening on {}", listener.local_addr()?);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                eddy::spawn(handle(stream, peer));
            }
            Err(e) if is_resource_exhaustion(&e) => {
                // Retrying at once would spin; give connections a moment to close.
                eprintln!("rot13: accept: {e}; pausing 100 ms");
                eddy::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
                    .await
                    .ok();
            }
            Err(e) => eprintln!("rot13: accept: {e}"),
        }
    }
}

fn main() -> io::Result<()> {
    let args = parse_args();
    let mut builder = eddy::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build()?.block_on(run(args.addr))
}
