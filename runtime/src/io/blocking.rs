//! `Blocking`: runs a blocking `std::io::Read`/`Write` on the blocking pool, one operation at a time.
//!
//! The protocol. The adapter is either *idle*, holding the inner object and a buffer, or *busy*:
//! both have moved into a blocking task, whose `JoinHandle` the adapter holds until the task hands
//! them back with the operation's result.
//!
//! - A read, when idle, first serves bytes left in the buffer by an earlier read. With none left it
//!   starts a blocking `read` of up to the caller's free space (capped at [`MAX_BUF`]) and waits for
//!   it; the bytes land in the buffer and are copied out. A read future dropped while the blocking
//!   read runs loses nothing: the next `poll_read` finds the operation and collects its bytes.
//! - A write, when idle, copies the caller's bytes (up to [`MAX_BUF`]) into the buffer, starts a
//!   blocking `write_all` and reports them written at once. The bytes now belong to the blocking
//!   task, so dropping the future, or the adapter itself, cannot lose them. A write that fails is
//!   reported by the next `poll_write` or `poll_flush`.
//! - A flush waits for the operation in flight, then runs a blocking `flush` if anything was
//!   written since the last one.
//!
//! The tasks are *mandatory* for the blocking pool: one queued when runtime shutdown begins still
//! runs, so bytes reported written reach the file descriptor. Once the pool has shut down, a read,
//! write or flush fails with the runtime-shutdown error before it takes anything, as Tokio's do.
//! The handle and the caller's bytes stay untouched.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::blocking::Mandatory;
use crate::io::ReadBuf;
use crate::task::{JoinError, JoinHandle};

/// The most bytes one blocking operation moves (2 MiB); larger writes are reported as partial.
pub(crate) const MAX_BUF: usize = 2 * 1024 * 1024;

/// An inner object with its buffer, and the result of the last blocking operation on them.
type Finished<T> = (T, Buf, io::Result<()>);

/// A blocking reader or writer driven from async code (see the module doc).
#[derive(Debug)]
pub(crate) struct Blocking<T> {
    state: State<T>,
    /// Bytes were written since the last flush.
    need_flush: bool,
}

#[derive(Debug)]
enum State<T> {
    /// The inner object and the buffer are here; the buffer may hold bytes of an earlier read.
    Idle(T, Buf),
    /// A blocking operation owns them; `reading` tells whether it is a read.
    Busy {
        task: JoinHandle<Finished<T>>,
        reading: bool,
    },
    /// The blocking task panicked or was cancelled, and took the inner object with it.
    Lost,
}

impl<T> Blocking<T> {
    /// Wraps `inner`, which must be usable from another thread.
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(inner, Buf::default()),
            need_flush: false,
        }
    }
}

