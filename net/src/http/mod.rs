//! An HTTP/1.1 server: async handlers, keep-alive, pipelining, limits against bad clients.
//!
//! ```no_run
//! use eddy::http::{Response, Server};
//!
//! #[eddy::main]
//! async fn main() -> std::io::Result<()> {
//!     let server = Server::bind("127.0.0.1:8080").await?;
//!     server.serve(|_req| async { Response::text("Hello, World!") }).await
//! }
//! ```
//!
//! Map: `parse.rs` (request heads, zero-copy), `chunked.rs` (chunked bodies), `headers.rs`,
//! `head_pool.rs` (each thread's spare head buffer), `method.rs`, `request.rs` (the request and
//! reading its body), `response.rs`, `status.rs`, `date.rs` (the cached `Date`), `conn.rs` (one
//! connection's loop), `conn_io.rs` (its read and write buffers), `conn_timer.rs` (its one reusable
//! timer), `feed.rs` (reading or skipping a body that is still arriving), `pipe.rs` (the shared
//! state that streams such a body to the request), `server.rs` (accepting, options, graceful
//! shutdown), `catch_panic.rs` (a panicking handler becomes a 500; the slot the handler's futures
//! live in); `conn_tests.rs` tests the connection's waits. The protocol decisions are written
//! down in `docs/HTTP.md`.

mod catch_panic;
mod chunked;
mod conn;
mod conn_io;
#[cfg(test)]
mod conn_tests;
mod conn_timer;
mod date;
mod feed;
mod head_pool;
mod headers;
mod method;
pub mod parse;
mod parse_scan;
mod pipe;
mod request;
mod response;
mod server;
mod status;

pub use chunked::ChunkedDecoder;
pub use headers::Headers;
pub use method::{Method, Version};
pub use request::{BodyError, Request};
pub use response::{Body, Response};
pub use server::Server;
pub use status::StatusCode;
