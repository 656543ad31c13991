//! The protobuf wire format and its translation to the JSON the API uses, including the special
//! encodings of `Time`, `MicroTime`, `Duration`, `Quantity`, `IntOrString` and raw JSON fields.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::schema::{Label, messages};

const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";

/// A cursor over protobuf bytes.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or("truncated varint")?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint too long".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or("truncated field")?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = usize::try_from(self.varint()?).map_err(|_| "length overflow")?;
        self.take(n)
    }

    fn fixed(&mut self, n: usize) -> Result<u64, String> {
        let b = self.take(n)?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
    }

    fn skip(&mut self, wire: u64) -> Result<(), String> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.take(8).map(|_| ()),
            2 => self.bytes().map(|_| ()),
            5 => self.take(4).map(|_| ()),
            w => Err(format!("unsupported wire type {w}")),
        }
    }

    fn key(&mut self) -> Result<(u32, u64), String> {
        let k = self.varint()?;
        Ok((
            u32::try_from(k >> 3).map_err(|_| "field number overflow")?,
            k & 7,
        ))
    }
}

/// The `runtime.Unknown` envelope.
pub struct Unknown {
    pub api_version: String,
    pub kind: String,
    pub raw: Vec<u8>,
}

/// Decodes the `runtime.Unknown` envelope (after the magic).
pub fn envelope(buf: &[u8]) -> Result<Unknown, String> {
    let mut r = Reader::new(buf);
    let mut u = Unknown {
        api_version: String::new(),
        kind: String::new(),
        raw: Vec::new(),
    };
    while !r.done() {
        match r.key()? {
            (1, 2) => {
                let mut t = Reader::new(r.bytes()?);
                while !t.done() {
                    match t.key()? {
                        (1, 2) => u.api_version = utf8(t.bytes()?)?,
                        (2, 2) => u.kind = utf8(t.bytes()?)?,
                        (_, w) => t.skip(w)?,
                    }
                }
            }
            (2, 2) => u.raw = r.bytes()?.to_vec(),
            (_, w) => r.skip(w)?,
        }
    }
    Ok(u)
}

fn utf8(b: &[u8]) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| "invalid UTF-8 in a string field".to_string())
}

/// Go's `time.Duration.String()` for a number of nanoseconds (apimachinery's formatter).
pub fn go_duration(ns: i64) -> String {
    kclient_apimachinery::meta::Duration(ns).to_string()
}

fn time(buf: &[u8], micro: bool) -> Result<Value, String> {
    let mut r = Reader::new(buf);
    let (mut secs, mut nanos) = (0i64, 0i64);
    while !r.done() {
        match r.key()? {
            (1, 0) => secs = r.varint()? as i64,
            (2, 0) => nanos = i64::from(r.varint()? as i32),
            (_, w) => r.skip(w)?,
        }
    }
    if secs == 0 && nanos == 0 {
        return Ok(Value::Null);
    }
    let ts = jiff::Timestamp::new(
        secs,
        if micro {
            (nanos / 1000 * 1000) as i32
        } else {
            0
        },
    )
    .map_err(|e| format!("invalid time: {e}"))?;
    Ok(Value::String(if micro {
        ts.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
    } else {
        ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }))
}

