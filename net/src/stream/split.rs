//! Borrowed halves (`split`) of a stream type, written once for TCP and Unix streams.
//!
//! Both halves point at the same stream. They can be used at the same time, from two branches of
//! `select!` or `join!`, because the reactor keeps separate waker slots for reading and writing.

/// Defines `ReadHalf<'a>` and `WriteHalf<'a>` over `$stream` (whose addresses are `$addr` and whose
/// core holds a `$sock`) and the `split` function that makes them.
macro_rules! borrowed_halves {
    ($stream:ty, $addr:ty, $sock:ty) => {
        /// The read half of a borrowed split.
        #[derive(Debug)]
        pub struct ReadHalf<'a>(&'a $stream);

        /// The write half of a borrowed split. Shutting it down (`AsyncWriteExt::shutdown`) shuts
        /// down the stream's write side.
        #[derive(Debug)]
        pub struct WriteHalf<'a>(&'a $stream);

        pub(crate) fn split(stream: &mut $stream) -> (ReadHalf<'_>, WriteHalf<'_>) {
            (ReadHalf(stream), WriteHalf(stream))
        }

        impl ReadHalf<'_> {
            fn stream(&self) -> &$stream {
                self.0
            }
            #[inline]
            fn core(&self) -> &$crate::stream::SocketStream<$sock> {
                &self.0.inner
            }
            read_half_methods!($addr);
        }

        impl WriteHalf<'_> {
            fn stream(&self) -> &$stream {
                self.0
            }
            #[inline]
            fn core(&self) -> &$crate::stream::SocketStream<$sock> {
                &self.0.inner
            }
            write_half_methods!($addr);
        }

        async_read_impl!(ReadHalf<'_>);
        async_write_impl!(WriteHalf<'_>);

        impl AsRef<$stream> for ReadHalf<'_> {
            fn as_ref(&self) -> &$stream {
                self.0
            }
        }

        impl AsRef<$stream> for WriteHalf<'_> {
            fn as_ref(&self) -> &$stream {
                self.0
            }
        }
    };
}
