//! `Pipe`: the small shared state through which a connection task hands a streamed request body to
//! the [`Request`](super::Request) that reads it.
//!
//! A body that has fully arrived before the handler is called never uses a pipe (the request owns
//! the bytes). For any other body, the connection creates one `Pipe` and shares it (an `Arc`) with
//! the request, which may be moved to another task.
//!
//! The protocol, all under one mutex (each critical section is a few field moves):
//! 1. The reader asks for data: if a chunk is buffered it takes it; else if the body has ended it
//!    gets the end (`None`, or the error); else it sets `want`, stores its waker in `reader` and
//!    wakes the waker in `conn` (the connection task, if it is parked waiting for demand).
//! 2. The connection task, whenever its handler is pending, calls [`Pipe::poll_demand`]: with `want`
//!    set (and nothing buffered, no end) it goes to read from the socket; otherwise it stores its own
//!    waker in `conn` and waits.
//! 3. Having read, the connection [`push`](Pipe::push)es a chunk and/or the end, clears `want`, and
//!    wakes `reader` — unless that waker would wake the connection's own task, which re-polls its
//!    handler right away anyway.
//! 4. When the handler has returned, the connection [`close`](Pipe::close)s the pipe: a reader still
//!    holding the request (in another task) gets [`BodyError::Closed`] from then on.
//!
//! At most one chunk is buffered, and the connection reads only while the reader wants more: a
//! handler that reads slowly slows the client down through TCP flow control, and a handler that
//! never reads costs no memory.
//!
//! The trade-off: a `std::sync::Mutex` rather than a lock-free word. It is taken a few times per
//! chunk (never per request without a streamed body), never held across an await or a wake, and
//! only ever contended by two tasks.

use super::request::BodyError;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The shared state of one streamed body.
pub(crate) struct Pipe {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// A chunk read by the connection and not yet taken by the reader (never empty).
    chunk: Option<Vec<u8>>,
    /// Set when no chunk follows the buffered one: `Ok` at the end of the body, `Err` if it failed.
    end: Option<Result<(), BodyError>>,
    /// The reader is waiting for a chunk (set by the reader, cleared by `push`).
    want: bool,
    /// The reader's waker, woken by `push` and `close`.
    reader: Option<Waker>,
    /// The connection task's waker, woken when `want` becomes set.
    conn: Option<Waker>,
}

