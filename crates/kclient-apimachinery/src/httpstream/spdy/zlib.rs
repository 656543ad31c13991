//! The two zlib contexts of a SPDY/3 connection: one deflates every header block this side sends,
//! one inflates every header block the peer sends. Both are primed with the preset dictionary and
//! live as long as the connection (each block ends with a sync flush, never a stream end).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::dictionary::HEADER_DICTIONARY;
use crate::Error;

/// Deflates outgoing header blocks.
pub(super) struct HeaderCompressor {
    z: Compress,
}

impl HeaderCompressor {
    pub(super) fn new() -> Result<Self, Error> {
        let mut z = Compress::new(Compression::default(), true);
        z.set_dictionary(&HEADER_DICTIONARY)
            .map_err(|e| zlib_error("header compressor", e.to_string()))?;
        Ok(Self { z })
    }

    /// Appends the compressed, sync-flushed form of `block` to `out`.
    pub(super) fn compress(&mut self, block: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = self.z.total_in();
        loop {
            out.reserve(block.len() / 2 + 64);
            let done = usize::try_from(self.z.total_in() - start).unwrap_or(usize::MAX);
            let input = block.get(done..).unwrap_or_default();
            self.z
                .compress_vec(input, out, FlushCompress::Sync)
                .map_err(|e| zlib_error("header compressor", e.to_string()))?;
            let done = usize::try_from(self.z.total_in() - start).unwrap_or(usize::MAX);
            // A sync flush is complete once all input is taken and zlib left output space unused.
            if done >= block.len() && out.len() < out.capacity() {
                return Ok(());
            }
        }
    }
}

/// Inflates incoming header blocks.
pub(super) struct HeaderDecompressor {
    z: Decompress,
}

impl HeaderDecompressor {
    pub(super) fn new() -> Self {
        Self {
            z: Decompress::new(true),
        }
    }

    /// Inflates one header block (the compressed bytes of one frame), refusing to produce more
    /// than `max_out` bytes.
    pub(super) fn decompress(
        &mut self,
        input: &[u8],
        max_out: usize,
        frame: &'static str,
    ) -> Result<Vec<u8>, Error> {
        let bad = |reason: String| Error::Spdy { frame, reason };
        let start = self.z.total_in();
        let mut out = Vec::with_capacity((input.len() * 4 + 64).min(max_out + 1));
        loop {
            let before_in = self.z.total_in();
            let before_out = out.len();
            let done = usize::try_from(before_in - start).unwrap_or(usize::MAX);
            let rest = input.get(done..).unwrap_or_default();
            match self.z.decompress_vec(rest, &mut out, FlushDecompress::Sync) {
                Ok(Status::StreamEnd) => {
                    return Err(bad("the peer ended its header compression stream".into()));
                }
                Ok(_) => {}
                Err(e) if e.needs_dictionary().is_some() => {
                    self.z.set_dictionary(&HEADER_DICTIONARY).map_err(|e| {
                        bad(format!(
                            "header block asks for a different zlib dictionary ({e})"
                        ))
                    })?;
                    continue;
                }
                Err(e) => return Err(bad(format!("header block does not inflate: {e}"))),
            }
            if out.len() > max_out {
                return Err(bad(format!(
                    "header block inflates to more than {max_out} bytes"
                )));
            }
            let done = usize::try_from(self.z.total_in() - start).unwrap_or(usize::MAX);
            if done >= input.len() && out.len() < out.capacity() {
                return Ok(out);
            }
            if out.len() == out.capacity() {
                let grow = out.len().max(64).min(max_out + 1 - out.len());
                out.reserve_exact(grow);
            } else if self.z.total_in() == before_in && out.len() == before_out {
                return Err(bad("header block is truncated".into()));
            }
        }
    }
}

fn zlib_error(what: &str, detail: String) -> Error {
    Error::Spdy {
        frame: "header",
        reason: format!("{what}: {detail}"),
    }
}
