//! Encoding the JSON objects the server stores as Kubernetes protobuf, driven by the generated
//! schema: the inverse of [`super::decode`], with the same special types (`Time`, `MicroTime`,
//! `Duration`, `Quantity`, `IntOrString`, raw JSON, the apiextensions unions) and structs Go
//! embeds inline. The wire primitives are `prost::encoding`'s.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use prost::encoding::{WireType, encode_key, encode_varint};
use serde_json::{Map, Value};

use super::decode::UNIONS;
use super::schema::{Label, json_name, messages};

const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";
const SCHEMA_PROPS: &str =
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";

fn bytes_field(tag: u32, bytes: &[u8], buf: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    buf.extend_from_slice(bytes);
}

fn varint_field(tag: u32, value: u64, buf: &mut Vec<u8>) {
    encode_key(tag, WireType::Varint, buf);
    encode_varint(value, buf);
}

fn parse_time(s: &str) -> Result<jiff::Timestamp, String> {
    s.parse::<jiff::Timestamp>()
        .map_err(|e| format!("invalid time {s:?}: {e}"))
}

/// The body of a message of the special types; `None` for ordinary messages.
fn special(value: &Value, name: &str) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    match name {
        n if n == format!("{META}.Time") || n == format!("{META}.MicroTime") => {
            if let Some(s) = value.as_str() {
                let ts = parse_time(s)?;
                varint_field(1, ts.as_second() as u64, &mut out);
                if n.ends_with("MicroTime") {
                    let micros = ts.subsec_nanosecond() / 1000 * 1000;
                    varint_field(2, i64::from(micros) as u64, &mut out);
                }
            }
        }
        n if n == format!("{META}.Duration") => {
            let s = value.as_str().unwrap_or("0s");
            let d = kclient_apimachinery::meta::Duration::parse(s)
                .map_err(|e| format!("invalid duration {s:?}: {e}"))?;
            varint_field(1, d.as_nanos() as u64, &mut out);
        }
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => {
            let s = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            bytes_field(1, s.as_bytes(), &mut out);
        }
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => match value {
            Value::String(s) => {
                varint_field(1, 1, &mut out);
                varint_field(2, 0, &mut out);
                bytes_field(3, s.as_bytes(), &mut out);
            }
            other => {
                let i = other
                    .as_i64()
                    .ok_or("IntOrString is neither a string nor an integer")?;
                varint_field(1, 0, &mut out);
                varint_field(2, i as u64, &mut out);
                bytes_field(3, b"", &mut out);
            }
        },
        "k8s.io.apimachinery.pkg.runtime.RawExtension"
        | "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON" => {
            let raw = serde_json::to_vec(value).map_err(|e| e.to_string())?;
            bytes_field(1, &raw, &mut out);
        }
        n if n == format!("{META}.FieldsV1") => {
            let raw = serde_json::to_vec(value).map_err(|e| e.to_string())?;
            bytes_field(1, &raw, &mut out);
        }
        n if n.starts_with(UNIONS) => {
            let which = &n[UNIONS.len()..];
            match (which, value) {
                ("Bool", Value::Bool(b)) => varint_field(1, u64::from(*b), &mut out),
                ("Bool", schema) => {
                    varint_field(1, 1, &mut out);
                    let body = message(schema, SCHEMA_PROPS)?;
                    bytes_field(2, &body, &mut out);
                }
                ("Array", Value::Array(items)) => {
                    for item in items {
                        bytes_field(2, &message(item, SCHEMA_PROPS)?, &mut out);
                    }
                }
                ("StringArray", Value::Array(items)) => {
                    for item in items {
                        bytes_field(2, item.as_str().unwrap_or_default().as_bytes(), &mut out);
                    }
                }
                (_, schema) => bytes_field(1, &message(schema, SCHEMA_PROPS)?, &mut out),
            }
        }
        _ => return Ok(None),
    }
    Ok(Some(out))
}

