//! Randomized parser test: 100,000 random and mutated request heads and chunked bodies; no panic, every
//! outcome Complete/Partial/Error, and feeding a valid request in two pieces gives the same result as
//! feeding it whole. Likewise 100,000 random and mutated chunked bodies fed to the body decoder in
//! random pieces (as a streamed body arrives) decode exactly as when fed whole.

use eddy::http::parse::{HeadParser, Parse};
use eddy::http::ChunkedDecoder;

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VALID: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /plaintext?x=1&y HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET http://h/p HTTP/1.0\nConnection: keep-alive\n\n",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\nX-Repeat: 1\r\nx-repeat: 2\r\n\r\n",
];

fn same(a: &Parse, b: &Parse) -> bool {
    match (a, b) {
        (Parse::Complete(x, n), Parse::Complete(y, m)) => x == y && n == m,
        (Parse::Error(x), Parse::Error(y)) => x == y,
        (Parse::Partial, Parse::Partial) => true,
        _ => false,
    }
}

fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut v = src.to_vec();
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(v.len() + 1);
        match rng.below(4) {
            0 if i < v.len() => v[i] ^= 1 << rng.below(8),
            1 => v.insert(i, b"\r\n :\t\0x9aZ;,"[rng.below(12)]),
            2 if i < v.len() => {
                v.remove(i);
            }
            _ => v.insert(i, rng.next() as u8),
        }
    }
    v
}

#[test]
fn random_and_mutated_requests() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..100_000 {
        let input: Vec<u8> = if round % 5 == 0 {
            (0..rng.below(200)).map(|_| rng.next() as u8).collect()
        } else {
            let src = VALID[rng.below(VALID.len())];
            mutate(&mut rng, src)
        };
        let whole = HeadParser::new().parse(&input, 8192);
        // Split at a random point: the first call may say Partial or Error (an early 400 on the request
        // line); if Partial, the second call must agree with the whole-buffer result.
        let cut = rng.below(input.len() + 1);
        let mut p = HeadParser::new();
        let first = p.parse(&input[..cut], 8192);
        match first {
            Parse::Partial => assert!(
                same(&p.parse(&input, 8192), &whole),
                "split at {cut} differs: {:?}",
                String::from_utf8_lossy(&input)
            ),
            // A complete head in a prefix is the same head as in the whole input.
            Parse::Complete(..) => assert!(same(&first, &whole)),
            Parse::Error(_) => {}
        }
        // The body decoder on whatever follows must not panic either.
        let mut out = Vec::new();
        let _ = ChunkedDecoder::new(1 << 20).decode(&input, &mut out);
    }
}

#[test]
fn every_split_of_valid_requests_matches_whole() {
    for req in VALID {
        let whole = HeadParser::new().parse(req, 8192);
        assert!(matches!(whole, Parse::Complete(..)), "{whole:?}");
        for cut in 0..=req.len() {
            let mut p = HeadParser::new();
            let first = p.parse(&req[..cut], 8192);
            if matches!(first, Parse::Complete(..)) {
                assert!(same(&first, &whole));
                continue;
            }
            assert!(matches!(first, Parse::Partial), "cut {cut}: {first:?}");
            // And byte by byte.
            assert!(same(&p.parse(req, 8192), &whole), "cut {cut}");
        }
        let mut p = HeadParser::new();
        let mut last = Parse::Partial;
        for end in 1..=req.len() {
            last = p.parse(&req[..end], 8192);
            if !matches!(last, Parse::Partial) {
                break;
            }
        }
        assert!(same(&last, &whole));
    }
}

/// A random valid chunked body: chunks of random sizes (hex in either case, sometimes with an
/// extension), the last chunk, sometimes trailers.
fn chunked_body(rng: &mut Rng) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..rng.below(5) {
        let n = 1 + rng.below(40);
        let size = if rng.below(2) == 0 {
            format!("{n:x}")
        } else {
            format!("{n:X}")
        };
        v.extend_from_slice(size.as_bytes());
        if rng.below(4) == 0 {
            v.extend_from_slice(b";name=value");
        }
        v.extend_from_slice(b"\r\n");
        v.extend((0..n).map(|_| rng.next() as u8));
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(b"0\r\n");
    if rng.below(3) == 0 {
        v.extend_from_slice(b"X-Trailer: t\r\n");
    }
    v.extend_from_slice(b"\r\n");
    v
}

/// What decoding `input` gives: the data, the bytes used, whether the body ended, or the error.
fn decode_in_pieces(
    input: &[u8],
    cuts: &[usize],
    limit: u64,
) -> (Vec<u8>, Result<usize, u16>, bool) {
    let mut dec = ChunkedDecoder::new(limit);
    let mut data = Vec::new();
    let mut used = 0;
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&input.len())) {
        if to < from {
            continue;
        }
        match dec.decode(&input[from..to], &mut data) {
            Ok(n) => used += n,
            Err(status) => return (data, Err(status.as_u16()), false),
        }
        if dec.is_done() {
            break;
        }
        from = to;
    }
    (data, Ok(used), dec.is_done())
}

#[test]
fn chunked_bodies_split_anywhere_decode_as_whole() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..100_000 {
        let valid = chunked_body(&mut rng);
        let input = match round % 4 {
            0 => valid.clone(),
            1 => (0..rng.below(120)).map(|_| rng.next() as u8).collect(),
            _ => mutate(&mut rng, &valid),
        };
        // A limit that some bodies exceed.
        let limit = if round % 7 == 0 { 30 } else { 1 << 20 };
        let whole = decode_in_pieces(&input, &[], limit);
        let mut cuts: Vec<usize> = (0..rng.below(4))
            .map(|_| rng.below(input.len() + 1))
            .collect();
        cuts.sort_unstable();
        let split = decode_in_pieces(&input, &cuts, limit);
        assert_eq!(
            whole,
            split,
            "cuts {cuts:?} of {:?}",
            String::from_utf8_lossy(&input)
        );
        if round % 4 == 0 && limit > 1 << 10 {
            assert!(
                whole.2,
                "a valid body must decode to its end: {:?}",
                String::from_utf8_lossy(&input)
            );
            assert_eq!(whole.1, Ok(input.len()));
        }
    }
}
