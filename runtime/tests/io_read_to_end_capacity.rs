//! `read_to_end`'s growth policy: a vector sized for the data is never reallocated, and one that
//! is too small grows by doubling.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use eddy::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// A reader that hands out its chunks one read at a time (each cut to the caller's space).
struct Chunks(VecDeque<Vec<u8>>);

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if let Some(mut chunk) = self.0.pop_front() {
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            if n < chunk.len() {
                self.0.push_front(chunk.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// A reader of `parts`; empty parts are left out (an empty read means end of file).
fn chunks(parts: &[&[u8]]) -> Chunks {
    Chunks(
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.to_vec())
            .collect(),
    )
}

#[eddy::test]
async fn a_vector_with_room_for_the_data_keeps_its_allocation() {
    let data: Vec<u8> = (0..100).collect();
    for len in [0usize, 1, 31, 32, 33, 64, 100] {
        for split in [0, 1, len / 2, len.saturating_sub(1)] {
            for cap in [len, len + 1, len + 31, len + 40] {
                let bytes = &data[..len];
                let split = split.min(len);
                let mut reader = chunks(&[&bytes[..split], &bytes[split..]]);
                let mut out = Vec::with_capacity(cap);
                let cap = out.capacity();
                let n = reader.read_to_end(&mut out).await.unwrap();
                assert_eq!(n, len);
                assert_eq!(out, bytes);
                assert_eq!(out.capacity(), cap, "len {len} split {split} cap {cap}");
            }
        }
    }
}

#[eddy::test]
async fn a_vector_too_small_doubles() {
    let data = [7u8; 38];
    let mut out = Vec::with_capacity(34);
    chunks(&[&data]).read_to_end(&mut out).await.unwrap();
    assert_eq!(out.len(), 38);
    // Doubled once to fit the probe's overflow, and once more to leave room for another read.
    assert_eq!(out.capacity(), 34 * 4);
}

#[eddy::test]
async fn appends_after_existing_contents() {
    let mut out = b"head:".to_vec();
    let n = chunks(&[b"one", b"two"])
        .read_to_end(&mut out)
        .await
        .unwrap();
    assert_eq!(n, 6);
    assert_eq!(out, b"head:onetwo");
}
