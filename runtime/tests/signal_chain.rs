//! Chaining to the handler that was installed before eddy's, as Tokio does through
//! signal-hook-registry: a plain handler and an `SA_SIGINFO` handler installed earlier are called on
//! each delivery (the latter with the kernel's `siginfo_t` and context), once per delivery however
//! many listeners there are, without leaking the `errno` they set; an earlier `SIG_IGN` or `SIG_DFL`
//! is not called and does not stop delivery to eddy's listeners; eddy's own handler is installed
//! with `SA_SIGINFO | SA_RESTART`.
//!
//! A test binary of its own: handlers are process-wide, and these tests install handlers of their
//! own before eddy's, which the tests of `signal_unix.rs` must not see. The tests of this file run
//! on parallel threads of one process, so each uses a signal of its own.

use eddy_runtime::runtime::{Builder, Runtime};
use eddy_runtime::signal::unix::{signal, SignalKind};
use eddy_runtime::time::{timeout, Duration};
use std::io;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Instant;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// A bound on a wait that should end: a test that hangs fails with a message instead.
const COMING: Duration = Duration::from_secs(10);

fn rt_signal(n: libc::c_int) -> libc::c_int {
    libc::SIGRTMIN() + n
}

/// Raises `signum` on the calling thread: its handler (eddy's, and the one it chains to) has run
/// by the time this returns.
fn raise(signum: libc::c_int) {
    // SAFETY: raise(3) sends a signal whose handler the caller installed to this thread.
    let rc = unsafe { libc::raise(signum) };
    assert_eq!(rc, 0, "raise failed: {}", io::Error::last_os_error());
}

/// Installs `handler` (an address, or `SIG_IGN`/`SIG_DFL`) for `signum` with `flags`, as a C library
/// or the program would before eddy is used.
fn install_previous(signum: libc::c_int, handler: libc::sighandler_t, flags: libc::c_int) {
    // SAFETY: a zeroed `sigaction` is a valid value (empty mask); the caller passes a handler whose
    // signature matches `flags` (one argument without SA_SIGINFO, three with it), or SIG_IGN or
    // SIG_DFL. The handlers of this file are async-signal-safe: they only touch atomics.
    let rc = unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler;
        sa.sa_flags = flags;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(signum, &sa, std::ptr::null_mut())
    };
    assert_eq!(rc, 0, "sigaction failed: {}", io::Error::last_os_error());
}

/// The action installed for `signum` now.
fn current_action(signum: libc::c_int) -> libc::sigaction {
    // SAFETY: a null new action only queries; `sa` is a valid `sigaction` for the kernel to fill.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        let rc = libc::sigaction(signum, std::ptr::null(), &mut sa);
        assert_eq!(rc, 0, "sigaction failed: {}", io::Error::last_os_error());
        sa
    }
}

/// Waits (bounded) for `cond`: for a signal sent to the process, which any thread may take.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < COMING, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

static PLAIN_CALLS: AtomicUsize = AtomicUsize::new(0);
static PLAIN_SIGNUM: AtomicI32 = AtomicI32::new(0);

