//! `AsyncSeekExt` and the `Seek` future.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncSeek;

/// Seeking utilities for every [`AsyncSeek`].
pub trait AsyncSeekExt: AsyncSeek {
    /// Seeks to `pos` and returns the new position from the start of the stream.
    ///
    /// Not cancel safe: if cancelled after the seek started, the position is unknown.
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            seek: self,
            pos: Some(pos),
            _pin: PhantomPinned,
        }
    }

    /// Moves to the start of the stream.
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// Returns the current position from the start of the stream.
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

pin_project_lite::pin_project! {
    /// Future for [`AsyncSeekExt::seek`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Seek<'a, S: ?Sized> {
        seek: &'a mut S,
        // `Some` until the seek has been started.
        pos: Option<SeekFrom>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = self.project();
        if let Some(pos) = *me.pos {
            // Finish any seek someone else started before starting ours.
            ready!(Pin::new(&mut **me.seek).poll_complete(cx))?;
            Pin::new(&mut **me.seek).start_seek(pos)?;
            *me.pos = None;
        }
        Pin::new(&mut **me.seek).poll_complete(cx)
    }
}
