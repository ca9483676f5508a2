//! `pin!`: pin values on the stack.

/// Pins values on the stack, shadowing each binding with a `Pin<&mut T>` to it.
///
/// A future that is not `Unpin` must be pinned before it can be polled by reference
/// (`(&mut fut).await`, or as a `select!` branch that runs in a loop). Two forms, as Tokio's:
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// async fn work() -> u32 { 7 }
///
/// // Shadow existing bindings (the values are moved; the old names are gone).
/// let first = work();
/// let second = work();
/// eddy::pin!(first, second);
/// assert_eq!((&mut first).await + (&mut second).await, 14);
///
/// // Declare and pin in one go.
/// eddy::pin! {
///     let third = work();
/// }
/// assert_eq!(third.as_mut().await, 7);
/// # });
/// ```
///
/// The values live in the enclosing scope and are never moved again; this is `core::pin::pin!` in a
/// form that names the bindings.
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($x);
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($init);
    )* };
}
