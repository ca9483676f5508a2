//! `eddy::fs` beyond Tokio's fs_* files: the file's position stays right after a read was
//! abandoned with its bytes fetched (then a write, a `SeekFrom::Current`, `set_len`), background write errors come
//! back from `flush`, several megabytes through the 2 MiB buffer, directories larger than one
//! fetch batch, `ReadDir` as a `Stream`, and a write in flight when the file and the runtime are
//! dropped.

#[path = "support/blocking_gates.rs"]
mod blocking_gates;
#[path = "support/temp_dir.rs"]
mod temp_dir;
use blocking_gates::Gates;
use eddy::fs::{self, File, OpenOptions};
use eddy::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use std::io::SeekFrom;
use temp_dir::TempDir;

fn rt() -> eddy::runtime::Runtime {
    eddy::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Starts a read into a 10-byte buffer and abandons it before it completes: its bytes land in the
/// file's buffer, unread, and the kernel's offset is 10 bytes past the caller's position. Every
/// blocking thread is held until the read is abandoned, so the read cannot finish within its one
/// poll.
async fn abandon_a_read(file: &mut File) {
    use futures::FutureExt;
    let gates = Gates::close();
    let mut buf = [0u8; 10];
    assert!(
        file.read(&mut buf).now_or_never().is_none(),
        "the read ran on a busy pool"
    );
    drop(gates);
    eddy::task::spawn_blocking(|| ()).await.unwrap();
}

#[test]
fn a_write_after_an_abandoned_read_lands_at_the_callers_position() {
    let dir = TempDir::new("fs-write-after-read");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    rt().block_on(async {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        abandon_a_read(&mut file).await;
        // The bytes read ahead are dropped and the offset moved back: the write goes to 0.
        file.write_all(b"abc").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(file.stream_position().await.unwrap(), 3);
        let mut rest = String::new();
        file.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "3456789");
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"abc3456789");
}

#[test]
fn seek_current_counts_from_what_the_caller_read() {
    let dir = TempDir::new("fs-seek-current");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    rt().block_on(async {
        let mut file = File::open(&path).await.unwrap();
        let mut two = [0u8; 2];
        file.read_exact(&mut two).await.unwrap();
        abandon_a_read(&mut file).await;
        assert_eq!(file.seek(SeekFrom::Current(3)).await.unwrap(), 5);
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"56");
        assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        assert_eq!(file.read_u8().await.unwrap(), b'9');
    });
}

#[test]
fn set_len_after_a_partial_read_keeps_the_position() {
    let dir = TempDir::new("fs-set-len");
    let path = dir.join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    rt().block_on(async {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut four = [0u8; 4];
        file.read_exact(&mut four).await.unwrap();
        abandon_a_read(&mut file).await;
        file.set_len(6).await.unwrap();
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"45");
        assert_eq!(file.metadata().await.unwrap().len(), 6);
    });
}

#[test]
fn a_failed_background_write_is_reported_by_flush() {
    let dir = TempDir::new("fs-write-error");
    let path = dir.join("f");
    std::fs::write(&path, b"x").unwrap();
    rt().block_on(async {
        // Opened read-only: the write(2) on the pool fails with EBADF.
        let mut file = File::open(&path).await.unwrap();
        let n = file.write(b"data").await.unwrap();
        assert_eq!(n, 4, "the write returns once its bytes are buffered");
        let err = file.flush().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
        // Reported once; the file works on.
        file.flush().await.unwrap();
        let mut s = String::new();
        file.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "x");
    });
}

#[test]
fn megabytes_through_the_buffer_both_ways() {
    let dir = TempDir::new("fs-big");
    let path = dir.join("f");
    let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    rt().block_on(async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(&data).await.unwrap();
        file.sync_all().await.unwrap();
        drop(file);
        let mut back = Vec::new();
        File::open(&path)
            .await
            .unwrap()
            .read_to_end(&mut back)
            .await
            .unwrap();
        assert_eq!(back.len(), data.len());
        assert!(back == data);
        assert_eq!(fs::read(&path).await.unwrap().len(), data.len());
    });
}

#[test]
fn read_dir_lists_more_entries_than_one_batch() {
    let dir = TempDir::new("fs-many");
    for i in 0..100 {
        std::fs::write(dir.join(format!("file{i:03}")), b"").unwrap();
    }
    std::fs::create_dir(dir.join("sub")).unwrap();
    rt().block_on(async {
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let mut names = Vec::new();
        let mut dirs = 0;
        while let Some(entry) = entries.next_entry().await.unwrap() {
            if entry.file_type().await.unwrap().is_dir() {
                dirs += 1;
            }
            assert_eq!(entry.path(), dir.0.join(entry.file_name()));
            names.push(entry.file_name().into_string().unwrap());
        }
        // Exhausted stays exhausted.
        assert!(entries.next_entry().await.unwrap().is_none());
        names.sort();
        assert_eq!(names.len(), 101);
        assert_eq!(names[0], "file000");
        assert_eq!(dirs, 1);

        use futures::StreamExt;
        let streamed = fs::read_dir(&dir.0).await.unwrap().count().await;
        assert_eq!(streamed, 101);
    });
}

#[test]
fn path_functions_report_errors_with_their_kind() {
    let dir = TempDir::new("fs-errors");
    rt().block_on(async {
        let missing = dir.join("missing");
        assert_eq!(
            fs::read(&missing).await.unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        assert!(!fs::try_exists(&missing).await.unwrap());
        fs::create_dir_all(dir.join("a/b/c")).await.unwrap();
        assert_eq!(
            fs::remove_dir(dir.join("a")).await.unwrap_err().kind(),
            std::io::ErrorKind::DirectoryNotEmpty
        );
        assert_eq!(
            File::create_new(dir.join("a/b/c"))
                .await
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::AlreadyExists
        );
        fs::write(dir.join("t"), "text").await.unwrap();
        fs::rename(dir.join("t"), dir.join("u")).await.unwrap();
        assert_eq!(fs::read_to_string(dir.join("u")).await.unwrap(), "text");
        assert_eq!(fs::copy(dir.join("u"), dir.join("v")).await.unwrap(), 4);
        fs::remove_dir_all(dir.join("a")).await.unwrap();
        assert!(!fs::try_exists(dir.join("a")).await.unwrap());
    });
}

#[test]
fn a_write_in_flight_when_everything_is_dropped_still_lands() {
    let dir = TempDir::new("fs-drop-in-flight");
    let path = dir.join("f");
    let rt = rt();
    rt.block_on(async {
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"written in the background").await.unwrap();
        // No flush: the write may still be on the blocking pool.
    });
    // Dropping the runtime waits for its blocking tasks.
    drop(rt);
    assert_eq!(std::fs::read(&path).unwrap(), b"written in the background");
}
