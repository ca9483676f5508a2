//! `read_dir`: a directory's entries, fetched from the blocking pool in batches.

use super::{asyncify, join_error};
use crate::task::JoinHandle;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Entries read per trip to the blocking pool.
const BATCH: usize = 32;

/// The entries of the directory at `path` (without `.` and `..`), in the order the file system
/// gives them.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut entries = eddy::fs::read_dir("/").await?;
/// let mut names = Vec::new();
/// while let Some(entry) = entries.next_entry().await? {
///     names.push(entry.file_name());
/// }
/// assert!(names.iter().any(|n| n == "tmp"));
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            entries: VecDeque::new(),
            std,
            done: false,
        })),
    })
}

/// What the blocking side owns between trips: the std iterator and the entries it last read.
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// The iterator ended.
    done: bool,
}

enum State {
    Idle(Option<Batch>),
    Pending(JoinHandle<Batch>),
}

/// The stream of a directory's entries made by [`read_dir`]. Mirrors `tokio::fs::ReadDir`.
pub struct ReadDir {
    state: State,
}

impl ReadDir {
    /// The next entry, or `None` at the end. Cancel safe: an entry already fetched stays queued.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry (see [`next_entry`](Self::next_entry)).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(slot) => {
                    let Some(mut batch) = slot.take() else {
                        // The last trip to the blocking pool failed: the stream is over.
                        return Poll::Ready(Ok(None));
                    };
                    if let Some(entry) = batch.entries.pop_front() {
                        *slot = Some(batch);
                        return Poll::Ready(entry.map(Some));
                    }
                    if batch.done {
                        *slot = Some(batch);
                        return Poll::Ready(Ok(None));
                    }
                    self.state = State::Pending(crate::task::spawn_blocking(move || {
                        batch.fill();
                        batch
                    }));
                }
                State::Pending(handle) => {
                    let res = ready!(Pin::new(handle).poll(cx));
                    match res {
                        Ok(batch) => self.state = State::Idle(Some(batch)),
                        Err(e) => {
                            self.state = State::Idle(None);
                            return Poll::Ready(Err(join_error(e)));
                        }
                    }
                }
            }
        }
    }
}

impl Batch {
    /// Reads up to [`BATCH`] entries (on the blocking pool), with their file types: on Linux those
    /// come with the directory entry itself (`d_type`), so asking costs no system call here.
    fn fill(&mut self) {
        for _ in 0..BATCH {
            match self.std.next() {
                Some(Ok(std)) => {
                    let file_type = std.file_type().ok();
                    self.entries.push_back(Ok(DirEntry {
                        std: Arc::new(std),
                        file_type,
                    }));
                }
                Some(Err(e)) => self.entries.push_back(Err(e)),
                None => {
                    self.done = true;
                    return;
                }
            }
        }
    }
}

impl futures_core::Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl std::fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

/// One entry of a directory. Mirrors `tokio::fs::DirEntry`.
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry when the file system reports it.
    file_type: Option<FileType>,
}

impl DirEntry {
    /// The directory's path joined with this entry's name.
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without the directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number.
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symbolic link (`std::fs::DirEntry::metadata`).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's type, not following a symbolic link; usually known without a system call.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(t) = self.file_type {
            return Ok(t);
        }
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }
}
