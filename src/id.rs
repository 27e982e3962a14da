//! [`Id`]: the text of an identifier, held inline when it is short enough (a UUID's 36
//! characters are), on the heap when not.
//!
//! Stored records carry several ids each (a ClickHouse service its own, its
//! organisation's and its warehouse's; the warehouse, the table keys and the scheduled
//! events theirs again). As `String`s each was 24 bytes plus a 48-byte allocation of
//! its own, ten of them per service: a third of what an idle service kept resident,
//! and ten allocations of every create. An `Id` is 40 bytes and no allocation up to
//! [`INLINE`] bytes; it reads as a `&str` everywhere (`Deref`, `Borrow`, `AsRef`),
//! compares, hashes and orders as its text, and is a JSON string on the wire.
//!
//! May touch: nothing else in the crate.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes held inline: a hyphenated UUID (36) fits; the whole value stays 40 bytes.
pub const INLINE: usize = 38;

#[derive(Clone)]
pub struct Id(Repr);

#[derive(Clone)]
enum Repr {
    /// `bytes[..len]` is the text, copied from a `&str` whole.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl Id {
    pub fn new(text: &str) -> Self {
        if text.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Id(Repr::Inline { len: text.len() as u8, bytes })
        } else {
            Id(Repr::Heap(text.into()))
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                let text = &bytes[..usize::from(*len)];
                debug_assert!(std::str::from_utf8(text).is_ok());
                // SAFETY: an inline `Id` is only ever made by `Id::new`, which copies the
                // bytes of a whole `&str` (valid UTF-8, cut at its own end) and records
                // their length; nothing writes the bytes afterwards.
                unsafe { std::str::from_utf8_unchecked(text) }
            }
            Repr::Heap(text) => text,
        }
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new("")
    }
}

impl Deref for Id {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Id {
    fn from(text: &str) -> Self {
        Id::new(text)
    }
}

impl From<&String> for Id {
    fn from(text: &String) -> Self {
        Id::new(text)
    }
}

impl From<String> for Id {
    fn from(text: String) -> Self {
        if text.len() <= INLINE {
            Id::new(&text)
        } else {
            Id(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl From<&Id> for Id {
    fn from(id: &Id) -> Self {
        id.clone()
    }
}

impl From<Id> for String {
    fn from(id: Id) -> Self {
        match id.0 {
            Repr::Heap(text) => text.into_string(),
            Repr::Inline { .. } => id.as_str().to_owned(),
        }
    }
}

impl From<&Id> for String {
    fn from(id: &Id) -> Self {
        id.as_str().to_owned()
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Id {}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Id {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Id> for str {
    fn eq(&self, other: &Id) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Id> for &str {
    fn eq(&self, other: &Id) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Id> for String {
    fn eq(&self, other: &Id) -> bool {
        self == other.as_str()
    }
}

/// As its text, so that a `HashMap<Id, _>` finds a `&str` (`Borrow<str>`).
impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id::new(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Id, E> {
                Ok(Id::from(v))
            }
        }
        d.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn an_id_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<Id>(), 40);
    }

    #[test]
    fn short_and_long_ids_read_back_as_their_text() {
        let uuid = "6e1f1423-d654-47bb-979b-aa3b1385c5d1";
        let long = "x".repeat(INLINE + 1);
        let exact = "é".repeat(INLINE / 2);
        for text in ["", "a", uuid, &exact, &long, "日本語のid"] {
            let id = Id::new(text);
            assert_eq!(id.as_str(), text);
            assert_eq!(&*id, text);
            assert_eq!(Id::from(text.to_owned()), id);
            assert_eq!(String::from(id.clone()), text);
            assert_eq!(format!("{id}"), text);
            assert_eq!(format!("{id:?}"), format!("{text:?}"));
        }
        assert!(matches!(Id::new(uuid).0, Repr::Inline { .. }));
        assert!(matches!(Id::new(&long).0, Repr::Heap(_)));
    }

    #[test]
    fn ids_compare_hash_and_order_as_their_text() {
        let mut map: HashMap<Id, u32> = HashMap::new();
        map.insert(Id::new("b"), 2);
        map.insert(Id::new(&"long".repeat(20)), 3);
        assert_eq!(map.get("b"), Some(&2));
        assert_eq!(map.get("long".repeat(20).as_str()), Some(&3));
        assert!(Id::new("a") < Id::new("b"));
        let owned = String::from("a");
        assert!(Id::new("a") == "a" && "a" == Id::new("a") && Id::new("a") == owned && owned == Id::new("a"));
    }

    #[test]
    fn ids_are_json_strings() {
        let id = Id::new("svc-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""svc-1""#);
        assert_eq!(serde_json::from_str::<Id>(r#""svc-1""#).unwrap(), id);
        assert_eq!(serde_json::from_str::<Id>(r#""a\"b""#).unwrap(), "a\"b");
        assert!(serde_json::from_str::<Id>("12").is_err());
    }
}
