//! Owned halves of a `TcpStream` (`TcpStream::into_split`): the halves every stream type has (see
//! `crate::stream::split_owned`), plus peeking on the read half.

use super::stream::TcpStream;
use eddy_runtime::io::ReadBuf;
use std::io;
use std::task::{Context, Poll};

owned_halves!(TcpStream, std::net::SocketAddr, std::os::fd::OwnedFd);

impl OwnedReadHalf {
    /// Peeks at incoming data without consuming it.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.peek(buf).await
    }
    /// Polls to peek.
    pub fn poll_peek(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_peek(cx, buf)
    }
}
