//! `SpareCapacity`: the growable buffers that the `*_buf` read methods append to.
//!
//! Tokio's `read_buf`, `try_read_buf`, `recv_buf` and friends take any `bytes::BufMut`. eddy has no
//! `bytes` dependency, so it owns this small trait instead and implements it for `Vec<u8>`: code that
//! passes a `Vec<u8>` to those methods ports unchanged, code that passes a `BytesMut` does not (read
//! into a `Vec<u8>` or a `ReadBuf` there).

use std::mem::MaybeUninit;

/// A buffer that reads append to: spare room after the data, and a way to claim what was written.
///
/// The reading methods take the room from [`spare_capacity`](SpareCapacity::spare_capacity), let the
/// kernel or the reader write into its front, then call [`commit`](SpareCapacity::commit) with the
/// number of bytes written.
pub trait SpareCapacity {
    /// The writable room after the buffer's data; a buffer that can grow makes room first when it is
    /// full, so the slice is empty only when the buffer cannot grow.
    fn spare_capacity(&mut self) -> &mut [MaybeUninit<u8>];

    /// Counts the first `n` bytes of the room as data.
    ///
    /// # Safety
    /// The first `n` bytes of the slice that the last call to `spare_capacity` returned have been
    /// initialised, and the buffer was not touched in between.
    unsafe fn commit(&mut self, n: usize);
}

/// How much a full `Vec` grows by before a read, as `bytes` does for `Vec<u8>`: enough for a small
/// message, and `Vec`'s doubling takes over for larger ones.
const MIN_GROWTH: usize = 64;

impl SpareCapacity for Vec<u8> {
    fn spare_capacity(&mut self) -> &mut [MaybeUninit<u8>] {
        if self.len() == self.capacity() {
            self.reserve(MIN_GROWTH);
        }
        self.spare_capacity_mut()
    }

    unsafe fn commit(&mut self, n: usize) {
        let len = self.len() + n;
        assert!(len <= self.capacity(), "commit past the spare capacity");
        // SAFETY: the caller initialised the first `n` spare bytes, and `len` is within capacity.
        unsafe { self.set_len(len) };
    }
}

impl<B: SpareCapacity + ?Sized> SpareCapacity for &mut B {
    fn spare_capacity(&mut self) -> &mut [MaybeUninit<u8>] {
        (**self).spare_capacity()
    }

    unsafe fn commit(&mut self, n: usize) {
        // SAFETY: the caller's promise is passed on unchanged to the same buffer.
        unsafe { (**self).commit(n) }
    }
}

#[cfg(test)]
mod tests {
    use super::SpareCapacity;

    #[test]
    fn a_full_vec_grows_and_commit_extends_it() {
        let mut v: Vec<u8> = Vec::new();
        let room = v.spare_capacity();
        assert!(room.len() >= 64);
        room[0].write(7);
        room[1].write(9);
        // SAFETY: two bytes were just written at the front of the room.
        unsafe { v.commit(2) };
        assert_eq!(v, [7, 9]);
    }

    #[test]
    fn spare_room_is_used_before_growing() {
        let mut v = Vec::with_capacity(10);
        v.push(1u8);
        assert_eq!(v.spare_capacity().len(), 9);
        assert_eq!(v.capacity(), 10);
    }
}
