//! Unix signals as async listeners: [`signal`] and [`SignalKind`], as `tokio::signal::unix`.
//!
//! A [`Signal`] counts deliveries of one signal number: it remembers the count it last saw and is
//! ready whenever the process-wide count has moved past it. Several deliveries between two polls
//! complete one `recv` (the kernel itself merges a standard signal that is already pending), and
//! every listener of a signal sees each delivery, whichever runtime it waits on: the runtime a
//! listener is created on, and any runtime it is later awaited on, adds the signal pipe to its
//! epoll set. How a delivery travels from the handler to the listeners is in `registry.rs`.

use super::registry::{self, Slot};
use crate::coop;
use crate::runtime::context;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A signal number to listen for. Constructors name the common ones; [`SignalKind::from_raw`] takes
/// any.
///
/// ```
/// use eddy::signal::unix::SignalKind;
/// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal number, such as a real-time signal (`libc::SIGRTMIN() + n`).
    pub const fn from_raw(signum: std::os::raw::c_int) -> Self {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> std::os::raw::c_int {
        self.0
    }

    /// `SIGALRM`: a timer set with `alarm(2)` or `setitimer(2)` expired.
    pub const fn alarm() -> Self {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process stopped or ended.
    pub const fn child() -> Self {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the terminal closed; daemons commonly take it as "reload the configuration".
    pub const fn hangup() -> Self {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT`: Ctrl-C in the terminal.
    pub const fn interrupt() -> Self {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`: I/O is possible on a descriptor set up for signal-driven I/O.
    pub const fn io() -> Self {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`: a write to a pipe or socket whose reader is gone (Rust programs ignore it by
    /// default, so writes fail with `EPIPE` instead).
    pub const fn pipe() -> Self {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: Ctrl-\ in the terminal.
    pub const fn quit() -> Self {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: the polite request to end, sent by `kill PID` and by service managers.
    pub const fn terminate() -> Self {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`: for the application's own use.
    pub const fn user_defined1() -> Self {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`: for the application's own use.
    pub const fn user_defined2() -> Self {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal changed size.
    pub const fn window_change() -> Self {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<std::os::raw::c_int> for SignalKind {
    fn from(signum: std::os::raw::c_int) -> Self {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for std::os::raw::c_int {
    fn from(kind: SignalKind) -> Self {
        kind.as_raw_value()
    }
}

/// Signals whose handler could not do its job: `SIGKILL` and `SIGSTOP` cannot be caught, and
/// returning from a handler of a synchronous fault (`SIGILL`, `SIGFPE`, `SIGSEGV`) re-runs the
/// faulting instruction forever.
const FORBIDDEN: [libc::c_int; 5] = [
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGKILL,
    libc::SIGSEGV,
    libc::SIGSTOP,
];

/// A listener for one signal, made by [`signal`]. Each [`recv`](Signal::recv) completes once the
/// signal was dispatched after the listener was created or after the previous `recv` completed
/// (so a signal raised just before `signal` returned, and not yet dispatched by a runtime, counts
/// too).
///
/// Also a [`futures_core::Stream`] of `()` (Tokio needs `tokio-stream`'s `SignalStream` for this);
/// the stream never ends.
pub struct Signal {
    slot: &'static Slot,
    key: usize,
    seen: u64,
    /// The runtime whose epoll set is known to watch the signal pipe: the one `signal` ran on, or
    /// the last one this listener waited on.
    watched_by: Option<crate::runtime::Id>,
}

/// Listens for `kind` from now on.
///
/// The first listener of a signal installs the process's handler for it, which stays installed after
/// every listener is gone: from then on the signal no longer has its default effect (for `SIGINT`,
/// `SIGTERM` and `SIGHUP`, ending the process), and a signal that was ignored (`SIG_IGN`) is caught.
/// A handler installed earlier by other code, such as a C library, keeps working: eddy's handler
/// calls it first on each delivery, with the `siginfo_t` and context if it was installed with
/// `SA_SIGINFO`, as Tokio's handler does through signal-hook-registry.
///
/// ```no_run
/// use eddy::signal::unix::{signal, SignalKind};
///
/// # async fn run() -> std::io::Result<()> {
/// let mut hangups = signal(SignalKind::hangup())?;
/// loop {
///     hangups.recv().await;
///     println!("reloading the configuration");
/// }
/// # }
/// ```
///
/// # Errors
/// If `kind` is not a signal number (≤ 0 or above 64), is one that cannot be listened for (`SIGKILL`,
/// `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`) or that the C library reserves for itself (32 and 33
/// with glibc), or if the pipe behind the handler could not be created.
///
/// # Panics
/// Outside a runtime, or in one built without `enable_io` (the runtime's I/O driver is what sees a
/// delivery).
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let io = match context::with_current(|h| h.driver().io.clone()) {
        Ok(Some(io)) => io,
        Ok(None) => panic!(
            "An eddy context was found, but IO is disabled. Call `enable_io` on the runtime \
             builder to enable IO (signals are delivered through it)."
        ),
        Err(e) => panic!("{}", e),
    };
    let signum = kind.0;
    if signum <= 0 || FORBIDDEN.contains(&signum) {
        return Err(io::Error::other(format!(
            "refusing to listen for signal {signum}: it cannot be caught, or catching it is unsound"
        )));
    }
    let globals = registry::globals()?;
    let slot = globals.slot(signum)?;
    slot.install(signum)?;
    io.watch_signals(globals.read_fd())?;
    Ok(Signal {
        slot,
        key: slot.add_listener(),
        seen: slot.delivered(),
        watched_by: context::with_current(|h| h.config().id).ok(),
    })
}

impl Signal {
    /// Waits for the next delivery. Always `Some(())`: the `Option` is there for Tokio's signature,
    /// which keeps it for compatibility.
    ///
    /// Cancel safe: a delivery that arrives while the future is dropped is kept for the next call.
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; on `Pending`, `cx`'s waker is woken by it. Always `Some(())` when
    /// ready, as [`recv`](Signal::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let coop = ready!(coop::poll_proceed(cx));
        if self
            .slot
            .poll_delivery(self.key, &mut self.seen, cx)
            .is_ready()
        {
            coop.made_progress();
            return Poll::Ready(Some(()));
        }
        self.watch_on_current_runtime();
        Poll::Pending
    }

    /// Makes sure the runtime this listener waits on dispatches signals: a listener made on one
    /// runtime may be awaited on another, whose epoll set has not seen the pipe yet (the first
    /// runtime may even be gone). Outside any runtime there is nothing to add it to; some other
    /// runtime that watches the pipe must then dispatch.
    fn watch_on_current_runtime(&mut self) {
        let Ok((id, io)) = context::with_current(|h| (h.config().id, h.driver().io.clone())) else {
            return;
        };
        if self.watched_by == Some(id) {
            return;
        }
        let Some(io) = io else { return };
        if let Ok(globals) = registry::globals() {
            if io.watch_signals(globals.read_fd()).is_ok() {
                self.watched_by = Some(id);
            }
        }
    }
}

impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.slot.remove_listener(self.key);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").finish_non_exhaustive()
    }
}
