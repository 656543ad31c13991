//! `apiVersion` and `kind` of generated objects: zero-sized fields that always serialize to the
//! type's values and, when decoding, accept only those values (or their absence), so that an
//! answer of the wrong kind (a `Status` where a `Pod` was expected) fails with a clear error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The group, version and kind of a generated object or list type.
pub trait TypeInfo {
    /// The API group; empty for the core group.
    const GROUP: &'static str;
    /// The version.
    const VERSION: &'static str;
    /// The kind.
    const KIND: &'static str;
    /// The `apiVersion`: `group/version`, or `version` for the core group.
    const API_VERSION: &'static str;
}

macro_rules! type_field {
    ($name:ident, $json:literal, $value:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// It holds no data: serializing writes the type's value, and decoding accepts the
        /// type's value, an empty string, `null` or an absent field, and rejects anything else.
        pub struct $name<K>(PhantomData<fn() -> K>);

        impl<K: TypeInfo> $name<K> {
            /// The field's value.
            pub const fn new() -> Self {
                Self(PhantomData)
            }

            /// The value this field always has.
            pub fn as_str(&self) -> &'static str {
                K::$value
            }
        }

        impl<K> Default for $name<K> {
            fn default() -> Self {
                Self(PhantomData)
            }
        }

        impl<K> Clone for $name<K> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<K> Copy for $name<K> {}

        impl<K> PartialEq for $name<K> {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }

        impl<K> Eq for $name<K> {}

        impl<K> std::hash::Hash for $name<K> {
            fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
        }

        impl<K: TypeInfo> fmt::Debug for $name<K> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(K::$value, f)
            }
        }

        impl<K: TypeInfo> Serialize for $name<K> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(K::$value)
            }
        }

        impl<'de, K: TypeInfo> Deserialize<'de> for $name<K> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_option(FieldVisitor::<K>::new($json, K::$value))?;
                Ok(Self(PhantomData))
            }
        }
    };
}

type_field!(
    ApiVersion,
    "apiVersion",
    API_VERSION,
    "The `apiVersion` field of a generated object: always `K::API_VERSION`."
);
type_field!(
    Kind,
    "kind",
    KIND,
    "The `kind` field of a generated object: always `K::KIND`."
);

/// Checks one `apiVersion` or `kind` value.
struct FieldVisitor<K> {
    field: &'static str,
    expected: &'static str,
    _kind: PhantomData<fn() -> K>,
}

impl<K: TypeInfo> FieldVisitor<K> {
    fn new(field: &'static str, expected: &'static str) -> Self {
        Self {
            field,
            expected,
            _kind: PhantomData,
        }
    }
}

impl<'de, K: TypeInfo> Visitor<'de> for FieldVisitor<K> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the string {:?} as {}", self.expected, self.field)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        if value.is_empty() || value == self.expected {
            return Ok(());
        }
        Err(E::custom(format_args!(
            "expected {} {:?} for a {} ({}), found {value:?}",
            self.field,
            self.expected,
            K::KIND,
            K::API_VERSION,
        )))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Widget {
        #[serde(rename = "apiVersion", default)]
        api_version: ApiVersion<Widget>,
        #[serde(default)]
        kind: Kind<Widget>,
        #[serde(default)]
        size: i32,
    }

    impl TypeInfo for Widget {
        const GROUP: &'static str = "example.com";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "Widget";
        const API_VERSION: &'static str = "example.com/v1";
    }

    #[test]
    fn writes_and_checks_the_type() {
        let w = Widget {
            size: 3,
            ..Widget::default()
        };
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"apiVersion":"example.com/v1","kind":"Widget","size":3}"#
        );
        for ok in [
            r#"{"apiVersion":"example.com/v1","kind":"Widget","size":3}"#,
            r#"{"size":3}"#,
            r#"{"apiVersion":null,"kind":"","size":3}"#,
        ] {
            assert_eq!(serde_json::from_str::<Widget>(ok).unwrap(), w, "{ok}");
        }
        assert_eq!(format!("{:?}", w.kind), "\"Widget\"");
        assert_eq!(w.api_version.as_str(), "example.com/v1");
    }

    #[test]
    fn the_wrong_kind_is_a_clear_error() {
        let err = serde_json::from_str::<Widget>(r#"{"kind":"Status","apiVersion":"v1"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"expected kind "Widget" for a Widget (example.com/v1), found "Status""#),
            "{err}"
        );
        let err = serde_json::from_str::<Widget>(r#"{"apiVersion":"v2"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"expected apiVersion "example.com/v1""#),
            "{err}"
        );
        assert!(serde_json::from_str::<Widget>(r#"{"kind":7}"#).is_err());
    }
}
