//! What this thread knows about runtimes: which one is current, whether it is driving one, and the
//! running scheduler's per-thread state.
//!
//! Three pieces of thread-local state, each with a guard that restores the previous value:
//!
//! - the **current handle** (`Handle::enter`, `block_on`, worker and blocking threads): where
//!   `eddy::spawn` sends tasks;
//! - the **entered** flag, set while the thread drives a runtime (`block_on`, a worker): blocking calls
//!   (`block_on` again, `blocking_recv`, dropping a runtime) panic instead of deadlocking;
//! - the **scheduler context**, a pointer to the worker's state while it polls tasks, so that a wake from
//!   inside a task can push to the local queue instead of the shared one.

use crate::scheduler;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;

struct Ctx {
    handle: RefCell<Option<scheduler::Handle>>,
    /// Incremented by every `SetCurrentGuard`, to detect guards dropped out of order.
    depth: Cell<usize>,
    entered: Cell<EnterRuntime>,
    scheduler: Cell<*const scheduler::Context>,
}

thread_local! {
    /// Wakers of tasks that yielded (`yield_now`), woken once the scheduler has polled its drivers.
    static DEFERRED: RefCell<Vec<std::task::Waker>> = const { RefCell::new(Vec::new()) };
    static CONTEXT: Ctx = const {
        Ctx {
            handle: RefCell::new(None),
            depth: Cell::new(0),
            entered: Cell::new(EnterRuntime::NotEntered),
            scheduler: Cell::new(std::ptr::null()),
        }
    };
}

/// Whether the thread is driving a runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnterRuntime {
    NotEntered,
    /// Driving a runtime; `allow_block_in_place` is true on multi-thread workers.
    Entered {
        allow_block_in_place: bool,
    },
}

/// Returned by `Handle::try_current` outside a runtime.
pub struct TryCurrentError {
    thread_local_destroyed: bool,
}

impl TryCurrentError {
    /// True if there is no runtime context on this thread.
    pub fn is_missing_context(&self) -> bool {
        !self.thread_local_destroyed
    }

    /// True if the thread-local holding the context was already destroyed (thread exit).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.thread_local_destroyed
    }
}

const NO_RUNTIME: &str =
    "there is no reactor running, must be called from the context of an eddy runtime";

impl fmt::Debug for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.thread_local_destroyed {
            f.write_str("the eddy context thread-local variable has been destroyed")
        } else {
            f.write_str(NO_RUNTIME)
        }
    }
}

impl std::error::Error for TryCurrentError {}

/// Calls `f` with the current handle.
pub(crate) fn with_current<R>(
    f: impl FnOnce(&scheduler::Handle) -> R,
) -> Result<R, TryCurrentError> {
    match CONTEXT.try_with(|c| c.handle.borrow().as_ref().map(f)) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(TryCurrentError {
            thread_local_destroyed: false,
        }),
        Err(_) => Err(TryCurrentError {
            thread_local_destroyed: true,
        }),
    }
}

/// The current handle, or Tokio's panic.
#[track_caller]
pub(crate) fn current() -> scheduler::Handle {
    match with_current(Clone::clone) {
        Ok(h) => h,
        Err(e) => panic!("{}", e),
    }
}

/// Makes `handle` current until the guard drops.
pub(crate) struct SetCurrentGuard {
    prev: Option<scheduler::Handle>,
    depth: usize,
}

pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    // During thread exit (a runtime kept in a thread-local being dropped) the context may be gone
    // already; then there is nothing to set, and the guard restores nothing.
    CONTEXT
        .try_with(|c| {
            let prev = c.handle.borrow_mut().replace(handle.clone());
            let depth = c.depth.get() + 1;
            c.depth.set(depth);
            SetCurrentGuard { prev, depth }
        })
        .unwrap_or(SetCurrentGuard {
            prev: None,
            depth: usize::MAX,
        })
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        if self.depth == usize::MAX {
            return;
        }
        let _ = CONTEXT.try_with(|c| {
            if c.depth.get() != self.depth {
                if !std::thread::panicking() {
                    panic!("`EnterGuard` values dropped out of order. Guards returned by `eddy::runtime::Handle::enter()` must be dropped in the reverse order as they were acquired.");
                }
                return;
            }
            *c.handle.borrow_mut() = self.prev.take();
            c.depth.set(self.depth - 1);
        });
    }
}

/// Marks the thread as driving a runtime and makes its handle current.
pub(crate) struct EnterRuntimeGuard {
    _current: SetCurrentGuard,
    prev: EnterRuntime,
}

