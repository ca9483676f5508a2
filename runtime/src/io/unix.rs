//! Unix-only I/O: [`AsyncFd`], which puts any file descriptor on the runtime's reactor.
//!
//! Mirrors `tokio::io::unix`. The types are defined with the I/O driver
//! (`driver::io::async_fd`); this module only gives them their public path.

#[allow(deprecated)]
pub use crate::driver::io::AsyncFdTryNewError;
pub use crate::driver::io::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
};
