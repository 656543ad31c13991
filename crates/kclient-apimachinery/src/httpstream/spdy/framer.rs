//! Encoding and decoding frames for one connection (the part of `spdystream/spdy.Framer` that
//! does not touch the socket).

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::frame::{ControlFrameType, Frame, GoAwayStatus, RstStatus, Setting, StreamId};
use super::headers::Headers;
use super::zlib::{HeaderCompressor, HeaderDecompressor};
use super::{FRAME_HEADER_LEN, MAX_FRAME_LENGTH, VERSION};
use crate::Error;

/// How large the peer's frames may be before [`Framer::decode`] refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `DATA` payload accepted (at most [`MAX_FRAME_LENGTH`], the default).
    pub max_data_frame: usize,
    /// Largest control-frame payload accepted (default 64 KiB).
    pub max_control_frame: usize,
    /// Largest header block after decompression (default 256 KiB).
    pub max_header_block: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_data_frame: MAX_FRAME_LENGTH,
            max_control_frame: 64 * 1024,
            max_header_block: 256 * 1024,
        }
    }
}

/// Encodes and decodes the frames of one SPDY/3.1 connection: a [`FrameEncoder`] for what this
/// side sends and a [`FrameDecoder`] for what it receives.
///
/// Header compression is stateful, so one `Framer` serves exactly one connection, encoding
/// everything this side sends (in send order) and decoding everything it receives (in receive
/// order). Any decode error leaves the inbound compression context unusable: treat it as fatal
/// for the connection (send `GOAWAY` and close). [`Framer::split`] gives the two halves to a
/// writer and a reader task.
#[derive(Debug)]
pub struct Framer {
    encoder: FrameEncoder,
    decoder: FrameDecoder,
}

/// The sending half of a [`Framer`] (owns the outbound zlib context).
pub struct FrameEncoder {
    compressor: HeaderCompressor,
    scratch: Vec<u8>,
}

/// The receiving half of a [`Framer`] (owns the inbound zlib context and the [`Limits`]).
pub struct FrameDecoder {
    limits: Limits,
    decompressor: HeaderDecompressor,
}

impl std::fmt::Debug for FrameEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameEncoder").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for FrameDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameDecoder")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Framer {
    /// A framer with the default [`Limits`].
    pub fn new() -> Result<Self, Error> {
        Self::with_limits(Limits::default())
    }

    /// A framer with explicit limits.
    pub fn with_limits(limits: Limits) -> Result<Self, Error> {
        Ok(Self {
            encoder: FrameEncoder::new()?,
            decoder: FrameDecoder::new(limits),
        })
    }

    /// The two halves, for a writer task and a reader task.
    pub fn split(self) -> (FrameEncoder, FrameDecoder) {
        (self.encoder, self.decoder)
    }

    /// The 8-byte header of a `DATA` frame (see [`FrameEncoder::data_header`]).
    pub fn data_header(stream_id: StreamId, flags: u8, len: usize) -> Result<[u8; 8], Error> {
        FrameEncoder::data_header(stream_id, flags, len)
    }

    /// Appends the wire form of `frame` to `out` (see [`FrameEncoder::encode`]).
    pub fn encode(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<(), Error> {
        self.encoder.encode(frame, out)
    }

    /// Takes one frame off the front of `buf` (see [`FrameDecoder::decode`]).
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Error> {
        self.decoder.decode(buf)
    }

    /// How many bytes the frame at the start of `buf` needs (see [`FrameDecoder::frame_len`]).
    pub fn frame_len(buf: &[u8]) -> Option<usize> {
        FrameDecoder::frame_len(buf)
    }
}

impl FrameEncoder {
    /// An encoder with a fresh compression context.
    pub fn new() -> Result<Self, Error> {
        Ok(Self {
            compressor: HeaderCompressor::new()?,
            scratch: Vec::new(),
        })
    }

    /// The 8-byte header of a `DATA` frame carrying `len` bytes, so a caller can write the
    /// payload straight from its own buffer. `len` must not exceed [`MAX_FRAME_LENGTH`].
    pub fn data_header(stream_id: StreamId, flags: u8, len: usize) -> Result<[u8; 8], Error> {
        if len > MAX_FRAME_LENGTH {
            return Err(Error::Spdy {
                frame: "DATA",
                reason: format!("payload of {len} bytes exceeds {MAX_FRAME_LENGTH}"),
            });
        }
        let mut h = [0u8; 8];
        h[..4].copy_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
        h[4..].copy_from_slice(&((u32::from(flags) << 24) | len as u32).to_be_bytes());
        Ok(h)
    }