/// Enters `handle`'s runtime on this thread, panicking with Tokio's message if the thread already
/// drives one.
#[track_caller]
pub(crate) fn enter_runtime(
    handle: &scheduler::Handle,
    allow_block_in_place: bool,
) -> EnterRuntimeGuard {
    let prev = CONTEXT.with(|c| c.entered.get());
    if prev != EnterRuntime::NotEntered {
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function (like \
             `block_on`) attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks. If you are in an async function, use `.await` on the future \
             instead of blocking on it."
        );
    }
    CONTEXT.with(|c| {
        c.entered.set(EnterRuntime::Entered {
            allow_block_in_place,
        })
    });
    EnterRuntimeGuard {
        _current: set_current(handle),
        prev,
    }
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.entered.set(self.prev));
    }
}

pub(crate) fn entered() -> EnterRuntime {
    CONTEXT
        .try_with(|c| c.entered.get())
        .unwrap_or(EnterRuntime::NotEntered)
}

/// Temporarily leaves the "driving a runtime" state (used by `block_in_place`, whose closure may block).
pub(crate) struct ExitRuntimeGuard(EnterRuntime);

pub(crate) fn exit_runtime() -> ExitRuntimeGuard {
    let prev = CONTEXT.with(|c| c.entered.replace(EnterRuntime::NotEntered));
    ExitRuntimeGuard(prev)
}

impl Drop for ExitRuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.entered.set(self.0));
    }
}

/// Blocks the thread on `f`, panicking instead if the thread drives a runtime (where blocking would stall
/// every task on it). Used by the `blocking_*` methods of the sync primitives.
#[track_caller]
#[allow(dead_code)] // Used by the `blocking_*` methods of `eddy::sync`.
pub(crate) fn blocking_block_on<F: Future>(f: F) -> F::Output {
    if entered() != EnterRuntime::NotEntered {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a function \
             attempted to block the current thread while the thread is being used to drive \
             asynchronous tasks."
        );
    }
    crate::runtime::park::block_on(f)
}

/// Defers waking `waker` until this thread's scheduler has turned its drivers once, so that a task that
/// yields runs after the others *and* after pending I/O and timers were processed. Outside a scheduler
/// thread it wakes at once.
pub(crate) fn defer(waker: &std::task::Waker) {
    let deferred = with_scheduler(|cx| cx.is_some_and(|cx| cx.has_core()))
        && DEFERRED
            .try_with(|d| {
                let mut d = d.borrow_mut();
                if !d.last().is_some_and(|w| w.will_wake(waker)) {
                    d.push(waker.clone());
                }
            })
            .is_ok();
    if !deferred {
        waker.wake_by_ref();
    }
}

/// True if tasks yielded and wait to be woken.
pub(crate) fn has_deferred() -> bool {
    DEFERRED
        .try_with(|d| !d.borrow().is_empty())
        .unwrap_or(false)
}

/// Wakes every deferred task (the scheduler calls this after turning its drivers).
pub(crate) fn wake_deferred() {
    loop {
        let batch = DEFERRED
            .try_with(|d| std::mem::take(&mut *d.borrow_mut()))
            .unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        for w in batch {
            w.wake();
        }
    }
}

/// Runs `f` with `cx` installed as this thread's scheduler context.
pub(crate) fn set_scheduler<R>(cx: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    struct Reset(*const scheduler::Context);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|c| c.scheduler.set(self.0));
        }
    }
    let Ok(prev) = CONTEXT.try_with(|c| c.scheduler.replace(cx as *const _)) else {
        // Thread exit: no context to install; run without one (wakes take the remote path).
        return f();
    };
    let _reset = Reset(prev);
    f()
}

/// Runs `f` with no scheduler context installed (restoring the current one afterwards).
pub(crate) fn without_scheduler<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(*const scheduler::Context);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|c| c.scheduler.set(self.0));
        }
    }
    let Ok(prev) = CONTEXT.try_with(|c| c.scheduler.replace(std::ptr::null())) else {
        return f();
    };
    let _reset = Reset(prev);
    f()
}

/// Calls `f` with this thread's scheduler context, if one is installed.
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    let ptr = CONTEXT
        .try_with(|c| c.scheduler.get())
        .unwrap_or(std::ptr::null());
    // SAFETY: the pointer was installed by `set_scheduler`, whose caller keeps the context alive for the
    // duration of the closure it runs; `Reset` removes it before that borrow ends. Only shared references
    // are handed out.
    f(unsafe { ptr.as_ref() })
}
