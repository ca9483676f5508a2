//! `eddy::fs::File` when operations are cancelled, fail in the background or meet a shut-down
//! pool: empty writes after an abandoned read, `try_clone` and `set_times` behind a write in
//! flight, writes refused after shutdown, a pending write error with a read in flight (`set_len`,
//! `into_std`), `SeekFrom::Current` overflow, `into_std` after a cancelled `metadata`. Each of
//! these failed on the first version of `fs` (635ab70); Tokio 1.54 fails three of them.

#[path = "support/blocking_gates.rs"]
mod blocking_gates;
#[path = "support/temp_dir.rs"]
mod temp_dir;
use blocking_gates::Gates;
use eddy::fs::{File, OpenOptions};
use eddy::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use std::io::{Read, SeekFrom};
use std::time::{Duration, SystemTime};
use temp_dir::TempDir;

fn rt(blocking: usize) -> eddy::runtime::Runtime {
    eddy::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(blocking)
        .enable_all()
        .build()
        .unwrap()
}

/// Holds every blocking thread, polls a 10-byte read once so it is queued behind the gates, and
/// returns the gates; dropping them (or `open`) lets everything run.
fn hold_pool_and_start_read(file: &mut File) -> Gates {
    use futures::FutureExt;
    let gates = Gates::close();
    let mut buf = [0u8; 10];
    assert!(file.read(&mut buf).now_or_never().is_none());
    gates
}

async fn abandon_a_read(file: &mut File) {
    drop(hold_pool_and_start_read(file));
    eddy::task::spawn_blocking(|| ()).await.unwrap();
}

/// An empty write after an abandoned read keeps the bytes read ahead and the position.
#[test]
fn empty_write_after_abandoned_read_keeps_position() {
    let dir = TempDir::new("fs-cancel-empty-write");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    rt(1).block_on(async {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        abandon_a_read(&mut file).await;
        assert_eq!(file.write(b"").await.unwrap(), 0);
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"0123456789", "bytes lost by write(&[])");
    });
}

/// After an empty write, the next write lands at 0: nothing was consumed.
#[test]
fn empty_write_then_write_lands_at_callers_position() {
    let dir = TempDir::new("fs-cancel-empty-write2");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    rt(1).block_on(async {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        abandon_a_read(&mut file).await;
        file.write(b"").await.unwrap();
        file.write_all(b"AB").await.unwrap();
        file.flush().await.unwrap();
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"AB23456789");
}

/// A write error collected by a read, with another read in flight: `set_len` waits for the read
/// instead of finding the file busy (it used to panic).
#[test]
fn set_len_with_pending_write_error_and_read_in_flight() {
    let dir = TempDir::new("fs-cancel-set-len-panic");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt(1).block_on(async {
            // Read-only: the background write fails with EBADF.
            let mut file = File::open(&path).await.unwrap();
            assert_eq!(file.write(b"data").await.unwrap(), 4);
            eddy::task::spawn_blocking(|| ()).await.unwrap(); // the write has run (one thread, FIFO)
            abandon_a_read(&mut file).await; // the read collects EBADF into last_write_err
            file.set_len(0).await
        })
    }));
    match res {
        Ok(r) => println!("set_len returned {r:?}"),
        Err(p) => panic!(
            "set_len panicked: {:?}",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or(p.downcast_ref::<&str>().copied())
        ),
    }
}

/// The same state, the read still queued: `into_std` waits for it (it used to panic).
#[test]
fn into_std_with_pending_write_error_and_read_in_flight() {
    let dir = TempDir::new("fs-cancel-into-std-panic");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt(1).block_on(async {
            let mut file = File::open(&path).await.unwrap();
            file.write(b"data").await.unwrap();
            eddy::task::spawn_blocking(|| ()).await.unwrap();
            let gates = hold_pool_and_start_read(&mut file);
            // Opened later, so that an into_std that does wait can finish.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                gates.open();
            });
            let _std = file.into_std().await;
        })
    }));
    if let Err(p) = res {
        panic!(
            "into_std panicked: {:?}",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or(p.downcast_ref::<&str>().copied())
        );
    }
}

/// `SeekFrom::Current` near `i64::MIN` with bytes read ahead is an `InvalidInput` error, not an
/// overflow.
#[test]
fn seek_current_min_with_read_ahead_is_an_error_not_a_panic() {
    let dir = TempDir::new("fs-cancel-seek-overflow");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    rt(1).block_on(async {
        let mut file = File::open(&path).await.unwrap();
        abandon_a_read(&mut file).await;
        let err = file.seek(SeekFrom::Current(i64::MIN)).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

fn fifo(dir: &TempDir) -> (std::fs::File, std::fs::File) {
    use std::os::unix::ffi::OsStrExt;
    let path = dir.join("fifo");
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a NUL-terminated path that lives across the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    use std::os::unix::fs::OpenOptionsExt;
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path)
        .unwrap();
    let writer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    // Reader back to blocking.
    // SAFETY: fcntl F_GETFL/F_SETFL on a descriptor `reader` owns; only its flags change.
    unsafe {
        let fl = libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&reader), libc::F_GETFL);
        libc::fcntl(
            std::os::fd::AsRawFd::as_raw_fd(&reader),
            libc::F_SETFL,
            fl & !libc::O_NONBLOCK,
        );
    }
    (reader, writer)
}

