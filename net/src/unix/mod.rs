//! Unix domain sockets: `UnixListener`, `UnixStream` (with borrowed and owned halves),
//! `UnixDatagram`, `UnixSocket`, and the address and credential types they return; and, in
//! [`pipe`], anonymous pipes and FIFOs.
//!
//! The sockets follow the TCP types' pattern: created nonblocking and close-on-exec, registered with
//! the reactor once, system call first and a wait only after `EAGAIN`, `MSG_NOSIGNAL` on every send.
//! Each keeps its descriptor as the matching `std::os::unix::net` type, which supplies the address
//! queries (`local_addr`, `peer_addr`, `recv_from`): the kernel's `sockaddr_un` has no public
//! constructor in `std`, so asking `std` is the honest way to return `std`'s address type.

mod datagram;
mod listener;
pub mod pipe;
mod socket;
mod socket_addr;
pub mod split;
pub mod split_owned;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
pub use socket_addr::SocketAddr;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::UnixStream;
pub use ucred::UCred;

/// A user id (`uid_t`), as in [`UCred::uid`].
#[allow(non_camel_case_types)]
pub type uid_t = u32;

/// A group id (`gid_t`), as in [`UCred::gid`].
#[allow(non_camel_case_types)]
pub type gid_t = u32;

/// A process id (`pid_t`), as in [`UCred::pid`].
#[allow(non_camel_case_types)]
pub type pid_t = i32;
