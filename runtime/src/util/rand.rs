//! A tiny per-worker random number generator (xorshift64*), used to pick steal victims.
//!
//! Not for anything that needs unpredictability: it only spreads work, and it must cost a few cycles.

use std::sync::atomic::{AtomicU64, Ordering};

/// A xorshift64* generator.
#[derive(Debug, Clone)]
pub(crate) struct FastRand(u64);

impl FastRand {
    /// A generator seeded from a process-wide counter mixed with the clock, so that workers differ.
    pub(crate) fn new() -> FastRand {
        static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let s = SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ nanos;
        FastRand(s | 1)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn next_n(&mut self, n: u32) -> u32 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
        ((r * n as u64) >> 32) as u32
    }
}
