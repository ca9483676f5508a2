//! Unix signals through the public API: delivery to every listener on both runtimes and across
//! runtimes, the count semantics (a listener sees only deliveries after its creation), the errors
//! for signals that cannot be listened for, the panic without an I/O driver, `ctrl_c`, and the
//! `Stream` impl. (Tokio's own signal_* tests, ported by `scripts/tokio-compat`, cover the rest;
//! chaining to a handler installed before eddy's is in `signal_chain.rs`.)
//!
//! Signals are process-wide and the tests of this file run on parallel threads of one process, so
//! each test uses a signal of its own, and every test creates its listener (installing the handler)
//! before it sends: an uncaught SIGUSR1 would end the test process.

use eddy_runtime::runtime::{Builder, Runtime};
use eddy_runtime::signal::unix::{signal, SignalKind};
use eddy_runtime::time::{timeout, Duration};
use std::io;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn raise(signum: libc::c_int) {
    // SAFETY: kill(2) with our own pid and a signal whose handler the caller installed.
    let rc = unsafe { libc::kill(libc::getpid(), signum) };
    assert_eq!(rc, 0, "kill failed: {}", io::Error::last_os_error());
}

fn rt_signal(n: libc::c_int) -> SignalKind {
    SignalKind::from_raw(libc::SIGRTMIN() + n)
}

/// Long enough that a delivery that is coming has come; only ever waited out when none is.
const NOT_COMING: Duration = Duration::from_millis(200);
/// A bound on a wait that should end: a test that hangs fails with a message instead.
const COMING: Duration = Duration::from_secs(10);

#[test]
fn every_listener_of_a_signal_is_woken_each_time() {
    current_thread().block_on(async {
        let kind = SignalKind::user_defined1();
        let mut a = signal(kind).unwrap();
        let mut b = signal(kind).unwrap();
        for round in 0..3 {
            raise(libc::SIGUSR1);
            let got = timeout(COMING, async { (a.recv().await, b.recv().await) }).await;
            assert_eq!(got.ok(), Some((Some(()), Some(()))), "round {round}");
        }
    });
}

#[test]
fn a_listener_sees_only_deliveries_after_its_creation() {
    current_thread().block_on(async {
        let kind = rt_signal(1);
        let mut early = signal(kind).unwrap();
        raise(kind.as_raw_value());
        timeout(COMING, early.recv()).await.unwrap();
        // The delivery above is complete (`early` saw it): a listener made now must not.
        let mut late = signal(kind).unwrap();
        assert!(timeout(NOT_COMING, late.recv()).await.is_err());
        assert!(timeout(NOT_COMING, early.recv()).await.is_err());
        raise(kind.as_raw_value());
        timeout(COMING, late.recv()).await.unwrap();
        timeout(COMING, early.recv()).await.unwrap();
    });
}

#[test]
fn a_delivery_while_no_recv_is_pending_is_kept() {
    // Cancel safety: a recv dropped before the signal arrives loses nothing.
    current_thread().block_on(async {
        let kind = rt_signal(2);
        let mut sig = signal(kind).unwrap();
        assert!(timeout(Duration::from_millis(20), sig.recv())
            .await
            .is_err());
        raise(kind.as_raw_value());
        // Let the driver dispatch it while nobody waits.
        eddy_runtime::time::sleep(Duration::from_millis(20)).await;
        timeout(COMING, sig.recv()).await.unwrap();
    });
}

#[test]
fn listeners_on_a_multi_thread_runtime_and_from_spawned_tasks() {
    let rt = multi_thread();
    rt.block_on(async {
        let kind = rt_signal(3);
        let mut tasks = Vec::new();
        let (ready_tx, mut ready_rx) = eddy_runtime::sync::mpsc::channel(8);
        for _ in 0..4 {
            let ready_tx = ready_tx.clone();
            tasks.push(eddy_runtime::spawn(async move {
                let mut sig = signal(kind).unwrap();
                ready_tx.send(()).await.unwrap();
                timeout(COMING, sig.recv()).await
            }));
        }
        for _ in 0..4 {
            ready_rx.recv().await.unwrap();
        }
        raise(kind.as_raw_value());
        for t in tasks {
            assert_eq!(t.await.unwrap().ok(), Some(Some(())));
        }
    });
}

#[test]
fn one_delivery_wakes_listeners_on_several_runtimes() {
    let kind = rt_signal(4);
    let (tx, rx) = std::sync::mpsc::channel();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                current_thread().block_on(async {
                    let mut sig = signal(kind).unwrap();
                    tx.send(()).unwrap();
                    timeout(COMING, sig.recv()).await.ok()
                })
            })
        })
        .collect();
    for _ in 0..3 {
        rx.recv().unwrap();
    }
    raise(kind.as_raw_value());
    for t in threads {
        assert_eq!(t.join().unwrap(), Some(Some(())));
    }
}

