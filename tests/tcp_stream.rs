//! TCP behaviour end to end: the write fast path under back-pressure, half-close, errors instead of
//! signals, split halves, many connections, and descriptor reuse.

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::{TcpListener, TcpStream};
use std::io::Read;
use std::time::Duration;

fn rt(workers: usize) -> eddy::runtime::Runtime {
    eddy::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn large_write_to_slow_reader_arrives_intact() {
    let rt = rt(2);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        const LEN: usize = 64 << 20;
        // A slow reader on a plain thread: small reads with pauses, so the sender's socket buffer
        // fills and the write path must wait for EPOLLOUT many times.
        let reader = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            let mut total = 0usize;
            let mut sum = 0u64;
            let mut reads = 0;
            loop {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                for (i, b) in buf[..n].iter().enumerate() {
                    assert_eq!(
                        *b,
                        ((total + i) % 251) as u8,
                        "byte {} corrupted",
                        total + i
                    );
                }
                sum += n as u64;
                total += n;
                reads += 1;
                if reads % 64 == 0 {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            (total, sum)
        });
        let (mut stream, _) = listener.accept().await.unwrap();
        let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
        stream.write_all(&data).await.unwrap();
        stream.shutdown().await.unwrap();
        let (total, _) = eddy::task::spawn_blocking(move || reader.join().unwrap())
            .await
            .unwrap();
        assert_eq!(total, LEN);
    });
}

#[test]
fn half_close_and_eof() {
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = eddy::spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(b"ping").await.unwrap();
            s.shutdown().await.unwrap(); // half-close: we can still read
            let mut out = Vec::new();
            s.read_to_end(&mut out).await.unwrap();
            out
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap(); // ends at the client's FIN
        assert_eq!(got, b"ping");
        s.write_all(b"pong").await.unwrap();
        drop(s);
        assert_eq!(client.await.unwrap(), b"pong");
    });
}

#[test]
fn connection_refused_is_an_error() {
    let rt = rt(1);
    rt.block_on(async {
        // Bind then drop, so the port is (very likely) closed.
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn peer_reset_during_large_write_is_an_error() {
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = std::thread::spawn(move || {
            let s = std::net::TcpStream::connect(addr).unwrap();
            // Read a little, then close with unread data pending: the kernel answers with RST.
            let mut s = s;
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            drop(s);
        });
        let (mut stream, _) = listener.accept().await.unwrap();
        let data = vec![7u8; 32 << 20];
        let res = stream.write_all(&data).await;
        peer.join().unwrap();
        let err = match res {
            Err(e) => e,
            // The kernel may have taken everything into buffers before the reset arrived; then the
            // next write must fail.
            Ok(()) => loop {
                if let Err(e) = stream.write_all(&data).await {
                    break e;
                }
            },
        };
        assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "unexpected error {err:?}"
        );
    });
}

#[test]
fn split_halves_from_two_tasks() {
    let rt = rt(2);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let echo = eddy::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let (mut r, mut w) = s.into_split();
            eddy::io::copy(&mut r, &mut w).await.unwrap();
        });
        let s = TcpStream::connect(addr).await.unwrap();
        let (mut r, mut w) = s.into_split();
        let writer = eddy::spawn(async move {
            for i in 0..1000u32 {
                w.write_all(&i.to_be_bytes()).await.unwrap();
            }
            // Dropping the owned write half shuts down the write side.
        });
        let reader = eddy::spawn(async move {
            for i in 0..1000u32 {
                let mut b = [0u8; 4];
                r.read_exact(&mut b).await.unwrap();
                assert_eq!(u32::from_be_bytes(b), i);
            }
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        });
        writer.await.unwrap();
        reader.await.unwrap();
        echo.await.unwrap();
    });
}

fn raise_nofile(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write a live rlimit struct.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}

#[test]
fn ten_thousand_connections_on_one_worker() {
    let limit = raise_nofile(25_000);
    let n: usize = if limit >= 22_000 {
        10_000
    } else {
        ((limit as usize) - 200) / 2
    };
    let rt = rt(1);
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = eddy::spawn(async move {
            for _ in 0..n {
                let (mut s, _) = listener.accept().await.unwrap();
                eddy::spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => s.write_all(&buf[..k]).await.unwrap(),
                        }
                    }
                });
            }
        });
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(TcpStream::connect(addr).await.unwrap());
        }
        server.await.unwrap();
        // Every connection is open at once; each echoes its own message.
        let mut tasks = Vec::with_capacity(n);
        for (i, mut c) in conns.into_iter().enumerate() {
            tasks.push(eddy::spawn(async move {
                let msg = (i as u64).to_le_bytes();
                c.write_all(&msg).await.unwrap();
                let mut back = [0u8; 8];
                c.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn zero_linger_close_resets_the_peer() {
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.set_zero_linger().unwrap();
        assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
        drop(server);
        let mut buf = [0u8; 16];
        let err = client.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    });
}

/// A reset connection (`EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR`): `ready(READABLE)`
/// completes through the closed read side and, as in Tokio, does not report the error, which
/// only an interest naming `ERROR` sees.
#[test]
fn ready_reports_error_only_to_error_interest() {
    use eddy::io::Interest;
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.set_zero_linger().unwrap();
        drop(server);

        let ready = client.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_read_closed(), "{ready:?}");
        assert!(!ready.is_error(), "{ready:?}");
        let ready = client
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert!(
            ready.is_read_closed() && ready.is_write_closed(),
            "{ready:?}"
        );
        assert!(!ready.is_error(), "{ready:?}");

        let ready = client.ready(Interest::ERROR).await.unwrap();
        assert!(ready.is_error(), "{ready:?}");
        assert!(!ready.is_readable() && !ready.is_writable(), "{ready:?}");
        let ready = client
            .ready(Interest::READABLE | Interest::ERROR)
            .await
            .unwrap();
        assert!(ready.is_error() && ready.is_read_closed(), "{ready:?}");

        let mut buf = [0u8; 16];
        let err = client.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    });
}

#[test]
fn try_read_buf_and_read_buf_append_to_a_vec() {
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();

        client.write_all(b"hello").await.unwrap();
        let mut got = b"> ".to_vec();
        while got.len() < 7 {
            server.readable().await.unwrap();
            match server.try_read_buf(&mut got) {
                Ok(n) => assert!(n > 0),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, b"> hello");

        // A full Vec (no spare room) grows before the read instead of reading nothing.
        client.write_all(b" world").await.unwrap();
        got.shrink_to_fit();
        let mut n = 0;
        while n < 6 {
            n += server.read_buf(&mut got).await.unwrap();
        }
        assert_eq!(got, b"> hello world");

        client.shutdown().await.unwrap();
        assert_eq!(server.read_buf(&mut got).await.unwrap(), 0);
    });
}

/// Waiting for readiness spends no cooperative budget (as in Tokio): a task that has used up its
/// budget still sees a ready socket as ready when it asks, instead of `Pending`.
#[test]
fn ready_is_reported_after_the_budget_is_spent() {
    use std::future::{poll_fn, Future};
    use std::task::Poll;
    let rt = rt(1);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let _server = listener.accept().await.unwrap();
        client.writable().await.unwrap();
        // Far more polls than one task's budget (128) within a single poll of this task.
        for i in 0..1_000 {
            let mut writable = Box::pin(client.writable());
            let ready = poll_fn(|cx| Poll::Ready(writable.as_mut().poll(cx))).await;
            assert!(ready.is_ready(), "writable() pending at poll {i}");
        }
    });
}
