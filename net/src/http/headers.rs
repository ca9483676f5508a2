//! `Headers`: a request's header fields, kept as offsets into the request's own copy of its head.
//!
//! Lookups compare names ASCII-case-insensitively and scan the list: a request has a handful of
//! fields, and a linear scan over them beats building a map per request. Repeated fields stay separate
//! entries, in arrival order.

use std::fmt;
use std::ops::Range;

/// The header fields of a request.
#[derive(Clone, Default)]
pub struct Headers {
    buf: Vec<u8>,
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl Headers {
    /// Wraps a head's bytes and the (name, value) ranges found in it.
    pub(crate) fn from_parts(buf: Vec<u8>, entries: Vec<(Range<usize>, Range<usize>)>) -> Headers {
        Headers { buf, entries }
    }

    /// The bytes the ranges point into (the request line is in there too).
    pub(crate) fn buf(&self) -> &[u8] {
        &self.buf
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
        self.entries
            .iter()
            .find(|(n, _)| self.buf[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| &self.buf[v.clone()])
    }

    /// Every value of field `name` (any case), in arrival order; values that are not UTF-8 are skipped.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| self.buf[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .filter_map(move |(_, v)| std::str::from_utf8(&self.buf[v.clone()]).ok())
    }

    /// `true` if field `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get_bytes(name).is_some()
    }

    /// All fields as (name as sent, raw value), in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.entries
            .iter()
            .map(move |(n, v)| (self.name_at(n), &self.buf[v.clone()]))
    }

    /// The number of fields (repeated names counted each time).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` if there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| (n, String::from_utf8_lossy(v))))
            .finish()
    }
}
