//! Spawning, waiting and dropping children (with pipes, with `output`, dropped unwaited) leaves no
//! file descriptor behind. Alone in its test binary, so that no other test opens descriptors
//! while this one counts them.

use eddy::process::Command;
use std::process::Stdio;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn children_leave_no_descriptors_behind() {
    let rt = eddy::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Warm up: the runtime's and the signal machinery's own descriptors are made once.
        Command::new("true").status().await.unwrap();
        let before = open_fds();
        for _ in 0..50 {
            let out = Command::new("echo").arg("x").output().await.unwrap();
            assert_eq!(out.stdout, b"x\n");
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            child.wait().await.unwrap();
            drop(Command::new("true").spawn().unwrap());
        }
        // The dropped children are reaped by tasks that may still be waiting: let them finish.
        for _ in 0..200 {
            if open_fds() <= before {
                break;
            }
            eddy::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(open_fds(), before);
    });
}
