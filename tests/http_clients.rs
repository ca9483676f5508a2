//! The HTTP server driven by real clients: curl, Python's `http.client`, ApacheBench, wrk (with
//! pipelining) and h2load (HTTP/1.1 mode). The server runs in-process on an ephemeral port.
//!
//! Every client is required: a missing one fails its test with the name of the apt package that
//! provides it (`.ci/run` installs them all), instead of passing without having checked anything.

use eddy::http::{Method, Request, Response, Server, StatusCode};
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;

/// The routes the clients use: `/plaintext`, `POST /echo` (the body back), anything else echoes
/// the path.
async fn route(mut req: Request) -> Response {
    match (req.method(), req.path()) {
        (Method::Get, "/plaintext") => Response::text("Hello, World!"),
        (Method::Post, "/echo") => match req.body_bytes().await {
            Ok(body) => Response::new(StatusCode::OK).with_body(body),
            Err(e) => Response::text(e.to_string()).with_status(StatusCode::BAD_REQUEST),
        },
        _ => Response::text(format!("path={}", req.path())),
    }
}

/// The most body the server accepts in these tests.
const MAX_BODY: usize = 8 << 20;

/// Starts a server on its own two-worker runtime; returns its address.
fn start() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = eddy::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = Server::bind("127.0.0.1:0")
                .await
                .unwrap()
                .max_body_bytes(MAX_BODY);
            tx.send(server.local_addr().unwrap()).unwrap();
            server.serve(route).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Runs `tool` with `args`; fails the test, naming the apt package, if the tool is not installed.
