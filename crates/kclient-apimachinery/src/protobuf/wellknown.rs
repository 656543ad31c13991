//! The apimachinery types with their own protobuf form (`time_proto.go`, `micro_time_proto.go`,
//! `quantity_proto.go`, `intstr`'s `generated.pb.go`, `runtime.RawExtension`): `Time`,
//! `MicroTime`, `Quantity`, `IntOrString`, raw JSON (`RawExtension`, apiextensions' `JSON`,
//! `FieldsV1`), and `metav1.Duration` for the fields the OpenAPI spec types as strings.

use prost::DecodeError;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType, encode_key, encode_varint, skip_field};
use serde_json::Value;

use super::field::{ProtoField, body_len, merge_body};
use crate::meta::{Duration, FieldsV1, MicroTime, Time};
use crate::{IntOrString, Quantity};

/// Seconds and nanoseconds of a `Time` or `MicroTime` message; `None` for an empty message
/// (Go's zero time, `null` in JSON).
fn merge_timestamp(
    wire: WireType,
    buf: &mut impl Buf,
    ctx: DecodeContext,
) -> Result<Option<(i64, i32)>, DecodeError> {
    let (mut seconds, mut nanos, mut any) = (0i64, 0i32, false);
    merge_body(wire, buf, ctx, |tag, wire, buf, ctx| {
        any = true;
        match tag {
            1 => seconds.merge_field(wire, buf, ctx),
            2 => nanos.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        }
    })?;
    Ok(any.then_some((seconds, nanos)))
}

fn timestamp(seconds: i64, nanos: i32) -> Result<jiff::Timestamp, DecodeError> {
    jiff::Timestamp::new(seconds, nanos)
        .map_err(|e| super::error(format!("invalid time ({seconds}s {nanos}ns): {e}")))
}

fn timestamp_len(seconds: i64, nanos: Option<i32>) -> usize {
    seconds.field_len(1) + nanos.field_len(2)
}

fn encode_timestamp(tag: u32, seconds: i64, nanos: Option<i32>, buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(timestamp_len(seconds, nanos) as u64, buf);
    seconds.encode_field(1, buf);
    nanos.encode_field(2, buf);
}

/// `Time`: only whole seconds are written, and nanoseconds are ignored when read (the JSON
/// form has seconds precision too).
impl ProtoField for Option<Time> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if let Some(t) = self {
            encode_timestamp(tag, t.0.as_second(), None, buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.map_or(0, |t| body_len(tag, timestamp_len(t.0.as_second(), None)))
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        *self = match merge_timestamp(wire, buf, ctx)? {
            Some((seconds, _)) => Some(Time(timestamp(seconds, 0)?)),
            None => None,
        };
        Ok(())
    }
}

/// The nanoseconds of a `MicroTime`, truncated to microseconds as Go does on both sides.
fn micros(t: &MicroTime) -> i32 {
    t.0.subsec_nanosecond() / 1000 * 1000
}

impl ProtoField for Option<MicroTime> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if let Some(t) = self {
            encode_timestamp(tag, t.0.as_second(), Some(micros(t)), buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.as_ref().map_or(0, |t| {
            body_len(tag, timestamp_len(t.0.as_second(), Some(micros(t))))
        })
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        *self = match merge_timestamp(wire, buf, ctx)? {
            Some((seconds, nanos)) => Some(MicroTime(timestamp(seconds, nanos / 1000 * 1000)?)),
            None => None,
        };
        Ok(())
    }
}

/// A message whose only field is the string 1 (`Quantity`).
fn string_message_len(value: &String) -> usize {
    value.field_len(1)
}

/// `Quantity`: its canonical string in field 1.
impl ProtoField for Quantity {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        let text = self.to_string();
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(string_message_len(&text) as u64, buf);
        text.encode_field(1, buf);
    }
    fn field_len(&self, tag: u32) -> usize {
        body_len(tag, string_message_len(&self.to_string()))
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut text = String::new();
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => text.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })?;
        *self = Quantity::parse(&text)
            .map_err(|e| super::error(format!("invalid quantity {text:?}: {e}")))?;
        Ok(())
    }
}

/// The three fields of an `IntOrString`, all always written: `type` (0 int, 1 string),
/// `intVal`, `strVal`.
fn int_or_string_parts(value: &IntOrString) -> (i64, i32, &str) {
    match value {
        IntOrString::Int(i) => (0, *i, ""),
        IntOrString::String(s) => (1, 0, s.as_str()),
    }
}

fn int_or_string_len(value: &IntOrString) -> usize {
    let (ty, int, s) = int_or_string_parts(value);
    ty.field_len(1) + int.field_len(2) + body_len(3, s.len())
}

