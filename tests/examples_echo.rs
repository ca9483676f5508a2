//! The echo-family examples: rot13's transform, fanout's verification and histogram, and — when the
//! example binaries have been built — echo, rot13, proxy and fanout run end to end as processes.
//!
//! Cargo does not build examples for `cargo test` of an integration test, so the end-to-end tests look
//! for `target/<profile>/examples/NAME` (this test's profile first, then release) and, if a binary is
//! missing, print a note and pass without running. Build them with
//! `cargo build --release --example echo --example rot13 --example proxy --example fanout`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

#[path = "../examples/rot13.rs"]
#[allow(dead_code)] // only the transform is used here; the server runs as a process below
mod rot13;

#[path = "../examples/fanout.rs"]
#[allow(dead_code)]
mod fanout;

use fanout::{fill_message, first_mismatch, Histogram};

#[test]
fn rot13_rotates_letters_and_keeps_everything_else() {
    let mut buf = *b"Hello, World! abc-xyz ABC-XYZ 0123 \x00\xff\n";
    rot13::rot13_in_place(&mut buf);
    assert_eq!(&buf, b"Uryyb, Jbeyq! nop-klm NOP-KLM 0123 \x00\xff\n");
    for b in 0..=255u8 {
        assert_eq!(rot13::rot13_byte(rot13::rot13_byte(b)), b, "byte {b}");
        if !b.is_ascii_alphabetic() {
            assert_eq!(rot13::rot13_byte(b), b, "byte {b}");
        }
    }
    assert_eq!(rot13::rot13_byte(b'm'), b'z');
    assert_eq!(rot13::rot13_byte(b'n'), b'a');
    assert_eq!(rot13::rot13_byte(b'M'), b'Z');
    assert_eq!(rot13::rot13_byte(b'N'), b'A');
}

#[test]
fn fanout_messages_differ_per_connection_and_sequence() {
    let mut a = [0u8; 64];
    let mut b = [0u8; 64];
    fill_message(1, 7, &mut a);
    fill_message(1, 7, &mut b);
    assert_eq!(a, b, "the pattern is deterministic");
    for (conn, seq) in [(2, 7), (1, 8), (0, 0)] {
        fill_message(conn, seq, &mut b);
        assert_ne!(a, b, "({conn}, {seq}) looks like (1, 7)");
    }
}

#[test]
fn fanout_reports_the_first_mismatched_byte() {
    let sent = [1u8, 2, 3, 4];
    assert_eq!(first_mismatch(&sent, &[1, 2, 3, 4]), None);
    assert_eq!(first_mismatch(&sent, &[1, 2, 9, 4]), Some(2));
    assert_eq!(first_mismatch(&sent, &[9, 2, 3, 4]), Some(0));
    assert_eq!(first_mismatch(&sent, &[1, 2, 3]), Some(3));
}

#[test]
fn fanout_histogram_quantiles_are_within_two_percent() {
    // A skewed spread of latencies in nanoseconds, from 10 ns to about 50 ms.
    let mut samples: Vec<u64> = (0..100_000u64).map(|i| 10 + i * i / 200).collect();
    let mut hist = Histogram::new();
    for &v in &samples {
        hist.record(v);
    }
    samples.sort_unstable();
    assert_eq!(hist.len(), samples.len() as u64);
    assert_eq!(hist.max(), *samples.last().unwrap());
    for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        let exact = samples[rank - 1] as f64;
        let got = hist.quantile(q) as f64;
        assert!(
            (got - exact).abs() <= exact / 64.0 + 1.0,
            "q={q}: histogram says {got}, exact {exact}"
        );
    }

    let mut merged = Histogram::new();
    merged.merge(&hist);
    merged.merge(&hist);
    assert_eq!(merged.len(), 2 * hist.len());
    assert_eq!(merged.quantile(0.5), hist.quantile(0.5));
    assert!(Histogram::new().is_empty());
    assert_eq!(Histogram::new().quantile(0.99), 0);
}

/// The built example `name`, if there is one.
fn example_bin(name: &str) -> Option<PathBuf> {
    // This test runs from target/<profile>/deps/.
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?.to_path_buf();
    let target_dir = profile_dir.parent()?.to_path_buf();
    [profile_dir, target_dir.join("release")]
        .into_iter()
        .map(|d| d.join("examples").join(name))
        .find(|p| p.is_file())
}

