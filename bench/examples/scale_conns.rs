//! An echo server for the connection rows of `bench/scale.py`: the same code on eddy or on Tokio,
//! one worker, reporting its own memory and connection count on request.
//!
//! ```text
//! scale_conns --runtime eddy|tokio [--addr 127.0.0.1:0] [--backlog 1024]
//! ```
//! Prints `scale_conns listening on ADDR`, then serves every connection with one task that
//! echoes what it reads through a 1 KiB buffer held in the task. Both runtimes get the same
//! listen backlog (`--backlog`; their `TcpListener::bind` defaults differ: Tokio uses 128, eddy
//! 1024), so a client opening connections fast sees the same accept queue on both.
//!
//! Commands, one per line on stdin:
//! - `stats` prints one JSON line: `open` (connections being served), `accepted` (since start),
//!   `errors` (connections that ended with an I/O error), `rss` (resident set in bytes), and
//!   `live_bytes` / `live_blocks` (what the program's counting allocator has handed out and not
//!   yet been given back);
//! - `quit`, or the end of stdin, exits, so the server never outlives the script driving it.
//!
//! Bad arguments print one line and exit with status 2.

#[path = "scale_support/counting_alloc.rs"]
mod counting_alloc;
#[path = "scale_support/rss.rs"]
mod rss;

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::process::exit;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// Bytes of the echo buffer each connection's task holds.
const BUF: usize = 1024;

static OPEN: AtomicUsize = AtomicUsize::new(0);
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
static ERRORS: AtomicUsize = AtomicUsize::new(0);

fn fail(msg: &str) -> ! {
    eprintln!("scale_conns: {msg}");
    exit(2)
}

/// Errors that mean "out of resources right now": pause, then accept again.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    // ENOMEM, ENFILE, EMFILE, ENOBUFS on Linux.
    matches!(e.raw_os_error(), Some(12 | 23 | 24 | 105))
}

/// Answers the commands on stdin; exits the process on `quit` or at the end of stdin.
fn command_loop() {
    let stdin = io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "stats" => {
                let report = format!(
                    "{{\"open\":{},\"accepted\":{},\"errors\":{},\"rss\":{},\"live_bytes\":{},\
                     \"live_blocks\":{}}}",
                    OPEN.load(Relaxed),
                    ACCEPTED.load(Relaxed),
                    ERRORS.load(Relaxed),
                    rss::self_bytes().unwrap_or(0),
                    counting_alloc::live_bytes(),
                    counting_alloc::live_blocks(),
                );
                let mut out = io::stdout().lock();
                if writeln!(out, "{report}").and_then(|_| out.flush()).is_err() {
                    break;
                }
            }
            "quit" => break,
            "" => {}
            other => eprintln!("scale_conns: unknown command {other:?} (stats, quit)"),
        }
    }
    exit(0)
}

/// The server, written once for each runtime crate (`$krate` is `eddy` or `tokio`).
macro_rules! server {
    ($module:ident, $krate:ident) => {
        mod $module {
            use super::*;
            use $krate::io::{AsyncReadExt, AsyncWriteExt};
            use $krate::net::{TcpSocket, TcpStream};

            async fn serve(mut stream: TcpStream) -> io::Result<()> {
                let mut buf = [0u8; BUF];
                loop {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        return Ok(());
                    }
                    stream.write_all(&buf[..n]).await?;
                }
            }

            async fn run(addr: SocketAddr, backlog: u32) -> io::Result<()> {
                let socket = if addr.is_ipv4() {
                    TcpSocket::new_v4()?
                } else {
                    TcpSocket::new_v6()?
                };
                socket.set_reuseaddr(true)?;
                socket.bind(addr)?;
                let listener = socket.listen(backlog)?;
                println!("scale_conns listening on {}", listener.local_addr()?);
                io::stdout().flush()?;
                loop {
                    match listener.accept().await {
                        Ok((stream, _)) => {
                            let _ = stream.set_nodelay(true);
                            ACCEPTED.fetch_add(1, Relaxed);
                            OPEN.fetch_add(1, Relaxed);
                            $krate::spawn(async move {
                                if serve(stream).await.is_err() {
                                    ERRORS.fetch_add(1, Relaxed);
                                }
                                OPEN.fetch_sub(1, Relaxed);
                            });
                        }
                        Err(e) if is_resource_exhaustion(&e) => {
                            eprintln!("scale_conns: accept: {e}; pausing 100 ms");
                            $krate::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => eprintln!("scale_conns: accept: {e}"),
                    }
                }
            }

            pub fn main(addr: SocketAddr, backlog: u32) -> io::Result<()> {
                $krate::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()?
                    .block_on(run(addr, backlog))
            }
        }
    };
}

server!(on_eddy, eddy);
server!(on_tokio, tokio);

fn main() {
    let mut runtime = None;
    let mut addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut backlog: u32 = 1024;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runtime" => match it.next().as_deref() {
                Some(r @ ("eddy" | "tokio")) => runtime = Some(r.to_string()),
                _ => fail("--runtime needs eddy or tokio"),
            },
            "--addr" => match it.next().and_then(|v| v.parse().ok()) {
                Some(a) => addr = a,
                None => fail("--addr needs an address such as 127.0.0.1:0"),
            },
            "--backlog" => match it.next().and_then(|v| v.parse::<u32>().ok()) {
                Some(n) if n > 0 => backlog = n,
                _ => fail("--backlog needs a positive number"),
            },
            "-h" | "--help" => {
                println!("usage: scale_conns --runtime eddy|tokio [--addr ADDR] [--backlog N]");
                return;
            }
            other => fail(&format!("unknown argument {other:?}; try --help")),
        }
    }
    let Some(runtime) = runtime else {
        fail("--runtime is required (eddy or tokio)")
    };
    std::thread::spawn(command_loop);
    let result = if runtime == "eddy" {
        on_eddy::main(addr, backlog)
    } else {
        on_tokio::main(addr, backlog)
    };
    if let Err(e) = result {
        fail(&format!("{e}"));
    }
}
