//! The crate's error type: everything that can go wrong parsing or validating API machinery values.

use std::sync::Arc;

/// Errors from parsing and validating API machinery values (group/versions, selectors, quantities…).
///
/// Where the Kubernetes API server has a message for the same mistake, the variant carries that
/// exact text (for example [`Error::InvalidLabelSelector`]'s `message`), so a client-side check
/// reads like the server's answer would.
#[derive(Debug, Clone, thiserror::Error)]
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

    /// A `resource.version.group` or `Kind.version.group` argument could not be parsed.
    #[error("invalid {what} {input:?}: {reason}")]
    InvalidResourceArg {
        /// What was being parsed, such as `group/version/resource`.
        what: &'static str,
        /// The text that was parsed.
        input: String,
        /// Why it is invalid.
        reason: &'static str,
    },

    /// A quantity such as `1.5Gi` could not be parsed; `reason` is the server's own message.
    #[error("invalid quantity {input:?}: {reason}")]
    InvalidQuantity {
        /// The text that was parsed.
        input: String,
        /// Why it is invalid (the text of `resource.ErrFormatWrong`, `ErrSuffix`, or a range message).
        reason: &'static str,
    },

    /// Quantity arithmetic or conversion overflowed the representable range.
    #[error("quantity overflow in {operation}")]
    QuantityOverflow {
        /// The operation that overflowed, such as `add` or `milli_value`.
        operation: &'static str,
    },

    /// A label selector could not be parsed; `message` is exactly what `labels.Parse` reports.
    #[error("invalid label selector {selector:?}: {message}")]
    InvalidLabelSelector {
        /// The selector text.
        selector: String,
        /// The server's error message.
        message: String,
    },

    /// A single label selector requirement is invalid; `message` is what `labels.NewRequirement` reports.
    #[error("invalid label selector requirement on key {key:?}: {message}")]
    InvalidLabelRequirement {
        /// The requirement's key.
        key: String,
        /// The server's error message.
        message: String,
    },

    /// A field selector could not be parsed; `message` is exactly what `fields.ParseSelector` reports.
    #[error("invalid field selector {selector:?}: {message}")]
    InvalidFieldSelector {
        /// The selector text.
        selector: String,
        /// The server's error message.
        message: String,
    },

    /// A name, label key or label value failed validation; `messages` are the server's texts.
    #[error("invalid {what} {value:?}: {}", messages.join("; "))]
    InvalidName {
        /// What kind of name was checked, such as `DNS-1123 label` or `label key`.
        what: &'static str,
        /// The value that was checked.
        value: String,
        /// Every rule it breaks, in the server's words.
        messages: Vec<String>,
    },

    /// A timestamp is not RFC 3339.
    #[error("invalid timestamp {input:?}")]
    InvalidTime {
        /// The text that was parsed.
        input: String,
        /// The parser's complaint.
        #[source]
        source: jiff::Error,
    },

    /// A duration is not in Go's `time.Duration` format; `message` is Go's own text.
    #[error("{message}")]
    InvalidDuration {
        /// Go's message, such as `time: unknown unit "d" in duration "1d"`.
        message: String,
    },

    /// An `IntOrString` could not be resolved to an integer or percentage.
    #[error("invalid value for IntOrString {value:?}: {reason}")]
    InvalidIntOrPercent {
        /// The string value.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },

    /// A nested field of an unstructured object has the wrong JSON type.
    #[error("{path} accessor error: value is of the type {found}, expected {expected}")]
    NestedFieldType {
        /// The JSON path, such as `.spec.replicas`.
        path: String,
        /// The JSON type that was wanted.
        expected: &'static str,
        /// The JSON type that is there.
        found: &'static str,
    },

    /// A nested field cannot be set because a parent on its path is not a JSON object.
    #[error("value cannot be set because {path} is not an object")]
    NestedFieldNotObject {
        /// The JSON path of the parent that is not an object.
        path: String,
    },

    /// An empty path was given to a nested-field helper.
    #[error("a nested field path must have at least one element")]
    EmptyFieldPath,

    /// A JSON value does not have the shape of an (unstructured) object or list.
    #[error("invalid unstructured {what}: {reason}")]
    InvalidUnstructured {
        /// `object` or `list`.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A remote-command (exec/attach) WebSocket message is malformed.
    #[error("invalid stream frame: {reason}")]
    InvalidStreamFrame {
        /// What is wrong with it.
        reason: String,
    },

    /// The error channel of a remote command held something client-go's `errorDecoderV4` rejects;
    /// `message` is client-go's text, such as `error stream protocol error: unknown error`.
    #[error("{message}")]
    ErrorChannelProtocol {
        /// client-go's message.
        message: String,
    },

    /// Converting between a typed value and its JSON/unstructured form failed.
    #[error("cannot convert {what}")]
    Convert {
        /// What was converted, such as `unstructured object to typed value`.
        what: &'static str,
        /// The serde error.
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// A SPDY/3.1 frame (or its compressed header block) is malformed or exceeds a limit.
    #[error("invalid SPDY {frame} frame: {reason}")]
    Spdy {
        /// Which frame, such as `SYN_STREAM` or `DATA`.
        frame: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A port-forward stream or channel broke the port-forward protocol's rules.
    #[error("port-forward protocol error: {reason}")]
    PortForward {
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    /// Builds an [`Error::Convert`] from a serde error.
    pub(crate) fn convert(what: &'static str, source: serde_json::Error) -> Self {
        Error::Convert {
            what,
            source: Arc::new(source),
        }
    }
}
