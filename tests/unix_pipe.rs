//! `eddy::net::unix::pipe` end to end: anonymous pipes, FIFOs opened through `OpenOptions`
//! (`read_write`, `unchecked`, the `ENXIO` of a writer without a reader), the checks of
//! `from_file`/`from_owned_fd`, end of file and broken pipes, the descriptor flags after
//! `into_blocking_fd`/`into_nonblocking_fd`, and transfers larger than the pipe's buffer, where
//! writes have to wait for the reader.

use eddy::io::{AsyncReadExt, AsyncWriteExt, Interest};
use eddy::net::unix::pipe;
use futures::FutureExt;
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A FIFO made with `mkfifo(3)` in a fresh directory, both removed on drop.
struct Fifo {
    dir: PathBuf,
    path: PathBuf,
}

impl Fifo {
    fn new(name: &str) -> Fifo {
        let dir = std::env::temp_dir().join(format!("eddy-pipe-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fifo");
        let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c_path` is a NUL-terminated path that lives across the call.
        let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
        assert_eq!(rc, 0, "mkfifo: {}", io::Error::last_os_error());
        Fifo { dir, path }
    }
}

impl AsRef<Path> for Fifo {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A regular file in a fresh directory (removed on drop together with it).
struct RegularFile(Fifo);

impl RegularFile {
    fn new(name: &str) -> RegularFile {
        let f = Fifo::new(name);
        std::fs::remove_file(&f.path).unwrap();
        std::fs::write(&f.path, b"plain").unwrap();
        RegularFile(f)
    }

    fn path(&self) -> &Path {
        &self.0.path
    }
}

fn flags(fd: &impl AsFd) -> libc::c_int {
    // SAFETY: the descriptor is open for the borrow; F_GETFL only reads its flags.
    let flags = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "fcntl: {}", io::Error::last_os_error());
    flags
}

fn is_nonblocking(fd: &impl AsFd) -> bool {
    flags(fd) & libc::O_NONBLOCK != 0
}

/// The kernel's buffer size for the pipe behind `fd`.
fn pipe_capacity(fd: &impl AsFd) -> usize {
    // SAFETY: as in `flags`; F_GETPIPE_SZ only reads the pipe's size.
    let size = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETPIPE_SZ) };
    assert!(size > 0, "F_GETPIPE_SZ: {}", io::Error::last_os_error());
    size as usize
}

#[eddy::test]
async fn anonymous_pipe_round_trip() {
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    assert!(is_nonblocking(&tx) && is_nonblocking(&rx));
    assert!(flags(&tx) & libc::O_ACCMODE == libc::O_WRONLY);
    assert!(flags(&rx) & libc::O_ACCMODE == libc::O_RDONLY);
    // SAFETY: F_GETFD only reads the descriptor flags of an open descriptor.
    let fd_flags = unsafe { libc::fcntl(tx.as_raw_fd(), libc::F_GETFD) };
    assert!(fd_flags & libc::FD_CLOEXEC != 0);

    for round in 0..3u8 {
        let msg = [round; 100];
        tx.write_all(&msg).await.unwrap();
        let mut got = [0; 100];
        rx.read_exact(&mut got).await.unwrap();
        assert_eq!(got, msg);
    }
}

#[eddy::test]
async fn new_pipe_is_writable_and_not_readable() {
    let (tx, rx) = pipe::pipe().unwrap();
    // The sender starts out with room; the receiver has nothing yet.
    assert!(tx.writable().now_or_never().is_some());
    assert_eq!(tx.try_write(b"x").unwrap(), 1);
    let mut buf = [0; 8];
    // The byte is there, but the receiver only reads once the reactor has reported it.
    let ready = rx.ready(Interest::READABLE).await.unwrap();
    assert!(ready.is_readable() && !ready.is_read_closed());
    assert_eq!(rx.try_read(&mut buf).unwrap(), 1);
    assert_eq!(buf[0], b'x');
    // Drained: the next try fails with WouldBlock and clears the readiness.
    assert_eq!(
        rx.try_read(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    assert!(rx.readable().now_or_never().is_none());
}

#[eddy::test]
async fn vectored_and_buf_reads_and_writes() {
    let (tx, rx) = pipe::pipe().unwrap();
    let parts = [
        io::IoSlice::new(b"one "),
        io::IoSlice::new(b"two "),
        io::IoSlice::new(b"three"),
    ];
    tx.writable().await.unwrap();
    assert_eq!(tx.try_write_vectored(&parts).unwrap(), 13);

    rx.readable().await.unwrap();
    let (mut a, mut b) = ([0; 4], [0; 4]);
    let mut bufs = [io::IoSliceMut::new(&mut a), io::IoSliceMut::new(&mut b)];
    assert_eq!(rx.try_read_vectored(&mut bufs).unwrap(), 8);
    assert_eq!((&a, &b), (b"one ", b"two "));

    // try_read_buf appends to what the Vec holds.
    let mut rest = b"->".to_vec();
    assert_eq!(rx.try_read_buf(&mut rest).unwrap(), 5);
    assert_eq!(rest, b"->three");
}

#[eddy::test]
async fn eof_when_the_sender_drops() {
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    let writer = eddy::spawn(async move {
        tx.write_all(b"last words").await.unwrap();
        // Dropped here: the receiver reads the data, then end of file.
    });
    let mut got = Vec::new();
    rx.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"last words");
    writer.await.unwrap();

    // End of file stays: a read returns 0 at once, and readiness says the read side is closed.
    let ready = rx.ready(Interest::READABLE).await.unwrap();
    assert!(ready.is_read_closed());
    let mut buf = [0; 4];
    assert_eq!(rx.try_read(&mut buf).unwrap(), 0);
    assert_eq!(rx.read(&mut buf).await.unwrap(), 0);
}

#[eddy::test]
async fn broken_pipe_when_the_receiver_drops() {
    let (mut tx, rx) = pipe::pipe().unwrap();
    drop(rx);
    let err = tx.write_all(b"nobody listens").await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    // The reactor reports the closed side too, once it has had a turn.
    for _ in 0..100 {
        let ready = tx.ready(Interest::WRITABLE).await.unwrap();
        if ready.is_write_closed() {
            return;
        }
        eddy::task::yield_now().await;
    }
    panic!("the sender never saw WRITE_CLOSED");
}

#[eddy::test]
async fn fifo_through_open_options() {
    let fifo = Fifo::new("open");
    let mut rx = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    let mut tx = pipe::OpenOptions::default().open_sender(&fifo).unwrap();
    assert!(is_nonblocking(&rx) && is_nonblocking(&tx));
    assert_eq!(flags(&rx) & libc::O_ACCMODE, libc::O_RDONLY);
    assert_eq!(flags(&tx) & libc::O_ACCMODE, libc::O_WRONLY);

    let reader = eddy::spawn(async move {
        let mut got = Vec::new();
        rx.read_to_end(&mut got).await.unwrap();
        got
    });
    tx.write_all(b"named pipe").await.unwrap();
    drop(tx);
    assert_eq!(reader.await.unwrap(), b"named pipe");
}

#[eddy::test]
async fn fifo_sender_without_reader_is_enxio_unless_read_write() {
    let fifo = Fifo::new("enxio");
    let err = pipe::OpenOptions::new().open_sender(&fifo).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENXIO));

    // Read-write: the open succeeds, and what is written waits in the FIFO for a reader.
    let mut tx = pipe::OpenOptions::new()
        .read_write(true)
        .open_sender(&fifo)
        .unwrap();
    assert_eq!(flags(&tx) & libc::O_ACCMODE, libc::O_RDWR);
    tx.write_all(b"early").await.unwrap();

    let mut rx = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    let mut got = [0; 5];
    rx.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"early");
}

#[eddy::test]
async fn read_write_receiver_never_sees_eof() {
    let fifo = Fifo::new("resilient");
    let mut rx = pipe::OpenOptions::new()
        .read_write(true)
        .open_receiver(&fifo)
        .unwrap();
    for msg in [b"first", b"again"] {
        let mut tx = pipe::OpenOptions::new().open_sender(&fifo).unwrap();
        tx.write_all(msg).await.unwrap();
        drop(tx);
        let mut got = [0; 5];
        rx.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, msg);
    }
    // No writer is left, but the receiver itself holds the FIFO open for writing: a read waits
    // instead of returning end of file.
    let mut buf = [0; 1];
    assert!(rx.read(&mut buf).now_or_never().is_none());
    let ready = rx
        .ready(Interest::READABLE)
        .now_or_never()
        .map(|r| r.unwrap());
    assert!(ready.is_none_or(|r| !r.is_read_closed()));
}

#[eddy::test]
async fn plain_receiver_reads_again_after_a_new_writer() {
    let fifo = Fifo::new("reopen");
    let mut rx = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    let mut buf = [0; 3];
    for msg in [b"abc", b"def"] {
        let mut tx = pipe::OpenOptions::new().open_sender(&fifo).unwrap();
        tx.write_all(msg).await.unwrap();
        drop(tx);
        rx.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, msg);
        // Every writer has gone: end of file, until the next one opens the FIFO.
        assert_eq!(rx.read(&mut buf).await.unwrap(), 0);
    }
}

#[eddy::test]
async fn unchecked_skips_the_fifo_check() {
    let fifo = Fifo::new("unchecked");
    let mut rx = pipe::OpenOptions::new()
        .unchecked(true)
        .open_receiver(&fifo)
        .unwrap();
    let mut tx = pipe::OpenOptions::new()
        .unchecked(true)
        .open_sender(&fifo)
        .unwrap();
    tx.write_all(b"ok").await.unwrap();
    let mut got = [0; 2];
    rx.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"ok");

    // A regular file: checked, it is refused as not a pipe; unchecked, the open itself succeeds
    // and only the reactor refuses it (epoll does not take regular files).
    let file = RegularFile::new("unchecked-regular");
    let err = pipe::OpenOptions::new()
        .open_receiver(file.path())
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let err = pipe::OpenOptions::new()
        .open_sender(file.path())
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let err = pipe::OpenOptions::new()
        .unchecked(true)
        .open_receiver(file.path())
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM));
}

#[eddy::test]
async fn from_file_refuses_regular_files_and_wrong_access_modes() {
    let file = RegularFile::new("from-file");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(file.path())
        .unwrap();
    let err = pipe::Sender::from_file(f).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let f = File::open(file.path()).unwrap();
    let err = pipe::Receiver::from_file(f).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

    // A socket is not a pipe either.
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let err = pipe::Sender::from_owned_fd(OwnedFd::from(a)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let err = pipe::Receiver::from_owned_fd(OwnedFd::from(b)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

    // A pipe opened the wrong way round.
    let fifo = Fifo::new("access");
    let _keep_open = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    let read_only = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let err = pipe::Sender::from_file(read_only).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let write_only = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let err = pipe::Receiver::from_file(write_only).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

    // Read-write is fine for either end.
    let rdwr = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let tx = pipe::Sender::from_file(rdwr.try_clone().unwrap()).unwrap();
    let rx = pipe::Receiver::from_file(rdwr).unwrap();
    drop((tx, rx));
}

#[eddy::test]
async fn from_file_and_from_owned_fd_switch_to_nonblocking() {
    let fifo = Fifo::new("nonblock");
    let _rx = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    let _tx = pipe::OpenOptions::new().open_sender(&fifo).unwrap();

    // Blocking opens succeed at once: each side already has a peer.
    let read_only = File::open(&fifo).unwrap();
    let write_only = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    assert!(!is_nonblocking(&read_only) && !is_nonblocking(&write_only));
    let mut rx = pipe::Receiver::from_file(read_only).unwrap();
    let mut tx = pipe::Sender::from_owned_fd(OwnedFd::from(write_only)).unwrap();
    assert!(is_nonblocking(&rx) && is_nonblocking(&tx));

    tx.write_all(b"converted").await.unwrap();
    let mut got = [0; 9];
    rx.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"converted");
}

#[eddy::test]
async fn unchecked_constructors_take_the_descriptor_as_it_is() {
    let (rx_fd, tx_fd) = {
        let mut fds = [-1; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 stores.
        assert_eq!(
            unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) },
            0
        );
        use std::os::fd::FromRawFd;
        // SAFETY: pipe2 returned two new descriptors that nothing else owns.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    };
    let mut rx = pipe::Receiver::from_owned_fd_unchecked(rx_fd).unwrap();
    let mut tx = pipe::Sender::from_file_unchecked(File::from(tx_fd)).unwrap();
    tx.write_all(b"raw").await.unwrap();
    drop(tx);
    let mut got = Vec::new();
    rx.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"raw");
}

#[eddy::test]
async fn into_blocking_and_nonblocking_fd() {
    let (tx, rx) = pipe::pipe().unwrap();
    let tx = tx.into_blocking_fd().unwrap();
    let rx = rx.into_nonblocking_fd().unwrap();
    assert!(!is_nonblocking(&tx));
    assert!(is_nonblocking(&rx));

    // The descriptors still work, outside the reactor: a blocking write, a nonblocking read.
    let mut tx = File::from(tx);
    let mut rx = File::from(rx);
    tx.write_all(b"plain fd").unwrap();
    let mut got = [0; 8];
    rx.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"plain fd");
    assert_eq!(
        rx.read(&mut got).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );

    let (tx, rx) = pipe::pipe().unwrap();
    let tx = tx.into_nonblocking_fd().unwrap();
    let rx = rx.into_blocking_fd().unwrap();
    assert!(is_nonblocking(&tx));
    assert!(!is_nonblocking(&rx));

    // And they can be registered again.
    let mut tx = pipe::Sender::from_owned_fd(tx).unwrap();
    let mut rx = pipe::Receiver::from_owned_fd(rx).unwrap();
    assert!(is_nonblocking(&rx));
    tx.write_all(b"again").await.unwrap();
    let mut got = [0; 5];
    rx.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"again");
}

#[eddy::test]
async fn try_write_fills_the_pipe_then_would_block() {
    let (tx, rx) = pipe::pipe().unwrap();
    let capacity = pipe_capacity(&tx);
    let chunk = [7u8; 4096];
    let mut written = 0;
    loop {
        match tx.try_write(&chunk) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(written, capacity);
    // Full: the sender is not writable until the receiver makes room.
    assert!(tx.writable().now_or_never().is_none());

    let mut buf = vec![0; capacity];
    let mut read = 0;
    while read < capacity {
        rx.readable().await.unwrap();
        match rx.try_read(&mut buf[read..]) {
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(buf.iter().all(|&b| b == 7));
    tx.writable().await.unwrap();
    assert_eq!(tx.try_write(&chunk).unwrap(), chunk.len());
}

/// Fills `tx` until the pipe reports `WouldBlock`, so that it has no write readiness left.
fn fill(tx: &pipe::Sender) {
    let chunk = [7u8; 4096];
    loop {
        match tx.try_write(&chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => panic!("{e}"),
        }
    }
}

/// The last reader of a full pipe goes: the write end gets a bare `EPOLLERR`. A wait for
/// `WRITABLE` wakes with `WRITE_CLOSED` and, as in Tokio, without the error, which a wait for
/// `ERROR` sees.
#[eddy::test]
async fn a_full_sender_whose_receiver_closes_wakes_write_closed() {
    let (tx, rx) = pipe::pipe().unwrap();
    fill(&tx);
    let mut writable = std::pin::pin!(tx.ready(Interest::WRITABLE));
    assert!(futures::poll!(writable.as_mut()).is_pending());
    drop(rx);
    let ready = eddy::time::timeout(std::time::Duration::from_secs(60), writable)
        .await
        .expect("the sender was not woken")
        .unwrap();
    assert!(ready.is_write_closed(), "{ready:?}");
    assert!(!ready.is_error(), "{ready:?}");
    let ready = tx.ready(Interest::ERROR).await.unwrap();
    assert!(ready.is_error() && !ready.is_writable(), "{ready:?}");
    let err = tx.try_write(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

/// The same through the writer's own waker slot: a `write_all` parked on a full pipe is woken, and
/// ends with `BrokenPipe`, when the receiver goes. The write runs in its own task, so that only a
/// wake-up (not a poll that retries the write) can finish it.
#[eddy::test]
async fn a_write_parked_on_a_full_pipe_is_woken_when_the_receiver_closes() {
    use std::future::Future;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;
    let (mut tx, rx) = pipe::pipe().unwrap();
    fill(&tx);
    let parked = Arc::new(AtomicBool::new(false));
    let task = eddy::spawn({
        let parked = parked.clone();
        async move {
            let mut write = std::pin::pin!(tx.write_all(b"more"));
            std::future::poll_fn(|cx| {
                let polled = write.as_mut().poll(cx);
                parked.store(polled.is_pending(), SeqCst);
                polled
            })
            .await
        }
    });
    while !parked.load(SeqCst) {
        eddy::task::yield_now().await;
    }
    drop(rx);
    let err = eddy::time::timeout(std::time::Duration::from_secs(60), task)
        .await
        .expect("the write was not woken")
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

/// Writes `total` bytes of a counting pattern through a pipe while the reader lags behind.
async fn large_transfer(total: usize) {
    let (mut tx, mut rx) = pipe::pipe().unwrap();
    assert!(total > 4 * pipe_capacity(&tx));
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let expected = data.clone();

    let writer = eddy::spawn(async move {
        tx.write_all(&data).await.unwrap();
    });
    // Let the writer fill the pipe and wait for room.
    for _ in 0..10 {
        eddy::task::yield_now().await;
    }
    assert!(
        !writer.is_finished(),
        "the writer should wait for the reader"
    );

    let mut got = Vec::with_capacity(total);
    let mut buf = vec![0; 10_000];
    loop {
        let n = rx.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    writer.await.unwrap();
    assert!(got == expected, "the data arrived changed");
}

#[eddy::test]
async fn large_transfer_current_thread() {
    large_transfer(1 << 20).await;
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_transfer_multi_thread() {
    large_transfer(4 << 20).await;
}

#[test]
#[should_panic]
fn pipe_outside_a_runtime_panics() {
    let _ = pipe::pipe();
}

#[eddy::test]
async fn debug_and_fds() {
    let (tx, rx) = pipe::pipe().unwrap();
    assert_eq!(tx.as_fd().as_raw_fd(), tx.as_raw_fd());
    assert_eq!(rx.as_fd().as_raw_fd(), rx.as_raw_fd());
    assert!(format!("{tx:?}").starts_with("Sender"));
    assert!(format!("{rx:?}").starts_with("Receiver"));
    let opts = pipe::OpenOptions::new().read_write(true).clone();
    assert!(format!("{opts:?}").contains("read_write: true"));
}

/// Polls `fut` to completion, counting the polls: a wait that spins shows up as thousands.
async fn count_polls<F: std::future::Future>(fut: F) -> (F::Output, u64) {
    let mut fut = std::pin::pin!(fut);
    let mut polls = 0u64;
    let out = std::future::poll_fn(|cx| {
        polls += 1;
        fut.as_mut().poll(cx)
    })
    .await;
    (out, polls)
}

/// A FIFO receiver that read end of file, then waits while a new writer is connected but idle:
/// the `EAGAIN` it meets proves a writer is there, so the stale end-of-file readiness is cleared
/// and the read sleeps until data comes instead of spinning.
#[eddy::test]
async fn a_receiver_past_end_of_file_sleeps_while_a_new_writer_is_idle() {
    let fifo = Fifo::new("eof-idle");
    let mut rx = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    let mut first = File::options().write(true).open(&fifo).unwrap();
    first.write_all(b"abc").unwrap();
    drop(first);
    let mut got = Vec::new();
    rx.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"abc");
    let mut second = File::options().write(true).open(&fifo).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        second.write_all(b"xyz").unwrap();
    });
    let mut buf = [0u8; 16];
    let (n, polls) = count_polls(rx.read(&mut buf)).await;
    writer.join().unwrap();
    assert_eq!(&buf[..n.unwrap()], b"xyz");
    assert!(polls <= 10, "the read spun: {polls} polls");
}

/// The `readable()` + `try_read` loop after end of file, with the new writer a task on the same
/// current-thread runtime: the loop must yield so that the writer runs.
#[eddy::test]
async fn a_readable_try_read_loop_past_end_of_file_lets_the_writer_run() {
    let fifo = Fifo::new("eof-loop");
    let rx = pipe::OpenOptions::new().open_receiver(&fifo).unwrap();
    drop(File::options().write(true).open(&fifo).unwrap());
    let mut buf = [0u8; 16];
    rx.readable().await.unwrap();
    assert_eq!(rx.try_read(&mut buf).unwrap(), 0, "end of file");
    let mut tx = pipe::OpenOptions::new().open_sender(&fifo).unwrap();
    eddy::spawn(async move {
        tx.write_all(b"hi").await.unwrap();
        std::future::pending::<()>().await;
    });
    let mut spins = 0u32;
    let n = loop {
        rx.readable().await.unwrap();
        match rx.try_read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => spins += 1,
            Err(e) => panic!("{e}"),
        }
        assert!(spins < 1000, "readable() kept returning at once");
    };
    assert_eq!(&buf[..n], b"hi");
}

/// A sender that met a broken pipe, on a FIFO that then gets a new reader, waits for room in a
/// full pipe without spinning: `EAGAIN` proves the reader is there.
#[eddy::test]
async fn a_sender_past_a_broken_pipe_sleeps_while_the_pipe_is_full() {
    let fifo = Fifo::new("epipe-full");
    let first = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let mut tx = pipe::OpenOptions::new().open_sender(&fifo).unwrap();
    drop(first);
    let err = tx.write_all(b"x").await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    for _ in 0..5 {
        eddy::task::yield_now().await; // the driver sees EPOLLERR
    }
    let mut second = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let cap = pipe_capacity(&tx);
    let reader = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        // Reads all of it before closing, so the writer never meets a second broken pipe.
        let mut sink = vec![0u8; 1 << 20];
        let mut total = 0;
        while total < cap + 1 {
            match second.read(&mut sink) {
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(1))
                }
                Err(e) => panic!("{e}"),
            }
        }
    });
    let data = vec![1u8; cap + 1];
    let (res, polls) = count_polls(tx.write_all(&data)).await;
    reader.join().unwrap();
    res.unwrap();
    assert!(polls <= 10, "the write spun: {polls} polls");
}

/// A packet-mode pipe (`O_DIRECT`) returns one packet per read even with more queued: a short
/// read must not make the next one wait for an edge that never comes.
#[eddy::test]
async fn a_packet_mode_pipe_reads_every_queued_packet() {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    let rc = unsafe {
        libc::pipe2(
            fds.as_mut_ptr(),
            libc::O_DIRECT | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    };
    assert_eq!(rc, 0, "{}", io::Error::last_os_error());
    // SAFETY: pipe2 just returned these two descriptors; each is owned once, here.
    let (r, w) = unsafe {
        use std::os::fd::FromRawFd;
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
    };
    let mut rx = pipe::Receiver::from_owned_fd(r).unwrap();
    let mut tx = pipe::Sender::from_owned_fd(w).unwrap();
    tx.write_all(b"packet-one").await.unwrap();
    tx.write_all(b"packet-two").await.unwrap();
    let mut buf = [0u8; 100];
    let n = rx.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"packet-one");
    let n = eddy::time::timeout(std::time::Duration::from_secs(10), rx.read(&mut buf))
        .await
        .expect("the second packet was never read")
        .unwrap();
    assert_eq!(&buf[..n], b"packet-two");
}
