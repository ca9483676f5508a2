//! The public methods and trait impls that `TcpStream`, `UnixStream` and their halves share,
//! written once.
//!
//! Every type these macros are used on has a private `fn core(&self) -> &SocketStream<_>`:
//! - [`read_ops!`] and [`write_ops!`] expand to the `try_*` reads and writes;
//! - [`stream_methods!`] expands, inside a stream type's `impl` block, to the readiness, `try_*` and
//!   `*_io` methods;
//! - [`read_half_methods!`] and [`write_half_methods!`] to the methods of a read or write half;
//! - [`async_read_impl!`] and [`async_write_impl!`] implement `AsyncRead` and `AsyncWrite`, straight
//!   to the socket, with `#[inline]` on the hot calls;
//! - [`fd_impls!`] implements `AsRawFd` and `AsFd`.

/// `try_read`, `try_read_buf` and `try_read_vectored`, for streams and read halves.
macro_rules! read_ops {
    () => {
        /// Reads without waiting: `WouldBlock` if no data is known to be there.
        pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.core().try_read(buf)
        }

        /// Reads without waiting into the spare room of `buf` (a full `Vec` grows first) and
        /// appends what arrived; `WouldBlock` if no data is known to be there.
        ///
        /// Tokio's version takes any `bytes::BufMut`; eddy has no `bytes` dependency, so this
        /// takes the buffers that implement [`SpareCapacity`](eddy_runtime::io::SpareCapacity)
        /// (`Vec<u8>`).
        pub fn try_read_buf<B: eddy_runtime::io::SpareCapacity + ?Sized>(
            &self,
            buf: &mut B,
        ) -> std::io::Result<usize> {
            self.core().try_read_buf(buf)
        }

        /// Reads into several buffers without waiting.
        pub fn try_read_vectored(
            &self,
            bufs: &mut [std::io::IoSliceMut<'_>],
        ) -> std::io::Result<usize> {
            self.core().try_read_vectored(bufs)
        }
    };
}

/// `try_write` and `try_write_vectored`, for streams and write halves.
macro_rules! write_ops {
    () => {
        /// Writes without waiting: `WouldBlock` if the socket buffer is known to be full.
        pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
            self.core().try_write(buf)
        }

        /// Writes several buffers without waiting.
        pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            self.core().try_write_vectored(bufs)
        }
    };
}

/// The readiness and nonblocking methods of a connected stream type (see the module docs).
macro_rules! stream_methods {
    () => {
        /// Waits for any of `interest`; returns what is ready. Several tasks may wait at once.
        pub async fn ready(
            &self,
            interest: eddy_runtime::io::Interest,
        ) -> std::io::Result<eddy_runtime::io::Ready> {
            self.core().ready(interest).await
        }

        /// Waits until the stream may be readable (then try `try_read`).
        pub async fn readable(&self) -> std::io::Result<()> {
            self.ready(eddy_runtime::io::Interest::READABLE)
                .await
                .map(drop)
        }

        /// Waits until the stream may be writable (then try `try_write`).
        pub async fn writable(&self) -> std::io::Result<()> {
            self.ready(eddy_runtime::io::Interest::WRITABLE)
                .await
                .map(drop)
        }

        /// Polls for read readiness (one task at a time per direction).
        pub fn poll_read_ready(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.core().poll_read_ready(cx)
        }

        /// Polls for write readiness (one task at a time per direction).
        pub fn poll_write_ready(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.core().poll_write_ready(cx)
        }

        read_ops!();
        write_ops!();

        /// Runs `f` (an I/O operation on the raw socket) if readiness for `interest` is known;
        /// clears it on `WouldBlock`.
        pub fn try_io<R>(
            &self,
            interest: eddy_runtime::io::Interest,
            f: impl FnOnce() -> std::io::Result<R>,
        ) -> std::io::Result<R> {
            self.core().try_io(interest, f)
        }

        /// Waits for `interest`, then runs `f`, retrying on `WouldBlock`.
        pub async fn async_io<R>(
            &self,
            interest: eddy_runtime::io::Interest,
            f: impl FnMut() -> std::io::Result<R>,
        ) -> std::io::Result<R> {
            self.core().async_io(interest, f).await
        }
    };
}

/// The methods both halves have: waiting for readiness and the two addresses (of type `$addr`).
macro_rules! half_common_methods {
    ($addr:ty) => {
        /// Waits for `interest`.
        pub async fn ready(
            &self,
            interest: eddy_runtime::io::Interest,
        ) -> std::io::Result<eddy_runtime::io::Ready> {
            self.core().ready(interest).await
        }
        /// The peer's address.
        pub fn peer_addr(&self) -> std::io::Result<$addr> {
            self.stream().peer_addr()
        }
        /// The local address.
        pub fn local_addr(&self) -> std::io::Result<$addr> {
            self.stream().local_addr()
        }
    };
}

/// The methods of a read half (borrowed or owned) whose stream's addresses are `$addr`.
macro_rules! read_half_methods {
    ($addr:ty) => {
        half_common_methods!($addr);
        /// Waits until readable.
        pub async fn readable(&self) -> std::io::Result<()> {
            self.stream().readable().await
        }
        read_ops!();
    };
}

/// The methods of a write half (borrowed or owned) whose stream's addresses are `$addr`.
macro_rules! write_half_methods {
    ($addr:ty) => {
        half_common_methods!($addr);
        /// Waits until writable.
        pub async fn writable(&self) -> std::io::Result<()> {
            self.stream().writable().await
        }
        write_ops!();
    };
}

/// `AsyncRead` for `$ty`: one `recv` per poll (see `SocketStream::poll_read`).
macro_rules! async_read_impl {
    ($ty:ty) => {
        impl eddy_runtime::io::AsyncRead for $ty {
            #[inline]
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut eddy_runtime::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.core().poll_read(cx, buf)
            }
        }
    };
}

/// `AsyncWrite` for `$ty`: straight to the socket, nothing buffered, shutdown of the write side.
/// `$after_shutdown` (optional) runs on the `&mut $ty` once a shutdown succeeded.
macro_rules! async_write_impl {
    ($ty:ty) => {
        async_write_impl!($ty, |_this| {});
    };
    ($ty:ty, |$this:ident| $after_shutdown:block) => {
        impl eddy_runtime::io::AsyncWrite for $ty {
            #[inline]
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.core().poll_write(cx, buf)
            }

            #[inline]
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.core().poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Writes go straight to the kernel: nothing is buffered here.
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let res = self.core().shutdown(std::net::Shutdown::Write);
                if res.is_ok() {
                    #[allow(unused_variables)]
                    let $this = std::pin::Pin::into_inner(self);
                    $after_shutdown
                }
                std::task::Poll::Ready(res)
            }
        }
    };
}

/// `AsRawFd` and `AsFd` for a stream type.
macro_rules! fd_impls {
    ($ty:ty) => {
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self.core().sock())
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(self.core().sock())
            }
        }
    };
}
