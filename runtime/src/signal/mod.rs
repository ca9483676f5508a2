//! Asynchronous signal handling: [`ctrl_c`], and any Unix signal through [`unix::signal`].
//!
//! Signals reach tasks through the runtime's I/O driver. The handler only flags the signal and writes
//! a byte to a pipe (the classic self-pipe); the pipe's read end sits in the epoll set of every
//! runtime that listens for a signal, and the runtime that sees it turn readable wakes the listeners
//! (`registry.rs`). Listening therefore needs a runtime built with I/O enabled.
//!
//! Installing a handler replaces the signal's default action for the rest of the process: once
//! [`ctrl_c`] has been called, Ctrl-C no longer ends the program by itself. A handler that other code
//! (the program, a C library) installed before eddy's is not lost: eddy's handler calls it on every
//! delivery, as Tokio's does through signal-hook-registry (`registry.rs`, "Chaining").

pub(crate) mod registry;
pub mod unix;

pub(crate) use registry::dispatch;

/// Completes when the process receives SIGINT (Ctrl-C) after the future is first polled. Mirrors
/// `tokio::signal::ctrl_c`; to stop on SIGTERM (`kill PID`, service managers) as well, listen for
/// [`unix::SignalKind::terminate`] beside it.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// eddy::signal::ctrl_c().await?;
/// println!("shutting down");
/// # Ok(()) }
/// ```
///
/// # Errors
/// If the pipe or the handler could not be set up.
///
/// # Panics
/// Outside a runtime with I/O enabled.
pub async fn ctrl_c() -> std::io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    interrupts.recv().await;
    Ok(())
}
