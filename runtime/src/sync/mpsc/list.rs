//! The lock-free queue under every `mpsc` channel: a linked list of fixed-size blocks.
//!
//! ## Shape
//!
//! Messages are numbered `0, 1, 2, …` in the order senders claim them. Message `i` lives in slot
//! `i % BLOCK_CAP` of the block whose `start` is `i - i % BLOCK_CAP`; blocks are chained through `next`
//! in increasing `start` order.
//!
//! ## Sending (any number of threads)
//!
//! 1. Claim an index with `fetch_add` on `tail_pos`.
//! 2. Find its block: start at `tail_block`, follow `next`, appending a new block where the chain ends.
//!    On the way, a block whose slots are all written ("final") is passed over for good: `tail_block`
//!    is CAS-moved past it, and the block is marked `RELEASED` with `observed_tail`, the value of
//!    `tail_pos` right after the move.
//! 3. Write the value into the slot, then set the slot's bit in the block's `ready` word.
//!
//! Every step that makes a message visible (the `tail_pos` claim, linking a new block, the ready bit)
//! is a `SeqCst` read-modify-write, and every load the receiver decides "empty" or "busy" from (`next`,
//! `ready`, `tail_pos`) is `SeqCst`. That is what lets a sender skip waking when the receiver's waker
//! slot reads idle ([`AtomicWaker::wake_seq_cst`](crate::util::atomic_waker::AtomicWaker)): the
//! receiver registers before its last look, and one of the two sees the other. On x86 this costs
//! nothing (the read-modify-writes are `lock`ed instructions anyway, and `SeqCst` loads are plain
//! loads).
//!
//! ## Receiving (one thread at a time)
//!
//! The receiver reads index `index` once its ready bit is set and moves on; it never
//! waits inside the list. A claimed slot whose bit is not yet set reads as `Busy`. A batch read
//! (`pop_many`, behind `recv_many`) loads the ready word once and takes the whole run of set bits
//! from `index` on.
//!
//! ## Reclaiming blocks
//!
//! A block the receiver has finished is reused only when it is `RELEASED` and the receiver's `index`
//! has reached its `observed_tail`. Why that is enough: a sender can hold a pointer to a block only if
//! it loaded `tail_block` before `tail_block` moved past that block; it claimed its index before that
//! load (both `SeqCst`, as are the move and the `tail_pos` load that follows it), so its index is below
//! `observed_tail`. The receiver reading that index means the sender finished writing, and so finished
//! walking. A reclaimed block is reset and appended after the current tail for reuse (three attempts,
//! then it is freed), so a busy channel stops allocating once warmed up.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::*};
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};

#[cfg(not(loom))]
const BLOCK_CAP: usize = if usize::BITS >= 64 { 32 } else { 16 };
/// Tiny blocks under loom so that models cross block boundaries.
#[cfg(loom)]
const BLOCK_CAP: usize = 2;

const SLOT_MASK: usize = BLOCK_CAP - 1;
const READY_MASK: usize = (1 << BLOCK_CAP) - 1;
/// Set in `ready` once `tail_block` has moved past the block; `observed_tail` is valid then.
const RELEASED: usize = 1 << BLOCK_CAP;

struct Block<T> {
    /// Index of the first message this block holds.
    start: AtomicUsize,
    next: AtomicPtr<Block<T>>,
    /// Bit `k` set: slot `k` holds a value. Plus `RELEASED`.
    ready: AtomicUsize,
    /// `tail_pos` when `tail_block` moved past this block.
    observed_tail: AtomicUsize,
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// A new empty block, straight on the heap.
    ///
    /// `Box::new(Block { .. })` would build the block on the stack and copy it over: with large
    /// messages that is a copy of `BLOCK_CAP` uninitialised slots (a megabyte for 32 KiB values) per
    /// block. Instead the memory is allocated raw and only the header is written.
    #[cfg(not(loom))]
    fn alloc(start: usize) -> NonNull<Block<T>> {
        let layout = std::alloc::Layout::new::<Block<T>>();
        // SAFETY: the layout is not zero-sized: the header alone is four words.
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<Block<T>>();
        let Some(block) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        // The slots stay uninitialised, a valid value for `UnsafeCell<MaybeUninit<T>>` (std's
        // `UnsafeCell` is `repr(transparent)`); the memory came from the global allocator with
        // `Block<T>`'s layout, so `Box::from_raw` may free it.
        // SAFETY: `raw` is non-null, aligned and valid for writes of a `Block<T>`; each header field
        // is written once, in place, and the slots need no initialisation (above).
        unsafe {
            ptr::addr_of_mut!((*raw).start).write(AtomicUsize::new(start));
            ptr::addr_of_mut!((*raw).next).write(AtomicPtr::new(ptr::null_mut()));
            ptr::addr_of_mut!((*raw).ready).write(AtomicUsize::new(0));
            ptr::addr_of_mut!((*raw).observed_tail).write(AtomicUsize::new(0));
        }
        block
    }

