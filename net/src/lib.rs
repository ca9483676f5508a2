//! eddy-net: sockets (and, with the HTTP issue, the HTTP/1.1 server), built on `eddy-runtime`'s reactor.
//!
//! Everything here is re-exported by the `eddy` facade as `eddy::net`. Each socket is registered with
//! the runtime's epoll instance once, when it is created; reads and writes go straight to the kernel and
//! wait for readiness only after `EAGAIN` (see `tcp/stream.rs`).
#![deny(missing_docs)]

mod addr;
pub mod http;
#[macro_use]
mod stream;
mod sys;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};
