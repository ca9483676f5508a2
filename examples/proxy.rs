//! TCP proxy: every client accepted is connected to one upstream address, bytes copied both ways.
//!
//! ```text
//! cargo run --release --example proxy -- --to 127.0.0.1:43211 [--listen 127.0.0.1:43212] [--workers N]
//! ```
//! `--addr` is accepted as another name for `--listen`. Prints the address it listens on (so
//! `--listen 127.0.0.1:0` picks a free port). Each client gets one task that connects upstream and runs
//! `eddy::io::copy_bidirectional`: when one side closes its write half, the other side's write half is shut
//! down and the other direction goes on until it ends too. At close the task logs the bytes copied each way.

use eddy::net::{TcpListener, TcpStream};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

struct Args {
    listen: String,
    to: String,
    workers: Option<usize>,
}

fn parse_args() -> Args {
    let mut listen = "127.0.0.1:43212".to_string();
    let mut to = None;
    let mut workers = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--listen" | "--addr" => listen = it.next().expect("--listen needs a value"),
            "--to" => to = Some(it.next().expect("--to needs a value")),
            "--workers" => {
                workers = Some(
                    it.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--workers needs a positive number"),
                )
            }
            "-h" | "--help" => {
                println!("usage: proxy --to ADDR [--listen ADDR] [--workers N]");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }
    let Some(to) = to else {
        eprintln!("proxy: --to ADDR is required; try --help");
        std::process::exit(2);
    };
    Args {
        listen,
        to,
        workers,
    }
}

/// Connects `client` to `upstream` and copies both ways until both directions have ended.
async fn relay(mut client: TcpStream, peer: SocketAddr, upstream: &str) {
    let mut server = match TcpStream::connect(upstream).await {
        Ok(s) => s,
        Err(e) => {
            // Dropping `client` closes it: the client sees end of file at once.
            eprintln!("proxy: {peer}: connect to {upstream}: {e}");
            return;
        }
    };
    let _ = server.set_nodelay(true);
    match eddy::io::copy_bidirectional(&mut client, &mut server).await {
        Ok((up, down)) => {
            eprintln!(
                "proxy: {peer} closed: {up} bytes client→upstream, {down} bytes upstream→client"
            )
        }
        Err(e) => eprintln!("proxy: {peer} closed with error: {e}"),
    }
}

/// Errors that mean "out of resources right now": pause, then accept again.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    // ENOMEM, ENFILE, EMFILE, ENOBUFS on Linux.
    matches!(e.raw_os_error(), Some(12 | 23 | 24 | 105))
}

async fn run(args: Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.listen).await?;
    println!(
        "proxy listening on {}, forwarding to {}",
        listener.local_addr()?,
        args.to
    );
    // One shared copy of the upstream address; each task holds a clone of the Arc, not of the string.
    let upstream: std::sync::Arc<str> = args.to.into();
    loop {
        match listener.accept().await {
            Ok((client, peer)) => {
                let _ = client.set_nodelay(true);
                let upstream = upstream.clone();
                eddy::spawn(async move { relay(client, peer, &upstream).await });
            }
            Err(e) if is_resource_exhaustion(&e) => {
                // Retrying at once would spin; give connections a moment to close.
                eprintln!("proxy: accept: {e}; pausing 100 ms");
                eddy::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
                    .await
                    .ok();
            }
            Err(e) => eprintln!("proxy: accept: {e}"),
        }
    }
}

fn main() -> io::Result<()> {
    let args = parse_args();
    let mut builder = eddy::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build()?.block_on(run(args))
}
