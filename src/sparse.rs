//! [`Sparse`]: a part of a stored record that is blank for almost every resource, kept
//! out of line so that the blank ones cost one pointer instead of the part's full size.
//!
//! Stored records are the simulator's memory per resource (the performance issue asks
//! for at most 1.5 KB per idle resource), and an inline part that is blank on nearly
//! every record (a Fujitsu instance's pending values: 112 bytes) is paid by all of them.
//! A `Sparse<T>` reads as a `T` (the blank one when nothing is set), allocates on the
//! first write, and drops its allocation again when [`Sparse::tidy`] finds it blank. It
//! serializes, deserializes and compares exactly as the `T` it holds, so a state dump
//! does not change.
//!
//! May touch: nothing else in the crate.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A type with a blank value that lives for the whole program (what a [`Sparse`] reads
/// as while nothing is set).
pub trait Blank: Sized + PartialEq + 'static {
    fn blank() -> &'static Self;
}

/// `T`, boxed only while it is not blank.
#[derive(Clone)]
pub struct Sparse<T>(Option<Box<T>>);

/// Blank: no allocation.
impl<T> Default for Sparse<T> {
    fn default() -> Self {
        Sparse(None)
    }
}

impl<T: Blank + Clone> Sparse<T> {
    /// Drops the allocation when the value is back to blank.
    pub fn tidy(&mut self) {
        if self.0.as_deref().is_some_and(|v| v == T::blank()) {
            self.0 = None;
        }
    }
}

impl<T: Blank> std::ops::Deref for Sparse<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self.0.as_deref() {
            Some(v) => v,
            None => T::blank(),
        }
    }
}

impl<T: Blank + Clone> std::ops::DerefMut for Sparse<T> {
    /// Allocates (a copy of the blank value) on the first write.
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(|| Box::new(T::blank().clone()))
    }
}

impl<T: Blank + Clone> From<T> for Sparse<T> {
    fn from(v: T) -> Self {
        let mut s = Sparse(Some(Box::new(v)));
        s.tidy();
        s
    }
}

impl<T: Blank> PartialEq for Sparse<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Blank + Eq> Eq for Sparse<T> {}

impl<T: Blank + std::fmt::Debug> std::fmt::Debug for Sparse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Blank + Serialize> Serialize for Sparse<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de, T: Blank + Clone + Deserialize<'de>> Deserialize<'de> for Sparse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Sparse::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Part {
        note: Option<String>,
        n: u32,
    }

    impl Blank for Part {
        fn blank() -> &'static Self {
            static BLANK: Part = Part { note: None, n: 0 };
            &BLANK
        }
    }

    #[test]
    fn reads_blank_allocates_on_write_and_tidies_back() {
        let mut s: Sparse<Part> = Sparse::default();
        assert_eq!(*s, Part { note: None, n: 0 });
        assert!(s.0.is_none());
        s.n = 3;
        assert_eq!(s.n, 3);
        assert!(s.0.is_some());
        s.tidy();
        assert!(s.0.is_some(), "not blank: kept");
        s.n = 0;
        s.tidy();
        assert!(s.0.is_none(), "blank again: the allocation goes");
        assert_eq!(s, Sparse::default());
    }

    #[test]
    fn serializes_as_the_value_it_holds() {
        let mut s: Sparse<Part> = Sparse::default();
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"note":null,"n":0}"#);
        s.note = Some("x".into());
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(text, r#"{"note":"x","n":0}"#);
        let back: Sparse<Part> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        let blank: Sparse<Part> = serde_json::from_str(r#"{"note":null,"n":0}"#).unwrap();
        assert!(blank.0.is_none(), "a blank value read back takes no allocation");
    }
}
