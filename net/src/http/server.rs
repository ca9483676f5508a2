//! `Server`: binding, options, the accept loop and graceful shutdown.
//!
//! The accept loop spawns one task per connection (see `conn.rs`). Graceful shutdown, when the
//! signal given to [`Server::with_graceful_shutdown`] completes:
//! 1. stop accepting (the listener is dropped when `serve` returns);
//! 2. set the shutting-down flag and wake every idle connection, which closes;
//! 3. connections busy with a request finish it, answer with `Connection: close`, and close;
//! 4. `serve` returns once the count of live connections reaches zero.

use super::conn::serve_connection;
use super::request::Request;
use super::response::Response;
use crate::TcpListener;
use crate::ToSocketAddrs;
use eddy_runtime::sync::{Notify, Semaphore};
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// The server's limits and timeouts.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) max_head_bytes: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) keep_alive_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: Option<usize>,
}

/// What every connection task shares: the handler, the options, the shutdown state.
pub(crate) struct Shared<H> {
    pub(crate) handler: H,
    pub(crate) options: Options,
    shutting_down: AtomicBool,
    /// Woken (`notify_waiters`) when shutdown starts.
    pub(crate) shutdown: Notify,
    live: AtomicUsize,
    /// Woken when `live` drops to zero.
    drained: Notify,
}

impl<H> Shared<H> {
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }
}

/// Counts a connection as live until dropped.
struct LiveGuard<H>(Arc<Shared<H>>);

impl<H> Drop for LiveGuard<H> {
    fn drop(&mut self) {
        if self.0.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

type ShutdownSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An HTTP/1.1 server bound to an address.
///
/// ```no_run
/// use eddy::http::{Request, Response, Server};
///
/// # async fn run() -> std::io::Result<()> {
/// Server::bind("127.0.0.1:8080")
///     .await?
///     .max_body_bytes(64 * 1024)
///     .with_graceful_shutdown(async { let _ = eddy::signal::ctrl_c().await; })
///     .serve(|req: Request| async move { Response::text(format!("you asked for {}", req.path())) })
///     .await
/// # }
/// ```
pub struct Server {
    listener: TcpListener,
    options: Options,
    shutdown: Option<ShutdownSignal>,
}

impl Server {
    /// Binds a listener to `addr` with the default options.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<Server> {
        Ok(Server::from_listener(TcpListener::bind(addr).await?))
    }

    /// A server on an already bound listener.
    pub fn from_listener(listener: TcpListener) -> Server {
        Server {
            listener,
            options: Options {
                max_head_bytes: 8 * 1024,
                max_body_bytes: 1024 * 1024,
                header_timeout: Duration::from_secs(10),
                keep_alive_timeout: Duration::from_secs(60),
                write_timeout: Duration::from_secs(30),
                max_connections: None,
            },
            shutdown: None,
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The most bytes a request head (request line and header fields) may take; more → 431.
    /// Default 8 KiB.
    pub fn max_head_bytes(mut self, n: usize) -> Server {
        self.options.max_head_bytes = n;
        self
    }

    /// The largest request body accepted; larger → 413. Default 1 MiB.
    pub fn max_body_bytes(mut self, n: usize) -> Server {
        self.options.max_body_bytes = n;
        self
    }

    /// How long a request head may take to arrive, from its first byte (and the longest wait for
    /// each read of a body); slower → 408. Default 10 s.
    pub fn header_timeout(mut self, d: Duration) -> Server {
        self.options.header_timeout = d;
        self
    }

    /// How long an idle keep-alive connection is kept open. Default 60 s.
    pub fn keep_alive_timeout(mut self, d: Duration) -> Server {
        self.options.keep_alive_timeout = d;
        self
    }

    /// How long writing responses may go without progress (the client reads nothing of them);
    /// then the connection is closed. Bounds a client that sends requests but never reads the
    /// answers. Default 30 s.
    pub fn write_timeout(mut self, d: Duration) -> Server {
        self.options.write_timeout = d;
        self
    }

    /// The most connections served at once; further ones wait in the listen backlog. Default: no
    /// limit.
    pub fn max_connections(mut self, n: usize) -> Server {
        self.options.max_connections = Some(n.max(1));
        self
    }

    /// Stops the server gracefully when `signal` completes (see the module docs): no new
    /// connections, in-flight requests finish, idle connections close, then `serve` returns.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Server {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// Serves connections with `handler` until the shutdown signal (forever without one).
    ///
    /// Each connection runs in its own task; the handler's future runs inside that task. A handler
    /// that panics gets its request answered with 500; the connection carries on.
    pub async fn serve<H, Fut>(self, handler: H) -> io::Result<()>
    where
        H: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send,
    {
        let Server {
            listener,
            options,
            shutdown,
        } = self;
        let limit = options.max_connections.map(|n| Arc::new(Semaphore::new(n)));
        let shared = Arc::new(Shared {
            handler,
            options,
            shutting_down: AtomicBool::new(false),
            shutdown: Notify::new(),
            live: AtomicUsize::new(0),
            drained: Notify::new(),
        });
        let mut signal = shutdown.unwrap_or_else(|| Box::pin(std::future::pending()));
        loop {
            let permit = match &limit {
                Some(sem) => {
                    let acquire = pin!(sem.clone().acquire_owned());
                    match select(acquire, signal.as_mut()).await {
                        Some(p) => Some(p.map_err(|_| io::Error::other("semaphore closed"))?),
                        None => break,
                    }
                }
                None => None,
            };
            let accepted = match select(pin!(listener.accept()), signal.as_mut()).await {
                Some(r) => r,
                None => break,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) if is_transient(&e) => {
                    // Out of descriptors or memory: pause rather than spin.
                    eddy_runtime::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let _ = stream.set_nodelay(true);
            shared.live.fetch_add(1, Ordering::AcqRel);
            let guard = LiveGuard(shared.clone());
            eddy_runtime::spawn(async move {
                let _permit = permit;
                serve_connection(stream, &guard.0).await;
                drop(guard);
            });
        }
        drop(listener);
        shared.shutting_down.store(true, Ordering::Release);
        shared.shutdown.notify_waiters();
        loop {
            let drained = shared.drained.notified();
            if shared.live.load(Ordering::Acquire) == 0 {
                return Ok(());
            }
            drained.await;
        }
    }
}

/// Polls `a` and `b` together: `Some` with `a`'s output, or `None` if `b` finished first.
async fn select<A: Future, B: Future<Output = ()> + ?Sized>(
    mut a: Pin<&mut A>,
    mut b: Pin<&mut B>,
) -> Option<A::Output> {
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if b.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Accept errors that mean "out of resources right now".
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::ECONNABORTED)
    )
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr().ok())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