extern "C" fn plain_handler(signum: libc::c_int) {
    PLAIN_SIGNUM.store(signum, Ordering::SeqCst);
    PLAIN_CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_plain_handler_installed_before_is_called_on_each_delivery() {
    let signum = libc::SIGUSR2;
    install_previous(
        signum,
        plain_handler as extern "C" fn(libc::c_int) as libc::sighandler_t,
        0,
    );
    current_thread().block_on(async {
        let mut a = signal(SignalKind::from_raw(signum)).unwrap();
        // A second listener (and a second call to `signal`) must not chain a second time.
        let mut b = signal(SignalKind::from_raw(signum)).unwrap();
        for round in 1..=3 {
            raise(signum);
            let got = timeout(COMING, async { (a.recv().await, b.recv().await) }).await;
            assert_eq!(got.ok(), Some((Some(()), Some(()))), "round {round}");
            assert_eq!(PLAIN_CALLS.load(Ordering::SeqCst), round, "round {round}");
            assert_eq!(PLAIN_SIGNUM.load(Ordering::SeqCst), signum);
        }
    });
}

static INFO_CALLS: AtomicUsize = AtomicUsize::new(0);
static INFO_SIGNO: AtomicI32 = AtomicI32::new(0);
static INFO_CODE: AtomicI32 = AtomicI32::new(0);
static INFO_PID: AtomicI32 = AtomicI32::new(0);
static INFO_VALUE: AtomicUsize = AtomicUsize::new(0);
static INFO_CONTEXT: AtomicUsize = AtomicUsize::new(0);

extern "C" fn info_handler(_: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    if info.is_null() {
        return;
    }
    // SAFETY: the kernel passes an SA_SIGINFO handler a valid `siginfo_t`; for a signal sent with
    // sigqueue(3) its pid and value fields are the ones set.
    let (signo, code, pid, value) = unsafe {
        let info = &*info;
        (
            info.si_signo,
            info.si_code,
            info.si_pid(),
            info.si_value().sival_ptr as usize,
        )
    };
    INFO_SIGNO.store(signo, Ordering::SeqCst);
    INFO_CODE.store(code, Ordering::SeqCst);
    INFO_PID.store(pid, Ordering::SeqCst);
    INFO_VALUE.store(value, Ordering::SeqCst);
    INFO_CONTEXT.store(ctx as usize, Ordering::SeqCst);
    INFO_CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn an_sa_siginfo_handler_installed_before_gets_the_siginfo_and_context() {
    let signum = rt_signal(1);
    install_previous(
        signum,
        info_handler as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
            as libc::sighandler_t,
        libc::SA_SIGINFO,
    );
    const VALUE: usize = 0x5eed;
    current_thread().block_on(async {
        let mut sig = signal(SignalKind::from_raw(signum)).unwrap();
        let value = libc::sigval {
            sival_ptr: VALUE as *mut libc::c_void,
        };
        // SAFETY: sigqueue(3) to our own pid, with a signal whose handler is installed.
        let rc = unsafe { libc::sigqueue(libc::getpid(), signum, value) };
        assert_eq!(rc, 0, "sigqueue failed: {}", io::Error::last_os_error());
        timeout(COMING, sig.recv()).await.unwrap();
    });
    // The signal went to the process, so the handler may have run on another thread.
    eventually("the previous handler", || {
        INFO_CALLS.load(Ordering::SeqCst) == 1
    });
    assert_eq!(INFO_SIGNO.load(Ordering::SeqCst), signum);
    assert_eq!(INFO_CODE.load(Ordering::SeqCst), libc::SI_QUEUE);
    // SAFETY: getpid(2) has no preconditions.
    assert_eq!(INFO_PID.load(Ordering::SeqCst), unsafe { libc::getpid() });
    assert_eq!(INFO_VALUE.load(Ordering::SeqCst), VALUE);
    assert_ne!(INFO_CONTEXT.load(Ordering::SeqCst), 0, "no ucontext passed");
}

#[test]
fn an_ignored_signal_is_delivered_to_eddy_and_sig_ign_is_not_called() {
    // SIG_IGN is the address 1: calling it would crash the process.
    let signum = rt_signal(2);
    install_previous(signum, libc::SIG_IGN, 0);
    current_thread().block_on(async {
        let mut sig = signal(SignalKind::from_raw(signum)).unwrap();
        for round in 0..2 {
            raise(signum);
            assert_eq!(
                timeout(COMING, sig.recv()).await.ok(),
                Some(Some(())),
                "round {round}"
            );
        }
    });
}

#[test]
fn a_default_action_is_not_called_and_no_longer_ends_the_process() {
    // A real-time signal's default action ends the process; SIG_DFL is the address 0.
    let signum = rt_signal(3);
    install_previous(signum, libc::SIG_DFL, 0);
    current_thread().block_on(async {
        let mut sig = signal(SignalKind::from_raw(signum)).unwrap();
        raise(signum);
        timeout(COMING, sig.recv()).await.unwrap();
    });
}

static ERRNO_CALLS: AtomicUsize = AtomicUsize::new(0);
const MAGIC_ERRNO: libc::c_int = 12345;

extern "C" fn errno_handler(_: libc::c_int) {
    // SAFETY: `__errno_location` returns this thread's errno slot.
    unsafe { *libc::__errno_location() = MAGIC_ERRNO };
    ERRNO_CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn errno_set_by_the_previous_handler_does_not_leak_into_the_interrupted_code() {
    let signum = rt_signal(4);
    install_previous(
        signum,
        errno_handler as extern "C" fn(libc::c_int) as libc::sighandler_t,
        0,
    );
    current_thread().block_on(async {
        let mut sig = signal(SignalKind::from_raw(signum)).unwrap();
        // SAFETY: as in `errno_handler`.
        unsafe { *libc::__errno_location() = 0 };
        raise(signum);
        // SAFETY: as above.
        let errno = unsafe { *libc::__errno_location() };
        assert_eq!(ERRNO_CALLS.load(Ordering::SeqCst), 1);
        assert_ne!(errno, MAGIC_ERRNO);
        timeout(COMING, sig.recv()).await.unwrap();
    });
}

#[test]
fn eddys_handler_takes_siginfo_and_restarts_interrupted_calls() {
    // signal-hook-registry installs its handler with SA_RESTART | SA_SIGINFO, and so does eddy.
    let signum = rt_signal(5);
    current_thread().block_on(async {
        let _sig = signal(SignalKind::from_raw(signum)).unwrap();
    });
    let sa = current_action(signum);
    assert_ne!(sa.sa_sigaction, libc::SIG_DFL);
    assert_ne!(sa.sa_sigaction, libc::SIG_IGN);
    assert_eq!(
        sa.sa_flags & (libc::SA_SIGINFO | libc::SA_RESTART),
        libc::SA_SIGINFO | libc::SA_RESTART
    );
}
