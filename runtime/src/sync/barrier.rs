//! `Barrier`: lets `n` tasks wait for each other, then releases them together.
//!
//! State is a count of arrivals and a generation number under a small lock, plus a [`Notify`]. The
//! `n`-th arrival starts a new generation and wakes everyone with `notify_waiters`; the others wait
//! until the generation moves on. Each waiter creates its `Notified` while still holding the lock,
//! so the wake-up cannot slip between its check and its wait.

use super::notify::Notify;
use crate::loom::sync::Mutex;
use std::fmt;

/// A barrier for `n` tasks.
///
/// ```
/// use eddy::sync::Barrier;
/// use std::sync::Arc;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let mut handles = Vec::new();
/// for _ in 0..3 {
///     let b = barrier.clone();
///     handles.push(eddy::spawn(async move { b.wait().await.is_leader() }));
/// }
/// let mut leaders = 0;
/// for h in handles {
///     leaders += h.await.unwrap() as usize;
/// }
/// assert_eq!(leaders, 1);
/// # });
/// ```
pub struct Barrier {
    state: Mutex<BarrierState>,
    notify: Notify,
    n: usize,
}

struct BarrierState {
    arrived: usize,
    generation: usize,
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one task per generation: the last to arrive.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier that releases tasks in groups of `n` (0 behaves as 1).
    pub fn new(n: usize) -> Barrier {
        Barrier {
            state: Mutex::new(BarrierState {
                arrived: 0,
                generation: 0,
            }),
            notify: Notify::new(),
            n: n.max(1),
        }
    }

    /// Waits until `n` tasks have called `wait`. Exactly one of them is told it is the leader.
    ///
    /// Not cancel safe: a task that drops this future after arriving still counts as arrived.
    pub async fn wait(&self) -> BarrierWaitResult {
        let (generation, notified) = {
            let mut st = self.state.lock();
            st.arrived += 1;
            if st.arrived == self.n {
                st.arrived = 0;
                st.generation = st.generation.wrapping_add(1);
                drop(st);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock: the leader's `notify_waiters` comes after it.
            (st.generation, self.notify.notified())
        };
        let mut notified = std::pin::pin!(notified);
        loop {
            notified.as_mut().await;
            if self.state.lock().generation != generation {
                return BarrierWaitResult(false);
            }
            notified.set(self.notify.notified());
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}