/// The built examples `names`, or `None` after printing which one is missing.
fn example_bins<const N: usize>(test: &str, names: [&str; N]) -> Option<[PathBuf; N]> {
    let mut out = Vec::with_capacity(N);
    for name in names {
        match example_bin(name) {
            Some(p) => out.push(p),
            None => {
                println!(
                    "{test}: skipped: example `{name}` is not built (cargo build --example {name})"
                );
                return None;
            }
        }
    }
    out.try_into().ok()
}

/// A server example running as a child process; killed and reaped on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(bin: &PathBuf, args: &[&str]) -> Server {
        let mut child = Command::new(bin)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the example");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the address line");
        assert!(
            line.contains("listening on"),
            "unexpected first line {line:?}"
        );
        // "NAME listening on ADDR" or "proxy listening on ADDR, forwarding to ADDR".
        let addr = line.split_whitespace().nth(3).unwrap();
        let addr = addr.trim_end_matches(',').to_string();
        Server { child, addr }
    }

    /// Kills the server and returns what it wrote to stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_fanout(bin: &PathBuf, addr: &str, conns: u32, msgs: u32) -> (bool, String) {
    let out = Command::new(bin)
        .args(["--addr", addr, "--workers", "1", "--size", "100"])
        .args(["--conns", &conns.to_string(), "--msgs", &msgs.to_string()])
        .output()
        .expect("run fanout");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn rot13_example_transforms_bytes_and_logs_open_and_close() {
    let Some([bin]) = example_bins("rot13 example", ["rot13"]) else {
        return;
    };
    let server = Server::start(&bin, &["--addr", "127.0.0.1:0", "--workers", "1"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"Hello, World! 123 zZ\n").unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    assert_eq!(back, b"Uryyb, Jbeyq! 123 mM\n");
    let peer = s.local_addr().unwrap().to_string();
    drop(s);
    // The close is logged after the server sees end of file, which happened before read_to_end ended.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.stop();
    assert!(log.contains(&format!("{peer} open")), "log: {log}");
    assert!(log.contains(&format!("{peer} closed")), "log: {log}");
}

#[test]
fn fanout_against_echo_verifies_every_message() {
    let Some([echo, fanout]) = example_bins("fanout/echo", ["echo", "fanout"]) else {
        return;
    };
    let server = Server::start(&echo, &["--addr", "127.0.0.1:0", "--workers", "1"]);
    let (ok, out) = run_fanout(&fanout, &server.addr, 200, 50);
    assert!(ok, "fanout failed:\n{out}");
    assert!(
        out.contains("RESULT conns=200 size=100 msgs=10000 "),
        "{out}"
    );
    assert!(out.contains(" errors=0"), "{out}");
}

#[test]
fn fanout_through_proxy_verifies_every_message() {
    let Some([echo, proxy, fanout]) = example_bins("fanout/proxy", ["echo", "proxy", "fanout"])
    else {
        return;
    };
    let server = Server::start(&echo, &["--addr", "127.0.0.1:0", "--workers", "1"]);
    let relay = Server::start(
        &proxy,
        &[
            "--listen",
            "127.0.0.1:0",
            "--to",
            &server.addr,
            "--workers",
            "1",
        ],
    );
    let (ok, out) = run_fanout(&fanout, &relay.addr, 50, 50);
    assert!(ok, "fanout through the proxy failed:\n{out}");
    assert!(out.contains("msgs=2500 "), "{out}");
}

#[test]
fn fanout_exits_nonzero_when_bytes_come_back_changed() {
    let Some([rot13, fanout]) = example_bins("fanout/rot13", ["rot13", "fanout"]) else {
        return;
    };
    // rot13 is not an echo: every letter in the payload comes back changed.
    let server = Server::start(&rot13, &["--addr", "127.0.0.1:0", "--workers", "1"]);
    let (ok, out) = run_fanout(&fanout, &server.addr, 4, 10);
    assert!(!ok, "fanout accepted rot13'd bytes:\n{out}");
    assert!(out.contains("echoed as"), "{out}");
}

#[test]
fn fanout_exits_nonzero_when_the_server_is_not_there() {
    let Some([fanout]) = example_bins("fanout/refused", ["fanout"]) else {
        return;
    };
    // Bind then drop a listener so the port is (almost certainly) closed.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let (ok, out) = run_fanout(&fanout, &addr, 3, 1);
    assert!(!ok, "fanout succeeded with no server:\n{out}");
    assert!(out.contains("connections failed"), "{out}");
}