/// Decodes a message of the special wrapper types; `None` for ordinary messages.
fn special(buf: &[u8], name: &str) -> Result<Option<Value>, String> {
    let first_field = |wanted: u32| -> Result<Option<Vec<u8>>, String> {
        let mut r = Reader::new(buf);
        let mut out = None;
        while !r.done() {
            match r.key()? {
                (n, 2) if n == wanted => out = Some(r.bytes()?.to_vec()),
                (_, w) => r.skip(w)?,
            }
        }
        Ok(out)
    };
    let raw_json = |b: Option<Vec<u8>>| {
        b.and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    };
    Ok(Some(match name {
        n if n == format!("{META}.Time") => time(buf, false)?,
        n if n == format!("{META}.MicroTime") => time(buf, true)?,
        n if n == format!("{META}.Duration") => {
            let mut r = Reader::new(buf);
            let mut ns = 0i64;
            while !r.done() {
                match r.key()? {
                    (1, 0) => ns = r.varint()? as i64,
                    (_, w) => r.skip(w)?,
                }
            }
            Value::String(go_duration(ns))
        }
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => {
            Value::String(utf8(&first_field(1)?.unwrap_or_default())?)
        }
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => {
            let mut r = Reader::new(buf);
            let (mut ty, mut int, mut s) = (0u64, 0i64, String::new());
            while !r.done() {
                match r.key()? {
                    (1, 0) => ty = r.varint()?,
                    (2, 0) => int = i64::from(r.varint()? as i32),
                    (3, 2) => s = utf8(r.bytes()?)?,
                    (_, w) => r.skip(w)?,
                }
            }
            if ty == 1 {
                Value::String(s)
            } else {
                json!(int)
            }
        }
        "k8s.io.apimachinery.pkg.runtime.RawExtension"
        | "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON" => {
            raw_json(first_field(1)?)
        }
        n if n.starts_with(UNIONS) => return union(buf, &n[UNIONS.len()..]),
        n if n == format!("{META}.FieldsV1") => raw_json(first_field(1)?),
        _ => return Ok(None),
    }))
}

/// The apiextensions unions (`JSONSchemaPropsOrArray`, `...OrBool`, `...OrStringArray`).
pub(super) const UNIONS: &str =
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOr";
const SCHEMA_PROPS: &str =
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";

fn union(buf: &[u8], which: &str) -> Result<Option<Value>, String> {
    let mut r = Reader::new(buf);
    let (mut schema, mut list, mut allows) = (None, Vec::new(), false);
    let schema_tag = if which == "Bool" { 2 } else { 1 };
    while !r.done() {
        match r.key()? {
            (n, 2) if n == schema_tag => schema = Some(message(r.bytes()?, SCHEMA_PROPS)?),
            (2, 2) if which == "Array" => list.push(message(r.bytes()?, SCHEMA_PROPS)?),
            (2, 2) if which == "StringArray" => list.push(Value::String(utf8(r.bytes()?)?)),
            (1, 0) if which == "Bool" => allows = r.varint()? != 0,
            (_, w) => r.skip(w)?,
        }
    }
    Ok(Some(match (schema, which) {
        (Some(s), _) => s,
        (None, "Bool") => Value::Bool(allows),
        (None, _) => Value::Array(list),
    }))
}

fn scalar(r: &mut Reader<'_>, ty: &str, wire: u64) -> Result<Value, String> {
    Ok(match (ty, wire) {
        ("string", 2) => Value::String(utf8(r.bytes()?)?),
        ("bytes", 2) => Value::String(STANDARD.encode(r.bytes()?)),
        ("bool", 0) => Value::Bool(r.varint()? != 0),
        ("int32", 0) => json!(r.varint()? as i32),
        ("int64", 0) => json!(r.varint()? as i64),
        ("uint32" | "uint64", 0) => json!(r.varint()?),
        ("sint32" | "sint64", 0) => {
            let v = r.varint()?;
            json!(((v >> 1) as i64) ^ -((v & 1) as i64))
        }
        ("double", 1) => json!(f64::from_bits(r.fixed(8)?)),
        ("float", 5) => json!(f32::from_bits(r.fixed(4)? as u32)),
        ("fixed64" | "sfixed64", 1) => json!(r.fixed(8)?),
        ("fixed32" | "sfixed32", 5) => json!(r.fixed(4)?),
        (ty, w) => return Err(format!("field of type {ty} has wire type {w}")),
    })
}

fn is_message(ty: &str) -> bool {
    ty.contains('.')
}

fn value(r: &mut Reader<'_>, ty: &str, wire: u64) -> Result<Value, String> {
    if is_message(ty) {
        if wire != 2 {
            return Err(format!("message field of type {ty} has wire type {wire}"));
        }
        message(r.bytes()?, ty)
    } else {
        scalar(r, ty, wire)
    }
}

