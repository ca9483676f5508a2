//! The `Date` header value, formatted at most once per second per thread.
//!
//! Each worker thread keeps the last formatted IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the
//! monotonic [`Instant`] at which the wall-clock second it shows ends. The caller passes an
//! `Instant` it already has (the connection reads the clock once per batch of requests), so getting
//! the value reads no clock at all until that second is over; then the wall clock is read and the
//! string rebuilt. Each connection keeps a copy too ([`Stamps`]), so that a batch checks the date
//! with one comparison and copies the thread's only when the second has changed. Per-thread rather
//! than shared: no lock and no cache-line ping-pong between workers, at the price of each thread
//! formatting its own copy once a second.

use eddy_runtime::time::Instant;
use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Length of an IMF-fixdate.
pub const DATE_LEN: usize = 29;

/// The fixed start of a `200 OK` response head: status line, `Server`, `Date` (each line with its
/// CRLF). Rebuilt with the date; a response copies it in one go.
pub type Stamp = [u8; STAMP_LEN];

/// The status line of a 200 response, without its CRLF.
pub const STATUS_200: &[u8] = b"HTTP/1.1 200 OK";

/// What follows the status line up to the date.
const SERVER_LINE: &[u8] = b"\r\nServer: eddy\r\nDate: ";

/// Length of a [`Stamp`].
pub const STAMP_LEN: usize = STATUS_200.len() + SERVER_LINE.len() + DATE_LEN + 2;

/// The stamp for `date`.
pub(crate) fn stamp(date: &[u8; DATE_LEN]) -> Stamp {
    let mut s = [0u8; STAMP_LEN];
    let (a, rest) = s.split_at_mut(STATUS_200.len());
    a.copy_from_slice(STATUS_200);
    let (b, rest) = rest.split_at_mut(SERVER_LINE.len());
    b.copy_from_slice(SERVER_LINE);
    let (c, d) = rest.split_at_mut(DATE_LEN);
    c.copy_from_slice(date);
    d.copy_from_slice(b"\r\n");
    s
}

thread_local! {
    /// (the instant the cached second ends, its stamp); `None` before the first use.
    static CACHE: RefCell<Option<(Instant, Stamp)>> = const { RefCell::new(None) };
}

/// The response stamp (see [`Stamp`]) with the date at `now`, a recent reading of the monotonic
/// clock.
pub fn stamp_at(now: Instant) -> Stamp {
    current(now).1
}

/// The thread's (end of the second, stamp) for `now`, formatted afresh if the cached second is over.
fn current(now: Instant) -> (Instant, Stamp) {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        match &*c {
            Some((until, date)) if now < *until => (*until, *date),
            _ => {
                let wall = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or(Duration::ZERO);
                let date = stamp(&format_imf(wall.as_secs()));
                let left = Duration::from_nanos(u64::from(1_000_000_000 - wall.subsec_nanos()));
                *c = Some((now + left, date));
                (now + left, date)
            }
        }
    })
}

/// A connection's copy of its thread's stamp, with the instant its second ends: checking it costs
/// one comparison, and it is copied from the thread's cache once a second.
pub(crate) struct Stamps {
    until: Instant,
    stamp: Stamp,
}

impl Stamps {
    /// The stamp at `now`.
    pub(crate) fn new(now: Instant) -> Stamps {
        let (until, stamp) = current(now);
        Stamps { until, stamp }
    }

    /// Brings the stamp up to `now`, a later reading of the clock.
    pub(crate) fn advance(&mut self, now: Instant) {
        if now >= self.until {
            (self.until, self.stamp) = current(now);
        }
    }

    /// The stamp as of the last [`advance`](Stamps::advance).
    pub(crate) fn get(&self) -> &Stamp {
        &self.stamp
    }
}

/// Formats `secs` since the Unix epoch as an IMF-fixdate.
pub fn format_imf(secs: u64) -> [u8; DATE_LEN] {
    const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let days = secs / 86_400;
    let sod = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    out[..3].copy_from_slice(DAYS[(days % 7) as usize]);
    two(&mut out[5..7], d as u64);
    out[8..11].copy_from_slice(MONTHS[(m - 1) as usize]);
    let y = y as u64;
    two(&mut out[12..14], y / 100 % 100);
    two(&mut out[14..16], y % 100);
    two(&mut out[17..19], sod / 3600);
    two(&mut out[20..22], sod / 60 % 60);
    two(&mut out[23..25], sod % 60);
    out
}

fn two(dst: &mut [u8], v: u64) {
    dst[0] = b'0' + (v / 10) as u8;
    dst[1] = b'0' + (v % 10) as u8;
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (the proleptic Gregorian calendar;
/// the usual era-of-400-years arithmetic).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(&format_imf(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(&format_imf(784_111_777), b"Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(&format_imf(951_782_400), b"Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn stamp_layout() {
        let s = stamp(&format_imf(0));
        assert_eq!(
            &s[..],
            b"HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
        );
    }
}
