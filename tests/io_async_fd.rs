//! `AsyncFd` on descriptors eddy knows nothing about: a pipe and an eventfd. Readiness guards, the
//! clear-on-`WouldBlock` protocol, the `&mut` forms, and registering one descriptor twice.

use eddy::io::unix::AsyncFd;
use eddy::io::{Interest, Ready};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A nonblocking, close-on-exec pipe: (read end, write end).
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(r, 0, "{}", io::Error::last_os_error());
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is writable for `buf.len()` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

fn write_fd(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is readable for `buf.len()` bytes.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

#[eddy::test]
async fn pipe_readable_guard_and_clear() {
    let (r, w) = pipe();
    // SAFETY: the AsyncFd owns `r`, so the descriptor stays open as long as it does.
    let r = unsafe { AsyncFd::register(r) }.unwrap();
    write_fd(w.as_raw_fd(), b"data").unwrap();
    let mut buf = [0u8; 16];
    let mut guard = r.readable().await.unwrap();
    assert!(guard.ready().is_readable());
    let n = guard
        .try_io(|fd| read_fd(fd.as_raw_fd(), &mut buf))
        .unwrap()
        .unwrap();
    assert_eq!(&buf[..n], b"data");
    // The pipe is empty now: the next try_io reports WouldBlock and clears the readiness.
    assert!(guard
        .try_io(|fd| read_fd(fd.as_raw_fd(), &mut buf))
        .is_err());
    assert!(guard.ready().is_empty());
    drop(guard);
    // Cleared: try_io on the AsyncFd doesn't even make the call.
    let err = r
        .try_io(Interest::READABLE, |_| -> io::Result<()> {
            panic!("must not run without readiness")
        })
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    // New data brings readiness back.
    write_fd(w.as_raw_fd(), b"more").unwrap();
    let n = r
        .async_io(Interest::READABLE, |fd| read_fd(fd.as_raw_fd(), &mut buf))
        .await
        .unwrap();
    assert_eq!(&buf[..n], b"more");
}

#[eddy::test]
async fn pipe_writable_and_hang_up() {
    let (r, w) = pipe();
    // SAFETY: the AsyncFd owns `w`.
    let mut w = unsafe { AsyncFd::register(w) }.unwrap();
    {
        let mut guard = w.writable_mut().await.unwrap();
        let n = guard
            .try_io(|fd| write_fd(fd.as_raw_fd(), b"x"))
            .unwrap()
            .unwrap();
        assert_eq!(n, 1);
        guard.retain_ready();
    }
    // Fill the pipe until it reports WouldBlock; the guard then clears write readiness.
    let chunk = [0u8; 4096];
    loop {
        let mut guard = w.writable_mut().await.unwrap();
        if guard.try_io(|fd| write_fd(fd.as_raw_fd(), &chunk)).is_err() {
            break;
        }
    }
    // Closing the read end of the full pipe makes the write end report a bare `EPOLLERR`: a wait
    // for writing sees the closed write side, and only a wait for errors sees the error.
    drop(r);
    let guard = w.ready(Interest::WRITABLE).await.unwrap();
    assert!(guard.ready().is_write_closed(), "{:?}", guard.ready());
    assert!(!guard.ready().is_error(), "{:?}", guard.ready());
    drop(guard);
    let guard = w.ready(Interest::ERROR).await.unwrap();
    assert!(guard.ready().is_error(), "{:?}", guard.ready());
}

#[eddy::test]
async fn clear_ready_matching_keeps_the_rest() {
    let (r, w) = pipe();
    // SAFETY: the AsyncFd owns `r`.
    let r = unsafe { AsyncFd::register(r) }.unwrap();
    write_fd(w.as_raw_fd(), b"x").unwrap();
    drop(w); // read side: readable + closed
    let mut guard = r.ready(Interest::READABLE).await.unwrap();
    assert!(guard.ready().is_read_closed());
    guard.clear_ready_matching(Ready::READABLE);
    // Closed states are final: they stay after clearing.
    let guard = r.ready(Interest::READABLE).await.unwrap();
    assert!(guard.ready().is_read_closed());
}

#[eddy::test]
async fn eventfd_counts() {
    // SAFETY: eventfd takes only flags and returns a new descriptor or -1.
    let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    assert!(raw >= 0);
    // SAFETY: eventfd returned a new descriptor that nothing else owns.
    let efd = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: the AsyncFd owns `efd`.
    let fd = unsafe { AsyncFd::register(efd) }.unwrap();
    write_fd(fd.as_raw_fd(), &3u64.to_ne_bytes()).unwrap();
    let mut buf = [0u8; 8];
    let n = fd
        .async_io(Interest::READABLE, |f| read_fd(f.as_raw_fd(), &mut buf))
        .await
        .unwrap();
    assert_eq!(n, 8);
    assert_eq!(u64::from_ne_bytes(buf), 3);
    let efd = fd.into_inner();
    assert!(efd.as_raw_fd() >= 0);
}

#[eddy::test]
async fn registering_twice_is_an_error() {
    let (r, _w) = pipe();
    let raw = r.as_raw_fd();
    // SAFETY: the AsyncFd owns `r`.
    let first = unsafe { AsyncFd::register(r) }.unwrap();
    // SAFETY: `raw` stays open while `first` lives, which outlives `second`'s attempt.
    let err = unsafe { AsyncFd::register(raw) }.unwrap_err();
    let (back, cause) = err.into_parts();
    assert_eq!(back, raw);
    assert_eq!(cause.raw_os_error(), Some(libc::EEXIST));
    drop(first);
}

#[eddy::test]
async fn two_tasks_wait_on_one_fd() {
    let (r, w) = pipe();
    // SAFETY: the AsyncFd owns `r`.
    let r = std::sync::Arc::new(unsafe { AsyncFd::register(r) }.unwrap());
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let r = r.clone();
            eddy::spawn(async move {
                let guard = r.readable().await.unwrap();
                guard.ready().is_readable()
            })
        })
        .collect();
    eddy::task::yield_now().await;
    write_fd(w.as_raw_fd(), b"!").unwrap();
    for t in waiters {
        assert!(t.await.unwrap());
    }
}
