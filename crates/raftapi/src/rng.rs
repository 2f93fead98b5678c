//! A small seeded random generator a Raft can own: draw election timeouts
//! from [`Config::seed`](crate::Config::seed) and every run replays exactly.
//!
//! The lab replays a run from its seed only if the Raft's randomness comes
//! from that seed too. `rand::rng()`, `thread_rng()`, the wall clock or a
//! `HashMap`'s random hasher all differ between two runs of the same seed;
//! a [`Rng`] made from `Config::seed` does not. Each incarnation of a server
//! gets its own seed, so a restarted server draws a fresh sequence, and the
//! same run seed always gives the same one.
//!
//! The algorithm is SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014; the generator Java's
//! `SplittableRandom` and the xoshiro family's seeding use): one `u64` of
//! state, an additive step and a mixing function. It is fast, passes the
//! usual statistical batteries and is more than enough for timeouts and
//! jitter. It is not cryptographic.
//!
//! ```
//! use raftapi::rng::Rng;
//!
//! let mut rng = Rng::new(42); // in a Raft: Rng::new(config.seed)
//! let timeout_ms = rng.in_range(300..600);
//! assert!((300..600).contains(&timeout_ms));
//! assert_eq!(Rng::new(42).in_range(300..600), timeout_ms, "same seed, same draw");
//! ```

use std::ops::Range;

/// The SplitMix64 increment: the odd integer closest to 2^64 / phi.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// A seeded SplitMix64 generator (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed` (in a Raft, pass
    /// [`Config::seed`](crate::Config::seed)).
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`. Panics if `bound` is 0 (an empty range has
    /// nothing to draw, so asking is a bug). Uses the high half of a 128-bit
    /// product (Lemire's method): the bias is below `bound / 2^64`, far too
    /// small to matter for timeouts.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "Rng::below(0): an empty range");
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A number in `range` (start inclusive, end exclusive), e.g. an
    /// election timeout: `rng.in_range(300..600)`. Panics on an empty range.
    pub fn in_range(&mut self, range: Range<u64>) -> u64 {
        assert!(
            range.start < range.end,
            "Rng::in_range({range:?}): an empty range"
        );
        range.start + self.below(range.end - range.start)
    }

    /// True with probability `numerator / denominator`. Panics if the
    /// denominator is 0.
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.below(denominator) < numerator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_splitmix64_sequence_for_seed_0() {
        // The reference outputs of SplitMix64 seeded with 0 (as printed by
        // the authors' C code, splitmix64.c, and used as xoshiro test seeds).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..8).map(|_| rng.in_range(300..600)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn ranges_are_respected_and_covered() {
        let mut rng = Rng::new(1);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let x = rng.in_range(50..60);
            assert!((50..60).contains(&x), "{x}");
            seen[(x - 50) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every value of 50..60 drawn");
        assert_eq!(rng.in_range(5..6), 5, "a one-value range");
    }

    #[test]
    fn chance_is_roughly_its_probability() {
        let mut rng = Rng::new(3);
        let hits = (0..10_000).filter(|_| rng.chance(1, 4)).count();
        assert!((2_200..2_800).contains(&hits), "{hits} of 10000 at 1/4");
        assert!(!(0..100).any(|_| rng.chance(0, 4)));
        assert!((0..100).all(|_| rng.chance(4, 4)));
    }

    #[test]
    #[should_panic(expected = "an empty range")]
    fn an_empty_range_is_a_bug() {
        let _ = Rng::new(0).in_range(5..5);
    }
}