fn run(tool: &str, apt_package: &str, args: &[&str]) -> Output {
    match Command::new(tool).args(args).stdin(Stdio::null()).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{tool}` is not installed: this test needs it (apt-get install {apt_package})")
        }
        Err(e) => panic!("could not run {tool}: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that a client exited successfully; shows its output otherwise.
fn ok(out: &Output) -> (String, String) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    (stdout, stderr)
}

/// A file of `len` bytes of varied content in the test's own temporary path.
fn data_file(name: &str, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let path =
        std::env::temp_dir().join(format!("eddy-http-clients-{}-{name}", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

#[test]
fn curl_keep_alive_and_http10() {
    let addr = start();
    let url = |p: &str| format!("http://{addr}{p}");
    // Two URLs in one invocation share one connection: the second transfer makes no connect.
    let (stdout, _) = ok(&run(
        "curl",
        "curl",
        &[
            "-sS",
            "-w",
            " connects=%{num_connects}\n",
            &url("/one"),
            &url("/two"),
        ],
    ));
    assert_eq!(stdout, "path=/one connects=1\npath=/two connects=0\n");

    // HTTP/1.0: answered, and the connection closed after it.
    let (stdout, _) = ok(&run(
        "curl",
        "curl",
        &["-sS", "-i", "--http1.0", &url("/old")],
    ));
    assert!(stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{stdout:?}");
    assert!(stdout.contains("Connection: close\r\n"), "{stdout:?}");
    assert!(stdout.ends_with("\r\n\r\npath=/old"), "{stdout:?}");
}

#[test]
fn curl_chunked_upload() {
    let addr = start();
    let (path, data) = data_file("chunked", 300_000);
    let out = run(
        "curl",
        "curl",
        &[
            "-sS",
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            &format!("@{}", path.display()),
            &format!("http://{addr}/echo"),
        ],
    );
    let _ = std::fs::remove_file(&path);
    ok(&out);
    assert!(out.stdout == data, "echoed {} bytes", out.stdout.len());
}

#[test]
fn curl_expect_continue_large_upload() {
    let addr = start();
    let (path, data) = data_file("expect", 3 << 20);
    let upload = format!("@{}", path.display());
    let url = format!("http://{addr}/echo");
    let out = run(
        "curl",
        "curl",
        &[
            "-sS",
            "-v",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            &upload,
            &url,
        ],
    );
    let (_, stderr) = ok(&out);
    assert!(stderr.contains("< HTTP/1.1 100 Continue"), "{stderr}");
    assert!(out.stdout == data, "echoed {} bytes", out.stdout.len());

    // A declared length over the limit: 413 at once, without the body being sent (no 100).
    let (big, _) = data_file("too-big", MAX_BODY + 1);
    let out = run(
        "curl",
        "curl",
        &[
            "-sS",
            "-v",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            &format!("@{}", big.display()),
            &url,
        ],
    );
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&big);
    let (_, stderr) = ok(&out);
    assert!(stderr.contains("< HTTP/1.1 413"), "{stderr}");
    assert!(!stderr.contains("100 Continue"), "{stderr}");
}

#[test]
fn python_http_client() {
    let addr = start();
    let script = format!(
        r#"
import http.client
c = http.client.HTTPConnection('{ip}', {port}, timeout=5)
c.request('GET', '/x'); r = c.getresponse(); assert r.status == 200; print(r.read().decode())
sock = c.sock
c.request('GET', '/y'); r = c.getresponse(); print(r.read().decode())
assert c.sock is sock, 'keep-alive: the second request used a new connection'
c.request('POST', '/echo', body=b'py body'); print(c.getresponse().read().decode())
c.request('POST', '/echo', body=iter([b'chunk one, ', b'chunk two']), encode_chunked=True,
          headers={{'Transfer-Encoding': 'chunked'}})
print(c.getresponse().read().decode())
assert c.sock is sock, 'keep-alive after the uploads'
"#,
        ip = addr.ip(),
        port = addr.port()
    );
    let (stdout, _) = ok(&run("python3", "python3", &["-c", &script]));
    assert_eq!(stdout, "path=/x\npath=/y\npy body\nchunk one, chunk two\n");
}

/// The number after `label` in a tool's report (`Complete requests:      2000`).
fn number_after(report: &str, label: &str) -> Option<u64> {
    let rest = &report[report.find(label)? + label.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[test]
fn apache_bench_keep_alive() {
    let addr = start();
    let url = format!("http://{addr}/plaintext");
    let (report, _) = ok(&run(
        "ab",
        "apache2-utils",
        &["-q", "-k", "-n", "2000", "-c", "16", &url],
    ));
    assert_eq!(
        number_after(&report, "Complete requests:"),
        Some(2000),
        "{report}"
    );
    assert_eq!(
        number_after(&report, "Failed requests:"),
        Some(0),
        "{report}"
    );
    assert_eq!(
        number_after(&report, "Keep-Alive requests:"),
        Some(2000),
        "{report}"
    );
    assert!(!report.contains("Non-2xx responses"), "{report}");
}

#[test]
fn wrk_pipelined() {
    let addr = start();
    let script = std::env::temp_dir().join(format!("eddy-wrk-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        "init = function(args)\n\
         \x20 local r = {}\n\
         \x20 for i = 1, 16 do r[i] = wrk.format(nil, \"/plaintext\") end\n\
         \x20 req = table.concat(r)\n\
         end\n\
         request = function() return req end\n",
    )
    .unwrap();
    let url = format!("http://{addr}/plaintext");
    let out = run(
        "wrk",
        "wrk",
        &["-t1", "-c16", "-d1s", "-s", script.to_str().unwrap(), &url],
    );
    let _ = std::fs::remove_file(&script);
    let (report, _) = ok(&out);
    // "  12345 requests in 1.00s, 1.50MB read"
    let requests = report
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(
        requests.is_some_and(|n| n >= 16),
        "no pipelined responses counted: {report}"
    );
    // wrk prints these lines only when something went wrong.
    assert!(!report.contains("Non-2xx or 3xx responses"), "{report}");
    assert!(!report.contains("Socket errors"), "{report}");
}

#[test]
fn h2load_http1_pipelined() {
    let addr = start();
    let url = format!("http://{addr}/plaintext");
    let (report, _) = ok(&run(
        "h2load",
        "nghttp2-client",
        &["--h1", "-n", "2000", "-c", "16", "-m", "16", &url],
    ));
    assert!(
        report.contains("2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout"),
        "{report}"
    );
}

#[test]
fn missing_tool_fails_naming_the_package() {
    let err = std::panic::catch_unwind(|| {
        run(
            "eddy-no-such-http-client",
            "some-apt-package",
            &["--version"],
        )
    })
    .expect_err("running a missing tool must fail the test");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("apt-get install some-apt-package"), "{msg}");
}
