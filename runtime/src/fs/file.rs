//! `File`: a file on the blocking pool, with a buffer that lets reads and writes return early.
//!
//! A `File` is at any time either idle, holding its buffer, or busy: one blocking operation (a
//! read, a write or a seek) is running on the pool and owns the buffer until it hands it back.
//! Only one operation runs at a time, so the kernel's file offset moves in a known order.
//!
//! - **Read.** Idle with unread bytes in the buffer: they are copied out at once. Otherwise the
//!   buffer goes to the pool to be filled with up to `min(wanted, max_buf_size)` bytes, and the
//!   read completes when it comes back. Bytes read ahead but not yet consumed put the kernel's
//!   offset ahead of the caller's position; a seek or write first moves it back by that much.
//! - **Write.** The bytes (up to `max_buf_size`) are copied into the buffer, the buffer goes to the
//!   pool to be written with `write_all`, and the write returns at once with the count copied.
//!   The outcome is collected by the next operation: an error is returned by the next write or
//!   `flush`, or kept for them if a read or seek collects it. `flush` (and `shutdown`) wait for the
//!   write in flight.
//! - **Seek.** `start_seek` hands the seek to the pool; `poll_complete` waits for it (first
//!   waiting for anything in flight) and reports the new position.
//!
//! The state sits behind eddy's async `Mutex`, so that the `&self` methods (`sync_all`,
//! `set_len`, …) can wait for the operation in flight before they run theirs; the `AsyncRead`,
//! `AsyncWrite` and `AsyncSeek` impls, which have `&mut self`, reach it without locking.

use super::{asyncify, join_error, OpenOptions};
use crate::coop;
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use crate::sync::Mutex;
use crate::task::JoinHandle;
use std::fmt;
use std::fs::{Metadata, Permissions};
use std::future::{poll_fn, Future};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::SystemTime;

/// The default most bytes one blocking read or write moves (Tokio's figure).
const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// An open file, read and written through the blocking pool. Mirrors `tokio::fs::File`.
///
/// Writes are buffered: call [`flush`](crate::io::AsyncWriteExt::flush) (or `shutdown`) to know
/// that they reached the kernel and to see their errors, and [`sync_all`](File::sync_all) to know
/// that they reached the disk. Dropping a `File` with a write in flight lets the write finish in
/// the background, and loses its error.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// use eddy::io::{AsyncReadExt, AsyncWriteExt};
///
/// let path = std::env::temp_dir().join(format!("eddy-doc-file-{}", std::process::id()));
/// let mut file = eddy::fs::File::create(&path).await?;
/// file.write_all(b"hello").await?;
/// file.flush().await?;
///
/// let mut text = String::new();
/// eddy::fs::File::open(&path).await?.read_to_string(&mut text).await?;
/// assert_eq!(text, "hello");
/// # eddy::fs::remove_file(&path).await?;
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

struct Inner {
    state: State,
    /// The error of a background write collected by a read or a seek, for the next write or flush.
    last_write_err: Option<io::Error>,
    /// The position the last seek reported.
    pos: u64,
}

enum State {
    /// `None` only while an operation is being started.
    Idle(Option<Buf>),
    Busy(JoinHandle<(Operation, Buf)>),
}

/// What a blocking operation did.
enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

