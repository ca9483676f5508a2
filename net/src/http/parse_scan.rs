//! The head parser's byte scans (find the first byte of a class, many bytes per step) and word
//! compares (a known field name, case-insensitively, eight bytes at a time).
//!
//! Each scan answers the index of the first byte at or after `i` that ends a run (or `buf.len()`):
//! - [`name_stop`]: the first byte that is not an ASCII letter, digit or `-` (nearly every field
//!   name is made of those; the parser looks at any other byte itself, usually the colon);
//! - [`value_stop`]: the first control byte (HTAB included) or DEL;
//! - [`target_stop`]: the first byte that is not visible ASCII, and the first `?` before it.
//!
//! On x86_64 the scans take 16 bytes per step with SSE2, which is part of that target's baseline
//! (so no run-time detection); when fewer than 16 bytes are left they load the last 16 bytes of
//! the buffer and shift off the ones already seen, so a scan never falls back to single bytes
//! unless the whole buffer is shorter than 16. Elsewhere (and in the tests, against the SSE2
//! version) the same scans run on u64 words (SWAR), 8 bytes per step. Why the `unsafe` pays: a
//! 16-byte step costs about what an 8-byte word step does, and with the word scans the h2load
//! request parses in ~630 instructions instead of ~480. Both versions are exact: SSE2 lanes are
//! classified independently, and the word versions either keep each byte's sums inside the byte
//! or rely only on the lowest flagged byte, which a borrow cannot fake (see [`zero_bytes`]).

/// `0x0101…01`: one in every byte of a word.
pub(super) const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// `0x8080…80`: the high bit of every byte of a word.
pub(super) const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
/// DEL in every byte of a word.
const DELS: u64 = ONES * 0x7f;

/// Nonzero if a byte of `w` is zero; the lowest set bit (in little-endian order) is in the first
/// zero byte (higher ones may be false alarms, which callers never rely on).
#[inline(always)]
pub(super) fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// Nonzero if a byte of `w` is below `n` (`n` ≤ 128); the lowest set bit is exact, as in
/// [`zero_bytes`].
#[inline(always)]
fn bytes_below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

/// The 8 bytes of `s` at `i` as a little-endian word.
#[inline(always)]
pub(super) fn word_at(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(b)
}

/// Position of the first `b` in `s`, eight bytes at a time.
pub(super) fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    let pattern = ONES * u64::from(b);
    let mut i = 0;
    while i + 8 <= s.len() {
        let found = zero_bytes(word_at(s, i) ^ pattern);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&c| c == b).map(|p| i + p)
}

/// A field name the parser acts on (the framing fields), prepared for a case-insensitive compare eight bytes at a
/// time. Window `k` covers the name's bytes from `min(8k, len - 8)` (so the last one may overlap
/// the one before); a name shorter than 8 has one window, padded with zeros.
pub(super) struct Known {
    name: &'static [u8],
    /// The lowercase name's bytes in each window.
    lower: [u64; 3],
    /// 0x20 in each byte of a window that holds a letter: or-ing it in folds case.
    fold: [u64; 3],
}

impl Known {
    const fn new(name: &'static [u8]) -> Known {
        let mut k = Known {
            name,
            lower: [0; 3],
            fold: [0; 3],
        };
        let mut w = 0;
        while w < name.len().div_ceil(8) {
            let off = Known::offset(name.len(), w);
            let mut b = 0;
            while b < 8 && off + b < name.len() {
                let c = name[off + b];
                k.lower[w] |= (c as u64) << (8 * b);
                if c.is_ascii_lowercase() {
                    k.fold[w] |= 0x20 << (8 * b);
                }
                b += 1;
            }
            w += 1;
        }
        k
    }

    const fn offset(len: usize, window: usize) -> usize {
        if len < 8 || 8 * window + 8 <= len {
            8 * window
        } else {
            len - 8
        }
    }

