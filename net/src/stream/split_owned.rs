//! Owned halves (`into_split`) of a stream type, written once for TCP and Unix streams.
//!
//! Each half holds an `Arc` of the stream, so the halves can move to different tasks. Dropping the
//! write half shuts down the write side (as Tokio does), so the peer sees end-of-stream even while
//! the read half lives on; `OwnedWriteHalf::forget` skips that. `reunite` gives the stream back.

/// Defines `OwnedReadHalf`, `OwnedWriteHalf` and `ReuniteError` over `$stream` (whose addresses are
/// `$addr` and whose core holds a `$sock`) and the `split_owned` function that makes the halves.
macro_rules! owned_halves {
    ($stream:ident, $addr:ty, $sock:ty) => {
        /// The read half of an owned split.
        #[derive(Debug)]
        pub struct OwnedReadHalf {
            inner: std::sync::Arc<$stream>,
        }

        /// The write half of an owned split. Dropping it shuts down the write side, unless it was
        /// [`forget`](OwnedWriteHalf::forget)-ed.
        #[derive(Debug)]
        pub struct OwnedWriteHalf {
            inner: std::sync::Arc<$stream>,
            shutdown_on_drop: bool,
        }

        pub(crate) fn split_owned(stream: $stream) -> (OwnedReadHalf, OwnedWriteHalf) {
            let inner = std::sync::Arc::new(stream);
            let read = OwnedReadHalf {
                inner: inner.clone(),
            };
            let write = OwnedWriteHalf {
                inner,
                shutdown_on_drop: true,
            };
            (read, write)
        }

        /// `reunite` was given halves of two different streams; both are handed back.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tried to reunite halves that are not from the same socket")
            }
        }

        impl std::error::Error for ReuniteError {}

        fn reunite(
            read: OwnedReadHalf,
            mut write: OwnedWriteHalf,
        ) -> Result<$stream, ReuniteError> {
            if !std::sync::Arc::ptr_eq(&read.inner, &write.inner) {
                return Err(ReuniteError(read, write));
            }
            write.shutdown_on_drop = false;
            let inner = read.inner;
            drop(write);
            match std::sync::Arc::try_unwrap(inner) {
                Ok(stream) => Ok(stream),
                // Both halves were given back and no other clone of the Arc is ever made.
                Err(_) => unreachable!("a third reference to a split stream"),
            }
        }

        impl OwnedReadHalf {
            /// Puts the stream back together; fails if `other` belongs to another stream.
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$stream, ReuniteError> {
                reunite(self, other)
            }
            fn stream(&self) -> &$stream {
                &self.inner
            }
            #[inline]
            fn core(&self) -> &$crate::stream::SocketStream<$sock> {
                &self.inner.inner
            }
            read_half_methods!($addr);
        }

        impl OwnedWriteHalf {
            /// Puts the stream back together; fails if `other` belongs to another stream.
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$stream, ReuniteError> {
                reunite(other, self)
            }
            /// Drops this half without shutting down the write side.
            pub fn forget(mut self) {
                self.shutdown_on_drop = false;
            }
            fn stream(&self) -> &$stream {
                &self.inner
            }
            #[inline]
            fn core(&self) -> &$crate::stream::SocketStream<$sock> {
                &self.inner.inner
            }
            write_half_methods!($addr);
        }

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    let _ = self.core().shutdown(std::net::Shutdown::Write);
                }
            }
        }

        async_read_impl!(OwnedReadHalf);
        // Once shut down, dropping the half has nothing left to do.
        async_write_impl!(OwnedWriteHalf, |this| {
            this.shutdown_on_drop = false;
        });

        impl AsRef<$stream> for OwnedReadHalf {
            fn as_ref(&self) -> &$stream {
                &self.inner
            }
        }

        impl AsRef<$stream> for OwnedWriteHalf {
            fn as_ref(&self) -> &$stream {
                &self.inner
            }
        }
    };
}
