//! A closed socket's descriptor number, reused by a new socket, gets none of the old socket's
//! wake-ups. In its own test binary so that no parallel test takes the descriptor number meanwhile.

use eddy::io::AsyncReadExt;
use eddy::net::TcpListener;
use std::io::Write;

fn rt(workers: usize) -> eddy::runtime::Runtime {
    eddy::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn reused_fd_number_gets_no_stale_wakeups() {
    // Open a connection, leave readiness pending on it, close it, and open another that the kernel
    // gives the same descriptor number: the new one must see only its own data.
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut peer_a = std::net::TcpStream::connect(addr).unwrap();
        let (a, _) = listener.accept().await.unwrap();
        use std::os::fd::AsRawFd;
        let fd_a = a.as_raw_fd();
        peer_a.write_all(b"old data for a").unwrap();
        // Give the driver a chance to see A's event, then close A without reading.
        eddy::task::yield_now().await;
        // Connect B's client side first, so that its own socket doesn't take A's number.
        let mut peer_b = std::net::TcpStream::connect(addr).unwrap();
        drop(a);
        let (mut b, _) = listener.accept().await.unwrap();
        assert_eq!(
            b.as_raw_fd(),
            fd_a,
            "the kernel reuses the lowest free descriptor"
        );
        peer_b.write_all(b"new").unwrap();
        let mut buf = [0u8; 32];
        let n = b.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"new");
        drop(peer_a);
    });
}