    /// Whether `name`, of this name's length, is this name in any case. With the length known
    /// (a `match` on it), the windows need no bounds checks.
    #[inline(always)]
    pub(super) fn is(&self, name: &[u8]) -> bool {
        let len = self.name.len();
        if name.len() != len || len < 8 {
            return name.eq_ignore_ascii_case(self.name);
        }
        let mut w = 0;
        while w < len.div_ceil(8) {
            let off = Known::offset(len, w);
            if word_at(name, off) | self.fold[w] != self.lower[w] {
                return false;
            }
            w += 1;
        }
        true
    }

    /// Whether `buf[pos..pos + self.name.len()]` is this name, in any case. Letters compare
    /// case-folded; every other byte compares exactly.
    #[inline(always)]
    pub(super) fn is_at(&self, buf: &[u8], pos: usize) -> bool {
        let len = self.name.len();
        if pos + len.max(8) > buf.len() {
            return buf[pos..pos + len].eq_ignore_ascii_case(self.name);
        }
        if len < 8 {
            let mask = (1u64 << (8 * len)) - 1;
            return (word_at(buf, pos) | self.fold[0]) & mask == self.lower[0];
        }
        let mut w = 0;
        while w < len.div_ceil(8) {
            let off = Known::offset(len, w);
            if word_at(buf, pos + off) | self.fold[w] != self.lower[w] {
                return false;
            }
            w += 1;
        }
        true
    }
}

pub(super) const HOST: Known = Known::new(b"host");
pub(super) const HOST_COLON: Known = Known::new(b"host:");
pub(super) const EXPECT: Known = Known::new(b"expect");
pub(super) const CONNECTION: Known = Known::new(b"connection");
pub(super) const CONTENT_LENGTH: Known = Known::new(b"content-length");
pub(super) const TRANSFER_ENCODING: Known = Known::new(b"transfer-encoding");

