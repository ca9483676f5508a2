//! `Headers`: a request's header fields, kept as offsets into the request's own copy of its head.
//!
//! One buffer holds both: the head's bytes, then each field's four offsets (name start and end,
//! value start and end) as native-endian `usize`s. The buffer comes from, and goes back to when the
//! headers drop, the thread's spare (`head_pool.rs`), so building a request usually allocates nothing.
//!
//! Lookups compare names ASCII-case-insensitively and scan the list: a request has a handful of
//! fields, and a linear scan over them beats building a map per request. Repeated fields stay separate
//! entries, in arrival order.

use super::head_pool;
use std::fmt;
use std::ops::Range;

/// Bytes per field entry after the head: four `usize` offsets.
const ENTRY: usize = 4 * std::mem::size_of::<usize>();

/// The header fields of a request.
#[derive(Clone, Default)]
pub struct Headers {
    /// The head's bytes (`..head_len`), then one [`ENTRY`] per field.
    buf: Vec<u8>,
    head_len: usize,
}

impl Headers {
    /// Wraps a head's bytes and the (name, value) ranges found in them. `buf` is best given with
    /// room for `entries.len()` more [`ENTRY`]s (see [`buffer_for`](Headers::buffer_for)).
    #[inline]
    pub(crate) fn from_parts(
        mut buf: Vec<u8>,
        entries: &[(Range<usize>, Range<usize>)],
    ) -> Headers {
        let head_len = buf.len();
        let len = entries.len() * ENTRY;
        buf.reserve(len);
        // Written into the spare room directly: no length update per entry.
        let room = buf.spare_capacity_mut().chunks_exact_mut(ENTRY);
        for (slot, (n, v)) in room.zip(entries) {
            let words = [n.start, n.end, v.start, v.end].map(usize::to_ne_bytes);
            for (dst, &src) in slot.iter_mut().zip(words.as_flattened()) {
                dst.write(src);
            }
        }
        // `reserve` left room for `len` bytes, so the spare room holds `entries.len()` chunks.
        // SAFETY: the loop wrote all `ENTRY` bytes of each of the first `entries.len()` chunks:
        // the `len` bytes after `head_len` are initialized, and within the capacity.
        unsafe { buf.set_len(head_len + len) };
        Headers { buf, head_len }
    }

    /// An empty buffer for a head of `head_len` bytes and `fields` fields, to fill with the head's
    /// bytes and pass to [`from_parts`](Headers::from_parts): the thread's spare when it fits.
    #[inline]
    pub(crate) fn buffer_for(head_len: usize, fields: usize) -> Vec<u8> {
        head_pool::take(head_len + fields * ENTRY)
    }

    /// The bytes the ranges point into (the request line is in there too).
    #[inline]
    pub(crate) fn buf(&self) -> &[u8] {
        &self.buf[..self.head_len]
    }

    /// The (name, value) ranges of every field, in order.
    fn entries(&self) -> impl Iterator<Item = (Range<usize>, Range<usize>)> + '_ {
        self.buf[self.head_len..].chunks_exact(ENTRY).map(|e| {
            const W: usize = std::mem::size_of::<usize>();
            let at = |i: usize| {
                let mut b = [0u8; W];
                b.copy_from_slice(&e[i * W..(i + 1) * W]);
                usize::from_ne_bytes(b)
            };
            (at(0)..at(1), at(2)..at(3))
        })
    }

    fn name_at(&self, r: &Range<usize>) -> &str {
        // Names are tokens (ASCII), checked by the parser.
        std::str::from_utf8(&self.buf[r.clone()]).unwrap_or("")
    }

    /// The first value of field `name` (any case), if present and valid UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_bytes(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The raw bytes of the first value of field `name` (values may hold obs-text bytes ≥ 0x80).
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        self.entries()
            .find(|(n, _)| self.buf[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| &self.buf[v])
    }

    /// Every value of field `name` (any case), in arrival order; values that are not UTF-8 are skipped.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries()
            .filter(move |(n, _)| self.buf[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .filter_map(move |(_, v)| std::str::from_utf8(&self.buf[v]).ok())
    }

    /// `true` if field `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get_bytes(name).is_some()
    }

    /// All fields as (name as sent, raw value), in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.entries()
            .map(move |(n, v)| (self.name_at(&n), &self.buf[v]))
    }

    /// The number of fields (repeated names counted each time).
    pub fn len(&self) -> usize {
        (self.buf.len() - self.head_len) / ENTRY
    }

    /// `true` if there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Headers {
    #[inline]
    fn drop(&mut self) {
        head_pool::give_back(std::mem::take(&mut self.buf));
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_after_the_head() {
        let head = b"Host: a\r\nX-Y:  z\r\nx-y: w\r\n".to_vec();
        let h = Headers::from_parts(head, &[(0..4, 6..7), (9..12, 15..16), (18..21, 23..24)]);
        assert_eq!(h.len(), 3);
        assert_eq!(h.get("host"), Some("a"));
        assert_eq!(h.get_all("X-Y").collect::<Vec<_>>(), ["z", "w"]);
        assert_eq!(
            h.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ["Host", "X-Y", "x-y"]
        );
        assert_eq!(h.buf().len(), 26);
        assert!(!h.contains("nope"));
        assert!(Headers::default().is_empty());
    }
}
