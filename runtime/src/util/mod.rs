//! Small building blocks shared by the runtime's parts.

pub(crate) mod atomic_waker;
pub(crate) mod rand;
pub(crate) mod wake_list;
