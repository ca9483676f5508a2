//! The "no runtime" echo server: one thread, one epoll loop on libc, every byte received sent back.
//!
//! ```text
//! cargo run --release -p eddy-bench --example raw_echo -- [--addr 127.0.0.1:43211] [--workers 1]
//! ```
//! Prints the address it listens on (so `--addr 127.0.0.1:0` picks a free port). It is the lower
//! bound on CPU per message that `bench/run --groups echo` holds eddy's `examples/echo.rs` against:
//! the same system calls a runtime cannot avoid (one `recv`, one `send` per message), nothing else.
//! The loop itself is `support/epoll.rs`; this file only says what echoing is.

#[path = "support/args.rs"]
mod args;
#[path = "support/epoll.rs"]
mod epoll;

use epoll::{Processed, Protocol};

/// Echo: everything read is written back, nothing is ever left unconsumed.
struct Echo;

impl Protocol for Echo {
    fn process(&mut self, input: &[u8], out: &mut Vec<u8>) -> Processed {
        out.extend_from_slice(input);
        Processed {
            consumed: input.len(),
            close: false,
        }
    }
}

fn main() {
    let args = args::parse("raw_echo");
    if args.workers.is_some_and(|n| n != 1) {
        args::fail(
            "raw_echo",
            "the raw loop is single-threaded: --workers must be 1",
        );
    }
    let mut server = match epoll::Server::bind(&args.addr, Echo) {
        Ok(s) => s,
        Err(e) => args::fail("raw_echo", &format!("cannot listen on {}: {e}", args.addr)),
    };
    match server.local_addr() {
        Ok(a) => println!("raw_echo listening on {a}"),
        Err(e) => args::fail("raw_echo", &format!("local address: {e}")),
    }
    if let Err(e) = server.run() {
        eprintln!("raw_echo: {e}");
        std::process::exit(1);
    }
}
