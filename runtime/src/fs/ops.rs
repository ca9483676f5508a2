//! The path functions of `eddy::fs`: each runs its `std::fs` namesake on the blocking pool.

use super::asyncify;
use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Declares `pub async fn $name(path...) -> io::Result<$ret>` that runs `$body` on the blocking
/// pool with owned copies of its path arguments.
macro_rules! path_fn {
    ($(#[$doc:meta])* $name:ident($($arg:ident),+) -> $ret:ty = $body:expr) => {
        $(#[$doc])*
        pub async fn $name($($arg: impl AsRef<Path>),+) -> io::Result<$ret> {
            $(let $arg: PathBuf = $arg.as_ref().to_owned();)+
            asyncify(move || $body($(&$arg),+)).await
        }
    };
}

path_fn!(
    /// The absolute path of `path` with every symbolic link and `.`/`..` resolved
    /// (`std::fs::canonicalize`).
    canonicalize(path) -> PathBuf = std::fs::canonicalize
);
path_fn!(
    /// Copies the contents and permissions of `from` to `to`, replacing `to`; returns the bytes
    /// copied (`std::fs::copy`).
    copy(from, to) -> u64 = std::fs::copy
);
path_fn!(
    /// Creates one directory; its parent must exist (`std::fs::create_dir`).
    create_dir(path) -> () = std::fs::create_dir
);
path_fn!(
    /// Creates a directory and every missing parent (`std::fs::create_dir_all`).
    create_dir_all(path) -> () = std::fs::create_dir_all
);
path_fn!(
    /// Makes `dst` a new hard link to `src` (`std::fs::hard_link`).
    hard_link(src, dst) -> () = std::fs::hard_link
);
path_fn!(
    /// The metadata of `path`, following symbolic links (`std::fs::metadata`).
    metadata(path) -> Metadata = std::fs::metadata
);
path_fn!(
    /// The whole contents of a file (`std::fs::read`).
    ///
    /// ```
    /// # eddy::runtime::Runtime::new().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("eddy-doc-read-{}", std::process::id()));
    /// eddy::fs::write(&dir, b"contents").await?;
    /// assert_eq!(eddy::fs::read(&dir).await?, b"contents");
    /// eddy::fs::remove_file(&dir).await?;
    /// # Ok::<(), std::io::Error>(()) }).unwrap();
    /// ```
    read(path) -> Vec<u8> = std::fs::read
);
path_fn!(
    /// The target of a symbolic link (`std::fs::read_link`).
    read_link(path) -> PathBuf = std::fs::read_link
);
path_fn!(
    /// The whole contents of a UTF-8 text file (`std::fs::read_to_string`).
    read_to_string(path) -> String = std::fs::read_to_string
);
path_fn!(
    /// Removes an empty directory (`std::fs::remove_dir`).
    remove_dir(path) -> () = std::fs::remove_dir
);
path_fn!(
    /// Removes a directory and everything in it (`std::fs::remove_dir_all`).
    remove_dir_all(path) -> () = std::fs::remove_dir_all
);
path_fn!(
    /// Removes a file or symbolic link (`std::fs::remove_file`).
    remove_file(path) -> () = std::fs::remove_file
);
path_fn!(
    /// Renames `from` to `to`, replacing `to` if it exists; both must be on one file system
    /// (`std::fs::rename`).
    rename(from, to) -> () = std::fs::rename
);
path_fn!(
    /// Makes `dst` a symbolic link to `src` (`std::os::unix::fs::symlink`).
    symlink(src, dst) -> () = std::os::unix::fs::symlink
);
path_fn!(
    /// The metadata of `path` itself, not following a symbolic link (`std::fs::symlink_metadata`).
    symlink_metadata(path) -> Metadata = std::fs::symlink_metadata
);
path_fn!(
    /// Whether `path` exists: `Ok(false)` if it does not, an error if that could not be told
    /// (no permission to look, for one) (`std::fs::exists`).
    try_exists(path) -> bool = std::fs::exists
);

/// Changes the permissions of `path` (`std::fs::set_permissions`).
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}

/// Writes `contents` as the whole contents of `path`, creating or truncating it
/// (`std::fs::write`).
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}
