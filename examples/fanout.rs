//! Echo load generator: one client multiplexing many connections, every echoed byte verified.
//!
//! ```text
//! cargo run --release --example fanout -- [--addr 127.0.0.1:43211] [--conns 5000] [--msgs 100]
//!     [--size 64] [--workers N] [--duration SECS] [--rate MSGS_PER_S]
//! ```
//! Opens `--conns` connections to the echo server at `--addr` (a comma-separated list spreads them over
//! several servers, round robin), then runs a ping-pong on each: send one message of `--size` bytes, read
//! it back in full, check every byte, send the next. With `--duration SECS` each connection goes on until
//! the time is up (or `--msgs`, if given too, is reached); otherwise each sends exactly `--msgs` messages.
//!
//! By default the load is closed-loop: each connection sends its next message as soon as the last one
//! came back, so the rate is whatever the server sustains. `--rate R` offers a fixed load instead, for
//! latency below saturation: R messages per second in all, each connection sending on its own schedule
//! (every `conns / R` seconds, the connections' schedules staggered evenly), still one message in flight
//! per connection. The schedule never slips: a message that could not go out when due (its connection's
//! previous echo came back late) goes out at once. Latency still counts from the moment a message is
//! written, because the timers that wake a connection for its next message have 1 ms granularity: counting
//! from the due time would add up to a millisecond of the client's own timer slack to every sample.
//!
//! Prints the total messages, messages per second over the ping-pong phase (connecting is timed apart),
//! and the p50/p99/p999 round-trip latency, then one machine-readable line:
//!
//! ```text
//! RESULT conns=5000 size=64 msgs=500000 secs=3.201 msgs_per_s=156201 p50_us=31.0 p99_us=... p999_us=... max_us=... errors=0
//! ```
//! (with `--rate R`, ` offered=R` ends the line). Exits with status 1 on any connection error or any byte that does not match what was sent.
//!
//! Latency is measured per message with `std::time::Instant` (write start to last byte read) and kept in
//! a log-linear histogram: 64 buckets per power of two, so a reported percentile is within 1/64 (1.6 %) of
//! the true value. The shortcut: a fixed-size histogram per connection instead of every sample, so a long
//! `--duration` run uses no more memory than a short one.

use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::TcpStream;
use std::fmt;
use std::io;
use std::time::{Duration, Instant};

struct Args {
    addrs: Vec<String>,
    conns: usize,
    msgs: Option<u64>,
    size: usize,
    workers: Option<usize>,
    duration: Option<Duration>,
    rate: Option<f64>,
}

/// Messages per connection when neither `--msgs` nor `--duration` is given.
const DEFAULT_MSGS: u64 = 100;

fn parse_args() -> Args {
    fn value<T: std::str::FromStr>(it: &mut impl Iterator<Item = String>, flag: &str) -> T {
        match it.next().map(|v| v.parse()) {
            Some(Ok(v)) => v,
            _ => {
                eprintln!("fanout: {flag} needs a number; try --help");
                std::process::exit(2);
            }
        }
    }
    let mut args = Args {
        addrs: vec!["127.0.0.1:43211".to_string()],
        conns: 5000,
        msgs: None,
        size: 64,
        workers: None,
        duration: None,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => {
                let list: String = value(&mut it, "--addr");
                args.addrs = list.split(',').map(str::to_string).collect();
            }
            "--conns" => args.conns = value(&mut it, "--conns"),
            "--msgs" => args.msgs = Some(value(&mut it, "--msgs")),
            "--size" => args.size = value(&mut it, "--size"),
            "--workers" => args.workers = Some(value(&mut it, "--workers")),
            "--duration" => {
                let secs: f64 = value(&mut it, "--duration");
                args.duration = Some(Duration::from_secs_f64(secs));
            }
            "--rate" => args.rate = Some(value(&mut it, "--rate")),
            "-h" | "--help" => {
                println!(
                    "usage: fanout [--addr ADDR[,ADDR...]] [--conns N] [--msgs M] [--size BYTES] \
                     [--workers N] [--duration SECS] [--rate MSGS_PER_S]"
                );
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }
    if args.conns == 0 || args.size == 0 {
        eprintln!("fanout: --conns and --size must be at least 1");
        std::process::exit(2);
    }
    if args.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        eprintln!("fanout: --rate must be a positive number of messages per second");
        std::process::exit(2);
    }
    if args.msgs.is_none() && args.duration.is_none() {
        args.msgs = Some(DEFAULT_MSGS);
    }
    args
}

/// Raises this process's soft `RLIMIT_NOFILE` so that `wanted` descriptors fit, up to the hard limit.
///
/// Returns the soft limit in force afterwards.
fn raise_nofile_limit(wanted: u64) -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `struct rlimit` through the pointer, which is valid and exclusive.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if lim.rlim_cur >= wanted {
        return Ok(lim.rlim_cur);
    }
    lim.rlim_cur = wanted.min(lim.rlim_max);
    // SAFETY: setrlimit only reads the `struct rlimit`, which lives for the whole call.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(lim.rlim_cur)
}

