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
//! `method.rs`, `request.rs`, `response.rs`, `status.rs`, `date.rs` (the cached `Date`),
//! `conn.rs` (one connection's loop), `server.rs` (accepting, options, graceful shutdown),
//! `catch_panic.rs` (a panicking handler becomes a 500).

mod catch_panic;
mod chunked;
mod conn;
mod date;
mod headers;
mod method;
pub mod parse;
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
