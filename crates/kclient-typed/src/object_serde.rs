//! The decoding core shared by every generated struct.
//!
//! `#[derive(Deserialize)]` writes, for each struct, a field-name enum with three visitors, a
//! map visitor with an `Option` local and a duplicate check per field, and a sequence visitor.
//! Across the ~740 generated types that code was most of the crate's compile time (type and
//! borrow checking of those bodies). The generator instead implements [`Fields`] for each
//! struct — a name-to-index `match` and an index-to-field `match` — and this module holds the
//! one visitor they all share.
//!
//! Semantics follow Go's `encoding/json`, which is what the API server's objects are written
//! for: the struct starts from its `Default` (absent fields, required or not, keep their zero
//! value), unknown fields are skipped, and a repeated field keeps its last value.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};

/// Implemented by generated structs: how JSON properties map onto their fields.
pub trait Fields: Default {
    /// The type's name, for error messages.
    const NAME: &'static str;
    /// The JSON property names, in field order.
    const FIELDS: &'static [&'static str];

    /// The index of the field named `key`, if the type has one.
    fn index(key: &str) -> Option<u16>;

    /// Decodes the map's next value into the field at `index` (as returned by
    /// [`Fields::index`]).
    fn set<'de, A: MapAccess<'de>>(&mut self, index: u16, map: &mut A) -> Result<(), A::Error>;
}

/// Decodes a `T` from a map (a JSON object).
pub fn deserialize<'de, T: Fields, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::FIELDS, StructVisitor(PhantomData))
}

/// Decodes the map's next value into `slot` (what a generated [`Fields::set`] arm does).
pub fn put<'de, T: serde::Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut T,
    map: &mut A,
) -> Result<(), A::Error> {
    *slot = map.next_value()?;
    Ok(())
}

/// [`put`] for a list: the vector is shrunk to its length. Without this a decoded list keeps
/// the capacity its growth left (room for four entries after the first push), and one
/// `managedFields` entry would hold 640 bytes instead of 160.
pub fn put_vec<'de, T: serde::Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Vec<T>,
    map: &mut A,
) -> Result<(), A::Error> {
    let mut items: Vec<T> = map.next_value()?;
    items.shrink_to_fit();
    *slot = items;
    Ok(())
}

/// [`put_vec`] for an optional list.
pub fn put_opt_vec<'de, T: serde::Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<Vec<T>>,
    map: &mut A,
) -> Result<(), A::Error> {
    let mut items: Option<Vec<T>> = map.next_value()?;
    if let Some(items) = &mut items {
        items.shrink_to_fit();
    }
    *slot = items;
    Ok(())
}

/// Skips the map's next value (an unknown field).
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>()?;
    Ok(())
}

/// Writes a struct field by field, remembering the first error so that the generated code is
/// a plain list of calls (no `?` per field, which is what costs compile time).
pub struct Writer<S: Serializer> {
    state: S::SerializeStruct,
    error: Option<S::Error>,
}

impl<S: Serializer> Writer<S> {
    /// Starts struct `name` with `len` fields to be written.
    pub fn new(serializer: S, name: &'static str, len: usize) -> Result<Self, S::Error> {
        Ok(Writer {
            state: serializer.serialize_struct(name, len)?,
            error: None,
        })
    }

    /// Writes field `key`.
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        if self.error.is_none()
            && let Err(e) = self.state.serialize_field(key, value)
        {
            self.error = Some(e);
        }
    }

    /// Writes field `key` if it is `Some` (optional fields are left out when `None`).
    pub fn opt<T: Serialize>(&mut self, key: &'static str, value: &Option<T>) {
        if let Some(value) = value {
            self.field(key, value);
        }
    }

    /// Ends the struct, or returns the first error.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        match self.error {
            Some(e) => Err(e),
            None => self.state.end(),
        }
    }
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: Fields> Visitor<'de> for StructVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        while let Some(key) = map.next_key_seed(Key::<T>(PhantomData))? {
            match key {
                Some(index) => value.set(index, &mut map)?,
                None => skip(&mut map)?,
            }
        }
        Ok(value)
    }
}

/// A property name, looked up without allocating: `Some(index)` of a known field, `None` for
/// an unknown one.
struct Key<T>(PhantomData<T>);

impl<'de, T: Fields> DeserializeSeed<'de> for Key<T> {
    type Value = Option<u16>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<u16>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de, T: Fields> Visitor<'de> for Key<T> {
    type Value = Option<u16>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<u16>, E> {
        Ok(T::index(key))
    }

    fn visit_bytes<E: serde::de::Error>(self, key: &[u8]) -> Result<Option<u16>, E> {
        Ok(std::str::from_utf8(key).ok().and_then(T::index))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: String,
        count: Option<i32>,
        inner: Option<Box<Sample>>,
    }

    impl Fields for Sample {
        const NAME: &'static str = "Sample";
        const FIELDS: &'static [&'static str] = &["name", "count", "inner"];

        fn index(key: &str) -> Option<u16> {
            match key {
                "name" => Some(0),
                "count" => Some(1),
                "inner" => Some(2),
                _ => None,
            }
        }

        fn set<'de, A: MapAccess<'de>>(&mut self, index: u16, map: &mut A) -> Result<(), A::Error> {
            match index {
                0 => put(&mut self.name, map),
                1 => put(&mut self.count, map),
                2 => put(&mut self.inner, map),
                _ => skip(map),
            }
        }
    }

    impl<'de> serde::Deserialize<'de> for Sample {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::deserialize(d)
        }
    }

    #[test]
    fn decodes_like_go() {
        let s: Sample = serde_json::from_str(
            r#"{"name":"a","unknown":{"x":[1,2]},"count":3,"inner":{"name":"b"},"count":4}"#,
        )
        .unwrap();
        assert_eq!(s.name, "a");
        assert_eq!(s.count, Some(4), "a repeated field keeps its last value");
        assert_eq!(s.inner.unwrap().name, "b");
        // Absent fields keep their zero value; null in an optional field is None.
        let s: Sample = serde_json::from_str(r#"{"count":null}"#).unwrap();
        assert_eq!(s, Sample::default());
        // Escaped keys (no borrowed str) and a reader (transient str) work too.
        let s: Sample = serde_json::from_reader(&br#"{"n\u0061me":"c"}"#[..]).unwrap();
        assert_eq!(s.name, "c");
    }

    #[test]
    fn errors_name_the_type_and_place() {
        let err = serde_json::from_str::<Sample>(r#"{"name":5}"#).unwrap_err();
        assert!(
            err.to_string().contains("invalid type: integer `5`"),
            "{err}"
        );
        let err = serde_json::from_str::<Sample>("[]").unwrap_err();
        assert!(err.to_string().contains("struct Sample"), "{err}");
    }
}
