//! `Builder`: every knob of a runtime, with Tokio's names and defaults.

use super::{Handle, Runtime, Scheduler};
use crate::blocking::{BlockingPool, PoolConfig};
use crate::scheduler::{self, current_thread::CurrentThread, multi_thread::MultiThread};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    CurrentThread,
    MultiThread,
}

/// Builds a [`Runtime`] with custom settings. Mirrors `tokio::runtime::Builder`.
///
/// ```
/// use eddy::runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .enable_all()
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { eddy::spawn(async { 7 }).await.unwrap() }), 7);
/// ```
pub struct Builder {
    kind: Kind,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    after_start: Option<Callback>,
    before_stop: Option<Callback>,
    keep_alive: Option<Duration>,
    enable_io: bool,
    enable_time: bool,
    start_paused: bool,
    name: Option<String>,
    before_park: Option<Callback>,
    after_unpark: Option<Callback>,
    global_queue_interval: Option<u32>,
    event_interval: Option<u32>,
    max_io_events_per_tick: Option<usize>,
    max_io_events_per_busy_tick: Option<usize>,
}

impl Builder {
    /// A builder for the current-thread runtime: every task runs on the thread calling `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread)
    }

    /// A builder for the multi-thread, work-stealing runtime.
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread)
    }

    fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_name: Arc::new(|| "eddy-runtime-worker".to_string()),
            thread_stack_size: None,
            after_start: None,
            before_stop: None,
            keep_alive: None,
            enable_io: false,
            enable_time: false,
            start_paused: false,
            name: None,
            before_park: None,
            after_unpark: None,
            global_queue_interval: None,
            event_interval: None,
            max_io_events_per_tick: None,
            max_io_events_per_busy_tick: None,
        }
    }

    /// Enables the I/O and time drivers.
    pub fn enable_all(&mut self) -> &mut Self {
        self.enable_io = true;
        self.enable_time = true;
        self
    }

    /// Enables the I/O driver (sockets).
    pub fn enable_io(&mut self) -> &mut Self {
        self.enable_io = true;
        self
    }

    /// Enables the time driver (timers).
    pub fn enable_time(&mut self) -> &mut Self {
        self.enable_time = true;
        self
    }

    /// Starts the clock paused (for tests; honoured once timers land, accepted now).
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
        self.start_paused = start_paused;
        self
    }

    /// Number of worker threads of the multi-thread runtime. Default: the `EDDY_WORKER_THREADS`
    /// environment variable if set, else the number of CPUs. Ignored by the current-thread runtime.
    ///
    /// # Panics
    /// If `val` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "Worker threads cannot be set to 0");
        self.worker_threads = Some(val);
        self
    }

    /// Cap on threads of the blocking pool (default 512).
    ///
    /// # Panics
    /// If `val` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "Max blocking threads cannot be set to 0");
        self.max_blocking_threads = val;
        self
    }

    /// Name of the runtime's threads (default `eddy-runtime-worker`).
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        self.thread_name = Arc::new(move || val.clone());
        self
    }

    /// A function that names each new thread.
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// Stack size of the runtime's threads (default: the standard library's).
    pub fn thread_stack_size(&mut self, val: usize) -> &mut Self {
        self.thread_stack_size = Some(val);
        self
    }

    /// Runs `f` on each new runtime thread, before it does anything else.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread just before it exits.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_stop = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread (or the current-thread driver) just before it goes idle and sleeps.
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread (or the current-thread driver) just after it wakes from idle.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_unpark = Some(Arc::new(f));
        self
    }

    /// How long an idle blocking-pool thread waits for work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.keep_alive = Some(duration);
        self
    }

    /// Names the runtime (see [`Handle::name`](super::Handle::name)).
    ///
    /// # Panics
    /// If the name is empty or only white space.
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        assert!(!val.trim().is_empty(), "runtime name shouldn't be empty");
        self.name = Some(val);
        self
    }

    /// Ticks between two looks at the shared (inject) queue before the worker's own; lower is fairer
    /// to tasks woken from outside, higher favours locality. Default 31 (current-thread) or 61
    /// (multi-thread).
    ///
    /// # Panics
    /// If `val` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(val);
        self
    }

    /// Ticks between two non-blocking turns of the I/O and time drivers by a busy worker. Default 61.
    ///
    /// # Panics
    /// If `val` is 0.
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "event_interval must be greater than 0");
        self.event_interval = Some(val);
        self
    }

    /// The most I/O events one turn of the I/O driver takes from the kernel (one `epoll_wait`);
    /// the rest wait for the next turn. Default 1024.
    ///
    /// # Panics
    /// If `capacity` is 0.
    ///
    /// ```
    /// let rt = eddy::runtime::Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(256)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self.max_io_events_per_tick = Some(capacity);
        self
    }

    /// The most I/O events a turn takes when the worker making it still has tasks to run (the turns
    /// it makes every [`event_interval`](Self::event_interval) tasks, which do not wait). Every task
    /// such a turn wakes joins the worker's queue behind the ones already there; a smaller batch
    /// leaves the other events in the kernel for later turns, so that under overload the queue does
    /// not keep growing. A worker that is idle still takes up to
    /// [`max_io_events_per_tick`](Self::max_io_events_per_tick). Default: the same as that.
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self.max_io_events_per_busy_tick = Some(capacity);
        self
    }

    pub(crate) fn is_current_thread(&self) -> bool {
        self.kind == Kind::CurrentThread
    }

    fn scheduler_config(&self) -> scheduler::Config {
        let (gqi, ei) = match self.kind {
            Kind::CurrentThread => (
                crate::scheduler::current_thread::GLOBAL_QUEUE_INTERVAL,
                crate::scheduler::current_thread::EVENT_INTERVAL,
            ),
            Kind::MultiThread => (
                crate::scheduler::multi_thread::GLOBAL_QUEUE_INTERVAL,
                crate::scheduler::multi_thread::EVENT_INTERVAL,
            ),
        };
        scheduler::Config {
            global_queue_interval: self.global_queue_interval.unwrap_or(gqi),
            fixed_global_queue_interval: self.global_queue_interval,
            before_park: self.before_park.clone(),
            after_unpark: self.after_unpark.clone(),
            event_interval: self.event_interval.unwrap_or(ei),
            id: super::Id::next(),
            name: self.name.clone(),
        }
    }

    /// Creates the runtime.
    pub fn build(&mut self) -> io::Result<Runtime> {
        if self.start_paused && self.kind == Kind::MultiThread {
            panic!(
                "`start_paused` requires the `current_thread` runtime: time can only be paused \
                 on a runtime whose every task runs on one thread."
            );
        }
        // The workers live on the pool too; `max_blocking_threads` counts the other threads only.
        let workers = match self.kind {
            Kind::CurrentThread => 0,
            Kind::MultiThread => self.worker_threads.unwrap_or_else(default_worker_threads),
        };
        let pool = BlockingPool::new(PoolConfig {
            thread_name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            after_start: self.after_start.clone(),
            before_stop: self.before_stop.clone(),
            thread_cap: self.max_blocking_threads + workers,
            keep_alive: self.keep_alive.unwrap_or(Duration::from_secs(10)),
        });
        let spawner = pool.spawner().clone();
        let driver = crate::driver::Driver::create(crate::driver::Config {
            enable_io: self.enable_io,
            enable_time: self.enable_time,
            start_paused: self.start_paused,
            max_io_events_per_tick: self.max_io_events_per_tick.unwrap_or(0),
            max_io_events_per_busy_tick: self.max_io_events_per_busy_tick.unwrap_or(0),
        })?;
        match self.kind {
            Kind::CurrentThread => {
                let (ct, handle) = CurrentThread::new(spawner, driver, self.scheduler_config());
                Ok(Runtime {
                    scheduler: Scheduler::CurrentThread(ct),
                    handle: Handle {
                        inner: scheduler::Handle::CurrentThread(handle),
                    },
                    blocking_pool: pool,
                    shut_down: false,
                })
            }
            Kind::MultiThread => {
                let (mut mt, handle) =
                    MultiThread::new(workers, spawner, driver, self.scheduler_config());
                let handle = Handle {
                    inner: scheduler::Handle::MultiThread(handle),
                };
                let launched = mt.launch(&handle.inner);
                let rt = Runtime {
                    scheduler: Scheduler::MultiThread(mt),
                    handle,
                    blocking_pool: pool,
                    shut_down: false,
                };
                launched?;
                Ok(rt)
            }
        }
    }
}

/// `EDDY_WORKER_THREADS` if set to a positive number, else the available parallelism.
fn default_worker_threads() -> usize {
    if let Ok(s) = std::env::var("EDDY_WORKER_THREADS") {
        match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => return n,
            _ => panic!("\"EDDY_WORKER_THREADS\" must be a positive integer, got {s:?}"),
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("keep_alive", &self.keep_alive)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("start_paused", &self.start_paused)
            .finish()
    }
}
