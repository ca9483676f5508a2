//! `select!`: wait on several futures and run the handler of the first one to complete.
//!
//! This file only parses: each branch is normalized into `[(pat) (fut) (cond) (handler)]`, one branch
//! per recursion (so 64 branches stay well inside the default recursion limit), and the list goes to
//! the generator in eddy-macros (`select.rs` there documents the expansion).

/// Waits on several futures at once, and runs the handler of the first one that completes with a value
/// matching its pattern; the other futures are dropped.
///
/// ```text
/// eddy::select! {
///     [biased;]
///     <pattern> = <future> [, if <precondition>] => <handler>,
///     ...
///     [else => <expression>]
/// }
/// ```
///
/// Step by step:
///
/// 1. Every precondition is evaluated; a branch whose precondition is `false` is disabled. Then every
///    future expression is evaluated (also for disabled branches), in order. Anything `IntoFuture` works.
/// 2. The enabled futures are polled, by reference, where they are stored in the `select!`; the first
///    one polled is picked at random (fairness), or is the first branch with `biased;`.
/// 3. When a future completes, its branch is disabled and its value is matched against the pattern. On a
///    match, all the futures are dropped and the handler runs with the pattern's bindings. If the value
///    does not match (say `Some(v) = rx.recv()` got `None`), `select!` goes on waiting on the others.
/// 4. When every branch is disabled, the `else` expression is the result; without `else`, `select!`
///    panics with "all branches are disabled and there is no else branch".
///
/// Handlers run in the enclosing function, not inside a closure: `return`, `break`, `continue`, `?`
/// and `.await` in a handler act on the caller's code. The whole `select!` is an expression whose value
/// is that of the handler (all handlers and `else` must have the same type). It can only be used inside
/// `async` functions and blocks, and takes up to 64 branches.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::future::{pending, ready};
///
/// // The first future to complete wins; the others are dropped.
/// let v = eddy::select! {
///     v = pending::<u32>() => v,
///     v = async { 7 } => v,
/// };
/// assert_eq!(v, 7);
///
/// // A value that does not match its pattern disables the branch; when all are disabled, `else` runs.
/// let v = eddy::select! {
///     Some(v) = ready(None::<u32>) => v,
///     Ok(v) = ready(Err::<u32, ()>(())) => v,
///     else => 0,
/// };
/// assert_eq!(v, 0);
///
/// // Preconditions and `biased;`: drain two sources in order, each until it is done.
/// let (mut a, mut b) = (vec![1, 2], vec![3]);
/// let mut seen = Vec::new();
/// loop {
///     eddy::select! {
///         biased;
///         Some(x) = async { a.pop() }, if !a.is_empty() => seen.push(x),
///         Some(x) = async { b.pop() }, if !b.is_empty() => seen.push(x),
///         else => break,
///     }
/// }
/// assert_eq!(seen, [2, 1, 3]);
/// # });
/// ```
///
/// With `biased;` the branches are polled top to bottom, which suits a shutdown signal that must win
/// over work; it is then up to the caller that the first branches do not starve the later ones.
#[macro_export]
macro_rules! select {
    // ----- Internal rules: `@ { mode [branch]... }` followed by what is still to parse. -----

    // All branches parsed: hand them to the generator.
    (@ { $($done:tt)* }) => {
        $crate::macros::support::select_expand! { $crate $($done)* }
    };
    (@ { $($done:tt)* } else => $else:expr $(,)?) => {
        $crate::macros::support::select_expand! { $crate $($done)* else ($else) }
    };
    // A block handler, with or without a comma after it.
    (@ { $($done:tt)* } $p:pat = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::select!(@ { $($done)* [($p) ($f) ($($c)?) ($h)] } $($rest)*)
    };
    (@ { $($done:tt)* } $p:pat = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::select!(@ { $($done)* [($p) ($f) ($($c)?) ($h)] } $($rest)*)
    };
    // An expression handler: a comma must follow unless it is the last branch.
    (@ { $($done:tt)* } $p:pat = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::select!(@ { $($done)* [($p) ($f) ($($c)?) ($h)] } $($rest)*)
    };
    (@ { $($done:tt)* } $p:pat = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::select!(@ { $($done)* [($p) ($f) ($($c)?) ($h)] })
    };

    // ----- Entry points. -----
    // Each starts with something the internal rules cannot (`biased`, `else`, a pattern), so that a
    // malformed branch fails with "no rules expected ..." at the bad token rather than looping here.
    () => {
        $crate::select!(@ { fair })
    };
    (biased; $($branches:tt)*) => {
        $crate::select!(@ { biased } $($branches)*)
    };
    (else => $($rest:tt)*) => {
        $crate::select!(@ { fair } else => $($rest)*)
    };
    ($p:pat = $($rest:tt)*) => {
        $crate::select!(@ { fair } $p = $($rest)*)
    };
}
