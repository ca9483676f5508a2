//! `ScheduledIo`: the readiness of one registered file descriptor and the tasks waiting on it.
//!
//! The readiness word packs, from the low bits up: the [`Ready`] bits (16 bits), the driver tick of the
//! event that last set them (15 bits), and a shutdown flag. The driver ORs new readiness in and stamps
//! its tick; a task that gets `WouldBlock` clears the bits it observed, but only if the tick is still
//! the one it read before its system call. If an event arrived in between, the tick differs and the
//! fresh readiness is kept: no wake-up can be lost between a `WouldBlock` and the next `epoll_wait`.
//!
//! Waiters: one slot for the reader and one for the writer (the `poll_read_ready` / `poll_write_ready`
//! style, one task per direction, as with Tokio's socket types), plus a list for `ready(interest)`
//! futures, of which there may be many. All behind one small mutex; a waiter stores its waker under the
//! lock and re-checks readiness under the same lock, and the driver sets readiness *before* taking the
//! lock to collect wakers, so either the waiter sees the readiness or the driver sees the waiter.

use super::ready::{Interest, Ready};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::util::wake_list::WakeList;
use std::task::{Context, Poll, Waker};

const READY_MASK: usize = 0xffff;
const TICK_SHIFT: usize = 16;
const TICK_MASK: usize = 0x7fff;
const SHUTDOWN: usize = 1 << 31;

/// A snapshot of readiness, with the tick it was observed at.
#[derive(Clone, Copy, Debug)]
pub struct ReadyEvent {
    pub(crate) tick: u16,
    pub(crate) ready: Ready,
}

impl ReadyEvent {
    /// The readiness observed.
    pub fn ready(&self) -> Ready {
        self.ready
    }
}

/// Which waker slot a poll uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    pub(crate) fn interest(self) -> Interest {
        match self {
            Direction::Read => Interest::READABLE,
            Direction::Write => Interest::WRITABLE,
        }
    }
}

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// `ready()` futures: (interest, waker), indexed by the future's slot number.
    list: Vec<Option<(Interest, Option<Waker>)>>,
    free: Vec<usize>,
}

