//! `UCred`: the credentials of the process at the other end of a Unix stream (`SO_PEERCRED`).

use super::{gid_t, pid_t, uid_t};
use crate::sys;
use std::io;
use std::os::fd::RawFd;

/// Credentials of a Unix socket's peer, as the kernel recorded them when the connection was made
/// (or the pair created). Mirrors `tokio::net::unix::UCred`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    pid: Option<pid_t>,
    uid: uid_t,
    gid: gid_t,
}

impl UCred {
    /// The peer's effective user id.
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// The peer's effective group id.
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// The peer's process id (always known on Linux).
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}

/// Reads `SO_PEERCRED` of `fd`.
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<UCred> {
    let c: libc::ucred = sys::getsockopt_val(fd, libc::SOL_SOCKET, libc::SO_PEERCRED)?;
    Ok(UCred {
        pid: Some(c.pid),
        uid: c.uid,
        gid: c.gid,
    })
}
