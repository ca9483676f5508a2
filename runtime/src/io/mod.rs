//! Asynchronous I/O: the `AsyncRead`/`AsyncWrite`/`AsyncBufRead`/`AsyncSeek` traits and their utilities.
//!
//! Mirrors `tokio::io`. The four traits are the poll-based interface a resource implements; the
//! `…Ext` traits add the `async` methods programs call (`read_exact`, `write_all`, `read_line`, …).
//! Around them: buffering ([`BufReader`], [`BufWriter`], [`BufStream`]), copying ([`copy`],
//! [`copy_buf`], [`copy_bidirectional`]), splitting one stream into halves ([`split`]) or joining two
//! into one ([`join`]), in-memory pipes ([`duplex`], [`simplex`]), the trivial [`empty`], [`sink`] and
//! [`repeat`], and the process's standard streams ([`stdin`], [`stdout`], [`stderr`]). The readiness
//! types of the I/O driver, [`Interest`] and [`Ready`], live here too.
//!
//! Operations that can be ready again and again without waiting (copies, in-memory pipes, `empty`,
//! `sink`, `repeat`) spend the task's cooperative budget, so a loop over them still lets other tasks
//! run.

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
pub(crate) mod blocking;
mod join;
mod read_buf;
mod spare_capacity;
mod split;
mod stdio;
#[cfg(unix)]
pub mod unix;
mod util;

pub use std::io::{Error, ErrorKind, Result, SeekFrom};

pub use crate::driver::io::{Interest, Ready};
pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use join::{join, Join};
pub use read_buf::ReadBuf;
pub use spare_capacity::SpareCapacity;
pub use split::{split, ReadHalf, WriteHalf};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use util::async_buf_read_ext::AsyncBufReadExt;
pub use util::async_read_ext::AsyncReadExt;
pub use util::async_seek_ext::AsyncSeekExt;
pub use util::async_write_ext::AsyncWriteExt;
pub use util::buf_reader::BufReader;
pub use util::buf_stream::BufStream;
pub use util::buf_writer::BufWriter;
pub use util::chain::Chain;
pub use util::copy::copy;
pub use util::copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use util::copy_buf::copy_buf;
pub use util::empty::{empty, Empty};
pub use util::lines::{Lines, Split};
pub use util::mem::{duplex, simplex, DuplexStream, SimplexStream};
pub use util::repeat::{repeat, Repeat};
pub use util::sink::{sink, Sink};
pub use util::take::Take;
