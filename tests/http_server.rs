//! The HTTP server over raw sockets: every bad-input row of the issue, pipelining, keep-alive rules,
//! HEAD, `Expect: 100-continue`, chunked uploads, handler panics, and streamed request bodies (read
//! as they arrive, ignored, over the limit, stalled, read from another task). Real clients (curl,
//! Python, ab, wrk, h2load) are in `http_clients.rs`.

use eddy::http::{BodyError, Method, Request, Response, Server, StatusCode};
use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

async fn handler(mut req: Request) -> Response {
    match req.path() {
        "/panic" => panic!("handler panic (expected by the test)"),
        "/echo" => {
            let body = req.body_bytes().await.unwrap();
            Response::new(StatusCode::OK).with_body(body)
        }
        _ if *req.method() == Method::Get || *req.method() == Method::Head => {
            Response::text(format!("path={}", req.path()))
        }
        _ => Response::new(StatusCode::METHOD_NOT_ALLOWED),
    }
}

/// Starts a server with the test handler above.
fn start() -> SocketAddr {
    start_with(handler)
}

/// Starts a server (on its own runtime thread) with small limits (head 1 KiB, body 4 KiB, head and
/// body-read timeout 300 ms) and handler `h`; returns its address.
fn start_with<H, Fut>(h: H) -> SocketAddr
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    start_configured(h, |s| s)
}

/// As [`start_with`], with `configure` applied to the server last.
fn start_configured<H, Fut>(
    h: H,
    configure: impl FnOnce(Server) -> Server + Send + 'static,
) -> SocketAddr
where
    H: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = eddy::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind("127.0.0.1:0")
                .await
                .unwrap()
                .max_head_bytes(1024)
                .max_body_bytes(4096)
                .header_timeout(Duration::from_millis(300));
            let server = configure(server);
            tx.send(server.local_addr().unwrap()).unwrap();
            server.serve(h).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Sends `req`, then reads until the server closes; returns everything received.
fn exchange_to_close(addr: SocketAddr, req: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(req).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one response with a Content-Length body.
fn read_response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut byte).unwrap(),
            1,
            "closed early: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf.clone()).unwrap();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    buf.extend(body);
    String::from_utf8(buf).unwrap()
}

fn assert_rejected(addr: SocketAddr, req: &[u8], status: &str) {
    let resp = exchange_to_close(addr, req);
    assert!(resp.starts_with(&format!("HTTP/1.1 {status}")), "{resp:?}");
    assert!(resp.contains("Connection: close\r\n"), "{resp:?}");
}

#[test]
fn bad_inputs_answered_then_closed() {
    let addr = start();
    assert_rejected(addr, b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", "400");
    assert_rejected(addr, b"GARBAGE\r\n\r\n", "400");
    assert_rejected(
        addr,
        b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n",
        "400",
    );
    assert_rejected(
        addr,
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n",
        "400",
    );
    let big = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
        "a".repeat(2000)
    );
    assert_rejected(addr, big.as_bytes(), "431");
    let body = "x".repeat(5000);
    let req = format!("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n{body}");
    assert_rejected(addr, req.as_bytes(), "413");
    assert_rejected(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n",
        "413",
    );
    assert_rejected(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
        "501",
    );
    assert_rejected(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "400",
    );
    assert_rejected(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "400",
    );
    assert_rejected(addr, b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "505");
    // A head that never completes: 408 after header_timeout (300 ms here).
    assert_rejected(addr, b"GET / HTTP/1.1\r\nHost: a\r\n", "408");
}

