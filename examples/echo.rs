//! TCP echo server: every byte received is sent back, one task per connection.
//!
//! ```text
//! cargo run --release --example echo -- [--addr 127.0.0.1:43211] [--workers N]
//! ```
//! Prints the address it listens on (so `--addr 127.0.0.1:0` picks a free port).

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::{TcpListener, TcpStream};
use std::io;
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
                println!("usage: echo [--addr ADDR] [--workers N]");
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
    matches!(
        e.raw_os_error(),
        Some(
            libc_consts::EMFILE | libc_consts::ENFILE | libc_consts::ENOBUFS | libc_consts::ENOMEM
        )
    )
}

mod libc_consts {
    pub const ENOMEM: i32 = 12;
    pub const ENFILE: i32 = 23;
    pub const EMFILE: i32 = 24;
    pub const ENOBUFS: i32 = 105;
}

async fn run(addr: String) -> io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    println!("echo listening on {}", listener.local_addr()?);
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                eddy::spawn(async move {
                    if let Err(e) = serve(stream).await {
                        eprintln!("echo: connection error: {e}");
                    }
                });
            }
            Err(e) if is_resource_exhaustion(&e) => {
                // Retrying at once would spin; give connections a moment to close.
                eprintln!("echo: accept: {e}; pausing 100 ms");
                eddy::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
                    .await
                    .ok();
            }
            Err(e) => eprintln!("echo: accept: {e}"),
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