impl ProtoField for IntOrString {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        let (ty, int, s) = int_or_string_parts(self);
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(int_or_string_len(self) as u64, buf);
        ty.encode_field(1, buf);
        int.encode_field(2, buf);
        encode_key(3, WireType::LengthDelimited, buf);
        encode_varint(s.len() as u64, buf);
        buf.put_slice(s.as_bytes());
    }
    fn field_len(&self, tag: u32) -> usize {
        body_len(tag, int_or_string_len(self))
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let (mut ty, mut int, mut s) = (0i64, 0i32, String::new());
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => ty.merge_field(wire, buf, ctx),
            2 => int.merge_field(wire, buf, ctx),
            3 => s.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })?;
        *self = match ty {
            0 => IntOrString::Int(int),
            1 => IntOrString::String(s),
            other => {
                return Err(super::error(format!(
                    "invalid IntOrString type {other} (0 is int, 1 is string)"
                )));
            }
        };
        Ok(())
    }
}

/// Reads the bytes field 1 of a message (`RawExtension.raw`, `JSON.raw`, `FieldsV1.Raw`).
fn merge_raw(
    wire: WireType,
    buf: &mut impl Buf,
    ctx: DecodeContext,
) -> Result<Vec<u8>, DecodeError> {
    let mut raw: Vec<u8> = Vec::new();
    merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
        1 => prost::encoding::bytes::merge(wire, &mut raw, buf, ctx),
        _ => skip_field(wire, tag, buf, ctx),
    })?;
    Ok(raw)
}

fn encode_raw_message(tag: u32, raw: &[u8], buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(body_len(1, raw.len()) as u64, buf);
    encode_key(1, WireType::LengthDelimited, buf);
    encode_varint(raw.len() as u64, buf);
    buf.put_slice(raw);
}

fn json_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail (its map keys are strings).
    serde_json::to_vec(value).unwrap_or_default()
}

/// Raw JSON (`runtime.RawExtension`, apiextensions' `JSON`): the JSON text in the bytes field
/// `raw` (1). Data that is not JSON (an object embedded as protobuf) is an error.
impl ProtoField for Value {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        encode_raw_message(tag, &json_bytes(self), buf);
    }
    fn field_len(&self, tag: u32) -> usize {
        body_len(tag, body_len(1, json_bytes(self).len()))
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let raw = merge_raw(wire, buf, ctx)?;
        *self = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw)
                .map_err(|e| super::error(format!("a RawExtension that does not hold JSON: {e}")))?
        };
        Ok(())
    }
}

impl ProtoField for Option<FieldsV1> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if let Some(f) = self {
            encode_raw_message(tag, f.as_str().as_bytes(), buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.as_ref()
            .map_or(0, |f| body_len(tag, body_len(1, f.as_str().len())))
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let raw = merge_raw(wire, buf, ctx)?;
        let text =
            String::from_utf8(raw).map_err(|_| super::error("fieldsV1 that is not UTF-8 JSON"))?;
        *self = Some(
            FieldsV1::from_json(text)
                .map_err(|e| super::error(format!("fieldsV1 that is not JSON: {e}")))?,
        );
        Ok(())
    }
}

/// How a field is written when its Rust type and its protobuf type differ (the generator
/// picks one per field): `A::encode(&self.field, tag, buf)`.
pub trait Via<T: ?Sized> {
    /// Writes `value` as field `tag`.
    fn encode(value: &T, tag: u32, buf: &mut impl BufMut);
    /// The bytes `encode` writes.
    fn encoded_len(value: &T, tag: u32) -> usize;
    /// Reads one occurrence of field into `value`.
    fn merge(
        value: &mut T,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
}

/// A `metav1.Duration` message (`duration` = 1, nanoseconds) for a field the OpenAPI spec
/// types as a Go duration string (`"1h0m0s"`).
#[derive(Debug)]
pub struct GoDuration;

fn duration_nanos(text: &str) -> i64 {
    // A value that does not parse is written as zero, as Go could not have held it.
    Duration::parse(text).map_or(0, Duration::as_nanos)
}

impl Via<String> for GoDuration {
    fn encode(value: &String, tag: u32, buf: &mut impl BufMut) {
        let nanos = duration_nanos(value);
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(nanos.field_len(1) as u64, buf);
        nanos.encode_field(1, buf);
    }
    fn encoded_len(value: &String, tag: u32) -> usize {
        body_len(tag, duration_nanos(value).field_len(1))
    }
    fn merge(
        value: &mut String,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut nanos = 0i64;
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => nanos.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })?;
        *value = Duration(nanos).to_string();
        Ok(())
    }
}

impl Via<Option<String>> for GoDuration {
    fn encode(value: &Option<String>, tag: u32, buf: &mut impl BufMut) {
        if let Some(v) = value {
            <GoDuration as Via<String>>::encode(v, tag, buf);
        }
    }
    fn encoded_len(value: &Option<String>, tag: u32) -> usize {
        value
            .as_ref()
            .map_or(0, |v| <GoDuration as Via<String>>::encoded_len(v, tag))
    }
    fn merge(
        value: &mut Option<String>,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        <GoDuration as Via<String>>::merge(value.get_or_insert_default(), wire, buf, ctx)
    }
}

