//! Seeded randomness, split into independent streams.
//!
//! One master seed per run. Each purpose (the network, the tester, each node
//! incarnation) gets its own ChaCha8 stream, so that one extra draw in one
//! place does not shift every other draw: a Raft that draws one more election
//! timeout does not change which packets the network drops.

use labcodec::mix64;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// Stream numbers for the fixed purposes; nodes use [`Streams::seed_for`].
pub mod purpose {
    /// The network's fault draws (delays, drops, reordering).
    pub const NETWORK: u64 = 1;
    /// The test script's own draws (which server to crash, how long to sleep).
    pub const TESTER: u64 = 2;
}

/// Derives every stream and seed of a run from its master seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streams {
    master: u64,
}

impl Streams {
    /// All streams of the run seeded with `master`.
    pub fn new(master: u64) -> Streams {
        Streams { master }
    }

    /// The master seed.
    pub fn master(&self) -> u64 {
        self.master
    }

    /// The generator for one purpose (see [`purpose`]).
    pub fn stream(&self, purpose: u64) -> SimRng {
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_exact_mut(8).enumerate() {
            let word = mix64(self.master ^ mix64(0x5eed_0000 + i as u64));
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let mut inner = ChaCha8Rng::from_seed(key);
        inner.set_stream(purpose);
        SimRng { inner }
    }

    /// A 64-bit seed for a labelled purpose, e.g. `[node, incarnation]`: the
    /// same master and label always give the same seed.
    pub fn seed_for(&self, label: &[u64]) -> u64 {
        let mut h = mix64(self.master ^ 0x6e6f_6465);
        for &word in label {
            h = mix64(h ^ mix64(word.wrapping_add(0x9e37_79b9_7f4a_7c15)));
        }
        h
    }
}

/// A seeded generator with the draws the course's code makes.
#[derive(Clone, Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// A generator seeded directly (for tests and tools).
    pub fn from_seed(seed: u64) -> SimRng {
        Streams::new(seed).stream(0)
    }

    /// A uniform 64-bit word.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Go's `rand.Intn(n)`: uniform in `0..n`, without modulo bias (Lemire's
    /// multiply-and-reject). Panics if `n == 0`, as Go does.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no values to draw");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// True with probability `per_mille / 1000` (Go's `rand.Int() % 1000 < p`).
    #[inline]
    pub fn chance_per_mille(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let s = Streams::new(42);
        let a: Vec<u64> = (0..4)
            .map(|_| s.stream(purpose::NETWORK).next_u64())
            .collect();
        assert!(
            a.windows(2).all(|w| w[0] == w[1]),
            "same stream, same first draw"
        );
        let mut net = s.stream(purpose::NETWORK);
        let mut tester = s.stream(purpose::TESTER);
        assert_ne!(net.next_u64(), tester.next_u64());
        assert_ne!(
            Streams::new(43).stream(1).next_u64(),
            Streams::new(42).stream(1).next_u64()
        );
    }

    #[test]
    fn seeds_for_labels_differ() {
        let s = Streams::new(7);
        assert_eq!(s.seed_for(&[1, 0]), s.seed_for(&[1, 0]));
        assert_ne!(s.seed_for(&[1, 0]), s.seed_for(&[0, 1]));
        assert_ne!(s.seed_for(&[1]), s.seed_for(&[1, 0]));
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SimRng::from_seed(1);
        let mut seen = [false; 27];
        for _ in 0..10_000 {
            let x = r.below(27);
            assert!(x < 27);
            seen[x as usize] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "every value of 0..27 appears in 10 000 draws"
        );
    }
}
