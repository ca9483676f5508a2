//! `SocketAddr`: the address of a Unix socket (a path, an abstract name, or unnamed).

use std::fmt;
use std::path::Path;

/// The address of a Unix domain socket. Mirrors `tokio::net::unix::SocketAddr`: a thin wrapper of
/// `std::os::unix::net::SocketAddr`, convertible both ways.
#[derive(Clone)]
pub struct SocketAddr(pub(crate) std::os::unix::net::SocketAddr);

impl SocketAddr {
    /// True if the address has no name (e.g. the peer of an accepted connection, usually).
    pub fn is_unnamed(&self) -> bool {
        self.0.is_unnamed()
    }

    /// The file system path, if the address is one.
    pub fn as_pathname(&self) -> Option<&Path> {
        self.0.as_pathname()
    }

    /// The abstract name (Linux), without its leading NUL byte, if the address is one.
    pub fn as_abstract_name(&self) -> Option<&[u8]> {
        std::os::linux::net::SocketAddrExt::as_abstract_name(&self.0)
    }
}

impl fmt::Debug for SocketAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<std::os::unix::net::SocketAddr> for SocketAddr {
    fn from(addr: std::os::unix::net::SocketAddr) -> SocketAddr {
        SocketAddr(addr)
    }
}

impl From<SocketAddr> for std::os::unix::net::SocketAddr {
    fn from(addr: SocketAddr) -> std::os::unix::net::SocketAddr {
        addr.0
    }
}
