//! The declarative macros eddy exports: `select!`, `join!`, `try_join!` and `pin!` (`task_local!` lives
//! with task-local storage in `task/task_local.rs`).
//!
//! The macros that juggle several futures are split in two: a `macro_rules!` here parses the user's
//! syntax with rustc's own parser, and a hidden generator in eddy-macros (reached through [`support`])
//! writes the expansion, where counting branches and naming one item per branch is plain Rust.
//!
//! All are `#[macro_export]`: use them by path (`crate::select!`, `eddy::select!`). None is put in
//! textual scope, so that `std::pin::pin!` imports elsewhere in the crate keep working.

#[doc(hidden)]
pub mod support;

mod join;
mod pin;
mod select;
mod try_join;
