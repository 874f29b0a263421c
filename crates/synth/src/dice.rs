//! The generator's only source of chance.
//!
//! ChaCha8 is a fixed, specified algorithm and every draw below uses integer
//! arithmetic only, so one seed gives the same archive on every machine and
//! every platform's floating-point library.

use chacha20::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// A seeded stream of random choices.
pub struct Dice {
    rng: ChaCha8Rng,
}

impl Dice {
    /// A stream fully determined by `seed`: its bytes, little-endian, form
    /// the ChaCha key (the rest zero), with no seed-expansion step between.
    pub fn new(seed: u64) -> Dice {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        Dice { rng: ChaCha8Rng::from_seed(key) }
    }

    /// A number in `0..n`; `n` must not be zero.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0, "below(0) has no possible value");
        (self.rng.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        let span = hi.saturating_sub(lo).saturating_add(1);
        lo + self.rng.next_u64() % span
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws_and_seeds_differ() {
        let draws = |seed| {
            let mut dice = Dice::new(seed);
            (0..32).map(|_| dice.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
    }

    #[test]
    fn between_stays_within_bounds_and_reaches_them() {
        let mut dice = Dice::new(1);
        let values: Vec<u64> = (0..500).map(|_| dice.between(3, 6)).collect();
        assert!(values.iter().all(|v| (3..=6).contains(v)));
        assert!(values.contains(&3) && values.contains(&6));
    }
}
