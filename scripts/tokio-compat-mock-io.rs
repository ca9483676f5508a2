//! `mock_io`: tokio-test's scripted I/O mock (`tokio_test::io::Builder`) behind eddy's I/O traits.
//!
//! `scripts/tokio-compat` writes this file as the library of the throwaway crate it builds Tokio's
//! tests in, and renames `tokio_test::io::Builder` in those tests to `mock_io::Builder` here. The
//! mock itself is tokio-test's, unchanged: it checks every read and write against the script the
//! test gave it and panics on a mismatch or on unconsumed actions when dropped. Only the traits
//! differ: tokio-test implements Tokio's `AsyncRead`/`AsyncWrite`, and the code under test is eddy's
//! `io` utilities, which take eddy's. Each method here forwards one call to the mock.
//!
//! A script's `wait(d)` makes the mock sleep on Tokio's timer (a `tokio::time::Sleep`), which can
//! only be made inside a Tokio runtime's context, and the tests run on eddy's. So every forwarded
//! call enters the context of a Tokio runtime kept for this purpose ([`timer`]): one
//! current-thread runtime with only its timer enabled, driven by a thread of its own, started on
//! first use and left running until the test process exits. The `Sleep` registers with that
//! runtime's timer, whose thread wakes the eddy task's waker when the time is up; the mock's clock
//! (`tokio::time::Instant`) is that runtime's, which is never paused, so a wait takes real time.

pub mod mock_io {
    use std::io;
    use std::pin::Pin;
    use std::sync::OnceLock;
    use std::task::{Context, Poll};
    use std::time::Duration;
    use tokio::io::{AsyncRead as _, AsyncWrite as _};

    /// The handle of the Tokio runtime whose timer the mocks' waits sleep on, started on first
    /// call: a current-thread runtime with time enabled, on a thread that drives it (`block_on` of
    /// a future that never completes) for the rest of the process.
    pub fn timer() -> &'static tokio::runtime::Handle {
        static TIMER: OnceLock<tokio::runtime::Handle> = OnceLock::new();
        TIMER.get_or_init(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("mock_io: building the timer runtime");
            let handle = rt.handle().clone();
            std::thread::Builder::new()
                .name("mock-io-timer".into())
                .spawn(move || rt.block_on(std::future::pending::<()>()))
                .expect("mock_io: starting the timer thread");
            handle
        })
    }

    /// tokio-test's `Builder`, building a [`Mock`] that speaks eddy's traits.
    #[derive(Default)]
    pub struct Builder(tokio_test::io::Builder);

    impl Builder {
        pub fn new() -> Builder {
            Builder(tokio_test::io::Builder::new())
        }

        pub fn read(&mut self, buf: &[u8]) -> &mut Builder {
            self.0.read(buf);
            self
        }

        pub fn read_error(&mut self, error: io::Error) -> &mut Builder {
            self.0.read_error(error);
            self
        }

        pub fn write(&mut self, buf: &[u8]) -> &mut Builder {
            self.0.write(buf);
            self
        }

        pub fn write_error(&mut self, error: io::Error) -> &mut Builder {
            self.0.write_error(error);
            self
        }

        pub fn wait(&mut self, duration: Duration) -> &mut Builder {
            self.0.wait(duration);
            self
        }

        pub fn name(&mut self, name: impl Into<String>) -> &mut Builder {
            self.0.name(name);
            self
        }

        pub fn build(&mut self) -> Mock {
            Mock(self.0.build())
        }

        pub fn build_with_handle(&mut self) -> (Mock, tokio_test::io::Handle) {
            let (mock, handle) = self.0.build_with_handle();
            (Mock(mock), handle)
        }
    }

    /// tokio-test's `Mock`, implementing eddy's `AsyncRead` and `AsyncWrite`; each call runs in
    /// the [`timer`] runtime's context, where a scripted `wait` can make its `Sleep`.
    #[derive(Debug)]
    pub struct Mock(tokio_test::io::Mock);

    impl eddy::io::AsyncRead for Mock {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut eddy::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            // The mock copies into a Tokio `ReadBuf` over eddy's unfilled bytes (zeroed first, so
            // no unsafe code is needed); eddy's buffer then advances by what it filled.
            let mut dst = tokio::io::ReadBuf::new(buf.initialize_unfilled());
            let _timer = timer().enter();
            let res = Pin::new(&mut self.0).poll_read(cx, &mut dst);
            let n = dst.filled().len();
            buf.advance(n);
            res
        }
    }

    impl eddy::io::AsyncWrite for Mock {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let _timer = timer().enter();
            Pin::new(&mut self.0).poll_write(cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            let _timer = timer().enter();
            Pin::new(&mut self.0).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            let _timer = timer().enter();
            Pin::new(&mut self.0).poll_shutdown(cx)
        }
    }
}
