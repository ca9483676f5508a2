//! The blocking pool: threads for work that blocks (`spawn_blocking`), and the home of the
//! multi-thread runtime's worker threads.
//!
//! Blocking work is a task like any other (one allocation, a `JoinHandle`), whose future calls the
//! closure on its first and only poll. The pool keeps a FIFO queue of such tasks and a set of threads:
//! a spawn hands the task to an idle thread if there is one, else starts a thread while fewer than
//! `max_blocking_threads` exist, else leaves it queued. Idle threads exit after `thread_keep_alive`.
//!
//! Worker threads of the multi-thread scheduler are started through the pool as *mandatory* tasks: they
//! do not count against the cap, and they still run if shutdown begins before their thread picks them up
//! (a worker must run its shutdown steps). Shutdown cancels queued non-mandatory tasks, lets running ones
//! finish, and waits for every thread to exit, up to a timeout.

mod pool;
mod task;

pub(crate) use pool::{BlockingPool, Mandatory, PoolConfig, Spawner};
