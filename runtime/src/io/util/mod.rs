//! The I/O utilities: extension traits, their futures, buffering, copying and in-memory streams.
//!
//! Each file holds one utility; this module only wires them together and holds the one helper that
//! the always-ready utilities share.

pub(crate) mod async_buf_read_ext;
pub(crate) mod async_read_ext;
pub(crate) mod async_seek_ext;
pub(crate) mod async_write_ext;
pub(crate) mod buf_reader;
pub(crate) mod buf_stream;
pub(crate) mod buf_writer;
pub(crate) mod chain;
pub(crate) mod copy;
pub(crate) mod copy_bidirectional;
pub(crate) mod copy_buf;
pub(crate) mod empty;
pub(crate) mod lines;
pub(crate) mod mem;
pub(crate) mod read;
pub(crate) mod read_buf;
pub(crate) mod read_int;
pub(crate) mod read_to_end;
pub(crate) mod read_until;
pub(crate) mod repeat;
pub(crate) mod sink;
pub(crate) mod take;
pub(crate) mod write;

use std::task::{ready, Context, Poll};

/// Spends one unit of cooperative budget for an operation that is always ready (`empty`, `sink`,
/// `repeat`): without it a loop over such a resource would never yield.
pub(crate) fn poll_proceed_and_make_progress(cx: &mut Context<'_>) -> Poll<()> {
    let coop = ready!(crate::coop::poll_proceed(cx));
    coop.made_progress();
    Poll::Ready(())
}
