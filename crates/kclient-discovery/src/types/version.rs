//! `version.Info`, the answer to `GET /version`.

use serde::{Deserialize, Serialize};

/// The server's version (`k8s.io/apimachinery/pkg/version.Info`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Major version, such as `1`.
    #[serde(default)]
    pub major: String,
    /// Minor version, such as `36` (some distributions append `+`).
    #[serde(default)]
    pub minor: String,
    /// The major version the server emulates, if it says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub emulation_major: String,
    /// The minor version the server emulates, if it says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub emulation_minor: String,
    /// The oldest major version it is compatible with, if it says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub min_compatibility_major: String,
    /// The oldest minor version it is compatible with, if it says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub min_compatibility_minor: String,
    /// The full version, such as `v1.36.0`.
    #[serde(default)]
    pub git_version: String,
    /// The commit it was built from.
    #[serde(default)]
    pub git_commit: String,
    /// `clean` or `dirty`.
    #[serde(default)]
    pub git_tree_state: String,
    /// When it was built (RFC 3339).
    #[serde(default)]
    pub build_date: String,
    /// The Go version it was built with.
    #[serde(default)]
    pub go_version: String,
    /// The Go compiler.
    #[serde(default)]
    pub compiler: String,
    /// `os/arch`.
    #[serde(default)]
    pub platform: String,
}