impl Pipe {
    /// A pipe with nothing buffered and, if `first` is not empty, that chunk ready to read.
    pub(crate) fn new(first: Vec<u8>) -> Pipe {
        Pipe {
            state: Mutex::new(State {
                chunk: (!first.is_empty()).then_some(first),
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code that can panic runs under the lock; recover from poisoning anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reader side: the next chunk, the end (`None`), an error, or `Pending` with demand signalled.
    pub(crate) fn poll_chunk(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Vec<u8>, BodyError>>> {
        let mut s = self.lock();
        if let Some(chunk) = s.chunk.take() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        match &s.end {
            Some(Ok(())) => return Poll::Ready(None),
            Some(Err(e)) => return Poll::Ready(Some(Err(e.clone()))),
            None => {}
        }
        s.want = true;
        store(&mut s.reader, cx.waker());
        let conn = s.conn.take();
        drop(s);
        if let Some(w) = conn {
            w.wake();
        }
        Poll::Pending
    }

    /// Connection side: `true` if the reader is waiting for data the connection must read now;
    /// otherwise registers the connection's waker for when it does.
    pub(crate) fn poll_demand(&self, cx: &mut Context<'_>) -> bool {
        let mut s = self.lock();
        if s.want && s.chunk.is_none() && s.end.is_none() {
            return true;
        }
        store(&mut s.conn, cx.waker());
        false
    }

    /// Connection side: hands over `chunk` (if not empty) and, with `end`, the end of the body.
    /// Wakes the reader unless its waker is `me` (the connection's task, which re-polls anyway).
    pub(crate) fn push(&self, chunk: Vec<u8>, end: Option<Result<(), BodyError>>, me: &Waker) {
        let mut s = self.lock();
        if !chunk.is_empty() {
            debug_assert!(s.chunk.is_none(), "pushed over an unread chunk");
            s.chunk = Some(chunk);
        }
        if s.end.is_none() {
            s.end = end;
        }
        s.want = false;
        let reader = s.reader.take();
        drop(s);
        if let Some(w) = reader {
            if !w.will_wake(me) {
                w.wake();
            }
        }
    }

    /// Connection side, after the handler returned: no more data will come. A reader that has not
    /// seen the end gets [`BodyError::Closed`] after any chunk still buffered.
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        if s.end.is_none() {
            s.end = Some(Err(BodyError::Closed));
        }
        s.want = false;
        s.conn = None;
        let reader = s.reader.take();
        drop(s);
        if let Some(w) = reader {
            w.wake();
        }
    }
}

/// Stores `waker` in `slot`, keeping the old one if it wakes the same task.
fn store(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Waker, Arc<Count>) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (Waker::from(c.clone()), c)
    }

    #[test]
    fn demand_push_take_end() {
        let pipe = Pipe::new(b"first".to_vec());
        let (rw, rc) = waker();
        let (cw, cc) = waker();
        let mut rcx = Context::from_waker(&rw);
        let mut ccx = Context::from_waker(&cw);
        // The chunk given at creation is read without any demand.
        assert!(!pipe.poll_demand(&mut ccx));
        assert_eq!(
            pipe.poll_chunk(&mut rcx),
            Poll::Ready(Some(Ok(b"first".to_vec())))
        );
        // Nothing buffered: the reader signals demand and the parked connection is woken.
        assert_eq!(pipe.poll_chunk(&mut rcx), Poll::Pending);
        assert_eq!(cc.0.load(Ordering::SeqCst), 1);
        assert!(pipe.poll_demand(&mut ccx));
        pipe.push(b"second".to_vec(), Some(Ok(())), &cw);
        assert_eq!(rc.0.load(Ordering::SeqCst), 1);
        assert!(!pipe.poll_demand(&mut ccx));
        assert_eq!(
            pipe.poll_chunk(&mut rcx),
            Poll::Ready(Some(Ok(b"second".to_vec())))
        );
        assert_eq!(pipe.poll_chunk(&mut rcx), Poll::Ready(None));
        assert_eq!(pipe.poll_chunk(&mut rcx), Poll::Ready(None));
    }

    #[test]
    fn same_task_push_does_not_wake() {
        let pipe = Pipe::new(Vec::new());
        let (w, c) = waker();
        let mut cx = Context::from_waker(&w);
        assert_eq!(pipe.poll_chunk(&mut cx), Poll::Pending);
        assert!(pipe.poll_demand(&mut cx));
        pipe.push(b"x".to_vec(), None, &w);
        assert_eq!(c.0.load(Ordering::SeqCst), 0);
        assert_eq!(
            pipe.poll_chunk(&mut cx),
            Poll::Ready(Some(Ok(b"x".to_vec())))
        );
    }

    #[test]
    fn close_and_error_reach_the_reader() {
        let pipe = Pipe::new(Vec::new());
        let (rw, rc) = waker();
        let mut rcx = Context::from_waker(&rw);
        assert_eq!(pipe.poll_chunk(&mut rcx), Poll::Pending);
        pipe.close();
        assert_eq!(rc.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            pipe.poll_chunk(&mut rcx),
            Poll::Ready(Some(Err(BodyError::Closed)))
        );

        let pipe = Pipe::new(Vec::new());
        let (cw, _) = waker();
        pipe.push(b"last".to_vec(), Some(Err(BodyError::TooLarge)), &cw);
        pipe.close();
        assert_eq!(
            pipe.poll_chunk(&mut rcx),
            Poll::Ready(Some(Ok(b"last".to_vec())))
        );
        assert_eq!(
            pipe.poll_chunk(&mut rcx),
            Poll::Ready(Some(Err(BodyError::TooLarge)))
        );
    }
}