/// Readiness and waiters of one registration.
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    fn event(word: usize, interest: Interest) -> ReadyEvent {
        ReadyEvent {
            tick: ((word >> TICK_SHIFT) & TICK_MASK) as u16,
            ready: Ready::from_usize(word & READY_MASK).intersection(interest),
        }
    }

    /// The current readiness for `interest` (possibly empty), with its tick.
    pub(crate) fn snapshot(&self, interest: Interest) -> ReadyEvent {
        Self::event(self.readiness.load(Acquire), interest)
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.readiness.load(Acquire) & SHUTDOWN != 0
    }

    /// Driver side: adds `ready`, stamped with `tick`, and wakes whoever it satisfies.
    pub(crate) fn set_readiness(&self, tick: u16, ready: Ready) {
        let mut cur = self.readiness.load(Acquire);
        loop {
            let bits = (cur & READY_MASK) | ready.as_usize();
            let next = (cur & SHUTDOWN) | ((tick as usize & TICK_MASK) << TICK_SHIFT) | bits;
            match self
                .readiness
                .compare_exchange_weak(cur, next, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        self.wake(ready);
    }

    /// Records readiness known without an event (a fresh socket pair is writable), at the current tick.
    /// Nobody can be waiting on a new registration, so nobody is woken.
    pub(crate) fn assume_ready(&self, ready: Ready) {
        self.readiness.fetch_or(ready.as_usize(), AcqRel);
    }

    /// Marks the registration dead (driver shutdown) and wakes everyone.
    pub(crate) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.wake(Ready::ALL);
    }

    /// Task side: clears what `event` observed, unless newer readiness arrived since. The closed
    /// states stay: a short read or a caller's `clear_ready` says nothing about them.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.clear(event, event.ready.clearable());
    }

    /// Task side, after the operation `event` allowed failed with `WouldBlock`: clears everything
    /// it observed, closed states included. For a socket that cannot happen with a closed state set
    /// (a read after the peer's FIN returns 0, a write after a reset fails), but a FIFO's read end
    /// that saw its last writer go (`EPOLLHUP`) is open to a new writer, and `EAGAIN` then proves
    /// one is there; a stale closed state would make every wait return at once, a busy loop. When
    /// the state comes back (that writer leaves too), the kernel reports it with a new edge.
    pub(crate) fn clear_readiness_would_block(&self, event: ReadyEvent) {
        self.clear(event, event.ready);
    }

    fn clear(&self, event: ReadyEvent, clear: Ready) {
        let clear = clear.as_usize();
        let mut cur = self.readiness.load(Acquire);
        loop {
            if ((cur >> TICK_SHIFT) & TICK_MASK) as u16 != event.tick {
                return;
            }
            let next = cur & !clear;
            match self
                .readiness
                .compare_exchange_weak(cur, next, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    fn wake(&self, ready: Ready) {
        // The common case, one task per direction and no `ready()` futures: two locals, no batch.
        // The slots wait for `READABLE` and `WRITABLE`: an error reaches them as a closed state
        // (`Ready::from_epoll`), never as `ERROR` alone, which is for `ready(ERROR)` waiters.
        let (reader, writer, has_list) = {
            let mut w = self.waiters.lock();
            let reader = if ready.is_readable() {
                w.reader.take()
            } else {
                None
            };
            let writer = if ready.is_writable() {
                w.writer.take()
            } else {
                None
            };
            // Live `ready()` futures: a freed slot stays in `list` and is listed in `free`.
            (reader, writer, w.list.len() > w.free.len())
        };
        if let Some(wk) = reader {
            wk.wake();
        }
        if let Some(wk) = writer {
            wk.wake();
        }
        if has_list {
            self.wake_list(ready);
        }
    }

    /// Wakes the `ready()` futures interested in `ready`, a batch at a time.
    fn wake_list(&self, ready: Ready) {
        let mut batch = WakeList::new();
        loop {
            let mut more = false;
            {
                let mut w = self.waiters.lock();
                for (interest, waker) in w.list.iter_mut().flatten() {
                    if ready.as_usize() & interest.mask() != 0 {
                        if !batch.can_push() {
                            more = true;
                            break;
                        }
                        if let Some(wk) = waker.take() {
                            batch.push(wk);
                        }
                    }
                }
            }
            batch.wake_all();
            if !more {
                return;
            }
        }
    }

    /// Poll-style wait for `direction`, storing the waker in that direction's slot.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<Result<ReadyEvent, Shutdown>> {
        let interest = direction.interest();
        let word = self.readiness.load(Acquire);
        if word & SHUTDOWN != 0 {
            return Poll::Ready(Err(Shutdown));
        }
        let ev = Self::event(word, interest);
        if !ev.ready.is_empty() {
            return Poll::Ready(Ok(ev));
        }
        let mut w = self.waiters.lock();
        let slot = match direction {
            Direction::Read => &mut w.reader,
            Direction::Write => &mut w.writer,
        };
        match slot {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Re-check under the lock (see the module doc).
        let word = self.readiness.load(Acquire);
        if word & SHUTDOWN != 0 {
            return Poll::Ready(Err(Shutdown));
        }
        let ev = Self::event(word, interest);
        if !ev.ready.is_empty() {
            return Poll::Ready(Ok(ev));
        }
        Poll::Pending
    }

    /// Wait for `interest` from a `ready()` future that owns list slot `*slot` (allocated on first use).
    pub(crate) fn poll_ready_list(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        slot: &mut Option<usize>,
    ) -> Poll<Result<ReadyEvent, Shutdown>> {
        let word = self.readiness.load(Acquire);
        if word & SHUTDOWN != 0 {
            return Poll::Ready(Err(Shutdown));
        }
        let ev = Self::event(word, interest);
        if !ev.ready.is_empty() {
            return Poll::Ready(Ok(ev));
        }
        let mut w = self.waiters.lock();
        let entry = Some((interest, Some(cx.waker().clone())));
        match *slot {
            Some(i) => w.list[i] = entry,
            None => {
                let i = match w.free.pop() {
                    Some(i) => {
                        w.list[i] = entry;
                        i
                    }
                    None => {
                        w.list.push(entry);
                        w.list.len() - 1
                    }
                };
                *slot = Some(i);
            }
        }
        let word = self.readiness.load(Acquire);
        if word & SHUTDOWN != 0 {
            return Poll::Ready(Err(Shutdown));
        }
        let ev = Self::event(word, interest);
        if !ev.ready.is_empty() {
            return Poll::Ready(Ok(ev));
        }
        Poll::Pending
    }

    /// Frees a `ready()` future's list slot.
    pub(crate) fn remove_waiter(&self, slot: usize) {
        let mut w = self.waiters.lock();
        w.list[slot] = None;
        w.free.push(slot);
    }

    /// Drops every stored waker (deregistration): tasks must not be kept alive by a dead registration.
    pub(crate) fn clear_wakers(&self) {
        let mut w = self.waiters.lock();
        let reader = w.reader.take();
        let writer = w.writer.take();
        drop(w);
        drop((reader, writer));
    }
}

/// The driver has shut down.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shutdown;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{Direction, Interest, Ready, ScheduledIo};
    use crate::util::counting_waker::Count;
    use std::sync::Arc;
    use std::task::Context;

    /// Queues a `ready(interest)` waiter that counts its wake-ups; returns its slot and counter.
    fn wait_for(io: &ScheduledIo, interest: Interest) -> (usize, Arc<Count>) {
        let count = Count::new();
        let waker = count.waker();
        let mut slot = None;
        let polled = io.poll_ready_list(&mut Context::from_waker(&waker), interest, &mut slot);
        assert!(polled.is_pending());
        (slot.unwrap(), count)
    }

    /// Queues a `ready(READABLE)` waiter that counts its wake-ups; returns its slot and counter.
    fn wait_readable(io: &ScheduledIo) -> (usize, Arc<Count>) {
        wait_for(io, Interest::READABLE)
    }

    /// Parks a counting waker in `direction`'s slot.
    fn wait_slot(io: &ScheduledIo, direction: Direction) -> Arc<Count> {
        let count = Count::new();
        let waker = count.waker();
        let polled = io.poll_ready(&mut Context::from_waker(&waker), direction);
        assert!(polled.is_pending());
        count
    }

    #[test]
    fn a_bare_error_wakes_only_error_waiters() {
        let io = ScheduledIo::new();
        let reader = wait_slot(&io, Direction::Read);
        let writer = wait_slot(&io, Direction::Write);
        let (_r, readable) = wait_for(&io, Interest::READABLE);
        let (_w, writable) = wait_for(&io, Interest::WRITABLE | Interest::PRIORITY);
        let (_e, error) = wait_for(&io, Interest::ERROR);
        let (_re, read_or_error) = wait_for(&io, Interest::READABLE | Interest::ERROR);
        io.set_readiness(1, Ready::ERROR);
        assert_eq!((reader.get(), writer.get()), (0, 0));
        assert_eq!((readable.get(), writable.get()), (0, 0));
        assert_eq!((error.get(), read_or_error.get()), (1, 1));
        assert!(io.snapshot(Interest::READABLE).ready.is_empty());
        assert_eq!(io.snapshot(Interest::ERROR).ready, Ready::ERROR);
    }

    #[test]
    fn an_error_that_closes_writing_wakes_the_writer_without_the_error() {
        let io = ScheduledIo::new();
        let reader = wait_slot(&io, Direction::Read);
        let writer = wait_slot(&io, Direction::Write);
        // What a full pipe's write end gets when its last reader goes (a bare `EPOLLERR`).
        io.set_readiness(1, Ready::WRITE_CLOSED | Ready::ERROR);
        assert_eq!((reader.get(), writer.get()), (0, 1));
        let waker = Count::new().waker();
        let polled = io.poll_ready(&mut Context::from_waker(&waker), Direction::Write);
        match polled {
            std::task::Poll::Ready(Ok(ev)) => assert_eq!(ev.ready, Ready::WRITE_CLOSED),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ready_waiters_are_woken_around_freed_slots() {
        let io = ScheduledIo::new();
        let (gone, gone_count) = wait_readable(&io);
        let (_stays, stays_count) = wait_readable(&io);
        // The first future is dropped: its slot is freed while the second still waits.
        io.remove_waiter(gone);
        io.set_readiness(1, Ready::READABLE);
        assert_eq!(stays_count.get(), 1);
        assert_eq!(gone_count.get(), 0);
        // A freed slot is reused by the next waiter, which is woken in turn.
        io.clear_readiness(io.snapshot(Interest::READABLE));
        let (reused, reused_count) = wait_readable(&io);
        assert_eq!(reused, gone);
        io.set_readiness(2, Ready::READABLE);
        assert_eq!(reused_count.get(), 1);
    }
}
