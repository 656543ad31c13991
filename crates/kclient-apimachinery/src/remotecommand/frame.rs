//! WebSocket message framing of the channel protocols (Go's `wsstream/conn.go`): binary frames
//! are one channel byte followed by the payload; base64 frames are text whose first character is
//! the channel digit; v5 adds the two-byte CLOSE frame `[255, channel]`.

use base64::Engine as _;

use super::{CLOSE_CHANNEL, Channel, Protocol};
use crate::Error;

/// One decoded binary message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// An empty message. Servers skip these; a client may ignore it too.
    Empty,
    /// Data for a channel. The channel byte is kept raw: frames for unknown channels are ignored
    /// by both sides rather than treated as errors. An empty payload is the server's readiness
    /// signal right after the upgrade.
    Data {
        /// The channel byte.
        channel: u8,
        /// The bytes after the channel byte.
        payload: &'a [u8],
    },
    /// v5 only: the peer half-closed this channel (it will send no more data on it).
    Close {
        /// The channel that was closed.
        channel: u8,
    },
}

/// Encodes a binary data frame: the channel byte, then `payload`.
pub fn encode_data_frame(channel: Channel, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 1);
    frame.push(channel.id());
    frame.extend_from_slice(payload);
    frame
}

/// Encodes the v5 CLOSE frame that half-closes `channel`.
pub fn encode_close_frame(channel: Channel) -> [u8; 2] {
    [CLOSE_CHANNEL, channel.id()]
}

/// Decodes one binary message received under `protocol`.
///
/// Under v5, a message that starts with 255 must be exactly `[255, channel]` (anything else is a
/// protocol error, as in `wsstream`); under older protocols 255 is just an unknown channel.
pub fn decode_binary_frame(message: &[u8], protocol: Protocol) -> Result<Frame<'_>, Error> {
    match message {
        [] => Ok(Frame::Empty),
        [CLOSE_CHANNEL, rest @ ..] if protocol.supports_close() => match rest {
            [channel] => Ok(Frame::Close { channel: *channel }),
            _ => Err(Error::InvalidStreamFrame {
                reason: format!(
                    "CLOSE frame must be 2 bytes [255, channel], got {} bytes",
                    message.len()
                ),
            }),
        },
        [channel, payload @ ..] => Ok(Frame::Data {
            channel: *channel,
            payload,
        }),
    }
}

/// Encodes a base64 text frame (`base64.channel.k8s.io`, `v4.base64.channel.k8s.io`): the ASCII
/// digit `'0' + channel`, then the standard padded base64 of `payload`.
pub fn encode_base64_text_frame(channel: Channel, payload: &[u8]) -> String {
    let mut frame = String::with_capacity(1 + payload.len().div_ceil(3) * 4);
    frame.push(char::from(b'0' + channel.id()));
    base64::engine::general_purpose::STANDARD.encode_string(payload, &mut frame);
    frame
}

/// Decodes a base64 text frame into its channel byte and payload; `None` for an empty message.
pub fn decode_base64_text_frame(text: &str) -> Result<Option<(u8, Vec<u8>)>, Error> {
    let Some(&first) = text.as_bytes().first() else {
        return Ok(None);
    };
    let channel = first.wrapping_sub(b'0');
    if channel > 9 {
        return Err(Error::InvalidStreamFrame {
            reason: format!(
                "base64 frame must start with a channel digit, got {:?}",
                char::from(first)
            ),
        });
    }
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&text.as_bytes()[1..])
        .map_err(|e| Error::InvalidStreamFrame {
            reason: format!("invalid base64 payload on channel {channel}: {e}"),
        })?;
    Ok(Some((channel, payload)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_data_round_trip() -> Result<(), Error> {
        let frame = encode_data_frame(Channel::Stdout, b"hi");
        assert_eq!(frame, [1, b'h', b'i']);
        assert_eq!(
            decode_binary_frame(&frame, Protocol::V4)?,
            Frame::Data {
                channel: 1,
                payload: b"hi"
            }
        );
        // The readiness signal: a channel byte with no payload.
        assert_eq!(
            decode_binary_frame(&[1], Protocol::V5)?,
            Frame::Data {
                channel: 1,
                payload: b""
            }
        );
        assert_eq!(decode_binary_frame(&[], Protocol::V5)?, Frame::Empty);
        Ok(())
    }

    #[test]
    fn close_frames_only_under_v5() -> Result<(), Error> {
        let close = encode_close_frame(Channel::Stdin);
        assert_eq!(close, [255, 0]);
        assert_eq!(
            decode_binary_frame(&close, Protocol::V5)?,
            Frame::Close { channel: 0 }
        );
        // Under v4, 255 is just an unknown channel.
        assert_eq!(
            decode_binary_frame(&close, Protocol::V4)?,
            Frame::Data {
                channel: 255,
                payload: &[0]
            }
        );
        for bad in [&[255u8][..], &[255, 0, 0][..]] {
            let err = decode_binary_frame(bad, Protocol::V5).err();
            assert!(
                matches!(err, Some(Error::InvalidStreamFrame { .. })),
                "{bad:?}: {err:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn base64_frames() -> Result<(), Error> {
        let text = encode_base64_text_frame(Channel::Stderr, b"oops\n");
        assert_eq!(text, "2b29wcwo=");
        assert_eq!(
            decode_base64_text_frame(&text)?,
            Some((2, b"oops\n".to_vec()))
        );
        assert_eq!(decode_base64_text_frame("")?, None);
        assert_eq!(decode_base64_text_frame("1")?, Some((1, Vec::new())));
        assert!(decode_base64_text_frame("xAAAA").is_err());
        assert!(decode_base64_text_frame("1!!!").is_err());
        Ok(())
    }
}
