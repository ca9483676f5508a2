//! `eddy::io::stdin`/`stdout`/`stderr`, checked by running this test binary again as a child
//! process whose standard streams are pipes.

use std::io::Write;
use std::process::{Command, Stdio};

use eddy::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Set in the child's environment; `echo_child` does nothing without it.
const CHILD: &str = "EDDY_IO_STDIO_CHILD";

/// The child's side: echoes each line of stdin to stdout, then reports on stderr. Its last write
/// is never flushed and its handle is dropped at once: the bytes must still come out.
#[eddy::test]
async fn echo_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let mut out = eddy::io::stdout();
    let mut lines = BufReader::new(eddy::io::stdin()).lines();
    let mut count = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        out.write_all(format!("echo: {line}\n").as_bytes())
            .await
            .unwrap();
        count += 1;
    }
    out.flush().await.unwrap();
    let mut err = eddy::io::stderr();
    err.write_all(format!("err: {count} lines\n").as_bytes())
        .await
        .unwrap();
    err.flush().await.unwrap();
    out.write_all(b"echo: unflushed\n").await.unwrap();
    drop(out);
}

#[test]
fn stdin_to_stdout_through_a_child_process() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "echo_child", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Big enough to need several blocking reads.
    let input: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    let feeder = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(output.status.success(), "child failed: {output:?}");

    // The test harness prints its own lines to stdout too; keep only ours.
    let stdout = String::from_utf8(output.stdout).unwrap();
    let echoed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("echo: ").map(|i| &l[i + 6..]))
        .collect();
    let mut expected: Vec<String> = (0..2000).map(|i| format!("line {i}")).collect();
    expected.push("unflushed".to_string());
    assert_eq!(echoed, expected);

    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("err: 2000 lines"), "stderr: {stderr}");
}

#[test]
fn handles_expose_the_standard_descriptors() {
    use std::os::fd::AsRawFd;
    let rt = eddy::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    assert_eq!(eddy::io::stdin().as_raw_fd(), 0);
    assert_eq!(eddy::io::stdout().as_raw_fd(), 1);
    assert_eq!(eddy::io::stderr().as_raw_fd(), 2);
}