fn scalar(tag: u32, ty: &str, value: &Value, buf: &mut Vec<u8>) -> Result<(), String> {
    let bad = || format!("the value {value} is not a {ty}");
    match ty {
        "string" => bytes_field(tag, value.as_str().ok_or_else(bad)?.as_bytes(), buf),
        "bytes" => {
            let raw = STANDARD
                .decode(value.as_str().ok_or_else(bad)?)
                .map_err(|e| format!("invalid base64: {e}"))?;
            bytes_field(tag, &raw, buf);
        }
        "bool" => varint_field(tag, u64::from(value.as_bool().ok_or_else(bad)?), buf),
        "int32" | "int64" | "uint32" | "uint64" => {
            let v = value
                .as_i64()
                .or_else(|| {
                    value
                        .as_f64()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i64)
                })
                .ok_or_else(bad)?;
            varint_field(tag, v as u64, buf);
        }
        "double" => {
            encode_key(tag, WireType::SixtyFourBit, buf);
            buf.extend_from_slice(&value.as_f64().ok_or_else(bad)?.to_le_bytes());
        }
        other => return Err(format!("unsupported protobuf type {other}")),
    }
    Ok(())
}

fn value(tag: u32, ty: &str, value: &Value, buf: &mut Vec<u8>) -> Result<(), String> {
    if ty.contains('.') {
        bytes_field(tag, &message(value, ty)?, buf);
        Ok(())
    } else {
        scalar(tag, ty, value, buf)
    }
}

fn get<'a>(
    object: &'a Map<String, Value>,
    message: &str,
    field: &'static str,
) -> Option<&'a Value> {
    object
        .get(json_name(message, field).as_ref())
        .filter(|v| !v.is_null())
}

/// Encodes a JSON value as the body of the message `name`.
pub fn message(json: &Value, name: &str) -> Result<Vec<u8>, String> {
    if let Some(body) = special(json, name)? {
        return Ok(body);
    }
    let fields = messages()
        .get(name)
        .ok_or_else(|| format!("unknown message {name}"))?;
    if let Value::Array(items) = json
        && super::schema::is_list_wrapper(fields)
    {
        let mut buf = Vec::new();
        let ty = fields[&1].ty;
        for item in items {
            value(1, ty, item, &mut buf)?;
        }
        return Ok(buf);
    }
    let empty = Map::new();
    let object = match json {
        Value::Object(o) => o,
        Value::Null => &empty,
        other => return Err(format!("{name} is not an object: {other}")),
    };
    let mut numbers: Vec<&u32> = fields.keys().collect();
    numbers.sort();
    let mut buf = Vec::new();
    for num in numbers {
        let f = &fields[num];
        match f.label {
            Label::Embedded => bytes_field(*num, &message(json, f.ty)?, &mut buf),
            Label::Optional => {
                if let Some(v) = get(object, name, f.name) {
                    value(*num, f.ty, v, &mut buf)?;
                }
            }
            Label::Repeated => {
                if let Some(Value::Array(items)) = get(object, name, f.name) {
                    for item in items {
                        value(*num, f.ty, item, &mut buf)?;
                    }
                }
            }
            Label::Map => {
                if let Some(Value::Object(entries)) = get(object, name, f.name) {
                    for (k, v) in entries {
                        let mut entry = Vec::new();
                        bytes_field(1, k.as_bytes(), &mut entry);
                        if !v.is_null() {
                            value(2, f.value_ty, v, &mut entry)?;
                        }
                        bytes_field(*num, &entry, &mut buf);
                    }
                }
            }
        }
    }
    Ok(buf)
}

/// Wraps a message body in the `k8s\0` prefix and `runtime.Unknown` envelope.
pub fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut type_meta = Vec::new();
    bytes_field(1, api_version.as_bytes(), &mut type_meta);
    bytes_field(2, kind.as_bytes(), &mut type_meta);
    let mut out = Vec::with_capacity(raw.len() + type_meta.len() + 16);
    out.extend_from_slice(super::MAGIC);
    bytes_field(1, &type_meta, &mut out);
    bytes_field(2, raw, &mut out);
    out
}

/// A watch frame: the 4-byte big-endian length and a `WatchEvent` of `event_type` whose
/// object is the enveloped `object`.
pub fn watch_frame(event_type: &str, object: &[u8]) -> Vec<u8> {
    let mut raw_ext = Vec::new();
    bytes_field(1, object, &mut raw_ext);
    let mut event = Vec::new();
    bytes_field(1, event_type.as_bytes(), &mut event);
    bytes_field(2, &raw_ext, &mut event);
    let mut out = Vec::with_capacity(event.len() + 4);
    out.extend_from_slice(&(event.len() as u32).to_be_bytes());
    out.extend_from_slice(&event);
    out
}