#[test]
fn handler_panic_is_500_and_server_keeps_serving() {
    let addr = start();
    let mut s = connect(addr);
    s.write_all(b"GET /panic HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut s);
    assert!(resp.starts_with("HTTP/1.1 500"), "{resp:?}");
    // Same connection still works, and so does a new one.
    s.write_all(b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut s).ends_with("path=/after"));
    let mut s2 = connect(addr);
    s2.write_all(b"GET /new HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut s2).ends_with("path=/new"));
}

#[test]
fn sixteen_pipelined_requests_answered_in_order_in_one_write() {
    let addr = start();
    let mut s = connect(addr);
    let mut req = Vec::new();
    for i in 0..16 {
        req.extend_from_slice(format!("GET /p{i} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
    }
    s.write_all(&req).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut buf = vec![0u8; 64 * 1024];
    let n = s.read(&mut buf).unwrap();
    let got = String::from_utf8_lossy(&buf[..n]);
    let bodies: Vec<_> = got
        .match_indices("path=/p")
        .map(|(i, _)| &got[i..])
        .collect();
    assert_eq!(
        bodies.len(),
        16,
        "one read should hold all 16 responses: {got:?}"
    );
    for (i, b) in bodies.iter().enumerate() {
        assert!(b.starts_with(&format!("path=/p{i}")), "{b:?}");
    }
}

#[test]
fn http10_closes_unless_keep_alive() {
    let addr = start();
    let resp = exchange_to_close(addr, b"GET /a HTTP/1.0\r\n\r\n");
    assert!(
        resp.contains("Connection: close") && resp.ends_with("path=/a"),
        "{resp:?}"
    );
    let mut s = connect(addr);
    s.write_all(b"GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    // A 1.0 client assumes the connection closes unless told otherwise.
    let resp = read_response(&mut s);
    assert!(
        resp.contains("Connection: keep-alive\r\n") && resp.ends_with("path=/b"),
        "{resp:?}"
    );
    s.write_all(b"GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut s).ends_with("path=/c"));
    // And 1.1 with Connection: close closes.
    let resp = exchange_to_close(
        addr,
        b"GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.contains("Connection: close") && resp.ends_with("path=/d"));
}

#[test]
fn head_has_length_but_no_body() {
    let addr = start();
    let resp = exchange_to_close(
        addr,
        b"HEAD /xyz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.contains("Content-Length: 9\r\n"), "{resp:?}");
    assert!(resp.ends_with("\r\n\r\n"), "{resp:?}");
}

#[test]
fn expect_continue_then_body() {
    let addr = start();
    let mut s = connect(addr);
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut buf = [0u8; 25];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    assert!(read_response(&mut s).ends_with("\r\n\r\nhello"));
}

#[test]
fn chunked_upload_echoed() {
    let addr = start();
    let mut s = connect(addr);
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b"7\r\n, world\r\n0\r\nTrailer: t\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut s);
    assert!(
        resp.ends_with("Content-Length: 12\r\n\r\nhello, world"),
        "{resp:?}"
    );
}

/// Waits for a report from a handler (a failure guard against hanging, not a timing check).
fn wait<T>(rx: &mpsc::Receiver<T>) -> T {
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the handler did not report")
}

/// A handler that reports every chunk (or error) it reads, then answers with the whole body.
fn chunk_reporter(
    tx: mpsc::Sender<Result<Vec<u8>, BodyError>>,
) -> impl Fn(Request) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync {
    move |mut req: Request| {
        let tx = tx.clone();
        Box::pin(async move {
            let mut all = Vec::new();
            while let Some(chunk) = req.chunk().await {
                let _ = tx.send(chunk.clone());
                match chunk {
                    Ok(c) => all.extend(c),
                    Err(_) => return Response::text("the handler's own answer"),
                }
            }
            Response::new(StatusCode::OK).with_body(all)
        })
    }
}

#[test]
fn handler_reads_chunks_as_they_arrive() {
    let (tx, rx) = mpsc::channel();
    let addr = start_with(chunk_reporter(tx));
    let mut s = connect(addr);
    s.write_all(b"POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello")
        .unwrap();
    // The handler holds the first chunk while the rest has not been sent.
    assert_eq!(wait(&rx), Ok(b"hello".to_vec()));
    s.write_all(b" world").unwrap();
    assert_eq!(wait(&rx), Ok(b" world".to_vec()));
    assert!(read_response(&mut s).ends_with("\r\n\r\nhello world"));

    // A chunked body the same way (trailers read and dropped), on the same connection.
    s.write_all(b"POST /s HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .unwrap();
    assert_eq!(wait(&rx), Ok(b"abc".to_vec()));
    s.write_all(b"2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n")
        .unwrap();
    assert_eq!(wait(&rx), Ok(b"de".to_vec()));
    assert!(read_response(&mut s).ends_with("\r\n\r\nabcde"));

    // And the connection is still good for a request without a body.
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert!(read_response(&mut s).contains("Content-Length: 0\r\n"));
}

#[test]
fn body_read_in_another_task() {
    let (tx, rx) = mpsc::channel();
    let addr = start_with(move |mut req: Request| {
        let tx = tx.clone();
        async move {
            let reader = eddy::spawn(async move {
                let first = req.chunk().await.unwrap().unwrap();
                tx.send(first.clone()).unwrap();
                let mut rest = req.body_bytes().await.unwrap();
                rest.splice(0..0, first);
                rest
            });
            Response::new(StatusCode::OK).with_body(reader.await.unwrap())
        }
    });
    let mut s = connect(addr);
    s.write_all(b"POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc")
        .unwrap();
    assert_eq!(wait(&rx), b"abc");
    s.write_all(b"defghi").unwrap();
    assert!(read_response(&mut s).ends_with("\r\n\r\nabcdefghi"));
}

#[test]
fn ignored_body_is_skipped_before_the_next_request() {
    let addr =
        start_with(|req: Request| async move { Response::text(format!("ignored {}", req.path())) });
    let mut s = connect(addr);
    // The whole body arrived with the head, a pipelined request right behind it.
    s.write_all(
        b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    assert!(read_response(&mut s).ends_with("ignored /a"));
    assert!(read_response(&mut s).ends_with("ignored /b"));

    // The body is still arriving when the handler answers: the answer comes first, then the rest
    // of the body is skipped and the request behind it is served.
    let mut req = b"POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n".to_vec();
    req.extend([b'x'; 1000]);
    s.write_all(&req).unwrap();
    let resp = read_response(&mut s);
    assert!(
        resp.ends_with("ignored /c") && !resp.contains("close"),
        "{resp:?}"
    );
    let mut rest = vec![b'y'; 2000];
    rest.extend_from_slice(b"GET /d HTTP/1.1\r\nHost: a\r\n\r\n");
    s.write_all(&rest).unwrap();
    assert!(read_response(&mut s).ends_with("ignored /d"));

    // The same with a chunked body.
    s.write_all(b"POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n")
        .unwrap();
    assert!(read_response(&mut s).ends_with("ignored /e"));
    s.write_all(b"3\r\nefg\r\n0\r\n\r\nGET /f HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut s).ends_with("ignored /f"));
}

#[test]
fn ignored_body_over_the_limit_closes_after_the_answer() {
    let addr = start_with(|_req: Request| async move { Response::text("not reading that") });
    let mut s = connect(addr);
    // A chunked body the handler ignores, which turns out larger than the 4 KiB limit: the answer
    // stands, then the connection closes instead of reading on.
    s.write_all(b"POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n")
        .unwrap();
    assert!(read_response(&mut s).ends_with("not reading that"));
    let mut more = b"1000\r\n".to_vec();
    more.extend([b'z'; 0x1000]);
    let _ = s.write_all(&more);
    // The server closes (a read timeout here would fail the unwrap) and sends nothing more.
    let mut tail = Vec::new();
    s.read_to_end(&mut tail).unwrap();
    assert!(tail.is_empty(), "{:?}", String::from_utf8_lossy(&tail));
}

/// Reads until the server closes.
fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn body_over_the_limit_while_streaming_is_413() {
    let (tx, rx) = mpsc::channel();
    let addr = start_with(chunk_reporter(tx));
    let mut s = connect(addr);
    let mut req =
        b"POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n".to_vec();
    req.extend([b'a'; 0x800]);
    req.extend_from_slice(b"\r\n");
    s.write_all(&req).unwrap();
    let mut seen = 0;
    while seen < 0x800 {
        seen += wait(&rx).unwrap().len();
    }
    // 2 KiB read; the next chunk would take the body past the 4 KiB limit.
    s.write_all(b"900\r\n").unwrap();
    assert_eq!(wait(&rx), Err(BodyError::TooLarge));
    let resp = read_to_close(&mut s);
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp:?}");
    assert!(resp.contains("Connection: close\r\n"), "{resp:?}");
    assert!(!resp.contains("the handler's own answer"), "{resp:?}");
}

#[test]
fn malformed_chunk_while_streaming_is_400() {
    let (tx, rx) = mpsc::channel();
    let addr = start_with(chunk_reporter(tx));
    let mut s = connect(addr);
    s.write_all(b"POST /m HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n")
        .unwrap();
    assert_eq!(wait(&rx), Ok(b"ok".to_vec()));
    s.write_all(b"zz\r\n").unwrap();
    assert_eq!(wait(&rx), Err(BodyError::Malformed));
    let resp = read_to_close(&mut s);
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp:?}");
}

#[test]
fn stalled_body_is_408_not_a_hang() {
    let (tx, rx) = mpsc::channel();
    let addr = start_with(chunk_reporter(tx));
    let mut s = connect(addr);
    s.write_all(b"POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello")
        .unwrap();
    assert_eq!(wait(&rx), Ok(b"hello".to_vec()));
    // Nothing more is sent: after the body read timeout (300 ms here) the handler is told and the
    // client gets 408.
    assert_eq!(wait(&rx), Err(BodyError::TimedOut));
    let resp = read_to_close(&mut s);
    assert!(resp.starts_with("HTTP/1.1 408"), "{resp:?}");
}

#[test]
fn continue_is_sent_only_when_the_body_is_asked_for() {
    // A handler that answers without reading: no 100, and the connection closes after the answer
    // (the client may be holding the body back until it sees a 100).
    let addr = start_with(|_req: Request| async move { Response::text("no thanks") });
    let resp = exchange_to_close(
        addr,
        b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp:?}");
    assert!(!resp.contains("100 Continue"), "{resp:?}");
    assert!(
        resp.contains("Connection: close\r\n") && resp.ends_with("no thanks"),
        "{resp:?}"
    );

    // A handler that does something else first: the 100 comes only once it asks for the body.
    let (started_tx, started_rx) = mpsc::channel();
    let gate = std::sync::Arc::new(eddy::sync::Semaphore::new(0));
    let handler_gate = gate.clone();
    let addr = start_with(move |mut req: Request| {
        let started = started_tx.clone();
        let gate = handler_gate.clone();
        async move {
            started.send(()).unwrap();
            gate.acquire().await.unwrap().forget();
            Response::new(StatusCode::OK).with_body(req.body_bytes().await.unwrap())
        }
    });
    let mut s = connect(addr);
    s.write_all(
        b"POST /y HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    wait(&started_rx);
    s.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let early = s.read(&mut byte);
    assert!(
        matches!(&early, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "nothing may be sent before the handler asks for the body: {early:?}"
    );
    s.set_nonblocking(false).unwrap();
    gate.add_permits(1);
    let mut buf = [0u8; 25];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    let resp = read_response(&mut s);
    assert!(
        resp.ends_with("\r\n\r\nhello") && !resp.contains("close"),
        "{resp:?}"
    );
}

#[test]
fn client_that_never_reads_is_closed_after_the_write_timeout() {
    const BODY: usize = 256 * 1024;
    const REQUESTS: usize = 200;
    let addr = start_configured(
        |_req| async { Response::new(StatusCode::OK).with_body(vec![b'x'; BODY]) },
        |s| s.write_timeout(Duration::from_millis(200)),
    );
    let mut s = connect(addr);
    // 50 MiB of responses asked for, far more than the socket buffers hold; nothing read.
    let req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(REQUESTS);
    s.write_all(&req).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // By now the server has given up: reading finds the end (or a reset, since requests were left
    // unread on its side) before all the responses, not a stall until the read timeout.
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(got.len() < BODY * REQUESTS, "every response was sent");
}
