//! The task allocation and the code that drives it: header, stage, vtable, and the harness functions
//! (poll, cancel, complete, read output, free).
//!
//! A spawned task is one heap block, a `Cell<F, S>`:
//!
//! ```text
//! Cell<F, S> (repr(C))
//! ├── Header        state word, queue link, owner-list links, vtable, id, join waker  (type-erased)
//! ├── scheduler: S  how to queue the task again when it is woken (an Arc of the runtime's handle)
//! └── stage         Running(F) | Finished(Result<F::Output, JoinError>) | Consumed
//! ```
//!
//! Everything outside this file holds a [`RawTask`], a pointer to the header, and reaches the typed parts
//! through the header's [`Vtable`], whose functions are instantiated per `(F, S)`.
//!
//! Who may touch what:
//! - the stage's future: only the thread holding the `RUNNING` bit (see `state.rs`);
//! - the stage's output: the thread holding `RUNNING` while storing it; after `COMPLETE`, the
//!   `JoinHandle` if `JOIN_INTEREST` was set at completion, otherwise nobody (the completer dropped it);
//! - the links: the queue or list lock that owns them;
//! - the block itself: freed by whoever drops the last reference.

use super::error::JoinError;
use super::id::{Id, IdGuard};
use super::state::{State, ToIdle, ToNotified, ToRunning};
use crate::loom::cell::UnsafeCell;
use crate::util::atomic_waker::AtomicWaker;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// What a scheduler does for the tasks it owns.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queue a task that was woken by someone else.
    fn schedule(&self, task: Notified);

    /// Queue a task that was woken while it was being polled (it yielded): it goes behind the others.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    /// Take a completed task out of the owner list. Returns true if it was there: the list's reference
    /// is then the caller's to drop.
    fn release(&self, task: RawTask) -> bool;
}

/// Links of the owner list (see `list.rs`), guarded by that list's shard lock.
#[derive(Default)]
pub(crate) struct Links {
    pub(crate) prev: Option<RawTask>,
    pub(crate) next: Option<RawTask>,
    pub(crate) in_list: bool,
}

/// The type-erased front of every task.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    /// Next task in an intrusive queue (the inject queue); guarded by that queue's lock.
    pub(crate) queue_next: UnsafeCell<Option<RawTask>>,
    /// Owner-list links; guarded by the owner list's shard lock.
    pub(crate) owned: UnsafeCell<Links>,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: Id,
    /// The waker of whoever awaits the `JoinHandle`.
    pub(crate) join_waker: AtomicWaker,
}

/// Functions instantiated per future and scheduler type.
pub(crate) struct Vtable {
    /// Runs the task once; consumes one reference (the `Notified` that was popped).
    poll: unsafe fn(RawTask),
    /// Hands one reference to the scheduler as a `Notified`.
    schedule: unsafe fn(RawTask),
    /// Frees the block.
    dealloc: unsafe fn(RawTask),
    /// If complete, moves the output into `dst` (a `*mut Poll<Result<T, JoinError>>`); else registers
    /// the waker.
    try_read_output: unsafe fn(RawTask, *mut (), &Waker),
    /// Drops the stored output (the `JoinHandle` went away after completion).
    drop_output: unsafe fn(RawTask),
    /// Cancels the task for runtime shutdown; consumes one reference.
    shutdown: unsafe fn(RawTask),
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
}

/// A pointer to a task's header. Copying it does not count a reference; the wrappers that own one
/// (`Notified`, `JoinHandle`, wakers, list entries) do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawTask(NonNull<Header>);

