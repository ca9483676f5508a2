//! The chunked transfer-coding decoder (RFC 9112 §7.1), as a byte-at-a-time state machine.
//!
//! [`ChunkedDecoder::decode`] takes whatever bytes have arrived, appends the chunk data it finds to the
//! body, and says how many input bytes it used and whether the body is finished; it can stop and
//! resume anywhere, even in the middle of a size line. Chunk extensions are skipped, trailer fields
//! are read and dropped. Limits: a size line of at most 16 hex digits, extensions and trailers of at
//! most [`MAX_LINE_EXTRA`] bytes in total (else 400), and a body no longer than the caller's limit
//! (else 413).

use super::status::StatusCode;

/// The most bytes of chunk extensions plus trailers one body may carry.
pub const MAX_LINE_EXTRA: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size (`digits` so far).
    Size { digits: u8 },
    /// After the size: skipping an extension (or whitespace) up to the line's end.
    Ext,
    /// Saw CR at the end of a size line; expecting LF.
    SizeLf,
    /// Copying chunk data; this many bytes left.
    Data(u64),
    /// After chunk data: expecting CR or LF.
    DataCr,
    /// After chunk data and CR: expecting LF.
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// Inside a trailer line, skipping to its end.
    Trailer,
    /// Saw CR at the start of a trailer line: expecting the final LF.
    EndLf,
    /// The body is complete.
    Done,
}

/// Decoder state for one chunked body.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    size: u64,
    extra: usize,
    total: u64,
    limit: u64,
}

impl ChunkedDecoder {
    /// A decoder for a body of at most `limit` decoded bytes.
    pub fn new(limit: u64) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size { digits: 0 },
            size: 0,
            extra: 0,
            total: 0,
            limit,
        }
    }

    /// `true` once the terminating chunk and trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input`, appending data to `out`. Returns the number of input bytes used (all of
    /// them unless the body ended inside `input`), or the status to answer with.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, StatusCode> {
        const BAD: StatusCode = StatusCode::BAD_REQUEST;
        let mut i = 0;
        while i < input.len() {
            let c = input[i];
            match self.state {
                State::Size { digits } => match hex(c) {
                    Some(d) => {
                        if digits == 16 {
                            return Err(BAD);
                        }
                        self.size = self.size << 4 | u64::from(d);
                        self.state = State::Size { digits: digits + 1 };
                    }
                    None if digits == 0 => return Err(BAD),
                    None => {
                        if self.total.saturating_add(self.size) > self.limit {
                            return Err(StatusCode::PAYLOAD_TOO_LARGE);
                        }
                        self.state = match c {
                            b'\r' => State::SizeLf,
                            b'\n' => self.after_size_line(),
                            b';' | b' ' | b'\t' => State::Ext,
                            _ => return Err(BAD),
                        };
                    }
                },
                State::Ext => {
                    self.count_extra()?;
                    match c {
                        b'\r' => self.state = State::SizeLf,
                        b'\n' => self.state = self.after_size_line(),
                        _ => {}
                    }
                }
                State::SizeLf => {
                    if c != b'\n' {
                        return Err(BAD);
                    }
                    self.state = self.after_size_line();
                }
                State::Data(left) => {
                    let n = (input.len() - i).min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&input[i..i + n]);
                    self.total += n as u64;
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        State::DataCr
                    } else {
                        State::Data(left)
                    };
                    i += n;
                    continue;
                }
                State::DataCr => match c {
                    b'\r' => self.state = State::DataLf,
                    b'\n' => self.state = State::Size { digits: 0 },
                    _ => return Err(BAD),
                },
                State::DataLf => {
                    if c != b'\n' {
                        return Err(BAD);
                    }
                    self.state = State::Size { digits: 0 };
                }
                State::TrailerStart => match c {
                    b'\r' => self.state = State::EndLf,
                    b'\n' => {
                        self.state = State::Done;
                        return Ok(i + 1);
                    }
                    _ => {
                        self.count_extra()?;
                        self.state = State::Trailer;
                    }
                },
                State::Trailer => {
                    self.count_extra()?;
                    if c == b'\n' {
                        self.state = State::TrailerStart;
                    }
                }
                State::EndLf => {
                    if c != b'\n' {
                        return Err(BAD);
                    }
                    self.state = State::Done;
                    return Ok(i + 1);
                }
                State::Done => return Ok(i),
            }
            i += 1;
        }
        Ok(i)
    }

    /// The state after a complete size line: data, or the trailers after the last chunk.
    fn after_size_line(&mut self) -> State {
        let size = std::mem::take(&mut self.size);
        if size == 0 {
            State::TrailerStart
        } else {
            State::Data(size)
        }
    }

    fn count_extra(&mut self) -> Result<(), StatusCode> {
        self.extra += 1;
        if self.extra > MAX_LINE_EXTRA {
            return Err(StatusCode::BAD_REQUEST);
        }
        Ok(())
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_split() {
        let body = b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for split in 0..=body.len() - 4 {
            let mut d = ChunkedDecoder::new(1024);
            let mut out = Vec::new();
            let a = d.decode(&body[..split], &mut out).unwrap();
            assert_eq!(a, split);
            let b = d.decode(&body[split..], &mut out).unwrap();
            assert!(d.is_done());
            assert_eq!(a + b, body.len() - 4);
            assert_eq!(out, b"hello, world");
        }
    }

    #[test]
    fn limits() {
        let mut d = ChunkedDecoder::new(4);
        assert_eq!(
            d.decode(b"5\r\nhello\r\n0\r\n\r\n", &mut Vec::new()),
            Err(StatusCode::PAYLOAD_TOO_LARGE)
        );
        let mut d = ChunkedDecoder::new(4);
        assert_eq!(
            d.decode(b"zz\r\n", &mut Vec::new()),
            Err(StatusCode::BAD_REQUEST)
        );
        let mut d = ChunkedDecoder::new(u64::MAX);
        assert_eq!(
            d.decode(b"fffffffffffffffff\r\n", &mut Vec::new()),
            Err(StatusCode::BAD_REQUEST)
        );
    }
}
