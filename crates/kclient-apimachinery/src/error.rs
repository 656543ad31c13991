//! The crate's error type: everything that can go wrong parsing or validating API machinery values.

/// Errors from parsing and validating API machinery values (group/versions, selectors, quantities…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A group/version string such as `apps/v1` could not be parsed.
    #[error("invalid group/version {input:?}: {reason}")]
    InvalidGroupVersion {
        /// The text that was parsed.
        input: String,
        /// Why it is invalid.
        reason: &'static str,
    },
}