    /// Loom's cells are not plain memory, so under loom every slot is constructed.
    #[cfg(loom)]
    fn alloc(start: usize) -> NonNull<Block<T>> {
        let b = Box::new(Block {
            start: AtomicUsize::new(start),
            next: AtomicPtr::new(ptr::null_mut()),
            ready: AtomicUsize::new(0),
            observed_tail: AtomicUsize::new(0),
            slots: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        });
        NonNull::from(Box::leak(b))
    }

    fn is_final(&self) -> bool {
        self.ready.load(Acquire) & READY_MASK == READY_MASK
    }
}

/// The sending half of the list, shared by all senders.
pub(crate) struct Tx<T> {
    tail_pos: AtomicUsize,
    tail_block: AtomicPtr<Block<T>>,
}

/// The receiving half; owned by the receiver (accessed only through `&mut`).
pub(crate) struct Rx<T> {
    /// The block holding `index`.
    head: NonNull<Block<T>>,
    /// The next message to read.
    index: usize,
    /// Oldest block not yet reclaimed; every block from here to `head` has been read.
    free_head: NonNull<Block<T>>,
}

/// What [`Rx::pop`] found.
pub(crate) enum Pop<T> {
    Value(T),
    /// Nothing has been claimed past the receiver's position.
    Empty,
    /// The next message was claimed but is still being written.
    Busy,
}

/// A new empty list.
pub(crate) fn list<T>() -> (Tx<T>, Rx<T>) {
    let first = Block::<T>::alloc(0);
    let tx = Tx {
        tail_pos: AtomicUsize::new(0),
        tail_block: AtomicPtr::new(first.as_ptr()),
    };
    let rx = Rx {
        head: first,
        index: 0,
        free_head: first,
    };
    (tx, rx)
}

/// Loom treats `SeqCst` accesses as `AcqRel` (a documented limitation of the model checker), so
/// it would explore the store-buffering outcome that the reclaiming argument rules out: a sender's
/// `fetch_add` on `tail_pos` followed by its load of `tail_block`, against a mover's CAS of
/// `tail_block` followed by its load of `tail_pos`, both sides reading the old value. `SeqCst`
/// forbids that (the four accesses share one total order); under loom a `SeqCst` fence between each
/// pair restores the same guarantee in the model (loom does model fences). Real builds need nothing.
#[inline(always)]
fn loom_seq_cst() {
    #[cfg(loom)]
    crate::loom::sync::atomic::fence(SeqCst);
}

impl<T> Tx<T> {
    /// Appends `value`. Never blocks; allocates a block at most once per `BLOCK_CAP` messages.
    pub(crate) fn push(&self, value: T) {
        let index = self.tail_pos.fetch_add(1, SeqCst);
        loom_seq_cst();
        let block = self.find_block(index);
        let slot = index & SLOT_MASK;
        // SAFETY: `find_block` returns a live block (see the module docs on reclaiming). The slot was
        // claimed by our `fetch_add` alone, and the receiver reads it only after seeing its ready bit,
        // which we set after this write.
        unsafe {
            let b = block.as_ref();
            b.slots[slot].with_mut(|p| (*p).write(value));
            b.ready.fetch_or(1 << slot, SeqCst);
        }
    }

    /// Number of messages ever claimed.
    pub(crate) fn tail_position(&self) -> usize {
        self.tail_pos.load(SeqCst)
    }

