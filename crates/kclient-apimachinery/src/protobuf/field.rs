//! How one Rust value is written as one protobuf field, and read back: the [`ProtoField`] trait
//! and its impls for scalars, `Option`, `Box`, `Vec` (repeated fields) and
//! [`VecMap`](crate::VecMap) (`map<string, V>`), built on `prost::encoding`. Mirrors what gogo
//! protobuf generates for Kubernetes' Go types (`generated.pb.go`): values that are not
//! optional in Go (plain strings, numbers, structs) are always written; `None` never is.

use prost::DecodeError;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{
    self, DecodeContext, WireType, check_wire_type, decode_key, decode_varint, encode_key,
    encode_varint, encoded_len_varint, key_len, skip_field,
};

use crate::VecMap;

/// A Rust value that is written as one protobuf field (or, for `Vec`, one field per item).
pub trait ProtoField {
    /// Writes the value as field `tag`; an absent value (`None`, an empty list) writes nothing.
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut);
    /// The bytes [`ProtoField::encode_field`] writes.
    fn field_len(&self, tag: u32) -> usize;
    /// Reads one occurrence of the field (its key already read) into the value.
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    /// Reads one occurrence of a repeated field of this type into `values` (numbers also
    /// accept the packed form).
    fn merge_repeated(
        values: &mut Vec<Self>,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>
    where
        Self: Sized + Default,
    {
        let mut value = Self::default();
        value.merge_field(wire, buf, ctx)?;
        values.push(value);
        Ok(())
    }
}

macro_rules! scalar {
    ($ty:ty, $module:ident) => {
        impl ProtoField for $ty {
            fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode(tag, self, buf);
            }
            fn field_len(&self, tag: u32) -> usize {
                encoding::$module::encoded_len(tag, self)
            }
            fn merge_field(
                &mut self,
                wire: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(wire, self, buf, ctx)
            }
            fn merge_repeated(
                values: &mut Vec<Self>,
                wire: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge_repeated(wire, values, buf, ctx)
            }
        }
    };
}

scalar!(bool, bool);
scalar!(i32, int32);
scalar!(i64, int64);
scalar!(f64, double);
scalar!(String, string);

impl<T: ProtoField + Default> ProtoField for Option<T> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if let Some(value) = self {
            value.encode_field(tag, buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.as_ref().map_or(0, |v| v.field_len(tag))
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        self.get_or_insert_with(T::default)
            .merge_field(wire, buf, ctx)
    }
}

impl<T: ProtoField> ProtoField for Box<T> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        self.as_ref().encode_field(tag, buf);
    }
    fn field_len(&self, tag: u32) -> usize {
        self.as_ref().field_len(tag)
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        self.as_mut().merge_field(wire, buf, ctx)
    }
}

impl<T: ProtoField + Default> ProtoField for Vec<T> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        for value in self {
            value.encode_field(tag, buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.iter().map(|v| v.field_len(tag)).sum()
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        T::merge_repeated(self, wire, buf, ctx)
    }
}

/// The length of a map entry's body (key 1, value 2).
fn entry_len<V: ProtoField>(key: &String, value: &V) -> usize {
    key.field_len(1) + value.field_len(2)
}

impl<V: ProtoField + Default> ProtoField for VecMap<String, V> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        // Entries are sorted by key, as Go's generated marshallers write them.
        for (key, value) in self.iter() {
            encode_key(tag, WireType::LengthDelimited, buf);
            encode_varint(entry_len(key, value) as u64, buf);
            key.encode_field(1, buf);
            value.encode_field(2, buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.iter()
            .map(|(k, v)| {
                let len = entry_len(k, v);
                key_len(tag) + encoded_len_varint(len as u64) + len
            })
            .sum()
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut key = String::new();
        let mut value = V::default();
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => key.merge_field(wire, buf, ctx),
            2 => value.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })?;
        self.insert(key, value);
        Ok(())
    }
}

/// Reads a length-delimited body (a map entry, a wrapper message) field by field, calling
/// `field` with each key. Nested messages count against `ctx`'s recursion limit when `field`
/// decodes them with `prost::encoding::message::merge`.
pub fn merge_body<B: Buf>(
    wire: WireType,
    buf: &mut B,
    ctx: DecodeContext,
    mut field: impl FnMut(u32, WireType, &mut B, DecodeContext) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    check_wire_type(WireType::LengthDelimited, wire)?;
    let len = decode_varint(buf)?;
    let remaining = buf.remaining();
    if len > remaining as u64 {
        return Err(super::error("buffer underflow"));
    }
    let limit = remaining - len as usize;
    while buf.remaining() > limit {
        let (tag, wire) = decode_key(buf)?;
        field(tag, wire, buf, ctx.clone())?;
    }
    if buf.remaining() != limit {
        return Err(super::error("delimited length exceeded"));
    }
    Ok(())
}

/// The bytes of a length-delimited field of `len` body bytes.
pub fn body_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// Implements [`ProtoField`] for a type that implements `prost::Message`: a nested message,
/// always written (Go's non-pointer struct fields are), decoded within the recursion limit.
#[macro_export]
macro_rules! proto_message_field {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::protobuf::ProtoField for $ty {
            fn encode_field(&self, tag: u32, buf: &mut impl $crate::protobuf::prost::bytes::BufMut) {
                $crate::protobuf::prost::encoding::message::encode(tag, self, buf);
            }
            fn field_len(&self, tag: u32) -> usize {
                $crate::protobuf::prost::encoding::message::encoded_len(tag, self)
            }
            fn merge_field(
                &mut self,
                wire: $crate::protobuf::prost::encoding::WireType,
                buf: &mut impl $crate::protobuf::prost::bytes::Buf,
                ctx: $crate::protobuf::prost::encoding::DecodeContext,
            ) -> Result<(), $crate::protobuf::prost::DecodeError> {
                $crate::protobuf::prost::encoding::message::merge(wire, self, buf, ctx)
            }
        }
    )*};
}

/// Adds where a decoding error happened (`Pod.spec`), as prost's own generated code does.
pub fn context<T>(
    result: Result<T, DecodeError>,
    message: &'static str,
    field: &'static str,
) -> Result<T, DecodeError> {
    result.map_err(|mut e| {
        e.push(message, field);
        e
    })
}
