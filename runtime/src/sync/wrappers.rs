//! `Stream` adapters for the channel receivers, named after `tokio-stream`'s `wrappers` module.
//!
//! The `mpsc` receivers implement [`Stream`] themselves; [`ReceiverStream`] and
//! [`UnboundedReceiverStream`] exist so code written against `tokio-stream` ports unchanged.
//! [`BroadcastStream`] and [`WatchStream`] adapt receivers whose `recv` needs more than a poll.

use super::{broadcast, mpsc, watch};
use futures_core::Stream;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Errors of the stream wrappers.
pub mod errors {
    use std::fmt;

    /// A [`BroadcastStream`](super::BroadcastStream) fell behind.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum BroadcastStreamRecvError {
        /// This many values were overwritten before the stream read them; the next item is the
        /// oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for BroadcastStreamRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                BroadcastStreamRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for BroadcastStreamRecvError {}
}

use errors::BroadcastStreamRecvError;

macro_rules! mpsc_stream {
    ($(#[$doc:meta])* $name:ident, $rx:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<T> {
            inner: mpsc::$rx<T>,
        }

        impl<T> $name<T> {
            /// Wraps a receiver.
            pub fn new(recv: mpsc::$rx<T>) -> Self {
                Self { inner: recv }
            }

            /// The wrapped receiver.
            pub fn into_inner(self) -> mpsc::$rx<T> {
                self.inner
            }

            /// Closes the channel; buffered messages are still yielded.
            pub fn close(&mut self) {
                self.inner.close();
            }
        }

        impl<T> Stream for $name<T> {
            type Item = T;

            fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
                self.inner.poll_recv(cx)
            }
        }

        impl<T> AsRef<mpsc::$rx<T>> for $name<T> {
            fn as_ref(&self) -> &mpsc::$rx<T> {
                &self.inner
            }
        }

        impl<T> AsMut<mpsc::$rx<T>> for $name<T> {
            fn as_mut(&mut self) -> &mut mpsc::$rx<T> {
                &mut self.inner
            }
        }

        impl<T> From<mpsc::$rx<T>> for $name<T> {
            fn from(recv: mpsc::$rx<T>) -> Self {
                Self::new(recv)
            }
        }
    };
}

mpsc_stream!(
    /// A [`Stream`] over a bounded [`mpsc::Receiver`].
    ReceiverStream,
    Receiver
);
mpsc_stream!(
    /// A [`Stream`] over an [`mpsc::UnboundedReceiver`].
    UnboundedReceiverStream,
    UnboundedReceiver
);

/// A [`Stream`] over a [`broadcast::Receiver`]: yields `Ok(value)`, `Err(Lagged(n))` when it fell
/// behind, and ends when every sender is gone.
pub struct BroadcastStream<T> {
    inner: broadcast::Receiver<T>,
}

impl<T: Clone> BroadcastStream<T> {
    /// Wraps a receiver.
    pub fn new(rx: broadcast::Receiver<T>) -> Self {
        BroadcastStream { inner: rx }
    }
}

impl<T: Clone> Stream for BroadcastStream<T> {
    type Item = Result<T, BroadcastStreamRecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match ready!(self.inner.poll_recv(cx)) {
            Ok(v) => Poll::Ready(Some(Ok(v))),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(n))))
            }
            Err(broadcast::error::RecvError::Closed) => Poll::Ready(None),
        }
    }
}

impl<T: Clone> From<broadcast::Receiver<T>> for BroadcastStream<T> {
    fn from(rx: broadcast::Receiver<T>) -> Self {
        Self::new(rx)
    }
}

impl<T> fmt::Debug for BroadcastStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BroadcastStream").finish()
    }
}

type ChangedFuture<T> =
    Pin<Box<dyn Future<Output = (Result<(), watch::error::RecvError>, watch::Receiver<T>)> + Send>>;

async fn changed<T: Send + Sync>(
    mut rx: watch::Receiver<T>,
) -> (Result<(), watch::error::RecvError>, watch::Receiver<T>) {
    let result = rx.changed().await;
    (result, rx)
}

/// A [`Stream`] of a [`watch::Receiver`]'s values: each item is a clone of the value after a
/// change. Ends when every sender is gone.
///
/// Shortcut: one small boxed future per item (the receiver moves through it).
pub struct WatchStream<T> {
    inner: ChangedFuture<T>,
}

impl<T: 'static + Clone + Send + Sync> WatchStream<T> {
    /// A stream that yields the current value first, then every change.
    pub fn new(rx: watch::Receiver<T>) -> Self {
        WatchStream {
            inner: Box::pin(async move { (Ok(()), rx) }),
        }
    }

    /// A stream that yields only changes made after the receiver last saw the value.
    pub fn from_changes(rx: watch::Receiver<T>) -> Self {
        WatchStream {
            inner: Box::pin(changed(rx)),
        }
    }
}

impl<T: 'static + Clone + Send + Sync> Stream for WatchStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let (result, mut rx) = ready!(self.inner.as_mut().poll(cx));
        match result {
            Ok(()) => {
                let value = rx.borrow_and_update().clone();
                self.inner = Box::pin(changed(rx));
                Poll::Ready(Some(value))
            }
            Err(_) => {
                self.inner = Box::pin(changed(rx));
                Poll::Ready(None)
            }
        }
    }
}

impl<T> Unpin for WatchStream<T> {}

impl<T> fmt::Debug for WatchStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchStream").finish()
    }
}