// SAFETY: a RawTask is a pointer to a header whose shared parts are atomics or guarded by the protocol
// described above; the typed parts are touched only by the thread the protocol designates, so moving the
// pointer between threads is sound. (`!Send` futures are confined by `LocalSet`, which polls them on its
// own thread only.)
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    /// Allocates a task holding `future`, with three references (owner list, `JoinHandle`, `Notified`).
    pub(crate) fn new<F, S>(future: F, scheduler: S, id: Id) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                queue_next: UnsafeCell::new(None),
                owned: UnsafeCell::new(Links::default()),
                vtable: vtable::<F, S>(),
                id,
                join_waker: AtomicWaker::new(),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
        });
        // Header is the first field of a repr(C) struct, so the cell's address is the header's.
        RawTask(NonNull::from(Box::leak(cell)).cast())
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every RawTask in circulation is backed by a reference that keeps the block alive.
        unsafe { self.0.as_ref() }
    }

    pub(crate) fn id(&self) -> Id {
        self.header().id
    }

    pub(crate) fn ref_inc(self) {
        self.header().state.ref_inc();
    }

    /// Drops one reference, freeing the task if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference; nobody can reach the block any more.
            unsafe { (self.header().vtable.dealloc)(self) }
        }
    }

    /// Runs one poll, consuming one reference.
    ///
    /// # Safety
    /// The caller gives up one reference it owns (a popped `Notified`).
    pub(crate) unsafe fn poll(self) {
        (self.header().vtable.poll)(self)
    }

    /// Hands one owned reference to the scheduler.
    ///
    /// # Safety
    /// The caller owns one reference and the `NOTIFIED` bit was set on its behalf.
    pub(crate) unsafe fn schedule(self) {
        (self.header().vtable.schedule)(self)
    }

    /// Cancels the task for shutdown, consuming one reference.
    ///
    /// # Safety
    /// The caller owns one reference (normally the owner list's, just unlinked).
    pub(crate) unsafe fn shutdown(self) {
        (self.header().vtable.shutdown)(self)
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<T, JoinError>>` where `T` is the task's output type, and the
    /// caller must be the task's `JoinHandle`.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        (self.header().vtable.try_read_output)(self, dst, waker)
    }

    /// # Safety
    /// Only the `JoinHandle`, after `unset_join_interest` reported the task complete.
    pub(crate) unsafe fn drop_output(self) {
        (self.header().vtable.drop_output)(self)
    }
}

/// A reference held by a run queue: the task is scheduled and will be polled once.
#[derive(Debug)]
pub(crate) struct Notified(RawTask);

impl Notified {
    /// # Safety
    /// The caller hands over one reference for which `NOTIFIED` is set.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }

    pub(crate) fn into_raw(self) -> RawTask {
        ManuallyDrop::new(self).0
    }

    /// The task this reference points to (for the loom models' bookkeeping).
    #[cfg(all(test, loom))]
    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }

    /// Polls the task (or cancels it), consuming this reference.
    pub(crate) fn run(self) {
        let raw = self.into_raw();
        // SAFETY: we own the reference we hand over.
        unsafe { raw.poll() }
    }

    /// Cancels the task for runtime shutdown (used for tasks with no owner list, i.e. blocking tasks).
    pub(crate) fn shutdown(self) {
        let raw = self.into_raw();
        // SAFETY: we own the reference we hand over.
        unsafe { raw.shutdown() }
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.0.drop_reference();
    }
}

fn vtable<F: Future + 'static, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_output: drop_output::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// # Safety
/// `raw` must come from `RawTask::new::<F, S>`.
unsafe fn cell<'a, F: Future, S>(raw: RawTask) -> &'a Cell<F, S> {
    raw.0.cast::<Cell<F, S>>().as_ref()
}

unsafe fn schedule<F: Future, S: Schedule>(raw: RawTask) {
    cell::<F, S>(raw).scheduler.schedule(Notified(raw));
}

unsafe fn dealloc<F: Future, S: Schedule>(raw: RawTask) {
    // SAFETY (caller): the last reference is gone. The block was made by Box in `RawTask::new`.
    drop(Box::from_raw(raw.0.cast::<Cell<F, S>>().as_ptr()));
}

/// Replaces the stage. The caller must have the right to touch the stage (see the module doc).
unsafe fn set_stage<F: Future, S>(cell: &Cell<F, S>, stage: Stage<F>) {
    let _id = IdGuard::enter(cell.header.id);
    cell.stage.with_mut(|p| *p = stage);
}

unsafe fn poll<F: Future, S: Schedule>(raw: RawTask) {
    let cell = cell::<F, S>(raw);
    let header = &cell.header;
    match header.state.transition_to_running() {
        ToRunning::Poll => {}
        ToRunning::Cancel => return cancel_and_complete::<F, S>(raw),
        ToRunning::Skip => return raw.drop_reference(),
    }

    // The waker lent to the future borrows our reference; it is not counted and never dropped.
    let waker = ManuallyDrop::new(Waker::from_raw(RawWaker::new(
        raw.0.as_ptr() as *const (),
        &WAKER_VTABLE,
    )));
    let mut cx = Context::from_waker(&waker);
    let res = {
        let _id = IdGuard::enter(header.id);
        catch_unwind(AssertUnwindSafe(|| {
            // If the poll panics, the future is dropped while the panic unwinds (as Tokio does), so
            // its destructor sees `std::thread::panicking()`.
            struct DropOnUnwind<'a, F: Future, S>(&'a Cell<F, S>);
            impl<F: Future, S> Drop for DropOnUnwind<'_, F, S> {
                fn drop(&mut self) {
                    // SAFETY: we hold RUNNING, which gives us the stage.
                    unsafe { set_stage(self.0, Stage::Consumed) };
                }
            }
            let guard = DropOnUnwind(cell);
            let res = cell.stage.with_mut(|p| match &mut *p {
                // SAFETY: the future lives inside the heap block, which never moves until it is freed,
                // and it is dropped in place: the pin contract holds.
                Stage::Running(f) => Pin::new_unchecked(f).poll(&mut cx),
                _ => unreachable!("task polled with no future"),
            });
            std::mem::forget(guard);
            res
        }))
    };

    match res {
        Ok(Poll::Pending) => match header.state.transition_to_idle() {
            ToIdle::Idle => raw.drop_reference(),
            ToIdle::Notified => cell.scheduler.yield_now(Notified(raw)),
            ToIdle::Cancel => cancel_and_complete::<F, S>(raw),
        },
        Ok(Poll::Ready(out)) => {
            // Drop the future first (its destructor may panic), then store the output.
            let out = match catch_unwind(AssertUnwindSafe(|| set_stage(cell, Stage::Consumed))) {
                Ok(()) => Ok(out),
                Err(p) => Err(JoinError::panic(header.id, p)),
            };
            set_stage(cell, Stage::Finished(out));
            complete::<F, S>(raw);
        }
        Err(payload) => {
            // The future was dropped during the unwind (`DropOnUnwind`).
            set_stage(
                cell,
                Stage::Finished(Err(JoinError::panic(header.id, payload))),
            );
            complete::<F, S>(raw);
        }
    }
}

/// Drops the future, stores the cancellation (or the panic its destructor raised), completes.
/// The caller holds `RUNNING` and gives up one reference.
unsafe fn cancel_and_complete<F: Future, S: Schedule>(raw: RawTask) {
    let cell = cell::<F, S>(raw);
    let id = cell.header.id;
    let err = match catch_unwind(AssertUnwindSafe(|| set_stage(cell, Stage::Consumed))) {
        Ok(()) => JoinError::cancelled(id),
        Err(p) => JoinError::panic(id, p),
    };
    set_stage(cell, Stage::Finished(Err(err)));
    complete::<F, S>(raw);
}

/// The future is gone and the output stored: publish `COMPLETE`, hand the output to the `JoinHandle` or
/// drop it, leave the owner list, and drop the caller's reference.
unsafe fn complete<F: Future, S: Schedule>(raw: RawTask) {
    let cell = cell::<F, S>(raw);
    let prev = cell.header.state.transition_to_complete();
    if prev.is_join_interested() {
        cell.header.join_waker.wake();
    } else {
        // Nobody will read the output; a panic in its destructor has nowhere to go.
        let _ = catch_unwind(AssertUnwindSafe(|| set_stage(cell, Stage::Consumed)));
    }
    let refs = if cell.scheduler.release(raw) { 2 } else { 1 };
    if cell.header.state.ref_dec_by(refs) {
        dealloc::<F, S>(raw);
    }
}

unsafe fn shutdown<F: Future, S: Schedule>(raw: RawTask) {
    if cell::<F, S>(raw).header.state.transition_to_shutdown() {
        cancel_and_complete::<F, S>(raw);
    } else {
        raw.drop_reference();
    }
}

unsafe fn try_read_output<F: Future, S: Schedule>(raw: RawTask, dst: *mut (), waker: &Waker) {
    let cell = cell::<F, S>(raw);
    let header = &cell.header;
    if !header.state.load().is_complete() {
        header.join_waker.register_by_ref(waker);
        if !header.state.load().is_complete() {
            return;
        }
    }
    // COMPLETE with JOIN_INTEREST (we are the JoinHandle): the output is ours.
    let stage = cell
        .stage
        .with_mut(|p| std::mem::replace(&mut *p, Stage::Consumed));
    let dst = dst as *mut Poll<Result<F::Output, JoinError>>;
    match stage {
        Stage::Finished(out) => *dst = Poll::Ready(out),
        _ => panic!("JoinHandle polled after completion"),
    }
}

unsafe fn drop_output<F: Future, S: Schedule>(raw: RawTask) {
    let cell = cell::<F, S>(raw);
    let _ = catch_unwind(AssertUnwindSafe(|| set_stage(cell, Stage::Consumed)));
}

// ---- the Waker vtable, shared by every task -------------------------------------------------------

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

fn raw_from(ptr: *const ()) -> RawTask {
    // SAFETY: wakers are only made from non-null header pointers (`RawTask::waker`, `poll`).
    RawTask(unsafe { NonNull::new_unchecked(ptr as *mut Header) })
}

unsafe fn waker_clone(ptr: *const ()) -> RawWaker {
    raw_from(ptr).ref_inc();
    RawWaker::new(ptr, &WAKER_VTABLE)
}

unsafe fn waker_wake(ptr: *const ()) {
    let raw = raw_from(ptr);
    match raw.header().state.transition_to_notified_by_val() {
        ToNotified::Submit => raw.schedule(),
        ToNotified::Dealloc => (raw.header().vtable.dealloc)(raw),
        ToNotified::Nothing => {}
    }
}

unsafe fn waker_wake_by_ref(ptr: *const ()) {
    let raw = raw_from(ptr);
    match raw.header().state.transition_to_notified_by_ref() {
        ToNotified::Submit => raw.schedule(),
        ToNotified::Dealloc | ToNotified::Nothing => {}
    }
}

unsafe fn waker_drop(ptr: *const ()) {
    raw_from(ptr).drop_reference();
}
