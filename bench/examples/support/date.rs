//! The HTTP `Date` value for the peers that write their own headers (`tokio_http`, `raw_http`).
//!
//! Cached per thread and rebuilt only when the wall-clock second changes, as eddy's server does, so
//! no peer pays for formatting on every response.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of an IMF-fixdate such as `Fri, 27 Nov 2026 05:40:00 GMT`.
pub const LEN: usize = 29;

thread_local! {
    static CACHE: RefCell<(u64, [u8; LEN])> = const { RefCell::new((u64::MAX, [b' '; LEN])) };
}

/// Appends the current date to `out`.
pub fn push(out: &mut Vec<u8>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != now {
            *c = (now, format(now));
        }
        out.extend_from_slice(&c.1);
    });
}

/// Formats `secs` since the Unix epoch as an IMF-fixdate (RFC 9110, section 5.6.7).
pub fn format(secs: u64) -> [u8; LEN] {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let (mut year, mut rest) = (1970u64, days);
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if rest < len {
            break;
        }
        rest -= len;
        year += 1;
    }
    let mut month = 0;
    loop {
        let len = month_len(year, month);
        if rest < len {
            break;
        }
        rest -= len;
        month += 1;
    }
    let s = secs % 86_400;
    let text = std::format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        rest + 1,
        MONTHS[month],
        year,
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    let mut out = [b' '; LEN];
    // Years past 9999 would not fit; they are not a benchmark's concern, so the tail is cut.
    let n = text.len().min(LEN);
    out[..n].copy_from_slice(&text.as_bytes()[..n]);
    out
}

fn is_leap(y: u64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_len(y: u64, m: usize) -> u64 {
    const LENS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if m == 1 && is_leap(y) {
        29
    } else {
        LENS[m]
    }
}