impl<T: Send + 'static> Blocking<T> {
    /// Starts `op` on the inner object and buffer; the adapter must be idle.
    fn start(
        &mut self,
        reading: bool,
        op: impl FnOnce(&mut T, &mut Buf) -> io::Result<()> + Send + 'static,
    ) {
        let State::Idle(mut inner, mut buf) = std::mem::replace(&mut self.state, State::Lost)
        else {
            unreachable!("a blocking operation started while another is in flight");
        };
        let task = spawn_mandatory(move || {
            let res = op(&mut inner, &mut buf);
            (inner, buf, res)
        });
        self.state = State::Busy { task, reading };
    }

    /// Waits for the operation in flight, if any; returns whether it was a read, and its result.
    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<Option<(bool, io::Result<()>)>> {
        let State::Busy { task, reading } = &mut self.state else {
            return Poll::Ready(None);
        };
        let reading = *reading;
        match ready!(Pin::new(task).poll(cx)) {
            Ok((inner, buf, res)) => {
                self.state = State::Idle(inner, buf);
                Poll::Ready(Some((reading, res)))
            }
            Err(e) => {
                self.state = State::Lost;
                Poll::Ready(Some((reading, Err(lost(Some(e))))))
            }
        }
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Lost => return Poll::Ready(Err(lost(None))),
                State::Idle(_, buf) if !buf.is_empty() => {
                    buf.copy_to(dst);
                    return Poll::Ready(Ok(()));
                }
                State::Idle(..) => {
                    if dst.remaining() == 0 {
                        return Poll::Ready(Ok(()));
                    }
                    refuse_after_shutdown()?;
                    let want = dst.remaining().min(MAX_BUF);
                    self.start(true, move |inner, buf| buf.read_from(inner, want));
                }
                State::Busy { .. } => {
                    let Some((reading, res)) = ready!(self.poll_finish(cx)) else {
                        continue;
                    };
                    res?;
                    if reading {
                        // Whatever the read gave (nothing at end of file) is this call's answer.
                        if let State::Idle(_, buf) = &mut self.state {
                            buf.copy_to(dst);
                        }
                        return Poll::Ready(Ok(()));
                    }
                }
            }
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match &mut self.state {
                State::Lost => return Poll::Ready(Err(lost(None))),
                State::Idle(_, buf) => {
                    refuse_after_shutdown()?;
                    // Unread bytes of an earlier read (only for an inner object that both reads
                    // and writes) are dropped: the buffer now carries the write.
                    let n = buf.fill_from(src);
                    self.start(false, |inner, buf| buf.write_to(inner));
                    self.need_flush = true;
                    return Poll::Ready(Ok(n));
                }
                State::Busy { .. } => {
                    if let Some((_, res)) = ready!(self.poll_finish(cx)) {
                        res?;
                    }
                }
            }
        }
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Lost => return Poll::Ready(Err(lost(None))),
                State::Idle(..) if !self.need_flush => return Poll::Ready(Ok(())),
                State::Idle(..) => {
                    refuse_after_shutdown()?;
                    self.need_flush = false;
                    self.start(false, |inner, _| inner.flush());
                }
                State::Busy { .. } => {
                    if let Some((_, res)) = ready!(self.poll_finish(cx)) {
                        res?;
                    }
                }
            }
        }
    }
}

/// Fails with the runtime-shutdown error ([`is_rt_shutdown_err`](crate::runtime::is_rt_shutdown_err))
/// if the current runtime's blocking pool has shut down: an operation started now would be
/// cancelled, and a write would report bytes written that never reach the file descriptor.
/// Checked before an operation takes the inner object or the caller's bytes, so both stay usable.
pub(crate) fn refuse_after_shutdown() -> io::Result<()> {
    let handle = crate::runtime::Handle::current();
    if handle.inner.blocking_spawner().is_shutdown() {
        return Err(crate::runtime::shutdown_error());
    }
    Ok(())
}

/// The error of an adapter whose blocking task did not hand its object back.
fn lost(cause: Option<JoinError>) -> io::Error {
    match cause {
        // Shutdown began between `refuse_after_shutdown` and the spawn.
        Some(e) if e.is_cancelled() => crate::runtime::shutdown_error(),
        Some(_) => io::Error::other("blocking I/O panicked"),
        None => io::Error::other("the stream was lost by an earlier blocking I/O failure"),
    }
}

/// Runs `f` on the current runtime's blocking pool as a mandatory task (see the module doc).
///
/// A shortcut taken: unlike `spawn_blocking`, this does not stop a paused clock from auto-advancing
/// while `f` runs; a test that pauses time should not wait on the standard streams.
///
/// # Panics
/// Outside a runtime, or if the pool cannot start a thread.
#[track_caller]
pub(crate) fn spawn_mandatory<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let handle = crate::runtime::Handle::current();
    let rt = &handle.inner;
    let (task, res) = rt
        .blocking_spawner()
        .spawn_blocking(rt, f, Mandatory::Mandatory);
    if let Err(e) = res {
        panic!("OS can't spawn a blocking-pool thread: {e}");
    }
    task
}

