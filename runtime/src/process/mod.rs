//! Child processes: [`Command`] and [`Child`], as `tokio::process` (Linux).
//!
//! A `Command` wraps `std::process::Command`, which does the fork and exec; what this module adds
//! is async around it:
//! - the pipes the parent keeps (`Stdio::piped()`) become [`ChildStdin`], [`ChildStdout`] and
//!   [`ChildStderr`], nonblocking and registered with the reactor (`pipe.rs`);
//! - [`Child::wait`] sleeps until the child exits, through a process descriptor in the reactor
//!   (`reap.rs`), so no thread blocks in `waitpid`;
//! - a `Child` dropped before it was reaped is reaped in the background, and killed first if the
//!   command had [`kill_on_drop`](Command::kill_on_drop) set.
//!
//! ```
//! # eddy::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use eddy::process::Command;
//!
//! let out = Command::new("echo").arg("hello").output().await?;
//! assert!(out.status.success());
//! assert_eq!(out.stdout, b"hello\n");
//! # Ok::<(), std::io::Error>(()) }).unwrap();
//! ```

mod pipe;
mod reap;

pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

use crate::io::{AsyncRead, AsyncReadExt};
use reap::Reaper;
use std::ffi::OsStr;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

/// A process to spawn, built like `std::process::Command`. Mirrors `tokio::process::Command`.
///
/// By default the child inherits this process's standard input, output and error; `output()`
/// captures the last two.
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command that runs `program` (looked up in `PATH` if it has no slash).
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// The wrapped `std::process::Command`.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The wrapped `std::process::Command`, mutably (for options this type does not mirror).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Unwraps the `std::process::Command` (the `kill_on_drop` setting is lost).
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Adds one argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input: `Stdio::piped()` gives [`Child::stdin`].
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's standard output: `Stdio::piped()` gives [`Child::stdout`].
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's standard error: `Stdio::piped()` gives [`Child::stderr`].
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] (or the future of `status`/`output`) before the child was
    /// reaped sends it SIGKILL. Default `false`: the child runs on, and is reaped in the background
    /// when it exits.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The `kill_on_drop` setting.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The child's user id (`setuid` before exec).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::uid(&mut self.std, id);
        self
    }

    /// The child's group id (`setgid` before exec).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::gid(&mut self.std, id);
        self
    }

    /// The child's `argv[0]`, instead of the program name.
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        std::os::unix::process::CommandExt::arg0(&mut self.std, arg);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child).
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// Runs `f` in the child between fork and exec.
    ///
    /// # Safety
    /// As `std::os::unix::process::CommandExt::pre_exec`: `f` runs in a forked copy of a
    /// multi-threaded process and may only call async-signal-safe functions.
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract, which this forwards unchanged.
        unsafe { std::os::unix::process::CommandExt::pre_exec(&mut self.std, f) };
        self
    }

    /// Starts the child. Its pipes are registered with the current runtime.
    ///
    /// # Errors
    /// As `std::process::Command::spawn` (program not found, not executable, …), or if the pipes
    /// could not be registered with the reactor (the child is then killed and reaped).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        require_io();
        reap::sweep_orphans();
        let mut std_child = self.std.spawn()?;
        let stdin = std_child.stdin.take();
        let stdout = std_child.stdout.take();
        let stderr = std_child.stderr.take();
        // From here the child is ours to reap, whatever fails next: the reaper's drop sees to it.
        let mut child = Child {
            inner: Some(Inner::Running {
                reaper: Reaper::new(std_child),
                kill_on_drop: self.kill_on_drop,
            }),
            stdin: None,
            stdout: None,
            stderr: None,
        };
        let pipes = (|| {
            Ok::<_, io::Error>((
                stdin.map(ChildStdin::from_std).transpose()?,
                stdout.map(ChildStdout::from_std).transpose()?,
                stderr.map(ChildStderr::from_std).transpose()?,
            ))
        })();
        match pipes {
            Ok((stdin, stdout, stderr)) => {
                child.stdin = stdin;
                child.stdout = stdout;
                child.stderr = stderr;
                Ok(child)
            }
            Err(e) => {
                let _ = child.start_kill();
                Err(e)
            }
        }
    }

    /// Runs the child to its end with its pipes closed, and gives its exit status. The child is
    /// spawned by this call (so an error such as a missing program is already decided when the
    /// future is made); the future waits.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // A child blocked writing to (or reading from) a pipe nobody serves would never exit.
            drop(child.stdin.take());
            drop(child.stdout.take());
            drop(child.stderr.take());
            child.wait().await
        }
    }

    /// Runs the child to its end, capturing its standard output and error (its standard input
    /// stays as configured, inherited by default). Spawns at once, as [`status`](Self::status).
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled.
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