/// A list kept in a wrapper message whose only field is `repeated items = 1` (such as
/// `authentication/v1` `ExtraValue`), for a field that is a plain list in JSON.
#[derive(Debug)]
pub struct Items;

impl<T: ProtoField + Default> Via<Vec<T>> for Items {
    fn encode(value: &Vec<T>, tag: u32, buf: &mut impl BufMut) {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(value.field_len(1) as u64, buf);
        value.encode_field(1, buf);
    }
    fn encoded_len(value: &Vec<T>, tag: u32) -> usize {
        body_len(tag, value.field_len(1))
    }
    fn merge(
        value: &mut Vec<T>,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => value.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })
    }
}

impl<T: ProtoField + Default> Via<Option<Vec<T>>> for Items {
    fn encode(value: &Option<Vec<T>>, tag: u32, buf: &mut impl BufMut) {
        if let Some(v) = value {
            <Items as Via<Vec<T>>>::encode(v, tag, buf);
        }
    }
    fn encoded_len(value: &Option<Vec<T>>, tag: u32) -> usize {
        value
            .as_ref()
            .map_or(0, |v| <Items as Via<Vec<T>>>::encoded_len(v, tag))
    }
    fn merge(
        value: &mut Option<Vec<T>>,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        <Items as Via<Vec<T>>>::merge(value.get_or_insert_default(), wire, buf, ctx)
    }
}

/// A `map<string, W>` whose values are [`Items`] wrappers (`extra` of `UserInfo`:
/// `map<string, ExtraValue>`), for a JSON map of lists.
#[derive(Debug)]
pub struct ItemsMap;

fn items_entry_len<T: ProtoField + Default>(key: &String, value: &Vec<T>) -> usize {
    key.field_len(1) + <Items as Via<Vec<T>>>::encoded_len(value, 2)
}

impl<T: ProtoField + Default> Via<crate::VecMap<String, Vec<T>>> for ItemsMap {
    fn encode(value: &crate::VecMap<String, Vec<T>>, tag: u32, buf: &mut impl BufMut) {
        for (key, items) in value.iter() {
            encode_key(tag, WireType::LengthDelimited, buf);
            encode_varint(items_entry_len(key, items) as u64, buf);
            key.encode_field(1, buf);
            <Items as Via<Vec<T>>>::encode(items, 2, buf);
        }
    }
    fn encoded_len(value: &crate::VecMap<String, Vec<T>>, tag: u32) -> usize {
        value
            .iter()
            .map(|(k, v)| body_len(tag, items_entry_len(k, v)))
            .sum()
    }
    fn merge(
        value: &mut crate::VecMap<String, Vec<T>>,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut key = String::new();
        let mut items: Vec<T> = Vec::new();
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => key.merge_field(wire, buf, ctx),
            2 => <Items as Via<Vec<T>>>::merge(&mut items, wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })?;
        value.insert(key, items);
        Ok(())
    }
}

impl<T: ProtoField + Default> Via<Option<crate::VecMap<String, Vec<T>>>> for ItemsMap {
    fn encode(value: &Option<crate::VecMap<String, Vec<T>>>, tag: u32, buf: &mut impl BufMut) {
        if let Some(v) = value {
            <ItemsMap as Via<crate::VecMap<String, Vec<T>>>>::encode(v, tag, buf);
        }
    }
    fn encoded_len(value: &Option<crate::VecMap<String, Vec<T>>>, tag: u32) -> usize {
        value.as_ref().map_or(0, |v| {
            <ItemsMap as Via<crate::VecMap<String, Vec<T>>>>::encoded_len(v, tag)
        })
    }
    fn merge(
        value: &mut Option<crate::VecMap<String, Vec<T>>>,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        <ItemsMap as Via<crate::VecMap<String, Vec<T>>>>::merge(
            value.get_or_insert_default(),
            wire,
            buf,
            ctx,
        )
    }
}

/// `map<string, Time>` (`PodDisruptionBudgetStatus.disruptedPods`). An empty value (Go's
/// zero time, which JSON cannot carry in a map) reads as the Unix epoch.
impl ProtoField for crate::VecMap<String, Time> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        for (key, time) in self.iter() {
            let value = Some(*time);
            encode_key(tag, WireType::LengthDelimited, buf);
            encode_varint((key.field_len(1) + value.field_len(2)) as u64, buf);
            key.encode_field(1, buf);
            value.encode_field(2, buf);
        }
    }
    fn field_len(&self, tag: u32) -> usize {
        self.iter()
            .map(|(k, t)| body_len(tag, k.field_len(1) + Some(*t).field_len(2)))
            .sum()
    }
    fn merge_field(
        &mut self,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut key = String::new();
        let mut value: Option<Time> = None;
        merge_body(wire, buf, ctx, |tag, wire, buf, ctx| match tag {
            1 => key.merge_field(wire, buf, ctx),
            2 => value.merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        })?;
        self.insert(key, value.unwrap_or(Time(jiff::Timestamp::UNIX_EPOCH)));
        Ok(())
    }
}