/// The buffer that travels with the inner object; unread bytes are `bytes[pos..]`.
#[derive(Debug, Default)]
pub(crate) struct Buf {
    bytes: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// Moves as many unread bytes as fit into `dst`.
    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = (self.bytes.len() - self.pos).min(dst.remaining());
        dst.put_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
    }

    /// Replaces the contents with a prefix of `src` of at most [`MAX_BUF`] bytes; returns its length.
    fn fill_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(MAX_BUF);
        self.clear();
        self.bytes.extend_from_slice(&src[..n]);
        n
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.pos = 0;
    }

    /// One blocking `read` of at most `want` bytes into the (empty) buffer.
    fn read_from<R: Read>(&mut self, reader: &mut R, want: usize) -> io::Result<()> {
        debug_assert!(self.is_empty());
        // Zeroing costs a pass over the bytes; a cheap price next to a system call on a thread hop.
        self.bytes.resize(want, 0);
        let res = loop {
            match reader.read(&mut self.bytes) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match res {
            Ok(n) => {
                self.bytes.truncate(n);
                Ok(())
            }
            Err(e) => {
                self.clear();
                Err(e)
            }
        }
    }

    /// Writes the whole buffer with a blocking `write_all`, then empties it.
    fn write_to<W: Write>(&mut self, writer: &mut W) -> io::Result<()> {
        let res = writer.write_all(&self.bytes[self.pos..]);
        self.clear();
        res
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// A slow writer that records what reached it.
    struct Slow(Arc<Mutex<Vec<u8>>>);

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            std::thread::sleep(Duration::from_millis(50));
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_reported_done_survives_dropping_the_adapter() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rt = crate::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut w = Blocking::new(Slow(seen.clone()));
            let n = std::future::poll_fn(|cx| w.poll_write(cx, b"hello"))
                .await
                .unwrap();
            assert_eq!(n, 5);
            drop(w);
        });
        // Runtime shutdown waits for the running blocking write.
        drop(rt);
        assert_eq!(&*seen.lock().unwrap(), b"hello");
    }

    #[test]
    fn writes_keep_their_order_and_flush_waits() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rt = crate::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut w = Blocking::new(Slow(seen.clone()));
            for chunk in [&b"ab"[..], b"cd", b"ef"] {
                std::future::poll_fn(|cx| w.poll_write(cx, chunk))
                    .await
                    .unwrap();
            }
            std::future::poll_fn(|cx| w.poll_flush(cx)).await.unwrap();
            assert_eq!(&*seen.lock().unwrap(), b"abcdef");
        });
    }

    /// A slow reader over some bytes.
    struct SlowRead(io::Cursor<Vec<u8>>);

    impl Read for SlowRead {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            std::thread::sleep(Duration::from_millis(50));
            self.0.read(buf)
        }
    }

    fn slow_reader(bytes: &[u8]) -> Blocking<SlowRead> {
        Blocking::new(SlowRead(io::Cursor::new(bytes.to_vec())))
    }

    async fn read_into(r: &mut Blocking<SlowRead>, cap: usize) -> Vec<u8> {
        let mut space = vec![0u8; cap];
        let mut dst = ReadBuf::new(&mut space);
        std::future::poll_fn(|cx| r.poll_read(cx, &mut dst))
            .await
            .unwrap();
        dst.filled().to_vec()
    }

    #[test]
    fn reads_ask_for_the_callers_space_then_see_end_of_file() {
        let rt = crate::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut r = slow_reader(b"abcdef");
            assert_eq!(read_into(&mut r, 4).await, b"abcd");
            assert_eq!(read_into(&mut r, 16).await, b"ef");
            assert_eq!(read_into(&mut r, 16).await, b"");
        });
    }

    #[test]
    fn read_dropped_in_flight_keeps_its_bytes() {
        let rt = crate::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut r = slow_reader(b"abcdef");
            {
                let first = read_into(&mut r, 6);
                futures::pin_mut!(first);
                // The blocking read starts on the first poll; the future is dropped before it ends.
                assert!(futures::poll!(first.as_mut()).is_pending());
            }
            assert_eq!(read_into(&mut r, 2).await, b"ab");
            assert_eq!(read_into(&mut r, 16).await, b"cdef");
        });
    }
}
