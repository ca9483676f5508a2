//! `eddy-bench`: a home for the benchmark peers, not a library.
//!
//! The peers eddy is measured against (an echo server and an HTTP server on Tokio, hyper on Tokio,
//! raw single-threaded epoll loops written on libc) and the measurement programs are the examples
//! of this crate, under `bench/examples/`. They reach their dependencies through
//! `[dev-dependencies]`, so nothing here ever becomes a dependency of `eddy`. `bench/run` builds
//! and drives them; BENCHMARKS.md is its output.
