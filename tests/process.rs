//! `eddy::process` beyond Tokio's process_* files: output capture, stdin/stdout round trips, a
//! megabyte through a pipe (the `EAGAIN` path both ways), one child's stdout as another's stdin,
//! `try_wait`, the errors of `spawn`, and the reaping of children dropped without a wait, with and
//! without a runtime.

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::process::Command;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn rt() -> eddy::runtime::Runtime {
    eddy::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// True once `pid` is neither running nor a zombie (it was reaped).
fn reaped(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the parenthesised command name; a reused pid would not be our child,
        // but within these tests' few seconds that does not happen.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('X'),
    }
}

fn wait_until_reaped(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reaped(pid) {
        assert!(Instant::now() < deadline, "child {pid} was never reaped");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn output_captures_stdout_stderr_and_the_exit_code() {
    rt().block_on(async {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    });
}

#[test]
fn a_megabyte_through_cat_both_ways() {
    rt().block_on(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        // The pipe holds 64 KiB: the writer must wait for the reader, and the reader for the writer.
        let writer = eddy::spawn(async move {
            stdin.write_all(&data).await.unwrap();
            // Dropping stdin closes the pipe: cat sees end-of-file and exits.
        });
        let mut got = Vec::new();
        stdout.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn one_childs_stdout_feeds_anothers_stdin() {
    rt().block_on(async {
        let mut first = Command::new("echo")
            .arg("through the pipe")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pipe: Stdio = first.stdout.take().unwrap().try_into().unwrap();
        let out = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(pipe)
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"THROUGH THE PIPE\n");
        assert!(first.wait().await.unwrap().success());
    });
}

#[test]
fn try_wait_sees_the_exit_without_blocking() {
    rt().block_on(async {
        let mut child = Command::new("sh")
            .args(["-c", "read x"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        assert_eq!(child.try_wait().unwrap(), None);
        assert!(child.id().is_some());
        drop(child.stdin.take()); // read sees end-of-file; sh exits 1
        let status = child.wait().await.unwrap();
        assert_eq!(status.code(), Some(1));
        assert_eq!(child.try_wait().unwrap(), Some(status));
        assert_eq!(child.id(), None);
    });
}

#[test]
fn spawn_errors_say_what_failed() {
    rt().block_on(async {
        let err = Command::new("/nonexistent/program").spawn().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        let err = Command::new("/").spawn().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        let err = Command::new("true")
            .current_dir("/nonexistent/dir")
            .status()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn a_child_dropped_inside_the_runtime_is_reaped_when_it_exits() {
    let rt = rt();
    let pid = rt.block_on(async {
        let child = Command::new("sh").args(["-c", "exit 0"]).spawn().unwrap();
        child.id().unwrap()
        // `child` dropped here, running or exited: the runtime reaps it.
    });
    wait_until_reaped(pid);
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    let rt = rt();
    let pid = rt.block_on(async {
        let child = Command::new("sleep")
            .arg("600")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        child.id().unwrap()
    });
    wait_until_reaped(pid);
}

#[test]
fn a_child_dropped_after_its_runtime_is_reaped_by_a_later_spawn() {
    let child = rt().block_on(async { Command::new("true").spawn().unwrap() });
    // The runtime is gone: the drop below can only put the child on the orphan list.
    let pid = child.id().unwrap();
    drop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let rt = rt();
    while !reaped(pid) {
        assert!(Instant::now() < deadline, "orphan {pid} was never reaped");
        // Each spawn sweeps the orphan list.
        rt.block_on(async { Command::new("true").status().await.unwrap() });
        std::thread::sleep(Duration::from_millis(5));
    }
}
