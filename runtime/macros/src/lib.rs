//! eddy's procedural macros, written on `proc_macro` alone (no `syn`, no `quote`).
//!
//! - [`main`] and [`test`]: the `#[eddy::main]` / `#[eddy::test]` attributes (see `entry.rs`).
//! - `select_expand`, `join_expand`, `try_join_expand`: hidden code generators behind eddy-runtime's
//!   `select!`, `join!` and `try_join!`. Those are `macro_rules!` that parse the user's syntax with
//!   rustc's parser (patterns and expressions are hard to split by hand) and pass the pieces here, where
//!   counting branches and naming one item per branch is plain Rust (see `select.rs`, `join.rs`).
//!
//! Use these through the `eddy` crate (`eddy::main`, `eddy::select!`, ...), never directly: the
//! generated code names `eddy`'s own items.
#![deny(missing_docs)]

mod entry;
mod join;
mod select;
mod tokens;

use proc_macro::TokenStream;

/// Marks the `async fn main` that runs on an eddy runtime.
///
/// The function becomes a plain `fn` that builds a runtime, then blocks on the body. By default the
/// runtime is the multi-thread one, as Tokio's:
///
/// ```ignore
/// #[eddy::main]
/// async fn main() {
///     println!("hello from a runtime worker");
/// }
/// ```
///
/// expands to
///
/// ```ignore
/// fn main() {
///     let body = async { println!("hello from a runtime worker"); };
///     return eddy::runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(body);
/// }
/// ```
///
/// Arguments, all optional:
///
/// - `flavor = "multi_thread"` (the default), `flavor = "current_thread"`, or `flavor = "local"` (a
///   current-thread `LocalRuntime`, on which `eddy::task::spawn_local` works without a `LocalSet`);
/// - `worker_threads = N` (multi-thread only; the default is one worker per core);
/// - `start_paused = true` (current-thread and local only): start with the clock paused;
/// - `name = "..."`: the runtime's name;
/// - `crate = "path"`: where to find eddy if it is not the `::eddy` crate (for crates that rename it
///   or re-export it).
///
/// The function may return a value (`-> Result<(), E>`), take arguments (unless it is `main`) and be a
/// method; `return` in the body returns from it. Errors in the arguments or a missing `async` are
/// reported at the offending token.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, args, item)
}

/// Marks an `async fn` test that runs on an eddy runtime.
///
/// Like [`macro@main`], with two differences: the function also gets `#[test]`, and the default
/// flavor is `current_thread` (each test gets its own runtime on its own thread). Other attributes
/// (`#[should_panic]`, `#[ignore]`, `#[cfg_attr(..)]`) are kept. Writing `#[test]` as well is an error
/// (a test attribute would be applied twice).
///
/// ```ignore
/// #[eddy::test]
/// async fn adds() {
///     let handle = eddy::spawn(async { 1 + 1 });
///     assert_eq!(handle.await.unwrap(), 2);
/// }
///
/// #[eddy::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {}
///
/// #[eddy::test(start_paused = true)]
/// async fn with_a_paused_clock() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, args, item)
}

/// Generator behind `select!` (not public API).
#[doc(hidden)]
#[proc_macro]
pub fn select_expand(input: TokenStream) -> TokenStream {
    select::expand(input)
}

/// Generator behind `join!` (not public API).
#[doc(hidden)]
#[proc_macro]
pub fn join_expand(input: TokenStream) -> TokenStream {
    join::expand(input, false)
}

/// Generator behind `try_join!` (not public API).
#[doc(hidden)]
#[proc_macro]
pub fn try_join_expand(input: TokenStream) -> TokenStream {
    join::expand(input, true)
}
