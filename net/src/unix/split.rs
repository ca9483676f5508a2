//! Borrowed halves of a `UnixStream` (`UnixStream::split`); all of it is the shared
//! `crate::stream::split`.

use super::{SocketAddr, UnixStream};

borrowed_halves!(UnixStream, SocketAddr, std::os::unix::net::UnixStream);
