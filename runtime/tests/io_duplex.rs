//! The `eddy::io` utilities end to end over in-memory pipes (`duplex`, `simplex`).

use eddy::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter};

#[eddy::test]
async fn write_all_then_read_exact_across_a_small_pipe() {
    // A 16-byte pipe forces many partial writes and reads.
    let (mut a, mut b) = eddy::io::duplex(16);
    let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    let expected = data.clone();
    let writer = eddy::spawn(async move {
        a.write_all(&data).await.unwrap();
        a.shutdown().await.unwrap();
        a
    });
    let mut got = vec![0u8; expected.len()];
    b.read_exact(&mut got).await.unwrap();
    assert_eq!(got, expected);
    // After shutdown, the reader sees end of file.
    assert_eq!(b.read(&mut [0u8; 8]).await.unwrap(), 0);
    writer.await.unwrap();
}

#[eddy::test]
async fn read_to_end_and_read_to_string_collect_everything() {
    let (mut a, mut b) = eddy::io::duplex(64);
    eddy::spawn(async move {
        for i in 0..100 {
            a.write_all(format!("line {i}\n").as_bytes()).await.unwrap();
        }
    });
    let mut text = String::from("start:");
    b.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("start:line 0\n"));
    assert!(text.ends_with("line 99\n"));
    assert_eq!(text.lines().count(), 100);
}

#[eddy::test]
async fn integers_round_trip_in_both_byte_orders() {
    let (mut a, mut b) = eddy::io::duplex(8);
    eddy::spawn(async move {
        a.write_u8(7).await.unwrap();
        a.write_u16(0x0102).await.unwrap();
        a.write_i32_le(-5).await.unwrap();
        a.write_u64(u64::MAX - 1).await.unwrap();
        a.write_f64_le(1.5).await.unwrap();
        a.write_i128(-1).await.unwrap();
    });
    assert_eq!(b.read_u8().await.unwrap(), 7);
    assert_eq!(b.read_u16().await.unwrap(), 0x0102);
    assert_eq!(b.read_i32_le().await.unwrap(), -5);
    assert_eq!(b.read_u64().await.unwrap(), u64::MAX - 1);
    assert_eq!(b.read_f64_le().await.unwrap(), 1.5);
    assert_eq!(b.read_i128().await.unwrap(), -1);
}

#[eddy::test]
async fn lines_and_split_over_a_buffered_pipe() {
    let (mut a, b) = eddy::io::duplex(5);
    eddy::spawn(async move {
        a.write_all(b"alpha\r\nbeta\ngamma").await.unwrap();
    });
    let mut lines = BufReader::with_capacity(3, b).lines();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.push(line);
    }
    assert_eq!(seen, ["alpha", "beta", "gamma"]);

    let (mut a, b) = eddy::io::duplex(5);
    eddy::spawn(async move {
        a.write_all(b"a,bc,,d").await.unwrap();
    });
    let mut parts = BufReader::new(b).split(b',');
    let mut seen = Vec::new();
    while let Some(part) = parts.next_segment().await.unwrap() {
        seen.push(String::from_utf8(part).unwrap());
    }
    assert_eq!(seen, ["a", "bc", "", "d"]);
}

#[eddy::test]
async fn buf_writer_holds_bytes_until_flush() {
    let (a, mut b) = eddy::io::duplex(1024);
    let mut w = BufWriter::with_capacity(64, a);
    w.write_all(b"hello").await.unwrap();
    assert_eq!(w.buffer(), b"hello");
    // Nothing has reached the pipe yet.
    let peek =
        eddy::time::timeout(std::time::Duration::from_millis(20), b.read(&mut [0u8; 8])).await;
    assert!(peek.is_err(), "bytes left the BufWriter before flush");
    w.flush().await.unwrap();
    let mut got = [0u8; 5];
    b.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"hello");
}

#[eddy::test]
async fn buf_stream_reads_and_writes_one_stream() {
    let (a, b) = eddy::io::duplex(64);
    let mut a = BufStream::new(a);
    let mut b = BufStream::new(b);
    a.write_all(b"ping\n").await.unwrap();
    a.flush().await.unwrap();
    let mut line = String::new();
    b.read_line(&mut line).await.unwrap();
    assert_eq!(line, "ping\n");
    b.write_all(b"pong\n").await.unwrap();
    b.flush().await.unwrap();
    line.clear();
    a.read_line(&mut line).await.unwrap();
    assert_eq!(line, "pong\n");
}

#[eddy::test]
async fn copy_moves_everything_and_counts_it() {
    let (mut src_w, src_r) = eddy::io::duplex(7);
    let (mut dst_w, mut dst_r) = eddy::io::duplex(11);
    eddy::spawn(async move {
        src_w.write_all(&[9u8; 5000]).await.unwrap();
    });
    let copier = eddy::spawn(async move {
        let mut src_r = src_r;
        let n = eddy::io::copy(&mut src_r, &mut dst_w).await.unwrap();
        dst_w.shutdown().await.unwrap();
        n
    });
    let mut got = Vec::new();
    dst_r.read_to_end(&mut got).await.unwrap();
    assert_eq!(copier.await.unwrap(), 5000);
    assert_eq!(got, vec![9u8; 5000]);
}

#[eddy::test]
async fn copy_buf_from_a_buf_reader() {
    let mut src = BufReader::with_capacity(4, &b"0123456789"[..]);
    let mut out = Vec::new();
    assert_eq!(eddy::io::copy_buf(&mut src, &mut out).await.unwrap(), 10);
    assert_eq!(out, b"0123456789");
}

#[eddy::test]
async fn take_and_chain_compose() {
    let first: &[u8] = b"abc";
    let second: &[u8] = b"defgh";
    let mut r = first.chain(second).take(6);
    let mut out = String::new();
    r.read_to_string(&mut out).await.unwrap();
    assert_eq!(out, "abcdef");
    assert_eq!(r.limit(), 0);
}

#[eddy::test]
async fn split_halves_work_from_two_tasks() {
    let (a, mut b) = eddy::io::duplex(32);
    let (mut rd, mut wr) = eddy::io::split(a);
    let reader = eddy::spawn(async move {
        let mut buf = [0u8; 4];
        rd.read_exact(&mut buf).await.unwrap();
        (buf, rd)
    });
    // The write half sends to `b`; `b` answers to the read half.
    wr.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    b.write_all(b"pong").await.unwrap();
    let (buf, rd) = reader.await.unwrap();
    assert_eq!(&buf, b"pong");
    // The halves go back together into the original stream.
    let _a = rd.unsplit(wr);
}

#[eddy::test]
async fn join_glues_a_reader_and_a_writer() {
    // Two one-way pipes: `join` reads from the first and writes into the second.
    let (in_r, mut in_w) = eddy::io::simplex(16);
    let (mut out_r, out_w) = eddy::io::simplex(16);
    let mut joined = eddy::io::join(in_r, out_w);
    in_w.write_all(b"in").await.unwrap();
    let mut buf = [0u8; 2];
    joined.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"in");
    joined.write_all(b"out").await.unwrap();
    let mut buf = [0u8; 3];
    out_r.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"out");
}

#[eddy::test]
async fn empty_sink_repeat() {
    let mut out = Vec::new();
    eddy::io::empty().read_to_end(&mut out).await.unwrap();
    assert!(out.is_empty());
    let n = eddy::io::copy(&mut eddy::io::repeat(3).take(1000), &mut eddy::io::sink())
        .await
        .unwrap();
    assert_eq!(n, 1000);
}
