//! Terminal resize messages on channel 4 (client-go's `tools/remotecommand/resize.go`): Go-style
//! JSON objects with capitalised keys, one per message, newline-terminated.

use serde::{Deserialize, Serialize};

use crate::Error;

/// The size of a terminal in character cells (Go's `remotecommand.TerminalSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TerminalSize {
    /// Columns.
    #[serde(rename = "Width", default)]
    pub width: u16,
    /// Rows.
    #[serde(rename = "Height", default)]
    pub height: u16,
}

impl TerminalSize {
    /// A terminal of `width` columns and `height` rows.
    pub fn new(width: u16, height: u16) -> TerminalSize {
        TerminalSize { width, height }
    }

    /// The resize message payload: `{"Width":w,"Height":h}` and a newline, as Go's
    /// `json.Encoder` writes it.
    pub fn encode(&self) -> Vec<u8> {
        format!("{{\"Width\":{},\"Height\":{}}}\n", self.width, self.height).into_bytes()
    }
}

/// Server side: decodes the stream of JSON values arriving on the resize channel, which may be
/// split across messages or several to a message (Go decodes it with a `json.Decoder`).
#[derive(Debug, Default)]
pub struct ResizeDecoder {
    pending: Vec<u8>,
}

impl ResizeDecoder {
    /// The most bytes of one incomplete resize message held between pushes.
    pub const MAX_PENDING: usize = 4096;

    /// A decoder with nothing buffered.
    pub fn new() -> ResizeDecoder {
        ResizeDecoder::default()
    }

    /// Adds received bytes and returns every complete size they finish.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<TerminalSize>, Error> {
        self.pending.extend_from_slice(bytes);
        let mut sizes = Vec::new();
        let mut stream =
            serde_json::Deserializer::from_slice(&self.pending).into_iter::<TerminalSize>();
        let mut consumed = 0;
        loop {
            match stream.next() {
                None => {
                    consumed = self.pending.len();
                    break;
                }
                Some(Ok(size)) => {
                    sizes.push(size);
                    consumed = stream.byte_offset();
                }
                Some(Err(e)) if e.is_eof() => break,
                Some(Err(e)) => {
                    self.pending.clear();
                    return Err(Error::InvalidStreamFrame {
                        reason: format!("invalid terminal size message: {e}"),
                    });
                }
            }
        }
        self.pending.drain(..consumed);
        if self.pending.len() > Self::MAX_PENDING {
            self.pending.clear();
            return Err(Error::InvalidStreamFrame {
                reason: format!(
                    "terminal size message longer than {} bytes",
                    Self::MAX_PENDING
                ),
            });
        }
        Ok(sizes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_go() {
        assert_eq!(
            TerminalSize::new(80, 24).encode(),
            b"{\"Width\":80,\"Height\":24}\n"
        );
        assert_eq!(
            serde_json::from_str::<TerminalSize>(r#"{"Width":65535,"Height":1}"#).ok(),
            Some(TerminalSize::new(65535, 1))
        );
    }

    #[test]
    fn decoder_handles_splits_and_batches() -> Result<(), Error> {
        let mut d = ResizeDecoder::new();
        assert_eq!(d.push(b"{\"Width\":1")?, vec![]);
        assert_eq!(
            d.push(b"0,\"Height\":2}\n")?,
            vec![TerminalSize::new(10, 2)]
        );
        let two = [
            TerminalSize::new(1, 2).encode(),
            TerminalSize::new(3, 4).encode(),
        ]
        .concat();
        assert_eq!(
            d.push(&two)?,
            vec![TerminalSize::new(1, 2), TerminalSize::new(3, 4)]
        );
        assert!(d.push(b"\"x\"").is_err());
        assert!(d.push(&[b' '; 10][..]).is_ok());
        let mut long = b"{\"Width\":".to_vec();
        long.extend(std::iter::repeat_n(b' ', ResizeDecoder::MAX_PENDING));
        assert!(d.push(&long).is_err());
        Ok(())
    }
}
