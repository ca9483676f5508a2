//! The process-wide signal table: the handler, the self-pipe, and the listeners of each signal.
//!
//! A signal handler may only call async-signal-safe functions, so it cannot wake a task itself. What
//! it does instead, for whichever signal arrived:
//! 1. calls the handler that was installed for the signal before eddy's, if there was one (see
//!    below);
//! 2. sets that signal's `pending` flag (an atomic store);
//! 3. writes one byte to a nonblocking pipe (`write(2)` is async-signal-safe; a full pipe already
//!    holds a wake-up, so `EAGAIN` is ignored);
//! 4. restores `errno`, which the interrupted code (or the earlier handler) may have changed.
//!
//! None of these allocates or takes a lock: the table is reached through `OnceLock::get` (one
//! atomic load; the handler is only installed once the table exists), the earlier handler through
//! an atomic pointer to a record that is never freed, and the rest is atomics and `write(2)`. What
//! the earlier handler does is its own business, as it was before eddy came.
//!
//! The pipe's read end is added to the epoll instance of every runtime that created a listener (one
//! file descriptor may sit in any number of epoll sets). When it turns readable, whichever runtime
//! sees the event first calls [`dispatch`]: it drains the pipe, then, for each signal whose
//! `pending` flag it clears, bumps the signal's delivery count and wakes every listener, on any
//! runtime. Draining before clearing the flags means that a signal arriving mid-dispatch is never
//! lost: either its flag is seen now, or its byte lands after the drain and raises a new event.
//!
//! A listener is woken with the count-then-lock protocol: [`Slot::deliver`] bumps the count before
//! it takes the waiter lock, and a listener stores its waker under that lock and reads the count
//! again after releasing it. Either the dispatcher's lock comes second and it finds the waker, or
//! the listener's re-read comes after the dispatcher's unlock, and so after the bump.
//!
//! # Chaining
//!
//! eddy's handler chains to the one it replaced, as Tokio's does through signal-hook-registry
//! (`Slot::new` and `Prev::execute` there). When eddy first installs its handler for a signal, it
//! keeps the action that was installed before; on each delivery it calls that action's handler,
//! before flagging the signal, with the calling convention the action was installed with: `(signum,
//! siginfo, context)`, passing on what the kernel gave eddy's handler, if it had `SA_SIGINFO`, else
//! `(signum)`. An earlier `SIG_DFL` or `SIG_IGN` is not called: those are dispositions, not
//! functions. The earlier action's mask and its other flags (`SA_RESETHAND`, `SA_NODEFER`,
//! `SA_ONSTACK`) are not re-created; the earlier handler runs inside eddy's, which is installed with
//! `SA_SIGINFO | SA_RESTART` and an empty mask, the flags signal-hook-registry uses.
//!
//! The earlier action must be in place before eddy's handler can first run. So [`Slot::install`]
//! reads the current action and publishes it (a `Release` store of a pointer, read with `Acquire`
//! by the handler) before the `sigaction` call that installs eddy's handler, which itself returns
//! the action it replaced; should other code have changed the action between the two calls, that
//! one is published instead. A signal in that short window still reaches the handler read first,
//! which is the race signal-hook-registry documents for concurrent installers too.
//!
//! A handler, once installed for a signal, stays for the life of the process, as Tokio's does: it
//! is never restored to the earlier action, even after every listener is dropped. So a signal whose
//! earlier action was `SIG_DFL` no longer has its default effect (terminating the process, for
//! most), and one that was `SIG_IGN` is caught from then on; an earlier handler keeps being called.

use crate::loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use crate::loom::sync::Mutex;
use crate::util::wake_list::WakeList;
use std::io;
use std::os::fd::RawFd;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

/// Table size: Linux numbers its signals 1 to 64 (`SIGRTMAX`).
const SLOTS: usize = 65;

/// One signal's state.
pub(crate) struct Slot {
    /// Set by the handler, cleared by [`dispatch`].
    pending: AtomicBool,
    /// The outcome of installing the handler: `Err(errno)` if `sigaction` refused.
    installed: OnceLock<Result<(), i32>>,
    /// The handler installed before eddy's, to be called from eddy's: null while there is none (or
    /// the earlier action was `SIG_DFL` or `SIG_IGN`). Points at a leaked [`Previous`] that is never
    /// freed, since the handler may be reading it at any time.
    previous: AtomicPtr<Previous>,
    /// How many times the signal was dispatched; a listener returns when it moves.
    delivered: AtomicU64,
    waiters: Mutex<Waiters>,
}

