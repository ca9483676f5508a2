//! Unit tests of the wheel alone: filing at every level, cancel, expiry order, never early, far
//! deadlines.

use super::*;
use std::collections::HashMap;
use std::pin::Pin;

/// A pinned entry and a raw pointer to it.
fn entry() -> (Pin<Box<TimerShared>>, NonNull<TimerShared>) {
    let e = Box::pin(TimerShared::new());
    let ptr = NonNull::from(&*e);
    (e, ptr)
}

/// The deadline tick `e` was filed with, looked up in `filed` (a popped entry's own word says `FIRING`).
fn when_of(filed: &HashMap<NonNull<TimerShared>, u64>, e: NonNull<TimerShared>) -> u64 {
    filed[&e]
}

fn is_queued(e: NonNull<TimerShared>) -> bool {
    // SAFETY: as above.
    unsafe { e.as_ref().with_node(|n| n.slot != NOT_QUEUED) }
}

/// Pops everything due at `now`.
fn drain(wheel: &mut Wheel, now: u64) -> Vec<NonNull<TimerShared>> {
    std::iter::from_fn(|| wheel.pop_expired(now)).collect()
}

/// A small deterministic generator.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 11
    }
}

#[test]
fn level_for_each_span() {
    assert_eq!(level_for(0, 1), 0);
    assert_eq!(level_for(0, 63), 0);
    assert_eq!(level_for(0, 64), 1);
    assert_eq!(level_for(0, 4095), 1);
    assert_eq!(level_for(0, 4096), 2);
    assert_eq!(level_for(0, (1 << 30) - 1), 4);
    assert_eq!(level_for(0, 1 << 30), 5);
    assert_eq!(level_for(0, 1 << 40), 5);
    assert_eq!(level_for(63, 64), 1);
}

#[test]
fn fires_at_its_tick_not_before_at_every_level() {
    for when in [
        1,
        2,
        63,
        64,
        65,
        100,
        4095,
        4096,
        5000,
        1 << 20,
        (1 << 30) + 7,
        (1 << 36) + 3,
    ] {
        let mut wheel = Wheel::new();
        let (_e, p) = entry();
        // SAFETY: `_e` lives to the end of the iteration and is removed from the wheel before.
        unsafe { wheel.insert(p, when) };
        assert!(drain(&mut wheel, when - 1).is_empty(), "early at {when}");
        assert!(is_queued(p));
        assert_eq!(drain(&mut wheel, when), vec![p], "late at {when}");
        assert!(!is_queued(p));
        assert!(wheel.next_expiration().is_none());
    }
}

#[test]
fn cancel_at_every_level_clears_the_slot() {
    let mut wheel = Wheel::new();
    let entries: Vec<_> = (0..40).map(|i| (entry(), 1u64 << i)).collect();
    for ((_, p), when) in &entries {
        // SAFETY: entries outlive the wheel's use.
        unsafe { wheel.insert(*p, *when) };
    }
    for ((_, p), _) in &entries {
        // SAFETY: as above.
        unsafe { wheel.remove(*p) };
        assert!(!is_queued(*p));
    }
    assert!(wheel.next_expiration().is_none());
    assert!(drain(&mut wheel, MAX_TICK / 2).is_empty());
}

#[test]
fn cancel_from_middle_of_a_slot() {
    let mut wheel = Wheel::new();
    let es: Vec<_> = (0..5).map(|_| entry()).collect();
    for (_, p) in &es {
        // SAFETY: entries outlive the wheel's use.
        unsafe { wheel.insert(*p, 10) };
    }
    // SAFETY: as above.
    unsafe { wheel.remove(es[2].1) };
    // SAFETY: as above.
    unsafe { wheel.remove(es[0].1) };
    // SAFETY: as above.
    unsafe { wheel.remove(es[4].1) };
    let mut fired = drain(&mut wheel, 10);
    fired.sort();
    let mut expect = vec![es[1].1, es[3].1];
    expect.sort();
    assert_eq!(fired, expect);
}

#[test]
fn random_deadlines_fire_in_order_and_never_early() {
    let mut rng = Lcg(7);
    let mut wheel = Wheel::new();
    let es: Vec<_> = (0..3000).map(|_| entry()).collect();
    let mut filed = HashMap::new();
    for (i, (_, p)) in es.iter().enumerate() {
        let span = [64u64, 4096, 1 << 18, 1 << 24, 1 << 32, 1 << 38][i % 6];
        let when = 1 + rng.next() % span;
        // SAFETY: entries outlive the wheel's use.
        unsafe { wheel.insert(*p, when) };
        filed.insert(*p, when);
    }
    // Jump from expiration to expiration, as a paused runtime does.
    let mut last = 0;
    let mut count = 0;
    while let Some(exp) = wheel.next_expiration() {
        assert!(exp.deadline >= wheel.elapsed());
        for p in drain(&mut wheel, exp.deadline) {
            let when = when_of(&filed, p);
            assert!(when <= exp.deadline, "fired early");
            assert!(when >= last, "out of order");
            last = when;
            count += 1;
        }
    }
    assert_eq!(count, es.len());
}