    fn find_block(&self, index: usize) -> NonNull<Block<T>> {
        let start = index & !SLOT_MASK;
        let mut cur = self.tail_block.load(SeqCst);
        // Only a run of final blocks at the front can move `tail_block`.
        let mut may_advance = true;
        loop {
            // SAFETY: `cur` is `tail_block` or reached from it through `next`; such blocks are not
            // reclaimed while we may still use them (module docs).
            let block = unsafe { &*cur };
            let block_start = block.start.load(Relaxed);
            if block_start == start {
                // SAFETY: non-null: it came from `tail_block` or a non-null `next`.
                return unsafe { NonNull::new_unchecked(cur) };
            }
            debug_assert!(block_start < start, "tail_block moved past a claimed index");
            let next = match NonNull::new(block.next.load(Acquire)) {
                Some(next) => next.as_ptr(),
                None => self.grow(block),
            };
            if may_advance && block.is_final() {
                match self.tail_block.compare_exchange(cur, next, SeqCst, SeqCst) {
                    Ok(_) => {
                        loom_seq_cst();
                        let observed = self.tail_pos.load(SeqCst);
                        block.observed_tail.store(observed, Relaxed);
                        block.ready.fetch_or(RELEASED, Release);
                    }
                    Err(_) => may_advance = false,
                }
            } else {
                may_advance = false;
            }
            cur = next;
        }
    }

    /// Appends a block after `block` (or, if someone beat us to it, further down the chain, so the
    /// allocation is not wasted) and returns `block`'s successor.
    fn grow(&self, block: &Block<T>) -> *mut Block<T> {
        let new = Block::<T>::alloc(block.start.load(Relaxed) + BLOCK_CAP);
        let mut at = block;
        let mut first_next = None;
        loop {
            match at
                .next
                .compare_exchange(ptr::null_mut(), new.as_ptr(), SeqCst, Acquire)
            {
                Ok(_) => return first_next.unwrap_or(new.as_ptr()),
                Err(actual) => {
                    first_next.get_or_insert(actual);
                    // SAFETY: blocks after `tail_block` are live (never reclaimed ahead of the tail).
                    at = unsafe { &*actual };
                    // SAFETY: `new` is still ours alone: nobody can see it until a CAS succeeds.
                    unsafe { new.as_ref() }
                        .start
                        .store(at.start.load(Relaxed) + BLOCK_CAP, Relaxed);
                }
            }
        }
    }

    /// Resets `block` (which the receiver owns exclusively) and appends it after the tail for reuse,
    /// or frees it if three attempts fail.
    fn reuse(&self, block: NonNull<Block<T>>) {
        // SAFETY: the receiver reclaimed `block`: no sender can reach it (module docs), so we own it.
        let b = unsafe { block.as_ref() };
        b.ready.store(0, Relaxed);
        b.next.store(ptr::null_mut(), Relaxed);
        // SAFETY: `tail_block` is never reclaimed; only the receiver (us) reclaims.
        let mut at = unsafe { &*self.tail_block.load(Acquire) };
        for _ in 0..3 {
            b.start.store(at.start.load(Relaxed) + BLOCK_CAP, Relaxed);
            match at
                .next
                .compare_exchange(ptr::null_mut(), block.as_ptr(), AcqRel, Acquire)
            {
                Ok(_) => return,
                // SAFETY: blocks after the tail are live.
                Err(actual) => at = unsafe { &*actual },
            }
        }
        // SAFETY: still exclusively ours (every CAS failed); allocated by `Block::alloc` as a Box; the
        // slots hold no values (all were read).
        drop(unsafe { Box::from_raw(block.as_ptr()) });
    }
}

impl<T> Rx<T> {
    /// Takes the next message if it has been written.
    pub(crate) fn pop(&mut self, tx: &Tx<T>) -> Pop<T> {
        let start = self.index & !SLOT_MASK;
        loop {
            // SAFETY: `head` is live: only blocks before it are reclaimed.
            let head = unsafe { self.head.as_ref() };
            if head.start.load(Relaxed) == start {
                break;
            }
            match NonNull::new(head.next.load(SeqCst)) {
                Some(next) => self.head = next,
                None => return self.empty_or_busy(tx),
            }
        }
        self.reclaim(tx);
        // SAFETY: as above.
        let head = unsafe { self.head.as_ref() };
        let slot = self.index & SLOT_MASK;
        if head.ready.load(SeqCst) & (1 << slot) == 0 {
            return self.empty_or_busy(tx);
        }
        // SAFETY: the ready bit (Acquire) says the sender finished writing this slot, and each slot is
        // read once: `index` moves past it now.
        let value = head.slots[slot].with(|p| unsafe { (*p).assume_init_read() });
        self.index += 1;
        Pop::Value(value)
    }

