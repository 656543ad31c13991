//! The crate's error type.

/// Everything that can go wrong building, sending or decoding a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot make a client (missing group/version, serializer, bad host…).
    #[error("invalid client configuration: {0}")]
    Config(String),
}
