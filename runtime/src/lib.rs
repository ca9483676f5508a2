//! eddy-runtime: tasks, the schedulers, the blocking pool, cooperative budgeting and the macros.
//!
//! (Crate docs are filled in as the pieces land.)
#![deny(missing_docs)]

mod coop;
mod loom;