/// Fills `buf` with the payload of message `seq` on connection `conn`.
///
/// Every (connection, message) pair gets a different byte pattern, so bytes echoed on the wrong
/// connection, or a stale earlier message, fail verification instead of passing by luck.
pub fn fill_message(conn: u64, seq: u64, buf: &mut [u8]) {
    let seed = conn.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seq.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (seed >> ((i % 8) * 8)) as u8 ^ (i / 8) as u8;
    }
}

/// The offset of the first byte where `got` differs from `sent`, or `None` if they are equal.
pub fn first_mismatch(sent: &[u8], got: &[u8]) -> Option<usize> {
    if sent == got {
        return None;
    }
    Some(
        sent.iter()
            .zip(got)
            .position(|(a, b)| a != b)
            .unwrap_or(sent.len().min(got.len())),
    )
}

/// A log-linear latency histogram over nanoseconds: exact below 64 ns, then 64 buckets per power of two.
#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

/// Buckets per power of two (and the values below which buckets are exact).
const SUB_BUCKETS: u64 = 64;
/// log2 of [`SUB_BUCKETS`].
const SUB_BITS: u32 = 6;

impl Histogram {
    /// An empty histogram that can hold any `u64`.
    pub fn new() -> Histogram {
        // Values below 64 take the first 64 buckets; each exponent 6..=63 adds 64 more.
        let buckets = SUB_BUCKETS * (64 - SUB_BITS as u64 + 1);
        Histogram {
            counts: vec![0; buckets as usize],
            total: 0,
            max: 0,
        }
    }

    fn index(v: u64) -> usize {
        if v < SUB_BUCKETS {
            return v as usize;
        }
        let exp = 63 - v.leading_zeros(); // >= SUB_BITS
        let mantissa = (v >> (exp - SUB_BITS)) & (SUB_BUCKETS - 1);
        ((exp - SUB_BITS + 1) as u64 * SUB_BUCKETS + mantissa) as usize
    }

    /// The smallest value that falls in bucket `idx`, and the bucket's width.
    fn bucket_range(idx: usize) -> (u64, u64) {
        let idx = idx as u64;
        if idx < SUB_BUCKETS {
            return (idx, 1);
        }
        let exp = idx / SUB_BUCKETS - 1 + SUB_BITS as u64;
        let mantissa = idx % SUB_BUCKETS;
        let shift = exp - SUB_BITS as u64;
        ((SUB_BUCKETS + mantissa) << shift, 1 << shift)
    }

    /// Counts one sample.
    pub fn record(&mut self, v: u64) {
        self.counts[Self::index(v)] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    /// Adds every sample of `other` to `self`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// The number of samples recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether no sample has been recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The largest sample recorded (exact), or 0 if none.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0.0..=1.0): the middle of the bucket holding the sample of rank
    /// `ceil(q * len)`, never above the largest sample. 0 if the histogram is empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (idx, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (low, width) = Self::bucket_range(idx);
                return (low + width / 2).min(self.max);
            }
        }
        self.max
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// When a connection's ping-pong stops.
#[derive(Clone, Copy)]
struct Plan {
    msgs: Option<u64>,
    deadline: Option<Instant>,
    size: usize,
    /// With `--rate`: when the first message of connection 0 is due, and the gap between two
    /// messages of one connection.
    schedule: Option<(Instant, Duration)>,
    conns: u64,
}

impl Plan {
    /// When message `seq` of connection `conn` is due under `--rate`, or `None` without it.
    fn due(&self, conn: u64, seq: u64) -> Option<Instant> {
        let (first, gap) = self.schedule?;
        // Connection `conn` starts `conn / conns` of a gap after connection 0.
        let offset = gap.mul_f64(conn as f64 / self.conns as f64);
        Some(first + offset + gap.mul_f64(seq as f64))
    }
}

/// Why a connection failed.
enum Failure {
    Io {
        conn: u64,
        seq: u64,
        err: io::Error,
    },
    Mismatch {
        conn: u64,
        seq: u64,
        offset: usize,
        sent: u8,
        got: u8,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Io { conn, seq, err } => {
                write!(f, "connection {conn}, message {seq}: {err}")
            }
            Failure::Mismatch {
                conn,
                seq,
                offset,
                sent,
                got,
            } => write!(
                f,
                "connection {conn}, message {seq}: byte {offset} echoed as {got:#04x}, sent {sent:#04x}"
            ),
        }
    }
}

