//! Owned halves of a `UnixStream` (`UnixStream::into_split`); all of it is the shared
//! `crate::stream::split_owned`.

use super::{SocketAddr, UnixStream};

owned_halves!(UnixStream, SocketAddr, std::os::unix::net::UnixStream);