    /// Appends the wire form of `frame` to `out`.
    pub fn encode(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<(), Error> {
        match frame {
            Frame::Data {
                stream_id,
                flags,
                data,
            } => {
                out.put_slice(&Self::data_header(*stream_id, *flags, data.len())?);
                out.put_slice(data);
                Ok(())
            }
            Frame::SynStream {
                stream_id,
                associated_to,
                priority,
                flags,
                headers,
            } => {
                let mut body = Vec::with_capacity(64);
                body.put_u32(stream_id & 0x7fff_ffff);
                body.put_u32(associated_to & 0x7fff_ffff);
                body.put_u8((priority & 0x7) << 5);
                body.put_u8(0);
                self.compress(headers, &mut body)?;
                control(out, ControlFrameType::SynStream, *flags, &body)
            }
            Frame::SynReply {
                stream_id,
                flags,
                headers,
            } => {
                let mut body = Vec::with_capacity(32);
                body.put_u32(stream_id & 0x7fff_ffff);
                self.compress(headers, &mut body)?;
                control(out, ControlFrameType::SynReply, *flags, &body)
            }
            Frame::Headers {
                stream_id,
                flags,
                headers,
            } => {
                let mut body = Vec::with_capacity(32);
                body.put_u32(stream_id & 0x7fff_ffff);
                self.compress(headers, &mut body)?;
                control(out, ControlFrameType::Headers, *flags, &body)
            }
            Frame::RstStream { stream_id, status } => {
                let mut body = [0u8; 8];
                body[..4].copy_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
                body[4..].copy_from_slice(&status.0.to_be_bytes());
                control(out, ControlFrameType::RstStream, 0, &body)
            }
            Frame::Settings { flags, entries } => {
                let mut body = Vec::with_capacity(4 + entries.len() * 8);
                body.put_u32(entries.len() as u32);
                for e in entries {
                    body.put_u32((u32::from(e.flags) << 24) | (e.id & 0x00ff_ffff));
                    body.put_u32(e.value);
                }
                control(out, ControlFrameType::Settings, *flags, &body)
            }
            Frame::Ping { id } => control(out, ControlFrameType::Ping, 0, &id.to_be_bytes()),
            Frame::GoAway {
                last_good_stream_id,
                status,
            } => {
                let mut body = [0u8; 8];
                body[..4].copy_from_slice(&(last_good_stream_id & 0x7fff_ffff).to_be_bytes());
                body[4..].copy_from_slice(&status.0.to_be_bytes());
                control(out, ControlFrameType::GoAway, 0, &body)
            }
            Frame::WindowUpdate { stream_id, delta } => {
                let mut body = [0u8; 8];
                body[..4].copy_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
                body[4..].copy_from_slice(&(delta & 0x7fff_ffff).to_be_bytes());
                control(out, ControlFrameType::WindowUpdate, 0, &body)
            }
            Frame::Unknown { frame_type } => Err(Error::Spdy {
                frame: "unknown",
                reason: format!("cannot encode a frame of unknown type {frame_type}"),
            }),
        }
    }

    fn compress(&mut self, headers: &Headers, body: &mut Vec<u8>) -> Result<(), Error> {
        self.scratch.clear();
        headers.encode(&mut self.scratch);
        self.compressor.compress(&self.scratch, body)
    }
}

impl FrameDecoder {
    /// A decoder with a fresh decompression context.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits: Limits {
                max_data_frame: limits.max_data_frame.min(MAX_FRAME_LENGTH),
                ..limits
            },
            decompressor: HeaderDecompressor::new(),
        }
    }

    /// How many bytes the frame at the start of `buf` needs in all, once its header is there
    /// (`None` while fewer than 8 bytes are buffered). Lets a reader size its next read.
    pub fn frame_len(buf: &[u8]) -> Option<usize> {
        let head = buf.get(..FRAME_HEADER_LEN)?;
        let len = u32::from_be_bytes([0, head[5], head[6], head[7]]) as usize;
        Some(FRAME_HEADER_LEN + len)
    }

    /// Takes one complete frame off the front of `buf`; `Ok(None)` when more bytes are needed.
    ///
    /// A frame whose declared length exceeds the [`Limits`] is refused as soon as its 8-byte
    /// header arrives, before its payload is buffered.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Error> {
        let Some(total) = Self::frame_len(buf) else {
            return Ok(None);
        };
        let control_bit = buf[0] & 0x80 != 0;
        let len = total - FRAME_HEADER_LEN;
        let (limit, what) = if control_bit {
            (self.limits.max_control_frame, "control")
        } else {
            (self.limits.max_data_frame, "DATA")
        };
        if len > limit {
            return Err(Error::Spdy {
                frame: if control_bit { "control" } else { "DATA" },
                reason: format!("length {len} exceeds the {what} frame limit of {limit} bytes"),
            });
        }
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        let mut frame = buf.split_to(total).freeze();
        let first = frame.get_u32();
        let flags_len = frame.get_u32();
        let flags = (flags_len >> 24) as u8;
        if !control_bit {
            let stream_id = first & 0x7fff_ffff;
            if stream_id == 0 {
                return Err(Error::Spdy {
                    frame: "DATA",
                    reason: "stream id 0".into(),
                });
            }
            return Ok(Some(Frame::Data {
                stream_id,
                flags,
                data: frame,
            }));
        }
        let version = ((first >> 16) & 0x7fff) as u16;
        let frame_type = (first & 0xffff) as u16;
        let Some(kind) = ControlFrameType::from_wire(frame_type) else {
            return Ok(Some(Frame::Unknown { frame_type }));
        };
        let name = kind.name();
        let bad = |reason: String| Error::Spdy {
            frame: name,
            reason,
        };
        if version != VERSION {
            return Err(bad(format!("unsupported SPDY version {version}")));
        }
        self.decode_control(kind, flags, frame)
            .map_err(|e| match e {
                Error::Spdy { reason, .. } => bad(reason),
                other => other,
            })
            .map(Some)
    }

    fn decode_control(
        &mut self,
        kind: ControlFrameType,
        flags: u8,
        mut body: Bytes,
    ) -> Result<Frame, Error> {
        let name = kind.name();
        let bad = |reason: String| Error::Spdy {
            frame: name,
            reason,
        };
        let need = |body: &Bytes, n: usize, exact: bool| -> Result<(), Error> {
            if body.len() < n || (exact && body.len() != n) {
                let rel = if exact { "exactly" } else { "at least" };
                return Err(bad(format!(
                    "payload is {} bytes, expected {rel} {n}",
                    body.len()
                )));
            }
            Ok(())
        };
        let stream = |id: u32| -> Result<StreamId, Error> {
            let id = id & 0x7fff_ffff;
            if id == 0 {
                Err(bad("stream id 0".into()))
            } else {
                Ok(id)
            }
        };
        Ok(match kind {
            ControlFrameType::SynStream => {
                need(&body, 10, false)?;
                let stream_id = stream(body.get_u32())?;
                let associated_to = body.get_u32() & 0x7fff_ffff;
                let priority = body.get_u8() >> 5;
                let _slot = body.get_u8();
                let headers = self.inflate(&body, name)?;
                Frame::SynStream {
                    stream_id,
                    associated_to,
                    priority,
                    flags,
                    headers,
                }
            }
            ControlFrameType::SynReply | ControlFrameType::Headers => {
                need(&body, 4, false)?;
                let stream_id = stream(body.get_u32())?;
                let headers = self.inflate(&body, name)?;
                if kind == ControlFrameType::SynReply {
                    Frame::SynReply {
                        stream_id,
                        flags,
                        headers,
                    }
                } else {
                    Frame::Headers {
                        stream_id,
                        flags,
                        headers,
                    }
                }
            }
            ControlFrameType::RstStream => {
                need(&body, 8, true)?;
                let stream_id = stream(body.get_u32())?;
                let status = body.get_u32();
                if status == 0 {
                    return Err(bad("status code 0".into()));
                }
                Frame::RstStream {
                    stream_id,
                    status: RstStatus(status),
                }
            }
            ControlFrameType::Settings => {
                need(&body, 4, false)?;
                let count = body.get_u32() as usize;
                if count.checked_mul(8) != Some(body.len()) {
                    return Err(bad(format!(
                        "{count} entries declared but {} bytes follow",
                        body.len()
                    )));
                }
                let entries = (0..count)
                    .map(|_| {
                        let head = body.get_u32();
                        Setting {
                            flags: (head >> 24) as u8,
                            id: head & 0x00ff_ffff,
                            value: body.get_u32(),
                        }
                    })
                    .collect();
                Frame::Settings { flags, entries }
            }
            ControlFrameType::Ping => {
                need(&body, 4, true)?;
                Frame::Ping { id: body.get_u32() }
            }
            ControlFrameType::GoAway => {
                need(&body, 8, true)?;
                let last_good_stream_id = body.get_u32() & 0x7fff_ffff;
                Frame::GoAway {
                    last_good_stream_id,
                    status: GoAwayStatus(body.get_u32()),
                }
            }
            ControlFrameType::WindowUpdate => {
                need(&body, 8, true)?;
                let stream_id = body.get_u32() & 0x7fff_ffff;
                Frame::WindowUpdate {
                    stream_id,
                    delta: body.get_u32() & 0x7fff_ffff,
                }
            }
        })
    }

    fn inflate(&mut self, compressed: &[u8], frame: &'static str) -> Result<Headers, Error> {
        let raw = self
            .decompressor
            .decompress(compressed, self.limits.max_header_block, frame)?;
        Headers::decode(&raw, frame)
    }
}

fn control(
    out: &mut BytesMut,
    kind: ControlFrameType,
    flags: u8,
    body: &[u8],
) -> Result<(), Error> {
    if body.len() > MAX_FRAME_LENGTH {
        return Err(Error::Spdy {
            frame: kind.name(),
            reason: format!("payload of {} bytes exceeds {MAX_FRAME_LENGTH}", body.len()),
        });
    }
    out.reserve(FRAME_HEADER_LEN + body.len());
    out.put_u16(0x8000 | VERSION);
    out.put_u16(kind as u16);
    out.put_u32((u32::from(flags) << 24) | body.len() as u32);
    out.put_slice(body);
    Ok(())
}