/// Bytes read ahead (`data[pos..]` unread) or waiting to be written (`data[pos..]` unwritten).
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }

    /// Moves unread bytes into `dst`.
    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = (self.data.len() - self.pos).min(dst.remaining());
        dst.put_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
    }

    /// Takes up to `max` bytes from the slices, in order, to write; returns how many.
    fn copy_from(&mut self, src: &[io::IoSlice<'_>], max: usize) -> usize {
        self.clear();
        for slice in src {
            let room = max - self.data.len();
            if room == 0 {
                break;
            }
            self.data.extend_from_slice(&slice[..slice.len().min(room)]);
        }
        self.data.len()
    }

    /// Forgets the unread bytes; returns the offset that moves the file back over them.
    fn discard_read(&mut self) -> i64 {
        let back = -((self.data.len() - self.pos) as i64);
        self.clear();
        back
    }

    /// Fills the buffer with one read of up to `len` bytes (on the blocking pool).
    fn read_from(&mut self, file: &std::fs::File, len: usize) -> io::Result<usize> {
        self.clear();
        self.data.resize(len, 0);
        let res = loop {
            match (&*file).read(&mut self.data) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        self.data.truncate(*res.as_ref().unwrap_or(&0));
        res
    }

    /// Writes all the pending bytes (on the blocking pool).
    fn write_to(&mut self, file: &std::fs::File) -> io::Result<()> {
        let res = (&*file).write_all(&self.data[self.pos..]);
        self.clear();
        res
    }
}

impl File {
    /// Opens `path` for reading.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens `path` for writing, creating it or truncating it.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates `path` for reading and writing, failing if it exists.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A new [`OpenOptions`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File`; its current offset is where reads and writes start.
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Some(Buf::default())),
                last_write_err: None,
                pos: 0,
            }),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight, then flushes the file's data and metadata to the disk
    /// (`fsync`).
    pub async fn sync_all(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// As [`sync_all`](Self::sync_all), without the metadata that reading the data back does not
    /// need (`fdatasync`).
    pub async fn sync_data(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Waits for the operation in flight, then truncates or extends the file to `size` bytes
    /// (`ftruncate`). The position is unchanged; bytes read ahead are dropped.
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        inner.complete_inflight().await;
        let State::Idle(slot) = &mut inner.state else {
            unreachable!("complete_inflight leaves the file idle");
        };
        let mut buf = slot.take().unwrap_or_default();
        let back = buf.discard_read();
        let std = self.std.clone();
        // Kept as the operation in flight: if this future is dropped before the pool ran it, the
        // next operation waits for it, so the offset moves in order.
        inner.state = State::Busy(crate::task::spawn_blocking(move || {
            let mut res = Ok(());
            if back != 0 {
                res = (&*std).seek(SeekFrom::Current(back)).map(drop);
            }
            let res = res.and_then(|()| std.set_len(size)).map(|()| 0);
            (Operation::Seek(res), buf)
        }));
        let State::Busy(handle) = &mut inner.state else {
            unreachable!()
        };
        let res = handle.await;
        let (op, buf) = match res {
            Ok(done) => done,
            Err(e) => {
                inner.state = State::Idle(Some(Buf::default()));
                return Err(join_error(e));
            }
        };
        inner.state = State::Idle(Some(buf));
        match op {
            Operation::Seek(res) => res.map(drop),
            _ => unreachable!("set_len runs a seek-like operation"),
        }
    }

    /// The file's metadata (`fstat`).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// A second `File` on the same open file (`dup`): they share the offset.
    pub async fn try_clone(&self) -> io::Result<File> {
        self.inner.lock().await.complete_inflight().await;
        let std = self.std.clone();
        let clone = asyncify(move || std.try_clone()).await?;
        let mut clone = File::from_std(clone);
        clone.max_buf_size = self.max_buf_size;
        Ok(clone)
    }

    /// Waits for the operation in flight, moves the file's offset back over bytes read ahead but
    /// not consumed, then unwraps the `std::fs::File` (a write error still pending is lost). If a
    /// cancelled call (`metadata`, `sync_all`, …) still holds the file on the blocking pool, the
    /// result is a duplicate descriptor (`dup`) sharing the same offset.
    ///
    /// # Panics
    /// If that duplicate cannot be made (no descriptor left).
    pub async fn into_std(mut self) -> std::fs::File {
        let inner = self.inner.get_mut();
        inner.complete_inflight().await;
        if let State::Idle(Some(buf)) = &mut inner.state {
            if !buf.is_empty() {
                let back = buf.discard_read();
                let std = self.std.clone();
                // Best effort: the offset is only off if the file is not seekable, and then
                // nothing can move it back.
                let _ = asyncify(move || (&*std).seek(SeekFrom::Current(back))).await;
            }
        }
        match Arc::try_unwrap(self.std) {
            Ok(std) => std,
            Err(shared) => shared
                .try_clone()
                .expect("could not duplicate the file descriptor for into_std"),
        }
    }

    /// Unwraps the `std::fs::File` if no blocking call holds it; gives the `File` back otherwise.
    /// Unlike [`into_std`](Self::into_std) it does not wait: the outcome of a finished operation
    /// not yet collected (a write's error, bytes read ahead) is dropped.
    #[allow(clippy::result_large_err)] // Tokio's signature: the `File` itself comes back on failure.
    pub fn try_into_std(mut self) -> Result<std::fs::File, File> {
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            Err(std) => {
                self.std = std;
                Err(self)
            }
        }
    }

    /// Changes the file's permissions (`fchmod`).
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// Sets the file's access and modification times (`futimens`).
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        self.inner.lock().await.complete_inflight().await;
        let std = self.std.clone();
        asyncify(move || std.set_times(times.0)).await
    }

    /// Sets the file's modification time.
    pub async fn set_modified(&self, time: SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(time)).await
    }

    /// The most bytes one blocking read or write moves (default 2 MiB): a read returns at most
    /// this many, and a write takes at most this many per call.
    ///
    /// # Panics
    /// If `max_buf_size` is 0.
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf_size = max_buf_size;
    }

    /// See [`set_max_buf_size`](Self::set_max_buf_size).
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }
}

