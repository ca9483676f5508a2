//! Borrowed halves of a `TcpStream` (`TcpStream::split`): the halves every stream type has (see
//! `crate::stream::split`), plus peeking on the read half.

use super::stream::TcpStream;
use eddy_runtime::io::ReadBuf;
use std::io;
use std::task::{Context, Poll};

borrowed_halves!(TcpStream, std::net::SocketAddr, std::os::fd::OwnedFd);

impl ReadHalf<'_> {
    /// Peeks at incoming data without consuming it.
    pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buf).await
    }
    /// Polls to peek.
    pub fn poll_peek(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.0.poll_peek(cx, buf)
    }
}
