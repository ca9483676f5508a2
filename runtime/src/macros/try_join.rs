//! `try_join!`: like `join!` for futures that return `Result`, stopping at the first error.

/// Waits on several futures that return `Result`, concurrently on the current task, and returns
/// `Ok` with a tuple of all their `Ok` values, or the first `Err` as soon as one future returns it.
///
/// On an error the other futures are not polled again: they are dropped with the `try_join!` future.
/// All the futures must have the same error type. As with [`join!`](crate::join!), each poll starts
/// from the next future along, or always from the first with `biased;`.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// assert_eq!(eddy::try_join!(parse("1"), parse("2")), Ok((1, 2)));
///
/// // The error ends the wait, although the last future would never finish.
/// let never = std::future::pending::<Result<(), std::num::ParseIntError>>();
/// assert!(eddy::try_join!(parse("1"), parse("two"), never).is_err());
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (biased; $($fut:expr),* $(,)?) => {
        $crate::macros::support::try_join_expand!($crate biased $(($fut))*)
    };
    ($($fut:expr),* $(,)?) => {
        $crate::macros::support::try_join_expand!($crate fair $(($fut))*)
    };
}