impl Inner {
    /// Waits until no operation is in flight; a write's error is kept for the next write or flush.
    async fn complete_inflight(&mut self) {
        poll_fn(|cx| self.poll_complete_inflight(cx)).await
    }

    fn poll_complete_inflight(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let State::Busy(_) = self.state {
            match ready!(self.poll_busy(cx)) {
                Ok(Operation::Write(Err(e))) | Err(e) => {
                    self.last_write_err.get_or_insert(e);
                }
                Ok(Operation::Seek(Ok(pos))) => self.pos = pos,
                Ok(_) => {}
            }
        }
        Poll::Ready(())
    }

    /// Waits for the operation in flight (if any): the result of a write, or of nothing.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.last_write_err.take() {
            return Poll::Ready(Err(e));
        }
        if let State::Idle(_) = self.state {
            return Poll::Ready(Ok(()));
        }
        match ready!(self.poll_busy(cx))? {
            Operation::Write(res) => Poll::Ready(res),
            Operation::Seek(res) => {
                if let Ok(pos) = res {
                    self.pos = pos;
                }
                Poll::Ready(Ok(()))
            }
            Operation::Read(_) => Poll::Ready(Ok(())),
        }
    }

    /// Polls the operation in flight; when it ends, puts the buffer back (state idle) and returns
    /// what it did. A blocking task that could not run (the runtime is gone) becomes an error.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Operation>> {
        let State::Busy(handle) = &mut self.state else {
            unreachable!("poll_busy on an idle file");
        };
        let res = ready!(Pin::new(handle).poll(cx));
        match res {
            Ok((op, buf)) => {
                self.state = State::Idle(Some(buf));
                Poll::Ready(Ok(op))
            }
            Err(e) => {
                self.state = State::Idle(Some(Buf::default()));
                Poll::Ready(Err(join_error(e)))
            }
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if dst.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let coop = ready!(coop::poll_proceed(cx));
        let me = self.get_mut();
        let max = me.max_buf_size;
        let inner = me.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().unwrap_or_default();
                    if !buf.is_empty() {
                        buf.copy_to(dst);
                        *slot = Some(buf);
                        coop.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    let len = dst.remaining().min(max);
                    let std = me.std.clone();
                    inner.state = State::Busy(crate::task::spawn_blocking(move || {
                        let res = buf.read_from(&std, len);
                        (Operation::Read(res), buf)
                    }));
                }
                State::Busy(_) => {
                    let op = ready!(inner.poll_busy(cx))?;
                    let State::Idle(Some(buf)) = &mut inner.state else {
                        unreachable!("poll_busy leaves the file idle with its buffer");
                    };
                    match op {
                        Operation::Read(Ok(_)) => {
                            buf.copy_to(dst);
                            coop.made_progress();
                            return Poll::Ready(Ok(()));
                        }
                        Operation::Read(Err(e)) => {
                            buf.clear();
                            return Poll::Ready(Err(e));
                        }
                        Operation::Write(Ok(())) => {}
                        Operation::Write(Err(e)) => inner.last_write_err = Some(e),
                        Operation::Seek(res) => {
                            if let Ok(pos) = res {
                                inner.pos = pos;
                            }
                        }
                    }
                    // The operation in flight was not a read: start ours now.
                }
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_write_slices(cx, &[io::IoSlice::new(src)])
    }

    /// Takes bytes from every slice in turn (up to `max_buf_size` in all) into one background
    /// write.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_slices(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl File {
    fn poll_write_slices(
        &mut self,
        cx: &mut Context<'_>,
        src: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let coop = ready!(coop::poll_proceed(cx));
        let max = self.max_buf_size;
        let inner = self.inner.get_mut();
        if let Some(e) = inner.last_write_err.take() {
            return Poll::Ready(Err(e));
        }
        let empty = src.iter().all(|s| s.is_empty());
        loop {
            match &mut inner.state {
                State::Idle(_) if empty => {
                    coop.made_progress();
                    return Poll::Ready(Ok(0));
                }
                State::Idle(slot) => {
                    // Once the blocking pool has shut down, a write spawned now would be cancelled
                    // after reporting its bytes written: refuse it before taking them.
                    crate::io::blocking::refuse_after_shutdown()?;
                    let mut buf = slot.take().unwrap_or_default();
                    // Bytes read ahead put the kernel's offset past the caller's position.
                    let back = if buf.is_empty() {
                        0
                    } else {
                        buf.discard_read()
                    };
                    let n = buf.copy_from(src, max);
                    let std = self.std.clone();
                    // Mandatory: a runtime shutting down still runs it, so bytes reported written
                    // reach the file.
                    inner.state = State::Busy(crate::io::blocking::spawn_mandatory(move || {
                        let mut res = Ok(());
                        if back != 0 {
                            res = (&*std).seek(SeekFrom::Current(back)).map(drop);
                        }
                        let res = res.and_then(|()| buf.write_to(&std));
                        (Operation::Write(res), buf)
                    }));
                    coop.made_progress();
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => {
                    // A read's bytes stay in the buffer (the next pass moves the offset back over
                    // them); a write's error is this write's error.
                    if let Operation::Write(Err(e)) = ready!(inner.poll_busy(cx))? {
                        return Poll::Ready(Err(e));
                    }
                }
            }
        }
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, mut position: SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        let State::Idle(slot) = &mut inner.state else {
            return Err(io::Error::other(
                "another file operation is in flight: call poll_complete before start_seek",
            ));
        };
        let mut buf = slot.take().unwrap_or_default();
        let mut extra = 0;
        if !buf.is_empty() {
            let back = buf.discard_read();
            if let SeekFrom::Current(offset) = &mut position {
                // Folded into the caller's offset when it fits; else moved back in a seek of its
                // own, so an extreme offset gets the kernel's EINVAL, not an overflow.
                match offset.checked_add(back) {
                    Some(o) => *offset = o,
                    None => extra = back,
                }
            }
        }
        let std = me.std.clone();
        inner.state = State::Busy(crate::task::spawn_blocking(move || {
            let mut res = Ok(0);
            if extra != 0 {
                res = (&*std).seek(SeekFrom::Current(extra));
            }
            let res = res.and_then(|_| (&*std).seek(position));
            (Operation::Seek(res), buf)
        }));
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let coop = ready!(coop::poll_proceed(cx));
        let inner = self.get_mut().inner.get_mut();
        loop {
            if let State::Idle(_) = inner.state {
                coop.made_progress();
                return Poll::Ready(Ok(inner.pos));
            }
            match ready!(inner.poll_busy(cx))? {
                Operation::Seek(res) => {
                    coop.made_progress();
                    if let Ok(pos) = res {
                        inner.pos = pos;
                    }
                    return Poll::Ready(res);
                }
                Operation::Write(Err(e)) => inner.last_write_err = Some(e),
                Operation::Write(Ok(())) | Operation::Read(_) => {}
            }
        }
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

impl From<OwnedFd> for File {
    fn from(fd: OwnedFd) -> File {
        File::from_std(std::fs::File::from(fd))
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.std.as_raw_fd()
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl FromRawFd for File {
    /// # Safety
    /// As `std::fs::File::from_raw_fd`: `fd` is an open descriptor that the new `File` owns.
    unsafe fn from_raw_fd(fd: RawFd) -> File {
        // SAFETY: the caller passes an open descriptor it gives up ownership of, as
        // `std::fs::File::from_raw_fd` requires.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("eddy::fs::File")
            .field("std", &self.std)
            .finish()
    }
}

/// Access and modification times to set with [`File::set_times`]. Mirrors `tokio::fs::FileTimes`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileTimes(std::fs::FileTimes);

impl FileTimes {
    /// No times: setting it changes nothing.
    pub fn new() -> FileTimes {
        FileTimes::default()
    }

    /// Sets the last access time.
    pub fn set_accessed(self, t: SystemTime) -> FileTimes {
        FileTimes(self.0.set_accessed(t))
    }

    /// Sets the last modification time.
    pub fn set_modified(self, t: SystemTime) -> FileTimes {
        FileTimes(self.0.set_modified(t))
    }
}

impl From<std::fs::FileTimes> for FileTimes {
    fn from(t: std::fs::FileTimes) -> FileTimes {
        FileTimes(t)
    }
}
