//! eddy-runtime: tasks, the schedulers, the blocking pool, cooperative budgeting and the macros.
//!
//! Everything here is re-exported by the `eddy` facade under Tokio's paths: `eddy::spawn`,
//! `eddy::task`, `eddy::runtime`, and so on. Start with [`runtime::Runtime`] or `#[eddy::main]`.
//!
//! Map of the crate:
//! - `task/`: the task allocation, its state word, `JoinHandle`, `AbortHandle`, `JoinSet`, `LocalSet`;
//! - `scheduler/`: the current-thread and multi-thread schedulers and their queues;
//! - `blocking/`: the blocking pool (`spawn_blocking`, and the multi-thread workers' threads);
//! - `runtime/`: `Runtime`, `Builder`, `Handle`, the thread-local context, thread parking;
//! - `coop.rs`: the per-poll budget;
//! - `loom.rs`: the switch between std and loom primitives for model checking.
#![deny(missing_docs)]

mod blocking;
mod coop;
mod driver;
pub mod fs;
pub mod io;
mod loom;
#[cfg(all(test, loom))]
mod loom_tests;
#[doc(hidden)]
pub mod macros;
pub mod process;
pub mod runtime;
mod scheduler;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;
mod util;

pub use eddy_macros::{main, test};

/// Internals that the workspace's other crates build on (`eddy-net`'s sockets and pipes). Not a public
/// API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::driver::io::{
        set_nonblocking, Interest, PipeIo, Readiness, Ready, ReadyEvent, Registration,
    };
}
pub use task::spawn;