/// `set_modified` waits for the write in flight, so that write's own mtime update cannot land
/// after the time set.
#[test]
fn set_modified_waits_for_the_write_in_flight() {
    let dir = TempDir::new("fs-cancel-set-mtime");
    let (mut reader, writer) = fifo(&dir);
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    rt(4).block_on(async {
        let mut file = File::from_std(writer);
        // More than the pipe holds: the background write blocks until the reader drains it.
        file.write_all(&vec![b'a'; 100_000]).await.unwrap();
        let drain = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let mut n = 0;
            let mut buf = [0u8; 65536];
            while n < 100_000 {
                n += reader.read(&mut buf).unwrap();
            }
        });
        file.set_modified(when).await.unwrap();
        file.flush().await.unwrap();
        drain.join().unwrap();
        assert_eq!(file.metadata().await.unwrap().modified().unwrap(), when);
    });
}

/// `try_clone` waits for the write in flight: the clone's write lands after it, not inside it.
#[test]
fn try_clone_waits_for_the_write_in_flight() {
    let dir = TempDir::new("fs-cancel-try-clone");
    let (mut reader, writer) = fifo(&dir);
    rt(4).block_on(async {
        let mut file = File::from_std(writer);
        file.write_all(&vec![b'a'; 100_000]).await.unwrap();
        let drain = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let mut all = Vec::new();
            let mut buf = [0u8; 4096];
            while all.len() < 100_003 {
                let n = reader.read(&mut buf).unwrap();
                all.extend_from_slice(&buf[..n]);
                std::thread::sleep(Duration::from_millis(1));
            }
            all
        });
        let clone = eddy::time::timeout(Duration::from_millis(100), file.try_clone()).await;
        let mut clone = match clone {
            Err(_) => file.try_clone().await.unwrap(), // as Tokio: waited
            Ok(c) => c.unwrap(),
        };
        clone.write_all(b"XYZ").await.unwrap();
        clone.flush().await.unwrap();
        file.flush().await.unwrap();
        let all = drain.join().unwrap();
        let at = all.windows(3).position(|w| w == b"XYZ").unwrap();
        assert_eq!(
            at, 100_000,
            "the clone's write landed inside the original's"
        );
    });
}

/// A write on a runtime whose blocking pool has shut down is refused with an error, rather than
/// reported written and lost.
#[test]
fn write_after_shutdown_is_refused() {
    let dir = TempDir::new("fs-cancel-after-shutdown");
    let path = dir.join("f");
    let rt = rt(4);
    let handle = rt.handle().clone();
    let mut file = rt.block_on(File::create(&path)).unwrap();
    rt.shutdown_timeout(Duration::from_secs(10));
    let res = handle.block_on(file.write(b"abc"));
    let flushed = handle.block_on(file.flush());
    println!(
        "write -> {res:?}, flush -> {flushed:?}, file = {:?}",
        std::fs::read(&path).unwrap()
    );
    assert!(res.is_err(), "write returned {res:?}");
}

/// The same, followed by a read and a flush: nothing reports success for bytes that never reached
/// the file.
#[test]
fn write_after_shutdown_then_read_then_flush() {
    let dir = TempDir::new("fs-cancel-after-shutdown-read");
    let path = dir.join("f");
    let rt = rt(4);
    let handle = rt.handle().clone();
    let mut file = rt
        .block_on(
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path),
        )
        .unwrap();
    rt.shutdown_timeout(Duration::from_secs(10));
    let w = handle.block_on(file.write(b"abc"));
    let mut buf = [0u8; 3];
    let r = handle.block_on(file.read(&mut buf));
    let f = handle.block_on(file.flush());
    let on_disk = std::fs::read(&path).unwrap();
    println!("write -> {w:?}, read -> {r:?}, flush -> {f:?}, file = {on_disk:?}");
    assert!(
        w.is_err() || f.is_err() || on_disk == b"abc",
        "bytes lost and nobody was told"
    );
}

/// A cancelled `metadata()` whose blocking task has not run yet still holds the file: `into_std`
/// returns a duplicate descriptor instead of panicking (Tokio panics).
#[test]
fn into_std_after_a_cancelled_metadata() {
    use futures::FutureExt;
    let dir = TempDir::new("fs-cancel-into-std-meta");
    let path = dir.join("f");
    std::fs::write(&path, b"x").unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt(1).block_on(async {
            let file = File::open(&path).await.unwrap();
            let gates = Gates::close();
            assert!(file.metadata().now_or_never().is_none());
            let _std = file.into_std().await;
            drop(gates);
        })
    }));
    if let Err(p) = res {
        panic!(
            "into_std panicked: {:?}",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or(p.downcast_ref::<&str>().copied())
        );
    }
}
