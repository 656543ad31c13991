//! The `k8s\0` envelope every protobuf object travels in (apimachinery's
//! `runtime/serializer/protobuf`): the 4-byte magic, then a `runtime.Unknown` whose `typeMeta`
//! names the kind and whose `raw` holds the object's own message. Lists are one envelope whose
//! `raw` is `ListMeta` (1) and the bare item messages (2); watch frames are `WatchEvent`s whose
//! `object.raw` is an enveloped object.

use prost::DecodeError;
use prost::Message;
use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint, skip_field};

use super::field::body_len;
use crate::meta::ListMeta;

/// `application/vnd.kubernetes.protobuf`.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
/// The media type of a protobuf watch (`...;stream=watch`).
pub const WATCH_MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf;stream=watch";
/// The prefix of every enveloped object: `k8s` and the encoding style 0 (`runtime.Unknown`).
pub const MAGIC: [u8; 4] = *b"k8s\0";

/// A decoded `runtime.Unknown`, borrowing its `raw` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown<'a> {
    /// `typeMeta.apiVersion` (`v1`, `apps/v1`).
    pub api_version: String,
    /// `typeMeta.kind` (`Pod`, `PodList`, `Status`).
    pub kind: String,
    /// The object's message, without prefix or envelope.
    pub raw: &'a [u8],
    /// `contentEncoding` (empty in practice).
    pub content_encoding: String,
    /// `contentType` (empty in practice, meaning the raw bytes are protobuf here).
    pub content_type: String,
}

/// Takes one length-delimited value off `buf`.
fn take_delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], DecodeError> {
    let len = decode_varint(buf)?;
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= buf.len())
        .ok_or_else(|| {
            super::error(format!(
                "a length of {len} bytes runs past the end of the data ({} left)",
                buf.len()
            ))
        })?;
    let (head, tail) = buf.split_at(len);
    *buf = tail;
    Ok(head)
}

fn utf8(bytes: &[u8], what: &'static str) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| super::error(format!("{what} is not valid UTF-8")))
}

/// Reads the fields of a message from `buf`, handing each length-delimited field to `field`
/// and skipping every other (and every unknown) field.
fn each_field<'a>(
    mut buf: &'a [u8],
    mut field: impl FnMut(u32, &'a [u8]) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    while !buf.is_empty() {
        let (tag, wire) = decode_key(&mut buf)?;
        if wire == WireType::LengthDelimited {
            let value = take_delimited(&mut buf)?;
            field(tag, value)?;
        } else {
            skip_field(wire, tag, &mut buf, Default::default())?;
        }
    }
    Ok(())
}

/// Decodes an enveloped object: checks the magic and reads the `runtime.Unknown`.
pub fn decode_envelope(data: &[u8]) -> Result<Unknown<'_>, DecodeError> {
    let body = data.strip_prefix(&MAGIC[..]).ok_or_else(|| {
        super::error(
            "the data does not start with the protobuf prefix k8s\\0 (it is not an enveloped \
             Kubernetes object)",
        )
    })?;
    let mut unknown = Unknown {
        api_version: String::new(),
        kind: String::new(),
        raw: &[],
        content_encoding: String::new(),
        content_type: String::new(),
    };
    each_field(body, |tag, value| {
        match tag {
            1 => each_field(value, |tag, value| {
                match tag {
                    1 => unknown.api_version = utf8(value, "typeMeta.apiVersion")?,
                    2 => unknown.kind = utf8(value, "typeMeta.kind")?,
                    _ => {}
                }
                Ok(())
            })?,
            2 => unknown.raw = value,
            3 => unknown.content_encoding = utf8(value, "contentEncoding")?,
            4 => unknown.content_type = utf8(value, "contentType")?,
            _ => {}
        }
        Ok(())
    })
    .map_err(|mut e| {
        e.push("Unknown", "");
        e
    })?;
    if !unknown.content_type.is_empty() && unknown.content_type != MEDIA_TYPE {
        return Err(super::error(format!(
            "the envelope holds {:?} data, not protobuf",
            unknown.content_type
        )));
    }
    Ok(unknown)
}

fn type_meta_len(api_version: &str, kind: &str) -> usize {
    body_len(1, api_version.len()) + body_len(2, kind.len())
}

fn put_str(tag: u32, value: &str, buf: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(value.len() as u64, buf);
    buf.extend_from_slice(value.as_bytes());
}

/// Writes the prefix and envelope of an object whose message is `raw_len` bytes long, then
/// the message itself by `raw`.
pub fn encode_envelope(
    api_version: &str,
    kind: &str,
    raw_len: usize,
    buf: &mut Vec<u8>,
    raw: impl FnOnce(&mut Vec<u8>),
) {
    let meta_len = type_meta_len(api_version, kind);
    buf.reserve(MAGIC.len() + body_len(1, meta_len) + body_len(2, raw_len));
    buf.extend_from_slice(&MAGIC);
    encode_key(1, WireType::LengthDelimited, buf);
    encode_varint(meta_len as u64, buf);
    put_str(1, api_version, buf);
    put_str(2, kind, buf);
    encode_key(2, WireType::LengthDelimited, buf);
    encode_varint(raw_len as u64, buf);
    let start = buf.len();
    raw(buf);
    debug_assert_eq!(buf.len() - start, raw_len);
}

/// An object of kind `kind` encoded as the API server encodes it: prefix, envelope, message.
pub fn encode_object<T: Message>(api_version: &str, kind: &str, object: &T) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_envelope(api_version, kind, object.encoded_len(), &mut buf, |b| {
        object.encode_raw(b);
    });
    buf
}

