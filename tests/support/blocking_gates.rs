//! `Gates`: blocking tasks that hold every thread of the current runtime's blocking pool until
//! opened (or dropped), for tests that need an operation queued on the pool, not yet run. One gate
//! is not enough: the pool may run more threads than `max_blocking_threads` for a moment (a
//! mandatory task, such as a `File` write, starts its own thread when none is idle).

use std::sync::{Arc, Condvar, Mutex};

pub struct Gates(Arc<(Mutex<bool>, Condvar)>);

impl Gates {
    /// More gates than the pool can have threads in these tests (one allowed, plus a mandatory
    /// task's own): the rest wait in the queue ahead of whatever is spawned next.
    const COUNT: usize = 4;

    pub fn close() -> Gates {
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        for _ in 0..Gates::COUNT {
            let state = state.clone();
            drop(eddy::task::spawn_blocking(move || {
                let (open, cv) = &*state;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = cv.wait(open).unwrap();
                }
            }));
        }
        Gates(state)
    }

    pub fn open(&self) {
        let (open, cv) = &*self.0;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

impl Drop for Gates {
    fn drop(&mut self) {
        self.open();
    }
}
