//! The chat example end to end, in process: `examples/chat.rs` is included as a module and its
//! `serve` runs on an eddy runtime, with plain blocking sockets as clients.
//!
//! Checks the room's promises: a line reaches every other client (prefixed with the sender's address)
//! and not its sender; a client that stops reading gets a "skipped" notice when it catches up instead
//! of being disconnected; and while it is stuck, the others keep getting every message.

#[path = "../examples/chat.rs"]
#[allow(dead_code)] // `main` and its argument parsing are not used here
mod chat;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A running server and the runtime it runs on (dropping the runtime stops it).
struct Server {
    addr: SocketAddr,
    _rt: eddy::runtime::Runtime,
}

fn start(room_capacity: usize) -> Server {
    let rt = eddy::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(eddy::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(chat::serve(listener, room_capacity));
    Server { addr, _rt: rt }
}

struct Client {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(server: &Server) -> Client {
        let stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let addr = stream.local_addr().unwrap();
        let mut client = Client {
            addr,
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        let welcome = client.line();
        assert_eq!(welcome, format!("*** welcome, you are {addr}"));
        client
    }

    fn send(&mut self, line: &str) {
        self.writer.write_all(line.as_bytes()).unwrap();
        self.writer.write_all(b"\n").unwrap();
    }

    /// The next line, without its `\n`.
    fn line(&mut self) -> String {
        let mut s = String::new();
        let n = self
            .reader
            .read_line(&mut s)
            .expect("read from the chat server");
        assert!(n > 0, "the server closed the connection");
        assert!(s.ends_with('\n'));
        s.pop();
        s
    }

    /// The next line that is not a join/leave announcement.
    fn chat_line(&mut self) -> String {
        loop {
            let l = self.line();
            if !(l.starts_with("*** ") && (l.ends_with(" joined") || l.ends_with(" left"))) {
                return l;
            }
        }
    }
}

#[test]
fn a_line_reaches_every_other_client_but_not_its_sender() {
    let server = start(chat::ROOM_CAPACITY);
    let mut a = Client::connect(&server);
    let mut b = Client::connect(&server);
    let mut c = Client::connect(&server);
    // `a` saw b and c join; `b` saw c join.
    assert_eq!(a.line(), format!("*** {} joined", b.addr));
    assert_eq!(a.line(), format!("*** {} joined", c.addr));
    assert_eq!(b.line(), format!("*** {} joined", c.addr));

    a.send("hello from a");
    assert_eq!(b.line(), format!("{}: hello from a", a.addr));
    assert_eq!(c.line(), format!("{}: hello from a", a.addr));
    b.send("and from b\r");
    assert_eq!(a.line(), format!("{}: and from b", b.addr));
    assert_eq!(c.line(), format!("{}: and from b", b.addr));
    // Had `a` been sent its own line, it would come before b's.
    c.send("bye");
    assert_eq!(a.line(), format!("{}: bye", c.addr));
    assert_eq!(b.line(), format!("{}: bye", c.addr));

    let c_addr = c.addr;
    drop(c);
    assert_eq!(a.line(), format!("*** {c_addr} left"));
    assert_eq!(b.line(), format!("*** {c_addr} left"));
}

#[test]
fn a_client_that_stops_reading_lags_without_holding_up_the_room() {
    const ROOM: usize = 64;
    const BATCH: usize = 32; // below ROOM: the reading client can never lag
    const BATCHES: usize = 80;
    // 80 × 32 lines of 4 KB is 10 MB, more than the socket buffers can hold for the stuck client.
    let payload = "x".repeat(4000);

    let server = start(ROOM);
    let mut talker = Client::connect(&server);
    let mut listener = Client::connect(&server);
    let mut stuck = Client::connect(&server);
    // Keep the stuck client's kernel buffer small, so its server task soon blocks on a full socket.
    set_recv_buffer(&stuck.writer, 4096);

    for batch in 0..BATCHES {
        for i in 0..BATCH {
            talker.send(&format!("{batch}.{i} {payload}"));
        }
        for i in 0..BATCH {
            let expected = format!("{}: {batch}.{i} {payload}", talker.addr);
            let got = listener.chat_line();
            assert!(
                got == expected,
                "listener got {:?}",
                &got[..got.len().min(80)]
            );
        }
    }
    talker.send("done");
    assert_eq!(listener.chat_line(), format!("{}: done", talker.addr));

    // The stuck client still has its connection: it reads what it was sent, a notice of what it
    // missed, and the room's latest messages, in order. (A roomy buffer again, or the tiny window
    // makes the catch-up crawl.)
    set_recv_buffer(&stuck.writer, 1 << 20);
    let mut notices = 0;
    let mut last = None;
    loop {
        let l = stuck.chat_line();
        if l.starts_with("*** you were too slow: ") {
            notices += 1;
            continue;
        }
        if l == format!("{}: done", talker.addr) {
            break;
        }
        let rest = l
            .strip_prefix(&format!("{}: ", talker.addr))
            .unwrap_or_else(|| panic!("unexpected line {:?}", &l[..l.len().min(80)]));
        let (seq, _) = rest.split_once(' ').unwrap();
        let (batch, i) = seq.split_once('.').unwrap();
        let n = batch.parse::<usize>().unwrap() * BATCH + i.parse::<usize>().unwrap();
        assert!(
            last.is_none_or(|prev| n > prev),
            "out of order: {n} after {last:?}"
        );
        last = Some(n);
    }
    assert!(notices > 0, "the stuck client was never told it lagged");
}

fn set_recv_buffer(stream: &TcpStream, bytes: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: setsockopt reads `size_of::<c_int>()` bytes from a live local; the descriptor is open
    // for the duration of the call.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&bytes as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(
        rc,
        0,
        "setsockopt(SO_RCVBUF): {}",
        std::io::Error::last_os_error()
    );
}
