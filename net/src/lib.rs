//! eddy-net: sockets and the HTTP/1.1 server, built on `eddy-runtime`'s reactor.
//!
//! Empty until the reactor lands (issue 3); the crate exists so that the workspace has its final shape.
#![deny(missing_docs)]
