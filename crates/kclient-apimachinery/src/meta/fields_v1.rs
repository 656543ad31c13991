//! [`FieldsV1`]: a managed-fields entry's field set (`metav1.FieldsV1`), held as its JSON text.
//!
//! The field set is an opaque trie (`{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`) that
//! clients almost never read, yet every object carries one or more. Decoded into a
//! `serde_json::Value` tree it costs ≈ 600 bytes per non-empty map, often half of an object's
//! memory; as text it costs its length. [`FieldsV1::to_value`] parses it when needed.
//!
//! Decoding from `serde_json` takes the text exactly as it was on the wire (no re-encoding;
//! serde_json's raw-value path). Other deserializers (a `serde_json::Value`, buffered content,
//! other formats) are read into a `Value` first and kept as its compact JSON text.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// The name serde_json recognises (with its `raw_value` feature) to hand over a value's raw text.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// `metav1.FieldsV1`: the set of fields a manager owns, kept as JSON text.
///
/// Equality compares the text. Serializing writes the same JSON value (through a
/// `serde_json::Value`, so object keys come out sorted, as the API server writes them).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FieldsV1(Box<str>);

impl FieldsV1 {
    /// A field set from JSON text; fails if `json` is not one valid JSON value.
    pub fn from_json(json: impl Into<String>) -> Result<Self, serde_json::Error> {
        let json = json.into();
        serde_json::from_str::<de::IgnoredAny>(&json)?;
        Ok(Self(json.into_boxed_str()))
    }

    /// A field set from a JSON value (kept as its compact text).
    pub fn from_value(value: &Value) -> Self {
        Self(value.to_string().into_boxed_str())
    }

    /// The JSON text, as received (or as built).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The field set parsed into a `serde_json::Value`.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl fmt::Debug for FieldsV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FieldsV1").field(&&*self.0).finish()
    }
}

impl fmt::Display for FieldsV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Value> for FieldsV1 {
    fn from(value: Value) -> Self {
        Self::from_value(&value)
    }
}

impl Serialize for FieldsV1 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FieldsV1 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_TOKEN, FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = FieldsV1;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a FieldsV1 JSON value")
    }

    /// Deserializers other than serde_json's pass themselves on here.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<FieldsV1, D::Error> {
        Value::deserialize(d).map(|v| FieldsV1::from_value(&v))
    }

    /// serde_json's raw-value path: one entry, the token and the text. Any other map is the
    /// field set itself, handed over by a deserializer that ignored the newtype hint.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldsV1, A::Error> {
        let Some(first) = map.next_key_seed(KeySeed)? else {
            return Ok(FieldsV1("{}".into()));
        };
        let key = match first {
            Key::Raw => {
                let text: String = map.next_value()?;
                return Ok(FieldsV1(text.into_boxed_str()));
            }
            Key::Field(key) => key,
        };
        let mut object = serde_json::Map::new();
        object.insert(key, map.next_value()?);
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            object.insert(k, v);
        }
        Ok(FieldsV1::from_value(&Value::Object(object)))
    }
}

/// The first key of the map given to [`FieldsVisitor`].
enum Key {
    Raw,
    Field(String),
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
        Ok(if s == RAW_TOKEN {
            Key::Raw
        } else {
            Key::Field(s.to_string())
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:data":{}}"#;

    #[test]
    fn serde_json_keeps_the_wire_text_exactly() {
        // Whitespace survives: the raw text is taken, not re-encoded.
        let spaced = r#"{ "f:b": {},  "f:a": {".": {}} }"#;
        let f: FieldsV1 = serde_json::from_str(spaced).unwrap();
        assert_eq!(f.as_str(), spaced);
        let f: FieldsV1 = serde_json::from_slice(TEXT.as_bytes()).unwrap();
        assert_eq!(f.as_str(), TEXT);
        let f: FieldsV1 = serde_json::from_reader(TEXT.as_bytes()).unwrap();
        assert_eq!(f.as_str(), TEXT);
    }

    #[test]
    fn round_trips_and_parses_on_demand() {
        let sorted = r#"{"f:data":{},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}"#;
        let f: FieldsV1 = serde_json::from_str(sorted).unwrap();
        assert_eq!(serde_json::to_string(&f).unwrap(), sorted);
        let value = f.to_value().unwrap();
        assert_eq!(
            value["f:metadata"]["f:labels"]["f:app"],
            serde_json::json!({})
        );
        assert_eq!(serde_json::to_value(&f).unwrap(), value);
        assert_eq!(FieldsV1::from_value(&value), f);
        assert_eq!(f.to_string(), sorted);
    }

    #[test]
    fn other_deserializers_go_through_a_value() {
        let value: Value = serde_json::from_str(TEXT).unwrap();
        let f: FieldsV1 = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(f.to_value().unwrap(), value);
        // Buffered content (an untagged enum) ignores the raw-value hint.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Fields { f: FieldsV1 },
        }
        let Either::Fields { f } = serde_json::from_str(&format!(r#"{{"f":{TEXT}}}"#)).unwrap();
        assert_eq!(f.to_value().unwrap(), value);
        // A map handed over directly, as some formats do for newtype structs.
        let direct = FieldsVisitor
            .visit_map(de::value::MapDeserializer::<_, serde_json::Error>::new(
                [("f:a", 1)].into_iter(),
            ))
            .unwrap();
        assert_eq!(direct.as_str(), r#"{"f:a":1}"#);
    }

    #[test]
    fn from_json_validates_and_debug_shows_the_text() {
        assert!(FieldsV1::from_json("{\"a\":").is_err());
        assert!(FieldsV1::from_json("{} {}").is_err());
        let f = FieldsV1::from_json("{}").unwrap();
        assert_eq!(format!("{f:?}"), r#"FieldsV1("{}")"#);
    }
}
