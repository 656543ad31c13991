//! `Deborrow`: presents a `Deserializer<'a>` as a `Deserializer<'de>` for any `'de`, by turning
//! every borrowed string or byte slice it produces into a transient one (`visit_borrowed_str`
//! becomes `visit_str`).
//!
//! The streaming decoder needs this: it decodes each list element from a short-lived slice of its
//! buffer, while the seeds it is handed expect data that lives for the whole decode (`'de`).
//! Types that own their data (anything `DeserializeOwned`) lose nothing: they copy borrowed
//! strings anyway. Every wrapper forwards calls one to one, so the adaptor costs nothing at run
//! time.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// A deserializer of `'a` data whose borrowed data is not passed on as borrowed.
pub(crate) struct Deborrow<'a, D>(D, PhantomData<&'a ()>);

impl<D> Deborrow<'_, D> {
    pub(crate) fn new(deserializer: D) -> Self {
        Self(deserializer, PhantomData)
    }
}

/// A visitor of `'de` data, given data that only lives for `'a`.
struct VisitorOf<'de, V>(V, PhantomData<&'de ()>);

/// A seed of `'de` data, given data that only lives for `'a`.
struct SeedOf<'de, S>(S, PhantomData<&'de ()>);

/// Sequence, map and enum accesses of `'a` data wrapped the same way.
struct Access<'a, A>(A, PhantomData<&'a ()>);

macro_rules! forward_deserialize {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.0.$method(VisitorOf(visitor, PhantomData))
            }
        )*
    };
}

impl<'a, 'de, D: Deserializer<'a>> Deserializer<'de> for Deborrow<'a, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .deserialize_unit_struct(name, VisitorOf(visitor, PhantomData))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .deserialize_newtype_struct(name, VisitorOf(visitor, PhantomData))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .deserialize_tuple(len, VisitorOf(visitor, PhantomData))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .deserialize_tuple_struct(name, len, VisitorOf(visitor, PhantomData))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .deserialize_struct(name, fields, VisitorOf(visitor, PhantomData))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .deserialize_enum(name, variants, VisitorOf(visitor, PhantomData))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: serde::de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'a, 'de, V: Visitor<'de>> Visitor<'a> for VisitorOf<'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'a str) -> Result<Self::Value, E> {
        self.0.visit_str(v)
    }

    fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'a [u8]) -> Result<Self::Value, E> {
        self.0.visit_bytes(v)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'a>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.visit_some(Deborrow::new(d))
    }

    fn visit_newtype_struct<D: Deserializer<'a>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.visit_newtype_struct(Deborrow::new(d))
    }

    fn visit_seq<A: SeqAccess<'a>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(Access(seq, PhantomData))
    }

    fn visit_map<A: MapAccess<'a>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(Access(map, PhantomData))
    }

    fn visit_enum<A: EnumAccess<'a>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.0.visit_enum(Access(data, PhantomData))
    }
}

impl<'a, 'de, S: DeserializeSeed<'de>> DeserializeSeed<'a> for SeedOf<'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(Deborrow::new(d))
    }
}

impl<'a, 'de, A: SeqAccess<'a>> SeqAccess<'de> for Access<'a, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0.next_element_seed(SeedOf(seed, PhantomData))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'a, 'de, A: MapAccess<'a>> MapAccess<'de> for Access<'a, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        self.0.next_key_seed(SeedOf(seed, PhantomData))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.next_value_seed(SeedOf(seed, PhantomData))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'a, 'de, A: EnumAccess<'a>> EnumAccess<'de> for Access<'a, A> {
    type Error = A::Error;
    type Variant = Access<'a, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), Self::Error> {
        let (value, variant) = self.0.variant_seed(SeedOf(seed, PhantomData))?;
        Ok((value, Access(variant, PhantomData)))
    }
}

impl<'a, 'de, A: VariantAccess<'a>> VariantAccess<'de> for Access<'a, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        self.0.newtype_variant_seed(SeedOf(seed, PhantomData))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.tuple_variant(len, VisitorOf(visitor, PhantomData))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .struct_variant(fields, VisitorOf(visitor, PhantomData))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, String),
        Struct { a: Option<String> },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Everything {
        s: String,
        n: i64,
        f: f64,
        b: bool,
        none: Option<u8>,
        some: Option<Vec<u16>>,
        map: BTreeMap<String, serde_json::Value>,
        shapes: Vec<Shape>,
        tuple: (u8, char),
        #[serde(flatten)]
        rest: BTreeMap<String, serde_json::Value>,
    }

    /// Decodes from a slice through `Deborrow`, as the streaming decoder does.
    fn via_deborrow<T: serde::de::DeserializeOwned>(json: &str) -> T {
        let owned = json.as_bytes().to_vec();
        let mut de = serde_json::Deserializer::from_slice(&owned);
        let value = T::deserialize(Deborrow::new(&mut de)).unwrap();
        de.end().unwrap();
        value
    }

    #[test]
    fn decodes_exactly_what_serde_json_decodes() {
        let json = r#"{"s":"a\"b","n":-3,"f":1.5,"b":true,"none":null,"some":[1,2],
            "map":{"k":[1,{"x":null}]},
            "shapes":["Unit",{"Newtype":7},{"Tuple":[1,"t"]},{"Struct":{"a":"z"}}],
            "tuple":[9,"c"],"extra":{"deep":[true]}}"#;
        let direct: Everything = serde_json::from_str(json).unwrap();
        assert_eq!(via_deborrow::<Everything>(json), direct);
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(via_deborrow::<serde_json::Value>(json), value);
    }
}
