//! `UdpSocket` end to end: IPv4 and IPv6 round trips, connected sockets, peeking, the `try_` and
//! `poll_` forms, a socket shared by several waiting tasks, options, and errors instead of panics.

use eddy::io::ReadBuf;
use eddy::net::UdpSocket;
use std::future::poll_fn;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

#[eddy::test]
async fn send_to_recv_from_v4() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b_addr = b.local_addr().unwrap();
    assert_eq!(a.send_to(b"hello", b_addr).await.unwrap(), 5);
    let mut buf = [0u8; 16];
    let (n, from) = b.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(from, a.local_addr().unwrap());
}

#[eddy::test]
async fn send_to_recv_from_v6_if_available() {
    let a = match UdpSocket::bind("[::1]:0").await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("skipping: no IPv6 loopback here ({e})");
            return;
        }
    };
    let b = UdpSocket::bind("[::1]:0").await.unwrap();
    a.send_to(b"six", b.local_addr().unwrap()).await.unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = b.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"six");
    assert!(from.is_ipv6());
    assert_eq!(from, a.local_addr().unwrap());
}

#[eddy::test]
async fn connected_send_recv_and_peek() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());

    a.send(b"one").await.unwrap();
    a.send(b"two").await.unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = b.peek_from(&mut buf).await.unwrap();
    assert_eq!((&buf[..n], from), (&b"one"[..], a.local_addr().unwrap()));
    assert_eq!(b.peek_sender().await.unwrap(), a.local_addr().unwrap());
    let n = b.recv(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"one");
    let n = b.recv(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"two");
}

#[eddy::test]
async fn try_forms_report_would_block_then_succeed() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut buf = [0u8; 8];
    // Nothing sent yet: never blocks, reports WouldBlock.
    let err = b.try_recv_from(&mut buf).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    a.writable().await.unwrap();
    assert_eq!(a.try_send_to(b"x", b.local_addr().unwrap()).unwrap(), 1);
    loop {
        b.readable().await.unwrap();
        match b.try_recv_from(&mut buf) {
            Ok((n, _)) => {
                assert_eq!(&buf[..n], b"x");
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
    }
}

#[eddy::test]
async fn poll_forms() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let target = b.local_addr().unwrap();
    let n = poll_fn(|cx| a.poll_send_to(cx, b"polled", target))
        .await
        .unwrap();
    assert_eq!(n, 6);
    let mut storage = [0u8; 16];
    let mut rb = ReadBuf::new(&mut storage);
    let from = poll_fn(|cx| b.poll_peek_from(cx, &mut rb)).await.unwrap();
    assert_eq!(from, a.local_addr().unwrap());
    assert_eq!(rb.filled(), b"polled");
    let mut rb = ReadBuf::new(&mut storage);
    poll_fn(|cx| b.poll_recv_from(cx, &mut rb)).await.unwrap();
    assert_eq!(rb.filled(), b"polled");
}

#[test]
fn shared_socket_many_waiters() {
    let rt = eddy::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = server.local_addr().unwrap();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let server = server.clone();
            tasks.push(eddy::spawn(async move {
                let mut buf = [0u8; 4];
                let (n, _) = server.recv_from(&mut buf).await.unwrap();
                n
            }));
        }
        eddy::task::yield_now().await;
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for _ in 0..4 {
            client.send_to(b"ping", addr).await.unwrap();
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 4);
        }
    });
}

#[eddy::test]
async fn options() {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    s.set_broadcast(true).unwrap();
    assert!(s.broadcast().unwrap());
    s.set_ttl(42).unwrap();
    assert_eq!(s.ttl().unwrap(), 42);
    s.set_multicast_loop_v4(false).unwrap();
    assert!(!s.multicast_loop_v4().unwrap());
    s.set_multicast_ttl_v4(7).unwrap();
    assert_eq!(s.multicast_ttl_v4().unwrap(), 7);
    assert!(s.take_error().unwrap().is_none());
    // Joining may be refused where there is no multicast route; it must be an error, not a panic.
    let group = Ipv4Addr::new(224, 0, 0, 123);
    if s.join_multicast_v4(group, Ipv4Addr::LOCALHOST).is_ok() {
        s.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
    }
    // A TTL beyond what the kernel accepts is an error.
    assert!(s.set_ttl(u32::MAX).is_err());
}

