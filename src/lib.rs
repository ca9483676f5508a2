//! eddy: an async runtime for network servers, in the style of Tokio.
//!
//! This crate is a facade: it owns no code and only re-exports the workspace crates, so that a Tokio
//! program ports by renaming the crate (`tokio::spawn` becomes `eddy::spawn`, and so on).
//!
//! - [`eddy_runtime`]: tasks, the schedulers, the blocking pool, macros.
//! - [`eddy_net`]: sockets and the HTTP server.
//!
//! ```
//! #[eddy::main]
//! async fn main() {
//!     let handle = eddy::spawn(async { 6 * 7 });
//!     assert_eq!(handle.await.unwrap(), 42);
//! }
//! ```
#![deny(missing_docs)]

pub use eddy_runtime::*;

/// TCP sockets and address resolution (from `eddy-net`). Mirrors `tokio::net`.
pub mod net {
    pub use eddy_net::*;
}

/// The HTTP/1.1 server (from `eddy-net`).
pub mod http {
    pub use eddy_net::http::*;
}
