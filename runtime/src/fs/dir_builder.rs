//! `DirBuilder`: creating directories with options (recursive, mode).

use super::asyncify;
use std::io;
use std::path::Path;

/// Creates directories, with the options `std::fs::DirBuilder` has. Mirrors
/// `tokio::fs::DirBuilder`.
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory with the default mode (0o777 less the umask).
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Also create every missing parent, and succeed if the directory already exists.
    pub fn recursive(&mut self, recursive: bool) -> &mut Self {
        self.recursive = recursive;
        self
    }

    /// The permission bits of the new directories (before the umask applies).
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path`.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        asyncify(move || builder.create(path)).await
    }
}
