//! Line-based TCP chat server: every line a client sends goes to every other client.
//!
//! ```text
//! cargo run --release --example chat -- [--addr 127.0.0.1:43212] [--workers N]
//! ```
//! Prints the address it listens on (so `--addr 127.0.0.1:0` picks a free port). Try it with two or
//! three `nc 127.0.0.1 43212` in separate terminals.
//!
//! One task per client and one `broadcast` channel for the room. A client's task waits on two things
//! at once with `select!`: the next line from its socket (published to the room, prefixed with the
//! client's address) and the next message of the room (written to its socket, unless it is the
//! client's own). Publishing never waits, so a slow client cannot hold up the room: while its task is
//! stuck writing to a full socket, the channel goes on without it, and when the task catches up it
//! gets `Lagged(n)`, tells the client how many messages it missed, and carries on from the oldest one
//! still kept.
//!
//! Shortcuts: a line is not limited in length (a client that never sends `\n` grows its buffer), and
//! bytes that are not UTF-8 are replaced rather than rejected.

use eddy::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use eddy::net::{TcpListener, TcpStream};
use eddy::sync::broadcast::{self, error::RecvError};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

/// Messages the room keeps for clients that fall behind.
pub const ROOM_CAPACITY: usize = 256;

/// One message of the room: who sent it and the line as every other client sees it.
#[derive(Debug)]
struct Message {
    from: SocketAddr,
    line: String,
}

/// Accepts clients on `listener` forever; the room keeps `room_capacity` messages for laggards.
pub async fn serve(listener: TcpListener, room_capacity: usize) -> io::Result<()> {
    // The server holds the sending side (and no receiver) so the room outlives its clients.
    let (room, _) = broadcast::channel::<Arc<Message>>(room_capacity);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // A failed accept (out of descriptors, a connection reset while queued) concerns one
                // would-be client; keep serving the others.
                eprintln!("chat: accept: {e}");
                continue;
            }
        };
        let room = room.clone();
        eddy::spawn(async move {
            if let Err(e) = client(stream, peer, room).await {
                eprintln!("chat: {peer}: {e}");
            }
        });
    }
}

/// Publishes `line` from `from`. Fails only when nobody listens, which is not an error for a room.
fn publish(room: &broadcast::Sender<Arc<Message>>, from: SocketAddr, line: String) {
    let _ = room.send(Arc::new(Message { from, line }));
}

/// Serves one client until it disconnects.
async fn client(
    stream: TcpStream,
    peer: SocketAddr,
    room: broadcast::Sender<Arc<Message>>,
) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    // Subscribe before announcing, so the announcement is in order with what follows; and announce
    // before the welcome, so that once a client has its welcome, everyone who joins later subscribes
    // after its announcement and is not told of it.
    let mut inbox = room.subscribe();
    publish(&room, peer, format!("*** {peer} joined\n"));
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).split(b'\n');
    writer
        .write_all(format!("*** welcome, you are {peer}\n").as_bytes())
        .await?;

    let result = loop {
        eddy::select! {
            // Both branches are cancel safe: a partly read line stays in `lines`, and a message not
            // yet received stays in the channel.
            segment = lines.next_segment() => match segment {
                Ok(Some(mut bytes)) => {
                    if bytes.last() == Some(&b'\r') {
                        bytes.pop();
                    }
                    let text = String::from_utf8_lossy(&bytes);
                    publish(&room, peer, format!("{peer}: {text}\n"));
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            },
            message = inbox.recv() => match message {
                Ok(message) if message.from == peer => {}
                Ok(message) => writer.write_all(message.line.as_bytes()).await?,
                Err(RecvError::Lagged(n)) => {
                    let notice = format!("*** you were too slow: {n} messages skipped\n");
                    writer.write_all(notice.as_bytes()).await?;
                }
                // Cannot happen while `room` (held by this task) lives; end quietly if it does.
                Err(RecvError::Closed) => break Ok(()),
            },
        }
    };
    publish(&room, peer, format!("*** {peer} left\n"));
    result
}

struct Args {
    addr: String,
    workers: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        addr: "127.0.0.1:43212".to_string(),
        workers: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => match it.next() {
                Some(addr) => args.addr = addr,
                None => usage_error("--addr needs a value"),
            },
            "--workers" => match it.next().and_then(|v| v.parse().ok()) {
                Some(n) if n > 0 => args.workers = Some(n),
                _ => usage_error("--workers needs a positive number"),
            },
            "-h" | "--help" => {
                println!("usage: chat [--addr ADDR] [--workers N]");
                std::process::exit(0);
            }
            other => usage_error(&format!("unknown argument {other:?}")),
        }
    }
    args
}

fn usage_error(msg: &str) -> ! {
    eprintln!("chat: {msg}; try --help");
    std::process::exit(2);
}

fn main() -> io::Result<()> {
    let args = parse_args();
    let mut builder = eddy::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build()?.block_on(async {
        let listener = TcpListener::bind(&args.addr).await?;
        println!("chat listening on {}", listener.local_addr()?);
        serve(listener, ROOM_CAPACITY).await
    })
}