/// Decodes one message of the named type into JSON.
pub fn message(buf: &[u8], name: &str) -> Result<Value, String> {
    if let Some(v) = special(buf, name)? {
        return Ok(v);
    }
    let fields = messages()
        .get(name)
        .ok_or_else(|| format!("unknown message {name}"))?;
    let wrapper = super::schema::is_list_wrapper(fields);
    let mut out = Map::new();
    let mut r = Reader::new(buf);
    while !r.done() {
        let (num, wire) = r.key()?;
        let Some(f) = fields.get(&num) else {
            r.skip(wire)?;
            continue;
        };
        let key = super::schema::json_name(name, f.name).into_owned();
        match f.label {
            Label::Embedded => {
                if wire != 2 {
                    return Err(format!("embedded field {} has wire type {wire}", f.name));
                }
                if let Value::Object(inner) = message(r.bytes()?, f.ty)? {
                    out.extend(inner);
                }
            }
            Label::Optional => {
                let v = value(&mut r, f.ty, wire)?;
                // Non-pointer Go strings are always encoded; JSON (omitempty) would leave them out.
                if !v.is_null() && v != json!("") {
                    out.insert(key, v);
                }
            }
            Label::Repeated => {
                let entry = out.entry(key).or_insert_with(|| json!([]));
                let mut items = Vec::new();
                if wire == 2 && !is_message(f.ty) && !matches!(f.ty, "string" | "bytes") {
                    let mut packed = Reader::new(r.bytes()?);
                    let inner = match f.ty {
                        "double" | "fixed64" | "sfixed64" => 1,
                        "float" | "fixed32" | "sfixed32" => 5,
                        _ => 0,
                    };
                    while !packed.done() {
                        items.push(scalar(&mut packed, f.ty, inner)?);
                    }
                } else {
                    items.push(value(&mut r, f.ty, wire)?);
                }
                if let Some(a) = entry.as_array_mut() {
                    a.extend(items);
                }
            }
            Label::Map => {
                let mut e = Reader::new(r.bytes()?);
                let (mut k, mut v) = (Value::Null, Value::Null);
                while !e.done() {
                    match e.key()? {
                        (1, w) => k = value(&mut e, f.ty, w)?,
                        (2, w) => v = value(&mut e, f.value_ty, w)?,
                        (_, w) => e.skip(w)?,
                    }
                }
                let map_key = match k {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                if v.is_null() && !is_message(f.value_ty) {
                    v = match f.value_ty {
                        "string" | "bytes" => json!(""),
                        _ => v,
                    };
                }
                let entry = out.entry(key).or_insert_with(|| json!({}));
                if let Some(m) = entry.as_object_mut() {
                    m.insert(map_key, v);
                }
            }
        }
    }
    if wrapper {
        return Ok(out.remove("items").unwrap_or_else(|| json!([])));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn field(num: u32, wire: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![((num << 3) as u8) | wire];
        if wire == 2 {
            v.push(payload.len() as u8);
        }
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_a_configmap() {
        let meta = [field(1, 2, b"cm"), field(3, 2, b"ns")].concat();
        let entry = [field(1, 2, b"k"), field(2, 2, b"v")].concat();
        let bin = [field(1, 2, b"b"), field(2, 2, &[0xff])].concat();
        let cm = [
            field(1, 2, &meta),
            field(2, 2, &entry),
            field(3, 2, &bin),
            field(4, 0, &[1]),
        ]
        .concat();
        let v = message(&cm, "k8s.io.api.core.v1.ConfigMap").unwrap();
        assert_eq!(
            v,
            json!({"metadata": {"name": "cm", "namespace": "ns"}, "data": {"k": "v"}, "binaryData": {"b": "/w=="}, "immutable": true})
        );
    }

    #[test]
    fn special_types() {
        assert_eq!(time(&[], false).unwrap(), Value::Null);
        let t = [vec![0x08], vec![0x80, 0xa3, 0xc3, 0xf5, 0x05]].concat();
        assert_eq!(time(&t, false).unwrap(), json!("2020-05-05T02:37:52Z"));
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        let ios = [field(1, 0, &[1]), field(3, 2, b"http")].concat();
        assert_eq!(
            special(&ios, "k8s.io.apimachinery.pkg.util.intstr.IntOrString").unwrap(),
            Some(json!("http"))
        );
    }
}
