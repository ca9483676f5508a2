//! The `eddy::io` utilities over real TCP sockets: buffering, lines, copies between connections.

use eddy::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use eddy::net::{TcpListener, TcpStream};

/// A connected pair of sockets on the loopback interface.
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = eddy::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

#[eddy::test]
async fn buf_writer_and_lines_over_tcp() {
    let (client, server) = pair().await;
    let writer = eddy::spawn(async move {
        let mut w = BufWriter::new(client);
        for i in 0..1000 {
            w.write_all(format!("message {i}\n").as_bytes())
                .await
                .unwrap();
        }
        w.shutdown().await.unwrap();
    });
    let mut lines = BufReader::new(server).lines();
    let mut count = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        assert_eq!(line, format!("message {count}"));
        count += 1;
    }
    assert_eq!(count, 1000);
    writer.await.unwrap();
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_with_read_line() {
    let (client, server) = pair().await;
    let srv = eddy::spawn(async move {
        let (rd, mut wr) = server.into_split();
        let mut rd = BufReader::new(rd);
        let mut line = String::new();
        while rd.read_line(&mut line).await.unwrap() != 0 {
            wr.write_all(line.to_uppercase().as_bytes()).await.unwrap();
            line.clear();
        }
    });
    let (rd, mut wr) = client.into_split();
    let mut rd = BufReader::new(rd);
    for word in ["alpha", "beta", "gamma"] {
        wr.write_all(format!("{word}\n").as_bytes()).await.unwrap();
        let mut answer = String::new();
        rd.read_line(&mut answer).await.unwrap();
        assert_eq!(answer, format!("{}\n", word.to_uppercase()));
    }
    drop(wr);
    srv.await.unwrap();
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_bidirectional_between_two_connections() {
    // client <-> (proxy_in ~ proxy_out) <-> backend
    let (mut client, proxy_in) = pair().await;
    let (proxy_out, mut backend) = pair().await;
    let proxy = eddy::spawn(async move {
        let (mut a, mut b) = (proxy_in, proxy_out);
        eddy::io::copy_bidirectional(&mut a, &mut b).await
    });

    let up: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let down: Vec<u8> = (0..100_000u32).map(|i| (i % 241) as u8).collect();
    let (up2, down2) = (up.clone(), down.clone());

    let backend_task = eddy::spawn(async move {
        // Read everything the client sends (until it shuts down), then answer and close.
        let mut got = Vec::new();
        backend.read_to_end(&mut got).await.unwrap();
        backend.write_all(&down2).await.unwrap();
        backend.shutdown().await.unwrap();
        got
    });

    client.write_all(&up2).await.unwrap();
    client.shutdown().await.unwrap();
    let mut answer = Vec::new();
    client.read_to_end(&mut answer).await.unwrap();

    assert_eq!(backend_task.await.unwrap(), up);
    assert_eq!(answer, down);
    let (a_to_b, b_to_a) = proxy.await.unwrap().unwrap();
    assert_eq!(a_to_b, up.len() as u64);
    assert_eq!(b_to_a, down.len() as u64);
}

#[eddy::test]
async fn copy_from_a_socket_to_a_vector() {
    let (mut client, mut server) = pair().await;
    eddy::spawn(async move {
        client.write_all(&[1u8; 70_000]).await.unwrap();
    });
    let mut out = Vec::new();
    let n = eddy::io::copy(&mut server, &mut out).await.unwrap();
    assert_eq!(n, 70_000);
    assert!(out.iter().all(|&b| b == 1));
}
