//! `TempDir`: a fresh directory under the system temp dir for one test, removed when dropped.

use std::path::{Path, PathBuf};

pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `eddy-NAME-PID`, emptied first if a crashed run left it behind.
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("eddy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
