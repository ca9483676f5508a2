//! Small building blocks shared by the runtime's parts.

pub(crate) mod atomic_waker;
#[cfg(all(test, not(loom)))]
pub(crate) mod counting_waker;
pub(crate) mod rand;
pub(crate) mod wake_list;