#[eddy::test]
async fn bad_input_is_an_error() {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let v6: SocketAddr = "[::1]:9".parse().unwrap();
    assert!(s.send_to(b"x", v6).await.is_err());
    assert!(s.send_to(b"x", "not an address").await.is_err());
}

#[eddy::test]
async fn refused_shows_as_error() {
    // A port nobody listens on: the ICMP error comes back on the connected socket.
    let gone = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let gone_addr = gone.local_addr().unwrap();
    drop(gone);
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    s.connect(gone_addr).await.unwrap();
    s.send(b"anyone?").await.unwrap();
    let mut buf = [0u8; 8];
    let err = s.recv(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

/// An ICMP "port unreachable" on a connected socket is a bare error (`EPOLLOUT | EPOLLERR`): it is
/// not read readiness, so `ready(READABLE)` and `poll_recv_ready` keep waiting, as in Tokio, but it
/// wakes `ready(ERROR)`, and `recv`, which waits for `READABLE | ERROR` as Tokio's does, returns it.
#[eddy::test]
async fn icmp_error_wakes_error_interest_and_recv_not_readable() {
    use eddy::io::Interest;
    use futures::FutureExt;
    let gone = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let gone_addr = gone.local_addr().unwrap();
    drop(gone);
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    s.connect(gone_addr).await.unwrap();
    let mut buf = [0u8; 8];
    // Forget the readability a new socket is assumed to have: from here on only events count.
    assert_eq!(
        s.try_recv(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    s.send(b"anyone?").await.unwrap();

    let ready = s.ready(Interest::ERROR).await.unwrap();
    assert!(ready.is_error(), "{ready:?}");
    assert!(!ready.is_readable(), "{ready:?}");
    // The driver has seen the event: nothing in it satisfies read interest.
    assert!(s.ready(Interest::READABLE).now_or_never().is_none());
    assert!(poll_fn(|cx| s.poll_recv_ready(cx)).now_or_never().is_none());

    let err = eddy::time::timeout(std::time::Duration::from_secs(60), s.recv(&mut buf))
        .await
        .expect("recv was not woken by the error")
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[eddy::test]
async fn std_round_trip() {
    let std_sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = std_sock.local_addr().unwrap();
    let s = UdpSocket::from_std(std_sock).unwrap();
    assert_eq!(s.local_addr().unwrap(), addr);
    let back = s.into_std().unwrap();
    assert_eq!(back.local_addr().unwrap(), addr);
    // Registering again after into_std works: the old registration is gone.
    let again = UdpSocket::try_from(back).unwrap();
    assert_eq!(again.local_addr().unwrap(), addr);
}

#[eddy::test]
async fn recv_buf_forms_append_to_a_vec() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let a_addr = a.local_addr().unwrap();
    b.connect(a_addr).await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();

    b.send(b"one").await.unwrap();
    let mut got = b"#".to_vec();
    assert_eq!(a.recv_buf(&mut got).await.unwrap(), 3);
    assert_eq!(got, b"#one");

    b.send(b"two").await.unwrap();
    let (n, from) = a.recv_buf_from(&mut got).await.unwrap();
    assert_eq!((n, from), (3, b.local_addr().unwrap()));
    assert_eq!(got, b"#onetwo");

    b.send(b"three").await.unwrap();
    let n = loop {
        a.readable().await.unwrap();
        match a.try_recv_buf(&mut got) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            res => break res.unwrap(),
        }
    };
    assert_eq!(n, 5);
    assert_eq!(got, b"#onetwothree");
    assert_eq!(
        a.try_recv_buf_from(&mut got).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
}