/// A handler that was installed for a signal before eddy's.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Previous {
    /// Its address (never `SIG_DFL` or `SIG_IGN`).
    handler: libc::sighandler_t,
    /// Whether it was installed with `SA_SIGINFO`, so takes `(signum, siginfo, context)`.
    siginfo: bool,
}

type PlainHandler = extern "C" fn(libc::c_int);
type InfoHandler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

impl Previous {
    /// The handler of `action` to chain to, if it has one that is a function, and not eddy's own
    /// (which would call itself forever).
    fn of(action: &libc::sigaction) -> Option<Previous> {
        let handler = action.sa_sigaction;
        if handler == libc::SIG_DFL || handler == libc::SIG_IGN || handler == on_signal_address() {
            return None;
        }
        Some(Previous {
            handler,
            siginfo: action.sa_flags & libc::SA_SIGINFO != 0,
        })
    }

    /// Calls the handler with the arguments eddy's handler received.
    ///
    /// # Safety
    /// Only from eddy's handler, for the signal this was installed for: `handler` must be the
    /// address of a function with the signature `siginfo` says (which the earlier `sigaction` call
    /// promised the kernel), and `info` and `context` what the kernel passed for this delivery.
    unsafe fn call(
        self,
        signum: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        // The address becomes a pointer before the function pointer, as signal-hook-registry does,
        // so that the conversion is a pointer-to-pointer one.
        let ptr = self.handler as *const ();
        if self.siginfo {
            // SAFETY: per this function's contract, `ptr` is a function taking (int, siginfo_t *,
            // void *), which `InfoHandler` is, with the C ABI.
            let f = unsafe { std::mem::transmute::<*const (), InfoHandler>(ptr) };
            f(signum, info, context);
        } else {
            // SAFETY: per this function's contract, `ptr` is a function taking one int, which
            // `PlainHandler` is, with the C ABI.
            let f = unsafe { std::mem::transmute::<*const (), PlainHandler>(ptr) };
            f(signum);
        }
    }
}

/// The listeners of one signal, each at a fixed index for its lifetime.
#[derive(Default)]
struct Waiters {
    /// `None`: free, or a listener that is not waiting.
    entries: Vec<Option<Waker>>,
    free: Vec<usize>,
}

pub(crate) struct Globals {
    read_fd: RawFd,
    write_fd: RawFd,
    slots: Box<[Slot]>,
}

static GLOBALS: OnceLock<io::Result<Globals>> = OnceLock::new();

/// The table, made on first use (the pipe is created then).
pub(crate) fn globals() -> io::Result<&'static Globals> {
    match GLOBALS.get_or_init(new_globals) {
        Ok(g) => Ok(g),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("could not create the signal pipe: {e}"),
        )),
    }
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            installed: OnceLock::new(),
            previous: AtomicPtr::new(std::ptr::null_mut()),
            delivered: AtomicU64::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }
}

fn new_globals() -> io::Result<Globals> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    let slots = (0..SLOTS).map(|_| Slot::new()).collect();
    // The two descriptors stay open for the life of the process: the handler may run at any time.
    Ok(Globals {
        read_fd: fds[0],
        write_fd: fds[1],
        slots,
    })
}

/// eddy's handler, installed with `SA_SIGINFO` so that it can pass `info` and `context` on to an
/// earlier handler that takes them.
extern "C" fn on_signal(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: `__errno_location` returns this thread's errno slot, valid for the thread's life; it is
    // read here and written back below so that the interrupted code sees its own value.
    let errno = unsafe { *libc::__errno_location() };
    // `OnceLock::get` is one atomic load: no lock, so it is safe in a handler. The handler is only
    // installed after the table exists, so this finds it.
    if let Some(Ok(g)) = GLOBALS.get() {
        if let Some(slot) = g.slots.get(signum as usize) {
            // The earlier handler first, then eddy's flag, in signal-hook-registry's order.
            let previous = slot.previous.load(Ordering::Acquire);
            if !previous.is_null() {
                // A non-null `previous` points at a `Previous` that `Slot::install` wrote in full
                // before its `Release` store of the pointer (this `Acquire` load pairs with it) and
                // that is never freed nor written again. Reading it is a plain copy: no allocation,
                // no lock. It was made by `Previous::of` from the action `sigaction` reported for
                // this very signal, so its address and calling convention are that action's.
                // SAFETY: as argued above the pointer is valid and the record matches `signum`; this
                // is eddy's handler running for `signum` with the kernel's `info` and `context`.
                unsafe { (*previous).call(signum, info, context) };
            }
            slot.pending.store(true, Ordering::SeqCst);
        }
        let byte = 1u8;
        // SAFETY: `write_fd` is the pipe's write end, open for the life of the process; the buffer is
        // one valid byte. `write(2)` is async-signal-safe. A full pipe (EAGAIN) already holds a
        // wake-up, so the result is not needed.
        unsafe { libc::write(g.write_fd, &byte as *const u8 as *const libc::c_void, 1) };
    }
    // SAFETY: as above; restores the value read on entry, which the earlier handler may have
    // changed too.
    unsafe { *libc::__errno_location() = errno };
}