#[test]
fn a_listener_outlives_the_runtime_that_dispatched_before() {
    // The first runtime to watch the pipe goes away; the second one dispatches from then on.
    let kind = rt_signal(5);
    let first = current_thread();
    let second = current_thread();
    let mut on_first = first.block_on(async { signal(kind).unwrap() });
    let mut on_second = second.block_on(async { signal(kind).unwrap() });
    raise(kind.as_raw_value());
    first.block_on(async { timeout(COMING, on_first.recv()).await.unwrap() });
    drop(first);
    drop(on_first);
    second.block_on(async {
        timeout(COMING, on_second.recv()).await.unwrap();
        raise(kind.as_raw_value());
        timeout(COMING, on_second.recv()).await.unwrap();
    });
}

#[test]
fn signals_that_cannot_be_listened_for_are_errors() {
    current_thread().block_on(async {
        for signum in [
            -1,
            0,
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGILL,
            libc::SIGFPE,
            65,
            1000,
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::Other, "signal {signum}: {err}");
            assert!(err.to_string().contains(&signum.to_string()), "{err}");
        }
        // glibc keeps signal 32 for its threads; sigaction refuses it (EINVAL).
        let err = signal(SignalKind::from_raw(32)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("signal 32"), "{err}");
    });
}

#[test]
#[should_panic(expected = "IO is disabled")]
fn listening_needs_the_io_driver() {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(async {
            let _ = signal(SignalKind::user_defined2());
        });
}

#[test]
#[should_panic(expected = "no reactor running")]
fn listening_needs_a_runtime() {
    let _ = signal(SignalKind::user_defined2());
}

#[test]
fn ctrl_c_completes_on_sigint() {
    current_thread().block_on(async {
        let ctrl_c = eddy_runtime::spawn(eddy_runtime::signal::ctrl_c());
        // ctrl_c listens from its first poll: on this runtime, the spawned task has run by the time
        // block_on's future is polled again after a yield.
        eddy_runtime::task::yield_now().await;
        raise(libc::SIGINT);
        timeout(COMING, ctrl_c).await.unwrap().unwrap().unwrap();
    });
}

#[test]
fn a_signal_is_a_stream() {
    use futures::StreamExt;
    current_thread().block_on(async {
        let kind = rt_signal(6);
        let mut sig = signal(kind).unwrap();
        raise(kind.as_raw_value());
        assert_eq!(timeout(COMING, sig.next()).await.unwrap(), Some(()));
    });
}

#[test]
fn a_delivery_wakes_more_listeners_than_one_wake_batch_holds() {
    // The registry wakes listeners 32 at a time, releasing its lock between batches.
    multi_thread().block_on(async {
        let kind = rt_signal(7);
        let mut sigs: Vec<_> = (0..70).map(|_| signal(kind).unwrap()).collect();
        // Listeners that come and go leave their slots for reuse, not stale wakers.
        for _ in 0..10 {
            drop(signal(kind).unwrap());
        }
        let (ready_tx, mut ready_rx) = eddy_runtime::sync::mpsc::channel(70);
        let tasks: Vec<_> = sigs
            .drain(..)
            .map(|mut sig| {
                let ready_tx = ready_tx.clone();
                eddy_runtime::spawn(async move {
                    ready_tx.send(()).await.unwrap();
                    timeout(COMING, sig.recv()).await.ok()
                })
            })
            .collect();
        for _ in 0..70 {
            ready_rx.recv().await.unwrap();
        }
        raise(kind.as_raw_value());
        for t in tasks {
            assert_eq!(t.await.unwrap(), Some(Some(())));
        }
    });
}

#[test]
fn a_listener_awaited_on_another_runtime_after_its_own_is_gone() {
    // The runtime that made the listener is dropped: the one it is awaited on must watch the pipe.
    let kind = rt_signal(8);
    let first = current_thread();
    let mut sig = first.block_on(async { signal(kind).unwrap() });
    drop(first);
    current_thread().block_on(async {
        raise(kind.as_raw_value());
        timeout(COMING, sig.recv()).await.unwrap();
    });
}

#[test]
fn a_listener_made_under_enter_of_an_idle_runtime_and_awaited_on_another() {
    let kind = rt_signal(9);
    let idle = current_thread();
    let mut sig = {
        let _guard = idle.enter();
        signal(kind).unwrap()
    };
    current_thread().block_on(async {
        raise(kind.as_raw_value());
        timeout(COMING, sig.recv()).await.unwrap();
    });
    drop(idle);
}
