//! Cancelling `eddy::io` futures with `select!`: what is kept and what a new call continues.

use std::time::Duration;

use eddy::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[eddy::test]
async fn read_line_cancelled_mid_line_keeps_the_partial_line() {
    let (mut a, b) = eddy::io::duplex(64);
    let mut reader = BufReader::new(b);
    let mut line = String::from("> ");

    a.write_all(b"hel").await.unwrap();
    eddy::select! {
        res = reader.read_line(&mut line) => panic!("read_line finished without a newline: {res:?}"),
        _ = eddy::time::sleep(Duration::from_millis(30)) => {}
    }
    // The partial line (UTF-8) was put back into the string.
    assert_eq!(line, "> hel");

    a.write_all(b"lo\n").await.unwrap();
    let n = reader.read_line(&mut line).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(line, "> hello\n");
}

#[eddy::test]
async fn read_until_cancelled_keeps_bytes_in_the_vector() {
    let (mut a, b) = eddy::io::duplex(64);
    let mut reader = BufReader::new(b);
    let mut out = Vec::new();
    a.write_all(b"ab").await.unwrap();
    eddy::select! {
        _ = reader.read_until(b';', &mut out) => panic!("no delimiter was sent"),
        _ = eddy::time::sleep(Duration::from_millis(30)) => {}
    }
    assert_eq!(out, b"ab");
    a.write_all(b"c;d").await.unwrap();
    reader.read_until(b';', &mut out).await.unwrap();
    assert_eq!(out, b"abc;");
}

#[eddy::test]
async fn next_line_in_a_select_loop_loses_nothing() {
    let (mut a, b) = eddy::io::duplex(8);
    let writer = eddy::spawn(async move {
        for chunk in [&b"fir"[..], b"st\nsec", b"ond\n", b"thi", b"rd\n"] {
            a.write_all(chunk).await.unwrap();
            eddy::time::sleep(Duration::from_millis(15)).await;
        }
    });
    let mut lines = BufReader::new(b).lines();
    let mut seen = Vec::new();
    let mut timeouts = 0;
    loop {
        eddy::select! {
            line = lines.next_line() => match line.unwrap() {
                Some(line) => seen.push(line),
                None => break,
            },
            // Fires between chunks, cancelling a half-read line.
            _ = eddy::time::sleep(Duration::from_millis(5)) => timeouts += 1,
        }
    }
    assert_eq!(seen, ["first", "second", "third"]);
    assert!(timeouts > 0, "the select never cancelled next_line");
    writer.await.unwrap();
}
