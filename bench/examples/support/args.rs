//! Command-line flags shared by every benchmark peer: `--addr ADDR` and `--workers N`.
//!
//! The peers take the same flags as eddy's examples so that `bench/run` starts every server the same
//! way. Bad input prints a one-line error and exits with status 2, never a panic.

/// The flags of a peer server.
pub struct Args {
    /// Address to listen on; port 0 picks a free one (the peer prints the address it got).
    pub addr: String,
    /// Worker threads; `None` lets the runtime choose (a raw loop accepts only 1).
    pub workers: Option<usize>,
}

/// Parses `std::env::args()` for the peer called `name`; exits on `--help` or bad input.
pub fn parse(name: &str) -> Args {
    let mut args = Args {
        addr: "127.0.0.1:8080".to_string(),
        workers: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => match it.next() {
                Some(v) => args.addr = v,
                None => fail(name, "--addr needs a value"),
            },
            "--workers" => match it.next().and_then(|v| v.parse::<usize>().ok()) {
                Some(n) if n > 0 => args.workers = Some(n),
                _ => fail(name, "--workers needs a positive number"),
            },
            "-h" | "--help" => {
                println!("usage: {name} [--addr ADDR] [--workers N]");
                std::process::exit(0);
            }
            other => fail(name, &format!("unknown argument {other:?}; try --help")),
        }
    }
    args
}

/// Prints `msg` as `name: msg` and exits with status 2.
pub fn fail(name: &str, msg: &str) -> ! {
    eprintln!("{name}: {msg}");
    std::process::exit(2);
}