/// Decodes an enveloped object of kind `kind` (an envelope of another kind is an error naming
/// both).
pub fn decode_object<T: Message + Default>(data: &[u8], kind: &str) -> Result<T, DecodeError> {
    let unknown = decode_envelope(data)?;
    if unknown.kind != kind {
        return Err(super::error(format!(
            "expected an object of kind {kind}, the envelope holds {} {}",
            unknown.api_version, unknown.kind
        )));
    }
    T::decode(unknown.raw)
}

/// The parts of a list's message: its metadata and each item's bare message, in order.
#[derive(Debug, Default)]
pub struct ListParts<'a> {
    /// `metadata` (1).
    pub metadata: ListMeta,
    /// `items` (2), undecoded.
    pub items: Vec<&'a [u8]>,
}

/// Splits a list's message (the `raw` of its envelope) into metadata and item messages,
/// without decoding the items (so they can be decoded in parallel).
pub fn split_list(raw: &[u8]) -> Result<ListParts<'_>, DecodeError> {
    let mut parts = ListParts::default();
    let mut buf = raw;
    while !buf.is_empty() {
        let (tag, wire) = decode_key(&mut buf)?;
        match (tag, wire) {
            (1, WireType::LengthDelimited) => {
                let value = take_delimited(&mut buf)?;
                parts.metadata.merge(value).map_err(|mut e| {
                    e.push("List", "metadata");
                    e
                })?;
            }
            (2, WireType::LengthDelimited) => parts.items.push(take_delimited(&mut buf)?),
            (1 | 2, other) => {
                return Err(super::error(format!(
                    "list field {tag} has wire type {other:?}, expected length-delimited"
                )));
            }
            _ => skip_field(wire, tag, &mut buf, Default::default())?,
        }
    }
    Ok(parts)
}

/// A decoded protobuf watch frame (`metav1.WatchEvent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchFrame<'a> {
    /// `type`: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    pub event_type: String,
    /// `object.raw`: the enveloped object (or `Status` for `ERROR`).
    pub object: &'a [u8],
}

/// Decodes one watch frame (the bytes after its length prefix).
pub fn decode_watch_event(frame: &[u8]) -> Result<WatchFrame<'_>, DecodeError> {
    let mut event = WatchFrame {
        event_type: String::new(),
        object: &[],
    };
    each_field(frame, |tag, value| {
        match tag {
            1 => event.event_type = utf8(value, "WatchEvent.type")?,
            2 => each_field(value, |tag, raw| {
                if tag == 1 {
                    event.object = raw;
                }
                Ok(())
            })?,
            _ => {}
        }
        Ok(())
    })
    .map_err(|mut e| {
        e.push("WatchEvent", "");
        e
    })?;
    Ok(event)
}

/// Encodes a watch frame's body (without the length prefix): `type` and the enveloped object.
pub fn encode_watch_event(event_type: &str, object: &[u8], buf: &mut Vec<u8>) {
    put_str(1, event_type, buf);
    encode_key(2, WireType::LengthDelimited, buf);
    encode_varint(body_len(1, object.len()) as u64, buf);
    encode_key(1, WireType::LengthDelimited, buf);
    encode_varint(object.len() as u64, buf);
    buf.extend_from_slice(object);
}

/// How to encode and decode one kind in its envelope, without naming `prost` bounds: what the
/// REST layer is handed for the types that speak protobuf.
pub struct Codec<T> {
    /// The kind's `apiVersion`.
    pub api_version: &'static str,
    /// The kind.
    pub kind: &'static str,
    decode: fn(&[u8]) -> Result<T, DecodeError>,
    encoded_len: fn(&T) -> usize,
    encode_raw: fn(&T, &mut Vec<u8>),
}

impl<T> Clone for Codec<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Codec<T> {}

impl<T> std::fmt::Debug for Codec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("api_version", &self.api_version)
            .field("kind", &self.kind)
            .finish()
    }
}

impl<T: Message + Default> Codec<T> {
    /// The codec of kind `kind` at `api_version`.
    pub fn new(api_version: &'static str, kind: &'static str) -> Self {
        Self {
            api_version,
            kind,
            decode: |raw| T::decode(raw),
            encoded_len: |object| object.encoded_len(),
            encode_raw: |object, buf| object.encode_raw(buf),
        }
    }
}

impl<T> Codec<T> {
    /// Decodes a bare message (a list item).
    pub fn decode_raw(&self, raw: &[u8]) -> Result<T, DecodeError> {
        (self.decode)(raw)
    }

    /// Decodes an enveloped object, checking its kind.
    pub fn decode(&self, data: &[u8]) -> Result<T, DecodeError> {
        let unknown = decode_envelope(data)?;
        if unknown.kind != self.kind {
            return Err(super::error(format!(
                "expected an object of kind {}, the envelope holds {} {}",
                self.kind, unknown.api_version, unknown.kind
            )));
        }
        self.decode_raw(unknown.raw)
    }

    /// Encodes `object` with prefix and envelope, as a request body.
    pub fn encode(&self, object: &T) -> Vec<u8> {
        let mut buf = Vec::new();
        encode_envelope(
            self.api_version,
            self.kind,
            (self.encoded_len)(object),
            &mut buf,
            |b| (self.encode_raw)(object, b),
        );
        buf
    }
}

/// Decodes a `Status` from an enveloped body, if it is one.
pub fn decode_status(data: &[u8]) -> Option<crate::Status> {
    let unknown = decode_envelope(data).ok()?;
    if unknown.kind != "Status" {
        return None;
    }
    let mut status = crate::Status::decode(unknown.raw).ok()?;
    status.kind = Some(unknown.kind);
    status.api_version = Some(unknown.api_version);
    Some(status)
}

/// A `Status` encoded as the server sends it.
pub fn encode_status(status: &crate::Status) -> Vec<u8> {
    encode_object("v1", "Status", status)
}
