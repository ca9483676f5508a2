//! The error an I/O resource reports once its runtime is shutting down, and the test for it.
//!
//! When a runtime is dropped, every registered socket and fd wakes its waiting tasks, and from then on
//! each of their operations fails with this error instead of waiting for readiness that will never
//! come. The error is an `io::Error` of kind `Other` carrying a private payload type, so
//! [`is_rt_shutdown_err`] recognises it by type, not by comparing message text.

use std::fmt;
use std::io;

/// The payload of the shutdown error.
#[derive(Debug)]
struct RuntimeShutdown;

impl fmt::Display for RuntimeShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("An eddy context was found, but it is being shutdown.")
    }
}

impl std::error::Error for RuntimeShutdown {}

/// The error I/O operations return after their runtime began shutting down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(RuntimeShutdown)
}

/// Whether `err` is the error an I/O resource returns because its runtime is shutting down (as
/// opposed to an error from the operating system).
///
/// # Examples
///
/// ```
/// let rt = eddy::runtime::Runtime::new().unwrap();
/// let listener = rt.block_on(eddy::net::TcpListener::bind("127.0.0.1:0")).unwrap();
/// drop(rt);
///
/// // The listener's runtime is gone: accepting fails with the shutdown error.
/// let rt2 = eddy::runtime::Runtime::new().unwrap();
/// let err = rt2.block_on(listener.accept()).unwrap_err();
/// assert!(eddy::runtime::is_rt_shutdown_err(&err));
/// assert!(!eddy::runtime::is_rt_shutdown_err(&std::io::Error::other("something else")));
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    err.get_ref()
        .is_some_and(|inner| inner.is::<RuntimeShutdown>())
}