/// The first (up to) eight bytes of `s` as a little-endian word.
pub(super) const fn word_of(s: &[u8]) -> u64 {
    let mut w = 0;
    let mut i = 0;
    while i < s.len() && i < 8 {
        w |= (s[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(super) use sse2::{name_stop, target_stop, value_stop};
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(super) use swar::{name_stop, target_stop, value_stop};

/// The scans on u64 words.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
mod swar {
    use super::{bytes_below, word_at, zero_bytes, DELS, HIGHS, ONES};

    /// Flags (the high bit of a byte) each byte of `w` that is not an ASCII letter, digit or `-`.
    /// Exact for every byte: with the high bits cleared first, no sum below carries out of its
    /// byte.
    #[inline(always)]
    fn odd_name_bytes(w: u64) -> u64 {
        let x = w & !HIGHS;
        // `x | 0x20` is in `a..=z` exactly for the letters of either case.
        let l = x | (ONES * 0x20);
        let letter = l.wrapping_add(ONES * (0x80 - 0x61)) & !l.wrapping_add(ONES * (0x7f - 0x7a));
        let digit = x.wrapping_add(ONES * (0x80 - 0x30)) & !x.wrapping_add(ONES * (0x7f - 0x39));
        let dash = !(x ^ (ONES * u64::from(b'-'))).wrapping_add(ONES * 0x7f);
        (!(letter | digit | dash) | w) & HIGHS
    }

    #[inline(always)]
    pub(in super::super) fn name_stop(buf: &[u8], mut i: usize) -> usize {
        while i + 8 <= buf.len() {
            let odd = odd_name_bytes(word_at(buf, i));
            if odd != 0 {
                return i + (odd.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        i + buf[i..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))
            .unwrap_or(buf.len() - i)
    }

    #[inline(always)]
    pub(in super::super) fn value_stop(buf: &[u8], mut i: usize) -> usize {
        while i + 8 <= buf.len() {
            let w = word_at(buf, i);
            // The lowest flagged byte is exact (see `zero_bytes`).
            let hits = bytes_below(w, 0x20) | zero_bytes(w ^ DELS);
            if hits != 0 {
                return i + (hits.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        i + buf[i..]
            .iter()
            .position(|&c| c < 0x20 || c == 0x7f)
            .unwrap_or(buf.len() - i)
    }

    #[inline(always)]
    pub(in super::super) fn target_stop(buf: &[u8], mut i: usize) -> (usize, Option<usize>) {
        const QUESTION: u64 = ONES * b'?' as u64;
        let mut q = None;
        while i + 8 <= buf.len() {
            let w = word_at(buf, i);
            // Space and controls, DEL, and bytes with the high bit set end the target; the
            // lowest flagged byte of each mask is exact.
            let stop = bytes_below(w, 0x21) | zero_bytes(w ^ DELS) | (w & HIGHS);
            if q.is_none() {
                let qs = zero_bytes(w ^ QUESTION);
                if qs != 0 && qs.trailing_zeros() < stop.trailing_zeros() {
                    q = Some(i + (qs.trailing_zeros() / 8) as usize);
                }
            }
            if stop != 0 {
                return (i + (stop.trailing_zeros() / 8) as usize, q);
            }
            i += 8;
        }
        while i < buf.len() {
            match buf[i] {
                b'?' if q.is_none() => q = Some(i),
                0x21..=0x7e => {}
                _ => break,
            }
            i += 1;
        }
        (i, q)
    }
}

/// The scans on 16-byte SSE2 vectors.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };

    /// The first lane at or after `i` that `class` flags (sets to all ones), or `buf.len()`.
    /// `buf` must hold at least 16 bytes (the callers check, so the assert costs nothing once
    /// inlined), and `i` ≤ `buf.len()`.
    #[inline(always)]
    fn scan(buf: &[u8], mut i: usize, class: impl Fn(__m128i) -> __m128i) -> usize {
        assert!(buf.len() >= 16);
        debug_assert!(i <= buf.len());
        loop {
            // Near the end, the last 16 bytes, with the lanes before `i` shifted off the mask.
            let at = i.min(buf.len() - 16);
            // SAFETY: `buf.len() >= 16` (asserted above) and `at <= buf.len() - 16`, so the 16
            // bytes read from `at` are inside `buf`; `_mm_loadu_si128` has no alignment
            // requirement; SSE2 is enabled (this module's cfg).
            let v = unsafe { _mm_loadu_si128(buf.as_ptr().add(at).cast()) };
            let mask = movemask(class(v)) >> (i - at);
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            if i + 16 >= buf.len() {
                return buf.len();
            }
            i += 16;
        }
    }

    /// The high bits of the 16 lanes, lane 0 in bit 0.
    #[inline(always)]
    #[allow(unused_unsafe)] // the intrinsics are safe to call from Rust 1.87 on; we support 1.85
    fn movemask(v: __m128i) -> u32 {
        // SAFETY: SSE2 is enabled (this module's cfg), the one requirement of the intrinsic.
        unsafe { _mm_movemask_epi8(v) as u32 }
    }

    /// All ones in the lanes of `v` in `lo..=lo + span` (unsigned).
    #[inline(always)]
    #[allow(unused_unsafe)] // as above
    fn in_range(v: __m128i, lo: u8, span: u8) -> __m128i {
        // SAFETY: SSE2 is enabled (this module's cfg), the one requirement of the intrinsics.
        unsafe {
            // `v - lo` wraps the lanes below `lo` to the top; a lane is in range when it is its
            // own minimum with `span`.
            let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span as i8)), d)
        }
    }

    /// All ones in the lanes of `v` equal to `b`.
    #[inline(always)]
    #[allow(unused_unsafe)] // as above
    fn eq(v: __m128i, b: u8) -> __m128i {
        // SAFETY: SSE2 is enabled (this module's cfg), the one requirement of the intrinsics.
        unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)) }
    }

    /// `a | b`, lane by lane.
    #[inline(always)]
    #[allow(unused_unsafe)] // as above
    fn or(a: __m128i, b: __m128i) -> __m128i {
        // SAFETY: SSE2 is enabled (this module's cfg), the one requirement of the intrinsic.
        unsafe { _mm_or_si128(a, b) }
    }

    /// Lanes that are not a letter (`x | 0x20` in `a..=z`), a digit or `-`. The final compare
    /// with zero turns "is" into "is not".
    #[inline(always)]
    fn odd_name(v: __m128i) -> __m128i {
        let letter = in_range(or(v, splat(0x20)), b'a', 25);
        let ok = or(or(letter, in_range(v, b'0', 9)), eq(v, b'-'));
        eq(ok, 0)
    }

    /// Lanes that are a control byte (HTAB included) or DEL.
    #[inline(always)]
    fn control(v: __m128i) -> __m128i {
        or(in_range(v, 0, 0x1f), eq(v, 0x7f))
    }

    #[inline(always)]
    pub(in super::super) fn name_stop(buf: &[u8], i: usize) -> usize {
        if buf.len() < 16 {
            return short::name_stop(buf, i);
        }
        scan(buf, i, odd_name)
    }

    #[inline(always)]
    pub(in super::super) fn value_stop(buf: &[u8], i: usize) -> usize {
        if buf.len() < 16 {
            return short::value_stop(buf, i);
        }
        scan(buf, i, control)
    }

    #[inline(always)]
    pub(in super::super) fn target_stop(buf: &[u8], i: usize) -> (usize, Option<usize>) {
        if buf.len() < 16 {
            return short::target_stop(buf, i);
        }
        // Not visible ASCII (`0x21..=0x7e`), or a `?`: the first hit is the end or the query.
        let first = scan(buf, i, |v| or(eq(in_range(v, 0x21, 0x5d), 0), eq(v, b'?')));
        if buf.get(first) != Some(&b'?') {
            return (first, None);
        }
        let end = scan(buf, first, |v| eq(in_range(v, 0x21, 0x5d), 0));
        (end, Some(first))
    }

    /// Buffers shorter than one vector (rare: a whole request is longer) take the word scans,
    /// out of line.
    mod short {
        #[cold]
        #[inline(never)]
        pub(super) fn name_stop(buf: &[u8], i: usize) -> usize {
            super::super::swar::name_stop(buf, i)
        }

        #[cold]
        #[inline(never)]
        pub(super) fn value_stop(buf: &[u8], i: usize) -> usize {
            super::super::swar::value_stop(buf, i)
        }

        #[cold]
        #[inline(never)]
        pub(super) fn target_stop(buf: &[u8], i: usize) -> (usize, Option<usize>) {
            super::super::swar::target_stop(buf, i)
        }
    }

    /// `b` in every lane.
    #[inline(always)]
    #[allow(unused_unsafe)] // as above
    fn splat(b: u8) -> __m128i {
        // SAFETY: SSE2 is enabled (this module's cfg), the one requirement of the intrinsic.
        unsafe { _mm_set1_epi8(b as i8) }
    }
}

#[cfg(all(test, target_arch = "x86_64", target_feature = "sse2"))]
mod tests {
    /// xorshift64*.
    fn next(s: &mut u64) -> u64 {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Both versions of each scan agree on random buffers (biased toward the bytes each class
    /// cares about), from every start.
    #[test]
    fn sse2_and_swar_agree() {
        let mut s = 0x1234_5678_9abc_def1;
        let alphabet = b"aZz09-:?\t\r\n \x7f\x80\xff!~/@[`{";
        for round in 0..3000 {
            let len = (next(&mut s) % 70) as usize;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next(&mut s);
                    if round % 3 == 0 {
                        r as u8
                    } else {
                        alphabet[(r % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            for i in 0..=len {
                assert_eq!(
                    super::sse2::name_stop(&buf, i),
                    super::swar::name_stop(&buf, i)
                );
                assert_eq!(
                    super::sse2::value_stop(&buf, i),
                    super::swar::value_stop(&buf, i)
                );
                assert_eq!(
                    super::sse2::target_stop(&buf, i),
                    super::swar::target_stop(&buf, i)
                );
            }
        }
    }
}
