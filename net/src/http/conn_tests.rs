//! The connection's waits, over raw sockets: an idle connection closes at the keep-alive timeout
//! and at graceful shutdown, a head that stalls after earlier requests gets its 408 (the paths
//! where the connection skips re-registering with its timer and its shutdown waiter:
//! `conn_timer.rs`, `wait_idle` in `conn.rs`), and a response larger than the socket's buffers
//! reaches a client that reads it slowly (the timed part of `Output::flush`). Assertions are on
//! what arrives, never on how long it took.

use super::{Response, Server};
use eddy_runtime::runtime::Builder;
use eddy_runtime::sync::Notify;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

/// Starts a server on its own one-worker runtime thread, answering every request with `ok` (and
/// `/big` with [`BIG`] bytes; `/panic-in-call` panics in the handler call itself), with `configure` applied and a graceful shutdown on `stop`. The
/// thread ends when `serve` returns.
fn start(
    configure: impl FnOnce(Server) -> Server + Send + 'static,
    stop: Arc<Notify>,
) -> (SocketAddr, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind("127.0.0.1:0").await.unwrap();
            let server =
                configure(server).with_graceful_shutdown(async move { stop.notified().await });
            tx.send(server.local_addr().unwrap()).unwrap();
            server
                .serve(|req| {
                    if req.path() == "/panic-in-call" {
                        panic!("handler call panics (expected by the test)");
                    }
                    async move {
                        match req.path() {
                            "/big" => Response::text("x".repeat(BIG)),
                            _ => Response::text("ok"),
                        }
                    }
                })
                .await
                .unwrap();
        });
    });
    (rx.recv().unwrap(), thread)
}

/// The size of the `/big` body: more than a socket's buffers hold, so writing it waits for the
/// client.
const BIG: usize = 8 << 20;

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends one request and reads its (short, `Content-Length: 2`) response.
fn request(s: &mut TcpStream) -> String {
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.ends_with(b"\r\n\r\nok") {
        let n = s.read(&mut buf).unwrap();
        assert_ne!(n, 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got).unwrap()
}

/// Reads until the server closes; returns what came.
fn read_to_close(s: &mut TcpStream) -> String {
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    String::from_utf8_lossy(&rest).into_owned()
}

#[test]
fn idle_connection_closes_at_the_keep_alive_timeout() {
    let stop = Arc::new(Notify::new());
    let (addr, _thread) = start(
        |s| s.keep_alive_timeout(Duration::from_millis(200)),
        stop.clone(),
    );
    let mut s = connect(addr);
    // Several idle waits in a row (each after a request), then one that lasts.
    for _ in 0..3 {
        assert!(request(&mut s).starts_with("HTTP/1.1 200 OK\r\n"));
    }
    assert_eq!(read_to_close(&mut s), "");
    stop.notify_one();
}

#[test]
fn graceful_shutdown_closes_idle_connections() {
    let stop = Arc::new(Notify::new());
    let (addr, thread) = start(|s| s, stop.clone());
    let mut a = connect(addr);
    let mut b = connect(addr);
    for _ in 0..2 {
        assert!(request(&mut a).starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(request(&mut b).starts_with("HTTP/1.1 200 OK\r\n"));
    }
    stop.notify_one();
    assert_eq!(read_to_close(&mut a), "");
    assert_eq!(read_to_close(&mut b), "");
    // `serve` returned: every connection is gone.
    thread.join().unwrap();
}

#[test]
fn head_stalling_after_earlier_requests_gets_408() {
    let stop = Arc::new(Notify::new());
    let (addr, _thread) = start(
        |s| s.header_timeout(Duration::from_millis(200)),
        stop.clone(),
    );
    let mut s = connect(addr);
    for _ in 0..2 {
        assert!(request(&mut s).starts_with("HTTP/1.1 200 OK\r\n"));
    }
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n").unwrap();
    let resp = read_to_close(&mut s);
    assert!(resp.starts_with("HTTP/1.1 408"), "{resp:?}");
    assert!(resp.contains("Connection: close\r\n"), "{resp:?}");
    stop.notify_one();
}

#[test]
fn slow_reader_that_keeps_reading_gets_the_whole_body() {
    let stop = Arc::new(Notify::new());
    let (addr, _thread) = start(|s| s.write_timeout(Duration::from_secs(2)), stop.clone());
    let mut s = connect(addr);
    s.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    // Pauses well under the write timeout: the server sees progress and carries on.
    let mut got = Vec::new();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        std::thread::sleep(Duration::from_millis(5));
    }
    let head_end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&got[..head_end]);
    assert!(
        head.contains(&format!("Content-Length: {BIG}\r\n")),
        "{head:?}"
    );
    assert_eq!(got.len() - head_end, BIG);
    stop.notify_one();
}

#[test]
fn handler_call_that_panics_is_500_and_the_connection_carries_on() {
    let stop = Arc::new(Notify::new());
    let (addr, _thread) = start(|s| s, stop.clone());
    let mut s = connect(addr);
    s.write_all(b"GET /panic-in-call HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.ends_with(b"Internal Server Error") {
        let n = s.read(&mut buf).unwrap();
        assert_ne!(n, 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 500 "),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(request(&mut s).starts_with("HTTP/1.1 200 OK\r\n"));
    stop.notify_one();
}
