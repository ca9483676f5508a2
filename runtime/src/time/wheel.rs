//! The hierarchical timing wheel: where pending timers wait, sorted coarsely by deadline.
//!
//! Time is counted in ticks of 1 ms from the driver's start. The wheel has 6 levels of 64 slots; a slot
//! of level `l` spans `64^l` ticks, so level 0 holds the next 64 ms one tick per slot, level 1 the next
//! ~4 s 64 ms per slot, ..., and level 5 one turn of `64^6` ticks (about 2.2 years). Each slot is an
//! intrusive doubly linked list of entries plus one bit in its level's `occupied` word.
//!
//! An entry due at tick `when` goes to the level of the highest bit in which `when` differs from
//! `elapsed` (the tick the wheel has processed up to), at the slot given by `when`'s bits for that level.
//! So every entry of a lower level is due before every entry of a higher one, and the next expiration is
//! the first occupied slot, found from `elapsed`, of the lowest non-empty level: a rotate and a
//! trailing-zero count. Insert and cancel are a push and an unlink; expiry visits each entry once per
//! level it falls through (at most 6 times), so all three are O(1).
//!
//! When a slot of level > 0 comes due, `elapsed` moves to its start and its entries are filed again
//! ("cascaded"): they land in lower levels, and those due reach level 0, where a slot holds entries due
//! at exactly one tick.
//!
//! An entry's slot may be earlier than its deadline: an owner pushing a filed timer later leaves it in
//! place (`entry.rs`). Filing, cascading and popping read the deadline from the entry itself, so such an
//! entry is simply filed again at its real deadline when its early slot comes due.
//!
//! Beyond one turn: the top level is used as a ring. An entry due within one turn of the start of the
//! current top slot but past the end of the current `64^6` block goes to a top slot "behind" the current
//! one, and its expiration is computed one turn later. An entry due even further (`sleep_until` years
//! ahead) is filed at the last tick of the ring, the slot just behind the current one, and is filed again
//! from there when that slot comes due: it parks, never fires early, and never blocks earlier timers.

use super::entry::{TimerShared, NOT_QUEUED};
use std::ptr::NonNull;

/// Number of levels.
const LEVELS: usize = 6;
/// Slots per level, and bits of a tick each level consumes.
const SLOTS: usize = 64;
const SLOT_BITS: u32 = 6;
/// Ticks covered by one top-level slot.
const TOP_SLOT_SPAN: u64 = 1 << (SLOT_BITS * (LEVELS as u32 - 1));
/// Ticks covered by one turn of the top level.
const TURN: u64 = 1 << (SLOT_BITS * LEVELS as u32);

/// The largest deadline tick (about 146 million years); later deadlines are stored as this one, which
/// keeps every sum in the wheel far from overflow.
pub(super) const MAX_TICK: u64 = u64::MAX >> 2;

/// Ticks one slot of `level` spans.
fn slot_span(level: usize) -> u64 {
    1 << (SLOT_BITS * level as u32)
}

/// The level an entry due at `when` belongs to, seen from `elapsed`.
fn level_for(elapsed: u64, when: u64) -> usize {
    // `| (SLOTS - 1)` puts a difference only in the low six bits (or none) on level 0.
    let differing = (elapsed ^ when) | (SLOTS as u64 - 1);
    let top_bit = 63 - differing.leading_zeros() as usize;
    (top_bit / SLOT_BITS as usize).min(LEVELS - 1)
}

/// One level: 64 slot lists and a bit per non-empty slot.
struct Level {
    occupied: u64,
    heads: [Option<NonNull<TimerShared>>; SLOTS],
}

impl Level {
    const fn new() -> Level {
        Level {
            occupied: 0,
            heads: [None; SLOTS],
        }
    }
}

/// The next slot to come due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Expiration {
    pub(super) level: usize,
    pub(super) slot: usize,
    /// The tick at which the slot starts.
    pub(super) deadline: u64,
}

/// The wheel. It holds raw pointers to entries; the driver keeps it behind its lock, and every entry in
/// it stays pinned and alive until it is removed under that lock (see `entry.rs`).
pub(super) struct Wheel {
    /// The tick processed up to: every entry due at or before it has been popped.
    elapsed: u64,
    levels: [Level; LEVELS],
}

// SAFETY: the wheel owns nothing thread-bound: its pointers lead to entries that are `Sync`, whose `Node`
// parts are only touched by whoever holds the wheel (the driver's lock makes that one thread at a time).
unsafe impl Send for Wheel {}

impl Wheel {
    pub(super) const fn new() -> Wheel {
        const EMPTY: Level = Level::new();
        Wheel {
            elapsed: 0,
            levels: [EMPTY; LEVELS],
        }
    }

    /// The tick processed up to.
    pub(super) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Files `entry` to fire at tick `when`, which must be later than [`elapsed`](Self::elapsed).
    ///
    /// # Safety
    /// `entry` points to a live, pinned entry that is not in the wheel, and it stays alive and pinned
    /// until it is taken out again with [`remove`](Self::remove) or popped; its node is not touched
    /// meanwhile except through this wheel.
    pub(super) unsafe fn insert(&mut self, entry: NonNull<TimerShared>, when: u64) {
        debug_assert!(when > self.elapsed);
        // SAFETY: the caller hands us a live entry.
        unsafe { entry.as_ref() }.set_deadline(when);
        // SAFETY: as above.
        unsafe { self.file(entry, when) };
    }

