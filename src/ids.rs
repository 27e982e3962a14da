//! Seeded generation of ids, secrets and random draws.
//!
//! Every generated value (UUIDs, host names, passwords, fault dice) comes from one RNG
//! seeded with `--seed`, so the same seed and the same request sequence give the same
//! values run after run. `reset` re-seeds it.
//!
//! May touch: `crate::id` (the type of ids it makes).

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::id::Id;

pub struct Ids {
    seed: u64,
    rng: Mutex<StdRng>,
}

const ALNUM_LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";

impl Ids {
    pub fn new(seed: u64) -> Self {
        Ids { seed, rng: Mutex::new(StdRng::seed_from_u64(seed)) }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn reset(&self) {
        *self.lock() = StdRng::seed_from_u64(self.seed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StdRng> {
        self.rng.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A random (version 4) UUID, lowercase.
    pub fn uuid(&self) -> String {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        self.uuid_into(&mut text).to_owned()
    }

    /// [`Ids::uuid`] as an [`Id`] (inline: no allocation).
    pub fn uuid_id(&self) -> Id {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        Id::new(self.uuid_into(&mut text))
    }

    fn uuid_into<'a>(&self, text: &'a mut [u8; uuid::fmt::Hyphenated::LENGTH]) -> &'a str {
        let bytes: [u8; 16] = self.lock().random();
        // Encoded straight into a buffer: `to_string` went through the formatter.
        uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().encode_lower(text)
    }

    /// `n` characters of an ASCII `alphabet`.
    fn pick(&self, alphabet: &[u8], n: usize) -> String {
        let mut rng = self.lock();
        let text: Vec<u8> = (0..n).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect();
        String::from_utf8(text).expect("the alphabets are ASCII")
    }

    /// `n` lowercase letters and digits (host names).
    pub fn alnum_lower(&self, n: usize) -> String {
        self.pick(ALNUM_LOWER, n)
    }

    /// `n` letters and digits (secrets).
    pub fn alnum(&self, n: usize) -> String {
        self.pick(ALNUM, n)
    }

    /// `n` uppercase letters and digits (key ids).
    pub fn alnum_upper(&self, n: usize) -> String {
        self.pick(ALNUM_UPPER, n)
    }

    /// `n` lowercase hex digits.
    pub fn hex(&self, n: usize) -> String {
        self.pick(HEX, n)
    }

    /// A password of `len` (≥ 4) characters with at least one upper-case letter, one
    /// lower-case letter, one digit and one of `specials`.
    pub fn password(&self, len: usize, specials: &str) -> String {
        let len = len.max(4);
        let specials = specials.as_bytes();
        let classes: [&[u8]; 4] = [
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            b"abcdefghijklmnopqrstuvwxyz",
            b"0123456789",
            if specials.is_empty() { b"!" } else { specials },
        ];
        let mut rng = self.lock();
        let mut chars: Vec<u8> = Vec::with_capacity(len);
        chars.extend(classes.iter().map(|c| c[rng.random_range(0..c.len())]));
        // The rest from all four classes as if concatenated (the same draws as indexing
        // `classes.concat()`, without building it).
        let total: usize = classes.iter().map(|c| c.len()).sum();
        while chars.len() < len {
            let mut at = rng.random_range(0..total);
            for class in classes {
                if at < class.len() {
                    chars.push(class[at]);
                    break;
                }
                at -= class.len();
            }
        }
        // Fisher-Yates, so the guaranteed classes are not always in front.
        for i in (1..chars.len()).rev() {
            let j = rng.random_range(0..=i);
            chars.swap(i, j);
        }
        String::from_utf8(chars).expect("ASCII alphabets make valid UTF-8")
    }

    /// A draw in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        self.lock().random::<f64>()
    }

    /// A draw in `lo..=hi`.
    pub fn range(&self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        self.lock().random_range(lo..=hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values() {
        let (a, b) = (Ids::new(7), Ids::new(7));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.password(16, "!@#"), b.password(16, "!@#"));
        a.reset();
        let c = Ids::new(7);
        assert_eq!(a.uuid(), c.uuid());
    }

    #[test]
    fn passwords_and_picks_draw_as_they_always_did() {
        // The earlier implementations, kept as the reference: same seed, same values.
        fn old_password(ids: &Ids, len: usize, specials: &str) -> String {
            let classes: [&[u8]; 4] =
                [b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz", b"0123456789", specials.as_bytes()];
            let mut rng = ids.lock();
            let mut chars: Vec<u8> = classes.iter().map(|c| c[rng.random_range(0..c.len())]).collect();
            let all: Vec<u8> = classes.concat();
            while chars.len() < len {
                chars.push(all[rng.random_range(0..all.len())]);
            }
            for i in (1..chars.len()).rev() {
                let j = rng.random_range(0..=i);
                chars.swap(i, j);
            }
            String::from_utf8(chars).unwrap()
        }
        fn old_pick(ids: &Ids, alphabet: &[u8], n: usize) -> String {
            let mut rng = ids.lock();
            (0..n).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
        }
        let (new, old) = (Ids::new(3), Ids::new(3));
        for len in [4, 16, 40] {
            assert_eq!(new.password(len, "~!@#$%^&*_-+="), old_password(&old, len, "~!@#$%^&*_-+="));
            assert_eq!(new.alnum_lower(len), old_pick(&old, ALNUM_LOWER, len));
            assert_eq!(new.hex(len), old_pick(&old, HEX, len));
        }
    }

    #[test]
    fn passwords_have_every_class() {
        let ids = Ids::new(1);
        for _ in 0..100 {
            let p = ids.password(16, "~!@#$%^&*_-+=");
            assert_eq!(p.len(), 16);
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| "~!@#$%^&*_-+=".contains(c)));
        }
    }
}