    /// Moves up to `limit` messages into `buf`, in order, stopping at the first slot not yet written;
    /// returns how many. One read of a block's ready word covers every slot it shows written, so a
    /// batch costs one synchronising load per block, not one per message.
    pub(crate) fn pop_many(&mut self, tx: &Tx<T>, buf: &mut Vec<T>, limit: usize) -> usize {
        let mut n = 0;
        while n < limit {
            let start = self.index & !SLOT_MASK;
            loop {
                // SAFETY: `head` is live: only blocks before it are reclaimed.
                let head = unsafe { self.head.as_ref() };
                if head.start.load(Relaxed) == start {
                    break;
                }
                match NonNull::new(head.next.load(SeqCst)) {
                    Some(next) => self.head = next,
                    None => return n,
                }
            }
            self.reclaim(tx);
            // SAFETY: as above.
            let head = unsafe { self.head.as_ref() };
            let slot = self.index & SLOT_MASK;
            // Written slots from `slot` on, up to the first gap (the `RELEASED` bit is masked off, so
            // the run cannot reach past the block's last slot).
            let written = (head.ready.load(SeqCst) & READY_MASK) >> slot;
            let run = ((!written).trailing_zeros() as usize).min(limit - n);
            if run == 0 {
                return n;
            }
            // Make room first: once a value is read out, nothing may fail before it is in `buf`.
            buf.reserve(run);
            for k in slot..slot + run {
                // SAFETY: the ready bit of slot `k` was seen set (Acquire above), so its sender
                // finished writing it; `index` moves past it right away, so it is read once.
                let value = head.slots[k].with(|p| unsafe { (*p).assume_init_read() });
                self.index += 1;
                buf.push(value);
            }
            n += run;
            if slot + run < BLOCK_CAP {
                // A gap (or the limit) inside this block: stop here.
                return n;
            }
        }
        n
    }

    fn empty_or_busy(&self, tx: &Tx<T>) -> Pop<T> {
        if tx.tail_position() > self.index {
            Pop::Busy
        } else {
            Pop::Empty
        }
    }

    /// Hands finished blocks back to the senders' side for reuse.
    fn reclaim(&mut self, tx: &Tx<T>) {
        while self.free_head != self.head {
            // SAFETY: blocks from `free_head` to `head` are live and fully read.
            let block = unsafe { self.free_head.as_ref() };
            let ready = block.ready.load(Acquire);
            if ready & RELEASED == 0 || self.index < block.observed_tail.load(Relaxed) {
                return;
            }
            let next = block.next.load(Acquire);
            let old = self.free_head;
            // SAFETY: a block before `head` always has a successor.
            self.free_head = unsafe { NonNull::new_unchecked(next) };
            tx.reuse(old);
        }
    }

    /// Messages claimed but not yet received.
    pub(crate) fn len(&self, tx: &Tx<T>) -> usize {
        tx.tail_position().saturating_sub(self.index)
    }

    /// Drops every remaining message and frees every block.
    ///
    /// # Safety
    ///
    /// No sender may use `tx` any more (the channel itself is being dropped), and `self` must not be
    /// used afterwards.
    pub(crate) unsafe fn free_all(&mut self, tx: &Tx<T>) {
        while let Pop::Value(v) = self.pop(tx) {
            drop(v);
        }
        let mut cur = self.free_head.as_ptr();
        while !cur.is_null() {
            // SAFETY: every block is reachable exactly once from `free_head` (reused blocks are
            // appended to the chain, failed reuses are freed at once) and nobody else uses them now.
            let next = unsafe { (*cur).next.load(Relaxed) };
            // SAFETY: as above; every block was allocated by `Block::alloc` as a `Box`, and its
            // slots hold no values (all were popped).
            drop(unsafe { Box::from_raw(cur) });
            cur = next;
        }
    }
}
