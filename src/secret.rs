//! Secrets kept as hashes, as the real services keep them: passwords, API key secrets
//! and bearer tokens are stored, dumped (`GET /_sim/state`, `--state-file`) and compared
//! only as SHA-256 digests, so no dump, journal or log holds a plaintext secret, and a
//! restored dump still authenticates.
//!
//! On the wire of a dump a [`Secret`] is `"sha256:<64 hex digits>"`. Reading one also
//! takes a plaintext string (dumps written before secrets were hashed, hand-written
//! scenario identities) and hashes it. A digest of a secret that is high-entropy (a
//! generated token) can be a table key: [`digest`].
//!
//! The digest is unsalted: enough that a dump shows no secret and that the default
//! identities' well-known passwords stay usable, not a defence against offline guessing.
//!
//! May touch: nothing else in the crate.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

const PREFIX: &str = "sha256:";

/// A secret known only by its digest.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    digest: String,
}

impl Secret {
    /// The secret whose plaintext is `plain`.
    pub fn new(plain: &str) -> Self {
        Secret { digest: digest(plain) }
    }

    /// Whether `plain` is this secret (compared in constant time over the digests).
    pub fn matches(&self, plain: &str) -> bool {
        let theirs = digest_text(plain);
        let (a, b) = (self.digest.as_bytes(), &theirs[..]);
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// `sha256:<hex>`.
    pub fn as_digest(&self) -> &str {
        &self.digest
    }

    /// A dumped value: a digest as written by [`Secret`], or a plaintext to hash.
    pub fn from_dump(s: &str) -> Self {
        if is_digest(s) {
            Secret { digest: s.to_ascii_lowercase() }
        } else {
            Secret::new(s)
        }
    }
}

/// `sha256:<hex>` of `plain`: the stored form of a secret, and a table key for tokens.
pub fn digest(plain: &str) -> String {
    DigestText::of(plain).as_str().to_owned()
}

/// [`digest`] on the stack, for a lookup by a token's digest on every request.
pub struct DigestText([u8; PREFIX.len() + 64]);

impl DigestText {
    /// The digest of `plain`, as [`digest`] writes it.
    pub fn of(plain: &str) -> Self {
        DigestText(digest_text(plain))
    }

    pub fn as_str(&self) -> &str {
        // The prefix and hex digits are ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// [`digest`] on the stack: `matches` runs on every authenticated request.
fn digest_text(plain: &str) -> [u8; PREFIX.len() + 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = Sha256::digest(plain.as_bytes());
    let mut out = [0u8; PREFIX.len() + 64];
    out[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
    for (i, b) in hash.iter().enumerate() {
        out[PREFIX.len() + 2 * i] = HEX[usize::from(b >> 4)];
        out[PREFIX.len() + 2 * i + 1] = HEX[usize::from(b & 0xf)];
    }
    out
}

/// Whether `s` is a digest as [`digest`] writes it (either case of hex).
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix(PREFIX).is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.digest)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.digest)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Secret::from_dump(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_its_plaintext_only_and_never_shows_it() {
        let s = Secret::new("Welcome1!");
        assert!(s.matches("Welcome1!"));
        assert!(!s.matches("welcome1!"));
        assert!(!format!("{s:?}").contains("Welcome1!"));
        let dumped = serde_json::to_string(&s).unwrap();
        assert!(!dumped.contains("Welcome1!") && dumped.starts_with("\"sha256:"), "{dumped}");
    }

    #[test]
    fn a_dump_reads_back_digests_as_they_are_and_plaintexts_hashed() {
        let s = Secret::new("pw");
        let back: Secret = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let plain: Secret = serde_json::from_str("\"pw\"").unwrap();
        assert_eq!(plain, s, "an older dump's plaintext is hashed");
        assert_eq!(digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(DigestText::of("abc").as_str(), digest("abc"));
    }
}
