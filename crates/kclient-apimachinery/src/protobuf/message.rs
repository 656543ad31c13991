//! [`proto_message!`](crate::proto_message): implements `prost::Message` for a struct from a
//! list of `tag => field` pairs (each field a [`ProtoField`](super::ProtoField), written
//! through a [`Via`](super::Via) adapter with `tag => (field as Adapter)`, or a struct Go
//! embeds inline with `tag => { tag => field, .. }`). Used by the code
//! `cargo xtask codegen` generates for kclient-typed and by the `meta/v1` impls here.

/// Implements `prost::Message` (and [`ProtoField`](crate::protobuf::ProtoField), so the type
/// nests in other messages) for a struct, by field number:
///
/// ```
/// # #[cfg(feature = "protobuf")] {
/// use kclient_apimachinery::protobuf::prost::Message;
///
/// #[derive(Debug, Default, PartialEq)]
/// struct Port { name: Option<String>, port: i32 }
/// kclient_apimachinery::proto_message!(Port, "Port" { 1 => name, 3 => port });
///
/// let port = Port { name: Some("http".into()), port: 80 };
/// let bytes = port.encode_to_vec();
/// assert_eq!(bytes, [0x0a, 4, b'h', b't', b't', b'p', 0x18, 80]);
/// assert_eq!(Port::decode(bytes.as_slice()).unwrap(), port);
/// # }
/// ```
#[macro_export]
macro_rules! proto_message {
    ($ty:ty, $name:literal { $( $tag:literal => $field:tt ),* $(,)? }) => {
        impl $crate::protobuf::prost::Message for $ty {
            fn encode_raw(&self, buf: &mut impl $crate::protobuf::prost::bytes::BufMut) {
                let _ = &buf;
                $( $crate::proto_message!(@encode self, buf, $tag, $field); )*
            }
            fn merge_field(
                &mut self,
                tag: u32,
                wire: $crate::protobuf::prost::encoding::WireType,
                buf: &mut impl $crate::protobuf::prost::bytes::Buf,
                ctx: $crate::protobuf::prost::encoding::DecodeContext,
            ) -> Result<(), $crate::protobuf::prost::DecodeError> {
                match tag {
                    $( $tag => $crate::protobuf::context(
                        $crate::proto_message!(@merge self, wire, buf, ctx, $field),
                        $name,
                        $crate::proto_message!(@name $field),
                    ), )*
                    _ => $crate::protobuf::prost::encoding::skip_field(wire, tag, buf, ctx),
                }
            }
            fn encoded_len(&self) -> usize {
                0 $( + $crate::proto_message!(@len self, $tag, $field) )*
            }
            fn clear(&mut self) {
                *self = Self::default();
            }
        }
        $crate::proto_message_field!($ty);
    };
    (@name ($field:ident as $via:ty)) => { stringify!($field) };
    (@name { $($inner:tt)* }) => { "(embedded)" };
    (@name $field:ident) => { stringify!($field) };
    (@encode $self:ident, $buf:ident, $tag:literal, ($field:ident as $via:ty)) => {
        <$via as $crate::protobuf::Via<_>>::encode(&$self.$field, $tag, $buf)
    };
    // A struct embedded in Go (`json:",inline"`): flat in JSON and in Rust, a nested message
    // in protobuf, always written.
    (@encode $self:ident, $buf:ident, $tag:literal, { $( $t:literal => $f:tt ),* $(,)? }) => {{
        $crate::protobuf::prost::encoding::encode_key(
            $tag,
            $crate::protobuf::prost::encoding::WireType::LengthDelimited,
            $buf,
        );
        let len: usize = 0 $( + $crate::proto_message!(@len $self, $t, $f) )*;
        $crate::protobuf::prost::encoding::encode_varint(len as u64, $buf);
        $( $crate::proto_message!(@encode $self, $buf, $t, $f); )*
    }};
    (@encode $self:ident, $buf:ident, $tag:literal, $field:ident) => {
        $crate::protobuf::ProtoField::encode_field(&$self.$field, $tag, $buf)
    };
    (@merge $self:ident, $wire:ident, $buf:ident, $ctx:ident, ($field:ident as $via:ty)) => {
        <$via as $crate::protobuf::Via<_>>::merge(&mut $self.$field, $wire, $buf, $ctx)
    };
    (@merge $self:ident, $wire:ident, $buf:ident, $ctx:ident, { $( $t:literal => $f:tt ),* $(,)? }) => {
        $crate::protobuf::merge_body($wire, $buf, $ctx, |tag, wire, buf, ctx| match tag {
            $( $t => $crate::proto_message!(@merge $self, wire, buf, ctx, $f), )*
            _ => $crate::protobuf::prost::encoding::skip_field(wire, tag, buf, ctx),
        })
    };
    (@merge $self:ident, $wire:ident, $buf:ident, $ctx:ident, $field:ident) => {
        $crate::protobuf::ProtoField::merge_field(&mut $self.$field, $wire, $buf, $ctx)
    };
    (@len $self:ident, $tag:literal, ($field:ident as $via:ty)) => {
        <$via as $crate::protobuf::Via<_>>::encoded_len(&$self.$field, $tag)
    };
    (@len $self:ident, $tag:literal, { $( $t:literal => $f:tt ),* $(,)? }) => {
        $crate::protobuf::body_len($tag, 0 $( + $crate::proto_message!(@len $self, $t, $f) )*)
    };
    (@len $self:ident, $tag:literal, $field:ident) => {
        $crate::protobuf::ProtoField::field_len(&$self.$field, $tag)
    };
}
