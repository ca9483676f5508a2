//! Asynchronous file system access: [`File`], [`OpenOptions`], [`read_dir`] and the path
//! functions (`read`, `write`, `copy`, `rename`, …), as `tokio::fs`.
//!
//! Linux has no readiness notification for regular files (epoll refuses them: a file is always
//! "ready", and a read may still sleep on the disk), so every call here runs the blocking
//! `std::fs` call on the runtime's blocking pool ([`spawn_blocking`](crate::task::spawn_blocking))
//! and awaits its result. That costs a thread hand-off per call; for many small operations, doing
//! them together in one `spawn_blocking` of your own is cheaper.
//!
//! [`File`] adds buffering on top so that `AsyncRead`/`AsyncWrite` can return before the blocking
//! call ends: a write is copied into the file's buffer and written in the background (its error,
//! if any, comes back from the next write or from `flush`), and a read fetches up to
//! [`File::max_buf_size`] bytes (`file.rs`).
//!
//! Everything here must be called from within a runtime (its blocking pool does the work).

mod dir_builder;
mod file;
mod open_options;
mod ops;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::{File, FileTimes};
pub use open_options::OpenOptions;
pub use ops::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions, symlink,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};

use std::io;

/// Runs `f` on the blocking pool and waits for it. A pool that is gone (its runtime shut down)
/// turns into an error, not a panic.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::task::spawn_blocking(f).await {
        Ok(res) => res,
        Err(e) => Err(join_error(e)),
    }
}

/// The error an operation reports when its blocking task did not run to the end (the runtime shut
/// down first, or the task panicked). The text is Tokio's, which programs may match on.
pub(crate) fn join_error(_: crate::task::JoinError) -> io::Error {
    io::Error::other("background task failed")
}
