//! `ReadBuf`: a byte buffer that tracks how much of it is filled and how much is initialized.
//!
//! The buffer is a borrowed slice of possibly-uninitialized bytes split in three regions:
//!
//! ```text
//! [ filled | initialized but unfilled | uninitialized ]
//! 0     filled                    initialized      capacity
//! ```
//!
//! Invariant: `filled <= initialized <= capacity`, and every byte before `initialized` has been
//! written. Readers append at `filled`; the initialized mark lets a caller reuse one buffer for many reads
//! without zeroing it again each time.

use std::fmt;
use std::mem::MaybeUninit;

/// A wrapper around a byte buffer that is incrementally filled and initialized.
///
/// This is what [`AsyncRead::poll_read`](super::AsyncRead::poll_read) writes into.
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

/// Views initialized bytes as `u8`.
///
/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn assume_init_slice(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and the caller promises the bytes are initialized.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// Views initialized bytes as `u8`, mutably.
///
/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn assume_init_slice_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; initialized per the caller; writing `u8`s keeps them initialized.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

impl<'a> ReadBuf<'a> {
    /// Creates a new `ReadBuf` from a fully initialized buffer.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` share a layout, and the bytes are initialized; our
        // invariant (everything below `initialized` stays initialized) means we never write
        // uninitialized bytes through this view, so the caller's `&mut [u8]` stays valid.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// Creates a new `ReadBuf` from a buffer that may be uninitialized.
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// The total capacity of the buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled part of the buffer.
    #[inline]
    pub fn filled(&self) -> &[u8] {
        // SAFETY: bytes below `filled` are initialized (filled <= initialized).
        unsafe { assume_init_slice(&self.buf[..self.filled]) }
    }

    /// The filled part of the buffer, mutably.
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: bytes below `filled` are initialized (filled <= initialized).
        unsafe { assume_init_slice_mut(&mut self.buf[..self.filled]) }
    }

    /// Returns a new `ReadBuf` over the first `n` unfilled bytes of this one.
    ///
    /// Bytes the new buffer fills are not counted as filled in this one; use
    /// [`ReadBuf::advance`] for that.
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let max = n.min(self.remaining());
        let init = self.initialized.saturating_sub(self.filled).min(max);
        let mut taken = ReadBuf::uninit(&mut self.buf[self.filled..self.filled + max]);
        taken.initialized = init;
        taken
    }

    /// The initialized part of the buffer (it includes the filled part).
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: bytes below `initialized` are initialized by the invariant.
        unsafe { assume_init_slice(&self.buf[..self.initialized]) }
    }

    /// The initialized part of the buffer, mutably.
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        // SAFETY: bytes below `initialized` are initialized by the invariant.
        unsafe { assume_init_slice_mut(&mut self.buf[..self.initialized]) }
    }

    /// The whole buffer, possibly uninitialized.
    ///
    /// # Safety
    /// The caller must not de-initialize bytes that were initialized.
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The unfilled part of the buffer, possibly uninitialized.
    ///
    /// # Safety
    /// The caller must not de-initialize bytes that were initialized.
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// Initializes (with zeroes) the rest of the buffer if needed and returns the unfilled part.
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// Initializes (with zeroes) at least `n` unfilled bytes and returns the first `n` of them.
    ///
    /// # Panics
    /// Panics if `n` is more than [`ReadBuf::remaining`].
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(self.remaining() >= n, "n overflows remaining");
        let end = self.filled + n;
        if self.initialized < end {
            for b in &mut self.buf[self.initialized..end] {
                b.write(0);
            }
            self.initialized = end;
        }
        // SAFETY: `filled..end` lies below `initialized`, which we just ensured.
        unsafe { assume_init_slice_mut(&mut self.buf[self.filled..end]) }
    }

    /// Bytes that can still be filled: `capacity - filled`.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Empties the buffer (the initialized bytes stay initialized).
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Marks `n` more bytes as filled.
    ///
    /// # Panics
    /// Panics if the filled region would pass the initialized region.
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self.filled.checked_add(n).expect("filled overflow");
        self.set_filled(new);
    }

    /// Sets the filled length to `n`.
    ///
    /// # Panics
    /// Panics if `n` is past the initialized region.
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "filled must not become larger than initialized"
        );
        self.filled = n;
    }

    /// Declares that the first `n` unfilled bytes are initialized.
    ///
    /// # Safety
    /// The caller must have initialized those bytes.
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        let new = self.filled + n;
        if new > self.initialized {
            self.initialized = new;
        }
    }

    /// Appends `buf` to the filled part.
    ///
    /// # Panics
    /// Panics if `buf` is longer than [`ReadBuf::remaining`].
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, buf: &[u8]) {
        assert!(
            self.remaining() >= buf.len(),
            "buf.len() must fit in remaining()"
        );
        let end = self.filled + buf.len();
        // SAFETY: `filled..end` is in bounds (checked above); source and destination do not overlap
        // because `buf` is a shared borrow and `self.buf` a unique one.
        unsafe {
            std::ptr::copy_nonoverlapping(
                buf.as_ptr(),
                self.buf.as_mut_ptr().add(self.filled).cast::<u8>(),
                buf.len(),
            );
        }
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}