#[track_caller]
fn require_io() {
    match crate::runtime::context::with_current(|h| h.driver().io.is_some()) {
        Ok(true) => {}
        Ok(false) => panic!(
            "An eddy context was found, but IO is disabled. Call `enable_io` on the runtime \
             builder to enable IO (child processes are waited for through it)."
        ),
        Err(e) => panic!("{}", e),
    }
}

#[derive(Debug)]
enum Inner {
    Running { reaper: Reaper, kill_on_drop: bool },
    Done(ExitStatus),
}

/// A spawned child process. Mirrors `tokio::process::Child`.
///
/// Dropping it does not wait for the child: a child still running is reaped in the background
/// once it exits (or killed first, with [`Command::kill_on_drop`]).
#[derive(Debug)]
pub struct Child {
    /// `None` only while being dropped.
    inner: Option<Inner>,
    /// The write end of the child's stdin, if it was `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// The read end of the child's stdout, if it was `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// The read end of the child's stderr, if it was `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
}

impl Child {
    fn inner(&mut self) -> &mut Inner {
        self.inner.as_mut().expect("Child used while being dropped")
    }

    /// The child's process id; `None` once it has been reaped (its id may then belong to another
    /// process).
    pub fn id(&self) -> Option<u32> {
        match self.inner.as_ref()? {
            Inner::Running { reaper, .. } => Some(reaper.id()),
            Inner::Done(_) => None,
        }
    }

    /// Sends SIGKILL without waiting. `Ok` also when the child has already exited.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match self.inner() {
            Inner::Running {
                reaper,
                kill_on_drop,
            } => {
                reaper.kill()?;
                // Killed already: nothing left for the drop to do but reap.
                *kill_on_drop = false;
                Ok(())
            }
            Inner::Done(_) => Ok(()),
        }
    }

    /// Sends SIGKILL and waits for the child to exit.
    ///
    /// Cancel safe as [`wait`](Self::wait) is: the signal is sent at the first poll.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit and reaps it; later calls return the same status. Closes the
    /// child's stdin first, so that a child reading it to the end is not kept waiting.
    ///
    /// Cancel safe: dropping the future leaves the child as it was.
    ///
    /// # Panics
    /// Outside a runtime with I/O enabled (any runtime: not necessarily the one that spawned it).
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        let status = match self.inner() {
            Inner::Done(status) => return Ok(*status),
            Inner::Running { reaper, .. } => reaper.wait().await?,
        };
        *self.inner() = Inner::Done(status);
        Ok(status)
    }

    /// Reaps the child if it has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = match self.inner() {
            Inner::Done(status) => return Ok(Some(*status)),
            Inner::Running { reaper, .. } => reaper.try_wait()?,
        };
        if let Some(status) = status {
            *self.inner() = Inner::Done(status);
        }
        Ok(status)
    }

    /// Waits for the child to exit while reading its stdout and stderr (those that were piped) to
    /// the end, and returns all three.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        async fn read_all<R: AsyncRead + Unpin>(pipe: &mut Option<R>) -> io::Result<Vec<u8>> {
            let mut buf = Vec::new();
            if let Some(pipe) = pipe.as_mut() {
                pipe.read_to_end(&mut buf).await?;
            }
            Ok(buf)
        }
        let mut out_pipe = self.stdout.take();
        let mut err_pipe = self.stderr.take();
        let (status, stdout, stderr) = crate::try_join!(
            self.wait(),
            read_all(&mut out_pipe),
            read_all(&mut err_pipe)
        )?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Some(Inner::Running {
            mut reaper,
            kill_on_drop,
        }) = self.inner.take()
        {
            if kill_on_drop {
                let _ = reaper.kill();
            }
            reap::orphan(reaper);
        }
    }
}
