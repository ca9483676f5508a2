//! Unix streams end to end: listener + connect round trip, pairs, borrowed and owned halves,
//! `peer_cred`, abstract names, `UnixSocket`, half-close, and errors instead of panics.

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::{UnixListener, UnixSocket, UnixStream};
use std::path::PathBuf;

/// A fresh path in the temporary directory (removed first, in case an earlier run left it).
fn sock_path(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("eddy-uds-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[eddy::test]
async fn listener_round_trip() {
    let path = sock_path("rt");
    let listener = UnixListener::bind(&path).unwrap();
    assert_eq!(
        listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    let (client, (server, peer)) =
        eddy::try_join!(UnixStream::connect(&path), listener.accept()).unwrap();
    assert!(peer.is_unnamed());
    let (mut client, mut server) = (client, server);
    client.write_all(b"hello").await.unwrap();
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    server.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"hello");
    server.write_all(b"bye").await.unwrap();
    drop(server);
    let mut got = Vec::new();
    client.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"bye");
    std::fs::remove_file(&path).unwrap();
}

#[eddy::test]
async fn pair_and_peer_cred() {
    let (a, b) = UnixStream::pair().unwrap();
    let cred = a.peer_cred().unwrap();
    // SAFETY: getuid/getgid/getpid only read the calling process's ids.
    let (uid, gid, pid) = unsafe { (libc::getuid(), libc::getgid(), libc::getpid()) };
    assert_eq!(cred.uid(), uid);
    assert_eq!(cred.gid(), gid);
    assert_eq!(cred.pid(), Some(pid));
    assert_eq!(b.peer_cred().unwrap(), cred);
}

#[eddy::test]
async fn try_read_write() {
    let (a, b) = UnixStream::pair().unwrap();
    a.writable().await.unwrap();
    assert_eq!(a.try_write(b"abc").unwrap(), 3);
    let mut buf = [0u8; 8];
    loop {
        b.readable().await.unwrap();
        match b.try_read(&mut buf) {
            Ok(n) => {
                assert_eq!(&buf[..n], b"abc");
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
    }
}

#[eddy::test]
async fn borrowed_split_halves_in_parallel() {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let (mut ar, mut aw) = a.split();
    let data = vec![7u8; 1 << 20];
    let write = async {
        aw.write_all(&data).await.unwrap();
        aw.shutdown().await.unwrap();
    };
    let echo = async {
        // b echoes everything back.
        let (mut br, mut bw) = b.split();
        eddy::io::copy(&mut br, &mut bw).await.unwrap();
        bw.shutdown().await.unwrap();
    };
    let read = async {
        let mut got = Vec::new();
        ar.read_to_end(&mut got).await.unwrap();
        got
    };
    let ((), (), got) = eddy::join!(write, echo, read);
    assert_eq!(got.len(), data.len());
}

#[test]
fn owned_halves_from_two_tasks_and_reunite() {
    let rt = eddy::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut r, mut w) = a.into_split();
        let writer = eddy::spawn(async move {
            w.write_all(b"from a").await.unwrap();
            w
        });
        let mut b = b;
        let mut buf = [0u8; 6];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"from a");
        b.write_all(b"to a").await.unwrap();
        let reader = eddy::spawn(async move {
            let mut buf = [0u8; 4];
            r.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"to a");
            r
        });
        let w = writer.await.unwrap();
        let r = reader.await.unwrap();
        let (other, _o2) = UnixStream::pair().unwrap();
        let (other_r, other_w) = other.into_split();
        let err = r.reunite(other_w).unwrap_err();
        let (r, _other_w) = (err.0, err.1);
        let a = r.reunite(w).unwrap();
        drop(other_r);
        a.peer_cred().unwrap();
    });
}

#[eddy::test]
async fn dropping_owned_write_half_shuts_down() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let (_r, w) = a.into_split();
    drop(w);
    let mut buf = [0u8; 1];
    assert_eq!(b.read(&mut buf).await.unwrap(), 0);
}

#[eddy::test]
async fn abstract_name() {
    let name = format!("\0eddy-abstract-{}", std::process::id());
    let listener = UnixListener::bind(&name).unwrap();
    let (client, (_server, _)) =
        eddy::try_join!(UnixStream::connect(&name), listener.accept()).unwrap();
    let peer = client.peer_addr().unwrap();
    assert_eq!(peer.as_abstract_name(), Some(&name.as_bytes()[1..]));
}

#[eddy::test]
async fn unix_socket_builder() {
    let path = sock_path("builder");
    let s = UnixSocket::new_stream().unwrap();
    s.bind(&path).unwrap();
    let listener = s.listen(8).unwrap();
    let c = UnixSocket::new_stream().unwrap();
    let (mut client, (mut server, _)) =
        eddy::try_join!(c.connect(&path), listener.accept()).unwrap();
    client.write_all(b"hi").await.unwrap();
    let mut buf = [0u8; 2];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hi");
    // A stream socket cannot become a datagram socket, and vice versa: errors, not panics.
    assert!(UnixSocket::new_stream().unwrap().datagram().is_err());
    assert!(UnixSocket::new_datagram().unwrap().listen(1).is_err());
    std::fs::remove_file(&path).unwrap();
}

#[eddy::test]
async fn errors_not_panics() {
    let missing = sock_path("missing");
    let err = UnixStream::connect(&missing).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    let too_long = "x".repeat(200);
    assert!(UnixListener::bind(&too_long).is_err());
    assert!(UnixStream::connect("bad\0path").await.is_err());
    // Writing to a closed peer is EPIPE, not SIGPIPE.
    let (mut a, b) = UnixStream::pair().unwrap();
    drop(b);
    let err = a.write_all(b"nobody").await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
}

#[eddy::test]
async fn std_round_trip() {
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let s = UnixStream::from_std(a).unwrap();
    let back = s.into_std().unwrap();
    let again = UnixStream::try_from(back).unwrap();
    again.peer_cred().unwrap();
}

/// A fresh pair is writable at once but not readable: nothing can have been sent to it yet.
#[eddy::test]
async fn fresh_pair_is_writable_not_readable() {
    use std::future::poll_fn;
    use std::task::Poll;
    let (a, b) = UnixStream::pair().unwrap();
    assert!(poll_fn(|cx| Poll::Ready(a.poll_write_ready(cx)))
        .await
        .is_ready());
    assert!(poll_fn(|cx| Poll::Ready(a.poll_read_ready(cx)))
        .await
        .is_pending());
    assert_eq!(
        a.try_read(&mut [0u8; 1]).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    // Once the peer writes, the read side reports readiness and the data.
    b.writable().await.unwrap();
    assert_eq!(b.try_write(b"hi").unwrap(), 2);
    a.readable().await.unwrap();
    let mut got = Vec::new();
    assert_eq!(a.try_read_buf(&mut got).unwrap(), 2);
    assert_eq!(got, b"hi");
}

/// An accepted stream starts out readable: data sent before `accept` is read without waiting for
/// the driver's first event.
#[eddy::test]
async fn accepted_stream_reads_queued_data_at_once() {
    use std::io::Write;
    let path = sock_path("accept-ready");
    let listener = UnixListener::bind(&path).unwrap();
    let mut peer = std::os::unix::net::UnixStream::connect(&path).unwrap();
    peer.write_all(b"early").unwrap();
    let (stream, _) = listener.accept().await.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(stream.try_read(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"early");
    let _ = std::fs::remove_file(&path);
}