/// Runs the ping-pong on one connection; returns its latency histogram.
async fn ping_pong(mut stream: TcpStream, conn: u64, plan: Plan) -> Result<Histogram, Failure> {
    let mut hist = Histogram::new();
    let mut sent = vec![0u8; plan.size];
    let mut got = vec![0u8; plan.size];
    let mut seq = 0u64;
    loop {
        if plan.msgs.is_some_and(|m| seq >= m) {
            break;
        }
        fill_message(conn, seq, &mut sent);
        if let Some(due) = plan.due(conn, seq) {
            eddy::time::sleep_until(due.into()).await;
        }
        let start = Instant::now();
        let io_err = |err| Failure::Io { conn, seq, err };
        stream.write_all(&sent).await.map_err(io_err)?;
        stream.read_exact(&mut got).await.map_err(io_err)?;
        let now = Instant::now();
        hist.record((now - start).as_nanos() as u64);
        if let Some(offset) = first_mismatch(&sent, &got) {
            return Err(Failure::Mismatch {
                conn,
                seq,
                offset,
                sent: sent[offset],
                got: got[offset],
            });
        }
        seq += 1;
        if plan.deadline.is_some_and(|d| now >= d) {
            break;
        }
    }
    Ok(hist)
}

/// Connections opened at once; more would overflow the server's accept queue and wait out SYN retries.
const CONNECT_BATCH: usize = 256;

async fn connect_all(args: &Args) -> Result<Vec<TcpStream>, String> {
    let mut streams = Vec::with_capacity(args.conns);
    let mut first_error = None;
    let mut failed = 0usize;
    let mut next = 0;
    while next < args.conns {
        let end = (next + CONNECT_BATCH).min(args.conns);
        let batch: Vec<_> = (next..end)
            .map(|i| {
                let addr = args.addrs[i % args.addrs.len()].clone();
                eddy::spawn(async move {
                    let s = TcpStream::connect(&addr)
                        .await
                        .map_err(|e| format!("connect to {addr}: {e}"))?;
                    let _ = s.set_nodelay(true);
                    Ok::<_, String>(s)
                })
            })
            .collect();
        for handle in batch {
            match handle.await {
                Ok(Ok(s)) => streams.push(s),
                Ok(Err(e)) => {
                    failed += 1;
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert(format!("connect task: {e}"));
                }
            }
        }
        next = end;
    }
    match first_error {
        None => Ok(streams),
        Some(e) => Err(format!(
            "{failed} of {} connections failed; first: {e}",
            args.conns
        )),
    }
}

async fn run(args: Args) -> Result<(), String> {
    let connect_start = Instant::now();
    let streams = connect_all(&args).await?;
    eprintln!(
        "fanout: {} connections to {} in {:.2} s",
        streams.len(),
        args.addrs.join(","),
        connect_start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let conns = streams.len() as u64;
    let plan = Plan {
        msgs: args.msgs,
        deadline: args.duration.map(|d| start + d),
        size: args.size,
        schedule: args
            .rate
            .map(|r| (start, Duration::from_secs_f64(conns as f64 / r))),
        conns,
    };
    let handles: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, s)| eddy::spawn(ping_pong(s, i as u64, plan)))
        .collect();
    let mut hist = Histogram::new();
    let mut errors = 0u64;
    for handle in handles {
        let failure = match handle.await {
            Ok(Ok(h)) => {
                hist.merge(&h);
                continue;
            }
            Ok(Err(f)) => f.to_string(),
            Err(e) => format!("ping-pong task: {e}"),
        };
        errors += 1;
        if errors <= 10 {
            eprintln!("fanout: {failure}");
        }
    }
    let secs = start.elapsed().as_secs_f64();

    let msgs = hist.len();
    let rate = msgs as f64 / secs;
    let us = |ns: u64| ns as f64 / 1000.0;
    let (p50, p99, p999) = (
        us(hist.quantile(0.50)),
        us(hist.quantile(0.99)),
        us(hist.quantile(0.999)),
    );
    println!(
        "fanout: {msgs} messages of {} bytes in {secs:.3} s: {rate:.0} msgs/s",
        args.size
    );
    println!(
        "fanout: round trip p50 {p50:.1} µs, p99 {p99:.1} µs, p999 {p999:.1} µs, max {:.1} µs",
        us(hist.max())
    );
    println!(
        "RESULT conns={} size={} msgs={msgs} secs={secs:.3} msgs_per_s={rate:.0} p50_us={p50:.1} \
         p99_us={p99:.1} p999_us={p999:.1} max_us={:.1} errors={errors}{}",
        args.conns,
        args.size,
        us(hist.max()),
        args.rate
            .map_or(String::new(), |r| format!(" offered={r:.0}")),
    );
    if errors > 0 {
        return Err(format!("{errors} of {} connections failed", args.conns));
    }
    Ok(())
}

fn main() {
    let args = parse_args();
    // Each connection is one descriptor; leave room for the runtime's own (epoll, eventfd, stdio).
    match raise_nofile_limit(args.conns as u64 + 64) {
        Ok(limit) if limit < args.conns as u64 + 64 => eprintln!(
            "fanout: descriptor limit is {limit}; {} connections may fail with EMFILE",
            args.conns
        ),
        Ok(_) => {}
        Err(e) => eprintln!("fanout: cannot raise the descriptor limit: {e}"),
    }
    let mut builder = eddy::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        builder.worker_threads(n);
    }
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fanout: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("fanout: {e}");
        std::process::exit(1);
    }
}