/// The address of [`on_signal`], as `sigaction` takes it.
fn on_signal_address() -> libc::sighandler_t {
    on_signal as InfoHandler as *const () as libc::sighandler_t
}

impl Globals {
    /// The pipe's read end, for the I/O drivers to watch.
    pub(crate) fn read_fd(&self) -> RawFd {
        self.read_fd
    }

    /// The slot of `signum`, or an error if Linux has no such signal number.
    pub(crate) fn slot(&'static self, signum: i32) -> io::Result<&'static Slot> {
        usize::try_from(signum)
            .ok()
            .and_then(|i| self.slots.get(i))
            .ok_or_else(|| io::Error::other(format!("signal {signum} is out of range (1 to 64)")))
    }
}

impl Slot {
    /// Installs the handler for `signum` (once; later calls return the first outcome), keeping the
    /// action it replaces to chain to (module docs, "Chaining").
    pub(crate) fn install(&self, signum: i32) -> io::Result<()> {
        let outcome = self.installed.get_or_init(|| {
            // The action in place now is published before eddy's handler goes in, so that the
            // handler finds it from its first run.
            let before = query_action(signum)?;
            self.set_previous(Previous::of(&before));
            // A zeroed `sigaction` gets a handler with the three-argument signature that SA_SIGINFO
            // announces, and an empty mask. SA_RESTART makes interrupted system calls on other
            // threads resume instead of failing with EINTR. The handler only reaches the table
            // through `GLOBALS`, which exists (this slot is in it), and `previous` was stored above.
            // SAFETY: a zeroed `sigaction` is a valid starting value, the handler is sound to run
            // from now on (see above), and `replaced` is a valid `sigaction` for the kernel to fill.
            let (rc, replaced) = unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal_address();
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                let mut replaced: libc::sigaction = std::mem::zeroed();
                let rc = libc::sigaction(signum, &sa, &mut replaced);
                (rc, replaced)
            };
            if rc == -1 {
                return Err(last_errno());
            }
            // Other code may have installed a handler between the two calls: the action actually
            // replaced is the one to chain to.
            let replaced = Previous::of(&replaced);
            if replaced != Previous::of(&before) {
                self.set_previous(replaced);
            }
            Ok(())
        });
        outcome.map_err(|errno| {
            io::Error::new(
                io::Error::from_raw_os_error(errno).kind(),
                format!(
                    "could not install a handler for signal {signum}: {}",
                    io::Error::from_raw_os_error(errno)
                ),
            )
        })
    }

    /// Publishes the handler eddy's handler chains to. Called at most twice per signal, under
    /// `installed`'s initialisation; the record is leaked, since the handler may hold a pointer to
    /// an earlier one at any time.
    fn set_previous(&self, previous: Option<Previous>) {
        let ptr = previous.map_or(std::ptr::null_mut(), |p| Box::into_raw(Box::new(p)));
        self.previous.store(ptr, Ordering::Release);
    }

