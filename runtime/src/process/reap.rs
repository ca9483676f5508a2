//! Waiting for a child to exit, and reaping the children nobody waits for.
//!
//! **Waiting.** Linux gives a process descriptor for a child (`pidfd_open(2)`, since 5.3) that
//! turns readable when the child exits. A `wait` registers it with the epoll instance of the
//! runtime it runs on (so a child spawned on one runtime can be waited for on another), and after
//! each readiness edge asks `waitpid(WNOHANG)` (through `std::process::Child::try_wait`) for the
//! status, which also reaps the child. Where `pidfd_open` fails (kernels before 5.3, seccomp
//! profiles that refuse it, no descriptor left), the wait falls back to `SIGCHLD` (through
//! `signal::unix`): every delivery is a reason to ask `waitpid` again.
//!
//! **Orphans.** A `Child` dropped before it was reaped would stay a zombie until this process
//! exits. Dropping one therefore hands it to a task on the current runtime that waits for the exit
//! and reaps it; when there is no runtime (or it is shutting down) the child goes to a global list
//! instead, which every later spawn sweeps with `waitpid(WNOHANG)`.

use crate::driver::io::Registration;
use crate::signal::unix::{signal, Signal, SignalKind};
use parking_lot::Mutex;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::task::{ready, Context, Poll};

/// A running (or exited, not yet reaped) child and what lets a task wait for it.
#[derive(Debug)]
pub(crate) struct Reaper {
    child: std::process::Child,
    /// The child's process descriptor; `None` if the kernel has no `pidfd_open`.
    pidfd: Option<OwnedFd>,
}

/// What one `wait` call waits on, made on the runtime it runs on.
enum Waiter {
    Pidfd(Registration),
    Sigchld(Signal),
}

impl Reaper {
    /// Wraps a freshly spawned child.
    pub(crate) fn new(child: std::process::Child) -> Reaper {
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; it touches
        // no memory of ours. The pid is our child, not yet reaped by us; were SIGCHLD ignored
        // process-wide, the kernel could have reaped it already, and the call fails (ESRCH).
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
        // Any failure (ENOSYS on kernels before 5.3, EPERM under some seccomp profiles, EMFILE)
        // leaves the SIGCHLD way of waiting, which needs no descriptor.
        let pidfd = (fd >= 0).then(|| {
            // SAFETY: the kernel just returned this descriptor (close-on-exec by default) and
            // nothing else owns it.
            unsafe { OwnedFd::from_raw_fd(fd as i32) }
        });
        Reaper { child, pidfd }
    }

    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL (harmless if the child already exited and was not reaped yet).
    pub(crate) fn kill(&mut self) -> io::Result<()> {
        self.child.kill()
    }

    /// Reaps the child if it has exited.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for the exit on the current runtime and reaps the child.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    pub(crate) async fn wait(&mut self) -> io::Result<ExitStatus> {
        let mut waiter: Option<Waiter> = None;
        poll_fn(|cx| self.poll_wait(cx, &mut waiter)).await
    }

    fn poll_wait(
        &mut self,
        cx: &mut Context<'_>,
        waiter: &mut Option<Waiter>,
    ) -> Poll<io::Result<ExitStatus>> {
        loop {
            // Made before the check below: an exit between the check and the registration would
            // otherwise go unseen (a pidfd added to epoll after the exit still reports it; a
            // SIGCHLD listener only sees deliveries after its creation).
            if waiter.is_none() {
                *waiter = Some(match &self.pidfd {
                    Some(fd) => Waiter::Pidfd(Registration::new(fd.as_raw_fd())?),
                    None => Waiter::Sigchld(signal(SignalKind::child())?),
                });
            }
            if let Some(status) = self.child.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            match waiter.as_mut().expect("made above") {
                Waiter::Pidfd(reg) => {
                    let ev = ready!(reg.poll_read_ready(cx))?;
                    // The exit is a level condition: keep the edge for the next check only if
                    // `try_wait` still sees the child running (a spurious wake-up).
                    reg.clear_readiness(ev);
                }
                Waiter::Sigchld(sig) => {
                    ready!(sig.poll_recv(cx));
                }
            }
        }
    }
}

/// Children dropped without a runtime to reap them, swept by every spawn.
static ORPHANS: Mutex<Vec<Reaper>> = Mutex::new(Vec::new());

/// Takes care of a child nobody will wait for (see the module docs).
pub(crate) fn orphan(reaper: Reaper) {
    /// Puts the child on the global list if the reaping task ends before the child does.
    struct Keep(Option<Reaper>);
    impl Drop for Keep {
        fn drop(&mut self) {
            if let Some(r) = self.0.take() {
                ORPHANS.lock().push(r);
            }
        }
    }

    let io_enabled = crate::runtime::context::with_current(|h| h.driver().io.is_some());
    if matches!(io_enabled, Ok(true)) {
        let mut keep = Keep(Some(reaper));
        drop(crate::task::spawn(async move {
            if let Some(r) = keep.0.as_mut() {
                if r.wait().await.is_ok() {
                    // Reaped: nothing left to keep.
                    drop(keep.0.take());
                }
            }
        }));
    } else {
        ORPHANS.lock().push(reaper);
    }
}

/// Reaps the orphans that have exited since the last sweep.
pub(crate) fn sweep_orphans() {
    let mut list = ORPHANS.lock();
    list.retain_mut(|r| matches!(r.child.try_wait(), Ok(None)));
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Reaper;

    #[test]
    fn without_a_pidfd_the_wait_falls_back_to_sigchld() {
        let rt = crate::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let child = std::process::Command::new("sh")
                .args(["-c", "sleep 0.05; exit 4"])
                .spawn()
                .unwrap();
            // As on a kernel without pidfd_open.
            let mut reaper = Reaper { child, pidfd: None };
            let status = reaper.wait().await.unwrap();
            assert_eq!(status.code(), Some(4));
        });
    }
}
