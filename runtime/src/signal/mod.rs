//! `ctrl_c()`: wait for SIGINT or SIGTERM, woken through the reactor.
//!
//! The mechanism is the classic self-pipe:
//! 1. On the first call (once per process) a nonblocking, close-on-exec pipe is made and `sigaction`
//!    installs a handler for SIGINT and SIGTERM. The handler only calls `write(2)` of one byte to the
//!    pipe — async-signal-safe — and restores `errno`.
//! 2. A driver task, spawned on the runtime of the first caller, owns the read end, registered with
//!    the reactor. When the pipe turns readable it drains it, bumps a version counter and wakes every
//!    waiter (`Notify::notify_waiters`). Should that runtime go away, the next caller spawns a new
//!    driver.
//! 3. Each `ctrl_c()` future notes the version when created and returns once it has changed, so every
//!    listener is woken once per signal (signals arriving together may be coalesced).
//!
//! Once installed, the handler replaces the default action: SIGINT no longer kills the process.

use crate::driver::io::Registration;
use crate::sync::Notify;
use std::future::poll_fn;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::OnceLock;

/// The pipe's write end, read by the signal handler.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

struct Globals {
    read_fd: i32,
    version: AtomicU64,
    notify: Notify,
    driver_running: AtomicBool,
}

static GLOBALS: OnceLock<io::Result<Globals>> = OnceLock::new();

extern "C" fn on_signal(_sig: libc::c_int) {
    // SAFETY: errno_location returns this thread's errno slot; write(2) is async-signal-safe and is
    // given a valid one-byte buffer. A full pipe (EAGAIN) is fine: a wake-up is already pending.
    unsafe {
        let errno = *libc::__errno_location();
        let fd = WRITE_FD.load(Ordering::Relaxed);
        if fd >= 0 {
            let b = 1u8;
            libc::write(fd, &b as *const u8 as *const libc::c_void, 1);
        }
        *libc::__errno_location() = errno;
    }
}

fn install() -> io::Result<Globals> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    WRITE_FD.store(fds[1], Ordering::Relaxed);
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is a valid starting value; we set a handler with the plain
        // `fn(c_int)` signature (no SA_SIGINFO) and an empty mask before passing it to sigaction.
        let rc = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as *const () as usize;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        if rc == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(Globals {
        read_fd: fds[0],
        version: AtomicU64::new(0),
        notify: Notify::new(),
        driver_running: AtomicBool::new(false),
    })
}

fn globals() -> io::Result<&'static Globals> {
    match GLOBALS.get_or_init(install) {
        Ok(g) => Ok(g),
        Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
    }
}

/// Clears `driver_running` when the driver task ends (or its runtime drops it).
struct DriverGuard(&'static Globals);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        self.0.driver_running.store(false, Ordering::Release);
    }
}

/// Spawns the task that turns pipe bytes into wake-ups, unless one is running.
fn ensure_driver(g: &'static Globals) -> io::Result<()> {
    if g.driver_running.swap(true, Ordering::AcqRel) {
        return Ok(());
    }
    let guard = DriverGuard(g);
    let reg = Registration::new(g.read_fd)?;
    crate::task::spawn(async move {
        let _guard = guard;
        let mut buf = [0u8; 64];
        loop {
            let res = poll_fn(|cx| {
                reg.poll_read_io(cx, || {
                    // SAFETY: read_fd is the pipe's read end, open for the process's lifetime;
                    // `buf` is a valid writable buffer of the given length.
                    let n = unsafe {
                        libc::read(g.read_fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len())
                    };
                    if n < 0 {
                        Err(io::Error::last_os_error())
                    } else {
                        Ok(n as usize)
                    }
                })
            })
            .await;
            match res {
                Ok(n) if n > 0 => {
                    g.version.fetch_add(1, Ordering::AcqRel);
                    g.notify.notify_waiters();
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    });
    Ok(())
}

/// Completes when the process receives SIGINT (Ctrl-C) or SIGTERM after this call. Mirrors
/// `tokio::signal::ctrl_c`, and also covers SIGTERM so that `kill PID` shuts a server down gracefully.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// eddy::signal::ctrl_c().await?;
/// println!("shutting down");
/// # Ok(()) }
/// ```
///
/// # Errors
/// If the pipe or the handlers could not be set up.
///
/// # Panics
/// Outside a runtime with I/O enabled.
pub async fn ctrl_c() -> io::Result<()> {
    let g = globals()?;
    // Subscribe before reading the version, so a signal in between is not missed.
    let notified = g.notify.notified();
    let seen = g.version.load(Ordering::Acquire);
    ensure_driver(g)?;
    let mut notified = std::pin::pin!(notified);
    loop {
        notified.as_mut().await;
        // Re-subscribe before checking, for the same reason as above.
        notified.set(g.notify.notified());
        if g.version.load(Ordering::Acquire) != seen {
            return Ok(());
        }
    }
}
