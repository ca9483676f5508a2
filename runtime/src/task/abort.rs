//! `AbortHandle`: the right to cancel a task, without the right to await it.

use super::id::Id;
use super::join::abort_raw;
use super::raw::RawTask;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};

/// A handle that can cancel a task (see [`JoinHandle::abort`](super::JoinHandle::abort)). Cloneable;
/// dropping it does nothing to the task. Mirrors `tokio::task::AbortHandle`.
pub struct AbortHandle {
    raw: RawTask,
}

impl AbortHandle {
    /// Takes over one counted reference.
    pub(crate) fn from_raw(raw: RawTask) -> AbortHandle {
        AbortHandle { raw }
    }

    /// Cancels the task; see [`JoinHandle::abort`](super::JoinHandle::abort).
    pub fn abort(&self) {
        abort_raw(self.raw);
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> Self {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl UnwindSafe for AbortHandle {}
impl RefUnwindSafe for AbortHandle {}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}