    /// Links `entry` into the slot tick `when` belongs to (its deadline, or earlier: see `entry.rs`).
    ///
    /// # Safety
    /// As for [`insert`](Self::insert).
    unsafe fn file(&mut self, entry: NonNull<TimerShared>, when: u64) {
        // The last tick of the ring that starts at the current top slot: nothing can be filed later.
        let horizon = (self.elapsed & !(TOP_SLOT_SPAN - 1)) + TURN - 1;
        let at = when.min(horizon);
        let level = level_for(self.elapsed, at);
        let slot = ((at >> (SLOT_BITS * level as u32)) as usize) & (SLOTS - 1);
        let lvl = &mut self.levels[level];
        let old_head = lvl.heads[slot];
        // SAFETY: the caller guarantees the entry is live and its node ours to write.
        unsafe {
            entry.as_ref().with_node(|n| {
                n.prev = None;
                n.next = old_head;
                n.slot = (level * SLOTS + slot) as u32;
            })
        };
        if let Some(head) = old_head {
            // SAFETY: `head` is in the wheel, so it is live and its node is ours.
            unsafe { head.as_ref().with_node(|n| n.prev = Some(entry)) };
        }
        lvl.heads[slot] = Some(entry);
        lvl.occupied |= 1 << slot;
    }

    /// Unlinks `entry` from its slot. Does nothing if it is not in the wheel.
    ///
    /// # Safety
    /// `entry` is live, and if it is in a wheel, it is in this one.
    pub(super) unsafe fn remove(&mut self, entry: NonNull<TimerShared>) {
        // SAFETY: the entry is live and its node belongs to this wheel (or to nobody).
        let (prev, next, slot) = unsafe {
            entry.as_ref().with_node(|n| {
                let links = (n.prev.take(), n.next.take(), n.slot);
                n.slot = NOT_QUEUED;
                links
            })
        };
        if slot == NOT_QUEUED {
            return;
        }
        let (level, slot) = (slot as usize / SLOTS, slot as usize % SLOTS);
        match prev {
            // SAFETY: neighbours in a slot list are in the wheel, hence live.
            Some(p) => unsafe { p.as_ref().with_node(|n| n.next = next) },
            None => self.levels[level].heads[slot] = next,
        }
        if let Some(nx) = next {
            // SAFETY: as above.
            unsafe { nx.as_ref().with_node(|n| n.prev = prev) };
        }
        if self.levels[level].heads[slot].is_none() {
            self.levels[level].occupied &= !(1 << slot);
        }
    }

    /// Unlinks and returns the first entry of a slot.
    fn pop_front(&mut self, level: usize, slot: usize) -> Option<NonNull<TimerShared>> {
        let head = self.levels[level].heads[slot]?;
        // SAFETY: `head` is in this wheel, so it is live and removing it is ours to do.
        unsafe { self.remove(head) };
        Some(head)
    }

    /// The slot that comes due first, if any entry is pending.
    pub(super) fn next_expiration(&self) -> Option<Expiration> {
        // Lower levels hold earlier deadlines, so the lowest non-empty level has the answer.
        self.levels.iter().enumerate().find_map(|(level, lvl)| {
            if lvl.occupied == 0 {
                return None;
            }
            let span = slot_span(level);
            let current = ((self.elapsed / span) as usize) & (SLOTS - 1);
            let ahead = lvl.occupied.rotate_right(current as u32).trailing_zeros() as usize;
            let slot = (current + ahead) & (SLOTS - 1);
            let level_span = span << SLOT_BITS;
            let mut deadline = (self.elapsed & !(level_span - 1)) + slot as u64 * span;
            if deadline < self.elapsed {
                // Only the top level wraps (see the module docs): the slot is in the next turn.
                debug_assert_eq!(level, LEVELS - 1);
                deadline += level_span;
            }
            Some(Expiration {
                level,
                slot,
                deadline,
            })
        })
    }

    /// Pops one entry due at or before tick `now`, cascading the slots it passes; moves `elapsed` up to
    /// `now` when nothing due is left, and returns `None` then. Entries whose owner pushed their deadline
    /// later since they were filed are filed again at it as their slot comes due.
    ///
    /// The popped entry is out of the wheel and claimed (its deadline word is `FIRING`); the caller fires
    /// it.
    pub(super) fn pop_expired(&mut self, now: u64) -> Option<NonNull<TimerShared>> {
        loop {
            let exp = match self.next_expiration() {
                Some(exp) if exp.deadline <= now => exp,
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            };
            self.elapsed = exp.deadline;
            if exp.level == 0 {
                let entry = self.pop_front(0, exp.slot)?;
                // SAFETY: just popped: live, and its node is ours.
                match unsafe { entry.as_ref() }.claim_if_due(now) {
                    Ok(()) => return Some(entry),
                    // SAFETY: as above; `when > now >= elapsed`.
                    Err(when) => unsafe { self.file(entry, when) },
                }
                continue;
            }
            // Cascade the whole slot: its entries fall to lower levels (never back into this slot).
            while let Some(entry) = self.pop_front(exp.level, exp.slot) {
                // SAFETY: just popped: live, and its node is ours. Its deadline is no earlier than its
                // slot (the owner only pushes it later), so `when >= elapsed`.
                let when = unsafe { entry.as_ref() }.deadline();
                // SAFETY: as above.
                unsafe { self.file(entry, when) };
            }
        }
    }

    /// Pops any entry (for shutdown).
    pub(super) fn pop_any(&mut self) -> Option<NonNull<TimerShared>> {
        let level = self.levels.iter().position(|l| l.occupied != 0)?;
        let slot = self.levels[level].occupied.trailing_zeros() as usize;
        self.pop_front(level, slot)
    }
}

#[cfg(all(test, not(loom)))]
#[path = "wheel_tests.rs"]
mod tests;
