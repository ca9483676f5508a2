//! `TcpSocket`: options set before use, then bind + listen and connect, over IPv4 and (where the
//! host has it) IPv6.

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::TcpSocket;
use std::time::Duration;

#[test]
fn options_outside_a_runtime() {
    let s = TcpSocket::new_v4().unwrap();
    s.set_reuseaddr(true).unwrap();
    assert!(s.reuseaddr().unwrap());
    s.set_reuseport(true).unwrap();
    assert!(s.reuseport().unwrap());
    s.set_keepalive(true).unwrap();
    assert!(s.keepalive().unwrap());
    s.set_nodelay(true).unwrap();
    assert!(s.nodelay().unwrap());
    s.set_send_buffer_size(64 * 1024).unwrap();
    assert!(s.send_buffer_size().unwrap() >= 64 * 1024);
    s.set_recv_buffer_size(64 * 1024).unwrap();
    assert!(s.recv_buffer_size().unwrap() >= 64 * 1024);
    s.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(3)));
    s.set_linger(None).unwrap();
    assert_eq!(s.linger().unwrap(), None);
    assert!(s.take_error().unwrap().is_none());
}

#[eddy::test]
async fn bind_listen_connect_v4() {
    let server = TcpSocket::new_v4().unwrap();
    server.set_reuseaddr(true).unwrap();
    server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.local_addr().unwrap();
    let listener = server.listen(16).unwrap();
    assert_eq!(listener.local_addr().unwrap(), addr);

    let client = TcpSocket::new_v4().unwrap();
    client.set_nodelay(true).unwrap();
    let (mut out, (mut inc, _)) = eddy::try_join!(client.connect(addr), listener.accept()).unwrap();
    assert!(out.nodelay().unwrap());
    out.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    inc.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
}

#[eddy::test]
async fn bind_listen_connect_v6_if_available() {
    let Ok(server) = TcpSocket::new_v6() else {
        eprintln!("skipping: no IPv6 sockets here");
        return;
    };
    if let Err(e) = server.bind("[::1]:0".parse().unwrap()) {
        eprintln!("skipping: no IPv6 loopback here ({e})");
        return;
    }
    let addr = server.local_addr().unwrap();
    let listener = server.listen(16).unwrap();
    let client = TcpSocket::new_v6().unwrap();
    let (out, (_inc, peer)) = eddy::try_join!(client.connect(addr), listener.accept()).unwrap();
    assert_eq!(out.local_addr().unwrap(), peer);
}

#[eddy::test]
async fn reuseport_lets_two_listeners_share_a_port() {
    let a = TcpSocket::new_v4().unwrap();
    a.set_reuseport(true).unwrap();
    a.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = a.local_addr().unwrap();
    let b = TcpSocket::new_v4().unwrap();
    b.set_reuseport(true).unwrap();
    b.bind(addr).unwrap();
    let _la = a.listen(8).unwrap();
    let _lb = b.listen(8).unwrap();
}

#[eddy::test]
async fn errors_not_panics() {
    // Connecting to a port with no listener is refused.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let s = TcpSocket::new_v4().unwrap();
    let err = s.connect(addr).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    // Binding an IPv6 address on an IPv4 socket fails cleanly.
    let s = TcpSocket::new_v4().unwrap();
    assert!(s.bind("[::1]:0".parse().unwrap()).is_err());
    // Binding an address in use (no SO_REUSEADDR on a listening port) fails cleanly.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = TcpSocket::new_v4().unwrap();
    assert!(s.bind(taken.local_addr().unwrap()).is_err());
}
