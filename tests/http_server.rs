//! The HTTP server over raw sockets: every bad-input row of the issue, pipelining, keep-alive rules,
//! HEAD, `Expect: 100-continue`, chunked uploads, handler panics; and curl / Python's http.client when
//! installed.

use eddy::http::{Method, Request, Response, Server, StatusCode};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
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

/// Starts a server (on its own runtime thread) with small limits; returns its address.
fn start() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
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
            tx.send(server.local_addr().unwrap()).unwrap();
            server.serve(handler).await.unwrap();
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
    assert!(read_response(&mut s).ends_with("path=/b"));
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

fn tool(name: &str) -> bool {
    let found = std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        println!("note: {name} not installed; skipping");
    }
    found
}

#[test]
fn curl_clients() {
    if !tool("curl") {
        return;
    }
    let addr = start();
    let url = |p: &str| format!("http://{addr}{p}");
    let out = std::process::Command::new("curl")
        .args(["-sS", &url("/one"), &url("/two")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "path=/onepath=/two");
    let out = std::process::Command::new("curl")
        .args(["-sS", "--http1.0", &url("/old")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "path=/old");
    let mut child = std::process::Command::new("curl")
        .args([
            "-sS",
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "@-",
            &url("/echo"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"streamed upload body")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "streamed upload body");
}

#[test]
fn python_http_client() {
    if !tool("python3") {
        return;
    }
    let addr = start();
    let script = format!(
        "import http.client\n\
         c = http.client.HTTPConnection('{}', {})\n\
         for p in ['/x', '/y']:\n\
         \x20   c.request('GET', p); r = c.getresponse(); assert r.status == 200; print(r.read().decode())\n\
         c.request('POST', '/echo', body=b'py body'); print(c.getresponse().read().decode())\n",
        addr.ip(),
        addr.port()
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "path=/x\npath=/y\npy body\n"
    );
}