#[test]
fn random_jumps_fire_everything_due() {
    let mut rng = Lcg(99);
    let mut wheel = Wheel::new();
    let es: Vec<_> = (0..2000).map(|_| entry()).collect();
    let mut pending: Vec<NonNull<TimerShared>> = Vec::new();
    let mut filed = HashMap::new();
    let mut now = 0;
    for round in 0..200 {
        for (_, p) in es.iter().skip(round * 10).take(10) {
            let when = now + 1 + rng.next() % [100u64, 10_000, 1 << 31][round % 3];
            // SAFETY: entries outlive the wheel's use.
            unsafe { wheel.insert(*p, when) };
            pending.push(*p);
            filed.insert(*p, when);
        }
        now += rng.next() % [50u64, 5_000, 1 << 30][round % 3];
        for p in drain(&mut wheel, now) {
            assert!(when_of(&filed, p) <= now, "fired early");
            pending.retain(|q| *q != p);
        }
        for p in &pending {
            assert!(when_of(&filed, *p) > now, "due but not fired");
        }
    }
}

#[test]
fn far_deadline_parks_without_blocking_others() {
    // Tokio's `long_wait_sleep_does_not_break_other_timers`, on the wheel.
    let mut wheel = Wheel::new();
    let (_far, far) = entry();
    // SAFETY: entries outlive the wheel's use.
    unsafe { wheel.insert(far, 10 << 36) };
    let now = (1 << 30) - 1;
    assert!(drain(&mut wheel, now).is_empty());
    let (_near, near) = entry();
    // SAFETY: as above.
    unsafe { wheel.insert(near, now + 10) };
    // Hop as auto-advance does: the near timer fires at its tick, not later, not blocked by `far`.
    let mut at = now;
    while at < now + 10 {
        at = wheel.next_expiration().unwrap().deadline;
        assert!(at <= now + 10);
        let fired = drain(&mut wheel, at);
        assert_eq!(fired.is_empty(), at < now + 10);
    }
    assert!(!is_queued(near));
    // The far one comes due exactly at its tick after parking several times.
    let mut hops = 0;
    while let Some(exp) = wheel.next_expiration() {
        let fired = drain(&mut wheel, exp.deadline);
        hops += 1;
        if !fired.is_empty() {
            assert_eq!(fired, vec![far]);
            assert_eq!(exp.deadline, 10 << 36);
            break;
        }
        assert!(hops < 100);
    }
}

#[test]
fn crossing_the_top_block_boundary() {
    let mut wheel = Wheel::new();
    let start = TURN - 5;
    assert!(drain(&mut wheel, start).is_empty());
    let (_a, a) = entry();
    let (_b, b) = entry();
    // SAFETY: entries outlive the wheel's use.
    unsafe { wheel.insert(a, TURN + 3) };
    // SAFETY: as above.
    unsafe { wheel.insert(b, TURN - 2) };
    assert_eq!(drain(&mut wheel, TURN - 2), vec![b]);
    assert!(drain(&mut wheel, TURN + 2).is_empty());
    assert_eq!(drain(&mut wheel, TURN + 3), vec![a]);
}

#[test]
fn pop_any_empties_the_wheel() {
    let mut wheel = Wheel::new();
    let es: Vec<_> = (0..100u64)
        .map(|i| (entry(), 1 + i * i * i * 1000))
        .collect();
    for ((_, p), when) in &es {
        // SAFETY: entries outlive the wheel's use.
        unsafe { wheel.insert(*p, *when) };
    }
    let mut n = 0;
    while wheel.pop_any().is_some() {
        n += 1;
    }
    assert_eq!(n, 100);
    assert!(wheel.next_expiration().is_none());
}

#[test]
fn deadline_pushed_later_is_filed_again_not_fired() {
    // An owner's lock-free push leaves the entry in its early slot; each slot it reaches files it again
    // at its deadline, across levels, until that tick.
    for (first, later) in [
        (10, 11),
        (10, 63),
        (10, 64),
        (10, 5000),
        (70, 1 << 20),
        (4096, 4097),
    ] {
        let mut wheel = Wheel::new();
        let (_e, p) = entry();
        // SAFETY: `_e` lives to the end of the iteration and is out of the wheel by then.
        unsafe { wheel.insert(p, first) };
        // SAFETY: as above; the wheel is ours alone, as under the driver's lock.
        unsafe { p.as_ref() }.set_deadline(later);
        let mut at = 0;
        while at < later {
            at = wheel.next_expiration().unwrap().deadline;
            assert!(at <= later, "slot later than the deadline");
            let fired = drain(&mut wheel, at);
            assert_eq!(fired.is_empty(), at < later, "{first} -> {later} at {at}");
        }
        assert!(!is_queued(p));
        // SAFETY: as above.
        assert_eq!(
            unsafe { p.as_ref() }.deadline(),
            super::super::entry::FIRING
        );
    }
}
