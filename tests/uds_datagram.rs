//! Unix datagram sockets end to end: bound and unbound sockets, pairs, connected sockets, the
//! `try_` forms, and errors instead of panics.

use eddy::net::UnixDatagram;
use std::path::PathBuf;

fn sock_path(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("eddy-udg-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[eddy::test]
async fn send_to_recv_from() {
    let (sp, cp) = (sock_path("server"), sock_path("client"));
    let server = UnixDatagram::bind(&sp).unwrap();
    let client = UnixDatagram::bind(&cp).unwrap();
    client.send_to(b"ping", &sp).await.unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = server.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"ping");
    assert_eq!(from.as_pathname(), Some(cp.as_path()));
    server
        .send_to(b"pong", from.as_pathname().unwrap())
        .await
        .unwrap();
    let n = client.recv(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"pong");
    std::fs::remove_file(&sp).unwrap();
    std::fs::remove_file(&cp).unwrap();
}

#[eddy::test]
async fn pair_send_recv() {
    let (a, b) = UnixDatagram::pair().unwrap();
    a.send(b"one").await.unwrap();
    a.send(b"two").await.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
    assert_eq!(&buf[..3], b"one");
    let (n, from) = b.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"two");
    assert!(from.is_unnamed());
}

#[eddy::test]
async fn unbound_connected() {
    let sp = sock_path("conn");
    let server = UnixDatagram::bind(&sp).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    client.connect(&sp).unwrap();
    assert_eq!(
        client.peer_addr().unwrap().as_pathname(),
        Some(sp.as_path())
    );
    client.writable().await.unwrap();
    assert_eq!(client.try_send(b"hey").unwrap(), 3);
    let mut buf = [0u8; 8];
    loop {
        server.readable().await.unwrap();
        match server.try_recv_from(&mut buf) {
            Ok((n, _)) => {
                assert_eq!(&buf[..n], b"hey");
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
    }
    std::fs::remove_file(&sp).unwrap();
}

#[eddy::test]
async fn errors_not_panics() {
    let s = UnixDatagram::unbound().unwrap();
    assert!(s.send_to(b"x", sock_path("nobody")).await.is_err());
    assert!(s.connect("bad\0path").is_err());
    let (a, b) = UnixDatagram::pair().unwrap();
    drop(b);
    assert!(a.send(b"x").await.is_err());
}

#[eddy::test]
async fn recv_buf_forms_append_to_a_vec() {
    let path = sock_path("recv-buf");
    let server = UnixDatagram::bind(&path).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    client.send_to(b"ping", &path).await.unwrap();
    // An empty Vec has no room: it grows before the read.
    let mut got = Vec::new();
    let (n, _from) = server.recv_buf_from(&mut got).await.unwrap();
    assert_eq!(n, 4);
    assert_eq!(got, b"ping");

    let (a, b) = UnixDatagram::pair().unwrap();
    b.send(b"pong").await.unwrap();
    assert_eq!(a.recv_buf(&mut got).await.unwrap(), 4);
    assert_eq!(got, b"pingpong");
    assert_eq!(
        a.try_recv_buf(&mut got).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    let _ = std::fs::remove_file(&path);
}