    /// The delivery count: a listener created now waits for it to move.
    pub(crate) fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::SeqCst)
    }

    /// Adds a listener; returns its index in the waiter table.
    pub(crate) fn add_listener(&self) -> usize {
        let mut w = self.waiters.lock();
        match w.free.pop() {
            Some(i) => i,
            None => {
                w.entries.push(None);
                w.entries.len() - 1
            }
        }
    }

    /// Removes the listener at `key` (and any waker it left).
    pub(crate) fn remove_listener(&self, key: usize) {
        let mut w = self.waiters.lock();
        let waker = w.entries[key].take();
        w.free.push(key);
        drop(w);
        drop(waker);
    }

    /// Stores `waker` for the listener at `key`, to be woken by the next delivery.
    pub(crate) fn set_waker(&self, key: usize, waker: &Waker) {
        let mut w = self.waiters.lock();
        match &mut w.entries[key] {
            Some(old) if old.will_wake(waker) => {}
            entry => {
                let old = entry.replace(waker.clone());
                drop(w);
                drop(old);
            }
        }
    }

    /// The listener at `key`, which last saw delivery count `seen`: ready (and `seen` brought up
    /// to date) if the count moved; else its waker is stored and the count read once more, after
    /// the lock is released (the count-then-lock protocol of the module docs).
    pub(crate) fn poll_delivery(
        &self,
        key: usize,
        seen: &mut u64,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if self.take_delivery(seen) {
            return Poll::Ready(());
        }
        self.set_waker(key, cx.waker());
        if self.take_delivery(seen) {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn take_delivery(&self, seen: &mut u64) -> bool {
        let now = self.delivered();
        if now == *seen {
            return false;
        }
        *seen = now;
        true
    }

    /// Counts one delivery and wakes every waiting listener.
    pub(crate) fn deliver(&self) {
        // The bump comes before the lock: see the module docs.
        self.delivered.fetch_add(1, Ordering::SeqCst);
        let mut list = WakeList::new();
        let mut next = 0;
        loop {
            let mut w = self.waiters.lock();
            while next < w.entries.len() && list.can_push() {
                if let Some(waker) = w.entries[next].take() {
                    list.push(waker);
                }
                next += 1;
            }
            let done = next >= w.entries.len();
            drop(w);
            list.wake_all();
            if done {
                return;
            }
        }
    }
}

/// The action installed for `signum` now, or the errno of `sigaction`'s refusal.
fn query_action(signum: i32) -> Result<libc::sigaction, i32> {
    // SAFETY: a null new action makes `sigaction` only report the current one into `sa`, a valid
    // `sigaction` (zeroed is a valid value) for the kernel to fill.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signum, std::ptr::null(), &mut sa) == -1 {
            return Err(last_errno());
        }
        Ok(sa)
    }
}

fn last_errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Drains the pipe and delivers every pending signal. Called by an I/O driver that saw the pipe's
/// read end turn readable.
pub(crate) fn dispatch() {
    let Some(Ok(g)) = GLOBALS.get() else {
        return;
    };
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: `read_fd` is the pipe's read end, open for the life of the process; `buf` is a
        // valid writable buffer of the given length.
        let n = unsafe { libc::read(g.read_fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
        if n > 0 {
            continue;
        }
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        // Drained (EAGAIN), or an error no retry would fix: the flags are checked either way.
        break;
    }
    for slot in g.slots.iter() {
        if slot.pending.swap(false, Ordering::SeqCst) {
            slot.deliver();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Slot;
    use crate::util::counting_waker::Count;

    fn slot() -> Slot {
        Slot::new()
    }

    #[test]
    fn listener_slots_are_reused_and_hold_no_waker_after_removal() {
        let s = slot();
        let count = Count::new();
        let a = s.add_listener();
        let b = s.add_listener();
        s.set_waker(a, &count.waker());
        s.remove_listener(a);
        // The freed slot comes back, empty: the removed listener's waker is not woken.
        assert_eq!(s.add_listener(), a);
        s.set_waker(b, &count.waker());
        s.deliver();
        assert_eq!(count.get(), 1);
        assert_eq!(s.delivered(), 1);
        assert_eq!(s.waiters.lock().entries.len(), 2);
    }

    #[test]
    fn a_delivery_takes_each_waker_once() {
        let s = slot();
        let count = Count::new();
        let keys: Vec<_> = (0..40).map(|_| s.add_listener()).collect();
        for &k in &keys {
            s.set_waker(k, &count.waker());
            // Storing the same waker again keeps one copy.
            s.set_waker(k, &count.waker());
        }
        s.deliver();
        assert_eq!(count.get(), 40);
        // Woken listeners must store their waker again to hear the next delivery.
        s.deliver();
        assert_eq!(count.get(), 40);
        assert_eq!(s.delivered(), 2);
    }
}
