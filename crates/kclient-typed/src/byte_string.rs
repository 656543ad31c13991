//! `ByteString`: the `[]byte` fields of the API (`format: byte`), base64 on the wire.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that travel as a base64 string (standard alphabet, padded), such as the values of
/// `Secret.data` and `ConfigMap.binaryData`.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteString(pub Vec<u8>);

impl std::fmt::Debug for ByteString {
    /// Shows the length only: byte fields often hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByteString({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for ByteString {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<&str> for ByteString {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl Serialize for ByteString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        // Go's decoder skips line breaks in base64 input; so do we.
        let compact: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
        STANDARD.decode(compact.as_bytes()).map(Self).map_err(|e| {
            serde::de::Error::custom(format_args!("invalid base64 in a byte field: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn base64_round_trip() {
        let b = ByteString::from("hello");
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, "\"aGVsbG8=\"");
        assert_eq!(serde_json::from_str::<ByteString>(&json).unwrap(), b);
        assert_eq!(
            serde_json::from_str::<ByteString>("\"aGVs\\nbG8=\"").unwrap(),
            b
        );
        assert_eq!(format!("{b:?}"), "ByteString(5 bytes)");
    }

    #[test]
    fn invalid_base64_is_a_clear_error() {
        let err = serde_json::from_str::<ByteString>("\"not base64!\"").unwrap_err();
        assert!(err.to_string().contains("invalid base64"), "{err}");
    }
}

/// `bytes` fields in protobuf.
#[cfg(feature = "protobuf")]
mod protobuf {
    use kclient_apimachinery::protobuf::ProtoField;
    use kclient_apimachinery::protobuf::prost::DecodeError;
    use kclient_apimachinery::protobuf::prost::bytes::{Buf, BufMut};
    use kclient_apimachinery::protobuf::prost::encoding::{self, DecodeContext, WireType};

    use super::ByteString;

    impl ProtoField for ByteString {
        fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
            encoding::bytes::encode(tag, &self.0, buf);
        }
        fn field_len(&self, tag: u32) -> usize {
            encoding::bytes::encoded_len(tag, &self.0)
        }
        fn merge_field(
            &mut self,
            wire: WireType,
            buf: &mut impl Buf,
            ctx: DecodeContext,
        ) -> Result<(), DecodeError> {
            encoding::bytes::merge(wire, &mut self.0, buf, ctx)
        }
    }
}
