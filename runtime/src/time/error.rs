//! Time errors: [`Elapsed`], what a [`Timeout`](super::Timeout) returns when its deadline passes
//! first, and [`Error`], the timer failures that Tokio's API names (kept for parity: no eddy timer
//! call returns one).

use std::fmt;

/// A timer failure. Mirrors `tokio::time::error::Error`: the same constructors, predicates and
/// traits, so code that names or matches Tokio's type ports unchanged.
///
/// No timer call in eddy returns this type, and none in Tokio does either: `sleep`, `timeout` and
/// `interval` succeed, or panic where Tokio's panic (no runtime with a timer, or a runtime that has
/// shut down). It exists for API parity, e.g. for libraries that wrap or convert it. Its three
/// kinds, as Tokio describes them:
///
/// - [`shutdown`](Error::shutdown): the timer is gone (its runtime shut down), so the operation can
///   never complete; permanent.
/// - [`at_capacity`](Error::at_capacity): the timer holds as many entries as it can; transient, and
///   a caller may shed load (drop the future that wanted the timer) and retry later.
/// - [`invalid`](Error::invalid): the timer was asked for something it cannot represent, such as
///   a duration past its maximum.
///
/// ```
/// use eddy::time::error::Error;
///
/// let err = Error::at_capacity();
/// assert!(err.is_at_capacity());
/// assert!(!err.is_shutdown() && !err.is_invalid());
/// assert_eq!(err.to_string(), "timer is at capacity and cannot take a new entry");
///
/// // An ordinary error value: boxed, sent to another thread, copied.
/// let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Error::shutdown());
/// assert!(boxed.to_string().contains("shut down"));
/// let copy = err;
/// assert!(copy.is_at_capacity() && err.is_at_capacity());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Error(Kind);

/// Which failure an [`Error`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The error of a timer that has shut down.
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// True if the timer had shut down.
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The error of a timer that has no room for another entry.
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// True if the timer had no room for another entry.
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// The error of a timer asked for something it cannot represent (a duration past its maximum).
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// True if the timer was asked for something it cannot represent.
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Shutdown => {
                "timer has shut down: timers need the context of a running eddy runtime with time \
                 enabled"
            }
            Kind::AtCapacity => "timer is at capacity and cannot take a new entry",
            Kind::Invalid => "timer duration exceeds the maximum duration",
        })
    }
}

impl std::error::Error for Error {}

/// The error a [`Timeout`](super::Timeout) returns when its deadline passes first.
/// Mirrors `tokio::time::error::Elapsed`.
#[derive(Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Error;

    #[test]
    fn each_kind_answers_only_its_own_predicate() {
        let kinds = [Error::shutdown(), Error::at_capacity(), Error::invalid()];
        for (i, e) in kinds.iter().enumerate() {
            assert_eq!(
                [e.is_shutdown(), e.is_at_capacity(), e.is_invalid()],
                [i == 0, i == 1, i == 2],
                "{e:?}"
            );
        }
        assert!(Error::shutdown().to_string().contains("shut down"));
        assert!(Error::invalid().to_string().contains("maximum duration"));
    }
}
