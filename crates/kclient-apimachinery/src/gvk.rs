//! Group, version, kind and resource names: `GroupVersion` (`apps/v1`, `v1`), `GroupVersionKind`,
//! `GroupVersionResource`, `GroupResource` and `GroupKind`, as in `k8s.io/apimachinery/pkg/runtime/schema`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, GroupVersionResource};

/// An API group and version, such as `apps/v1` or (for the legacy core group) `v1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GroupVersion {
    /// The API group; empty for the legacy core group.
    pub group: String,
    /// The version, such as `v1` or `v1beta1`.
    pub version: String,
}

impl GroupVersion {
    /// Builds a group/version from its parts.
    pub fn new(group: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
        }
    }

    /// Parses `group/version` or a bare `version` (the core group), as `schema.ParseGroupVersion` does.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let err = |reason| Error::InvalidGroupVersion {
            input: s.to_string(),
            reason,
        };
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        match s.split_once('/') {
            None => Ok(Self::new("", s)),
            Some((g, v)) => {
                if v.contains('/') {
                    return Err(err("it has more than one '/'"));
                }
                if g.is_empty() || v.is_empty() {
                    return Err(err("group and version around '/' must not be empty"));
                }
                Ok(Self::new(g, v))
            }
        }
    }

    /// The `apiVersion` string: `group/version`, or just `version` for the core group.
    pub fn api_version(&self) -> String {
        self.to_string()
    }

    /// The path prefix under which the server serves this group/version: `/api/v1` or `/apis/<group>/<version>`.
    pub fn api_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// This group/version with a kind: `schema.GroupVersion.WithKind`.
    pub fn with_kind(&self, kind: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::new(self.group.clone(), self.version.clone(), kind)
    }

    /// This group/version with a resource: `schema.GroupVersion.WithResource`.
    pub fn with_resource(&self, resource: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::new(self.group.clone(), self.version.clone(), resource)
    }
}

impl fmt::Display for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.version)
        } else {
            write!(f, "{}/{}", self.group, self.version)
        }
    }
}

impl FromStr for GroupVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// A group, version and kind, such as `apps/v1, Kind=Deployment`: `schema.GroupVersionKind`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// The API group; empty for the legacy core group.
    #[serde(default)]
    pub group: String,
    /// The version, such as `v1`.
    #[serde(default)]
    pub version: String,
    /// The kind, such as `Deployment`.
    #[serde(default)]
    pub kind: String,
}

impl GroupVersionKind {
    /// Builds a group/version/kind from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// Builds it from an object's `apiVersion` and `kind`, as `schema.FromAPIVersionAndKind` does
    /// (but reporting an unparsable `apiVersion` instead of ignoring it).
    pub fn from_api_version_kind(
        api_version: &str,
        kind: impl Into<String>,
    ) -> Result<Self, Error> {
        Ok(GroupVersion::parse(api_version)?.with_kind(kind))
    }

    /// Parses `Kind.version.group` (at least two dots), as `schema.ParseKindArg` does for its
    /// first result. `Deployment.v1.apps` gives group `apps`, version `v1`, kind `Deployment`.
    pub fn parse_kind_arg(arg: &str) -> (Option<Self>, GroupKind) {
        let gvk = split_three(arg).map(|(kind, version, group)| Self::new(group, version, kind));
        (gvk, GroupKind::parse(arg))
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The group and kind, without the version.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(self.group.clone(), self.kind.clone())
    }

    /// The `apiVersion` string: `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }
}

/// Prints as Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment` (`/v1, Kind=Pod` for core).
impl fmt::Display for GroupVersionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

/// A group and kind without a version, such as `Deployment.apps`: `schema.GroupKind`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct GroupKind {
    /// The API group; empty for the legacy core group.
    #[serde(default)]
    pub group: String,
    /// The kind, such as `Deployment`.
    #[serde(default)]
    pub kind: String,
}

impl GroupKind {
    /// Builds a group/kind from its parts.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            kind: kind.into(),
        }
    }

    /// Parses `Kind.group` (or a bare `Kind`), as `schema.ParseGroupKind` does: everything after
    /// the first dot is the group.
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((kind, group)) => Self::new(group, kind),
            None => Self::new("", s),
        }
    }

    /// This group/kind at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::new(self.group.clone(), version, self.kind.clone())
    }
}

/// Prints as Go's `GroupKind.String()`: `Deployment.apps`, or `Pod` for the core group.
impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// Splits `a.b.c...` into `(a, b, rest)` when there are at least two dots, as Go's
/// `strings.SplitN(arg, ".", 3)` after checking `strings.Count(arg, ".") >= 2`.
pub(crate) fn split_three(arg: &str) -> Option<(&str, &str, &str)> {
    let (first, rest) = arg.split_once('.')?;
    let (second, third) = rest.split_once('.')?;
    Some((first, second, third))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_core_and_named_groups() {
        assert_eq!(
            GroupVersion::parse("v1").unwrap(),
            GroupVersion::new("", "v1")
        );
        assert_eq!(
            GroupVersion::parse("apps/v1").unwrap(),
            GroupVersion::new("apps", "v1")
        );
        assert!(GroupVersion::parse("a/b/c").is_err());
        assert!(GroupVersion::parse("").is_err());
        assert_eq!(GroupVersion::new("apps", "v1").to_string(), "apps/v1");
        assert_eq!(GroupVersion::new("", "v1").api_path(), "/api/v1");
    }

    #[test]
    fn gvk_display_and_parse() {
        let gvk = GroupVersion::new("apps", "v1").with_kind("Deployment");
        assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
        assert_eq!(
            GroupVersionKind::new("", "v1", "Pod").to_string(),
            "/v1, Kind=Pod"
        );
        assert_eq!(gvk.api_version(), "apps/v1");
        let (full, gk) = GroupVersionKind::parse_kind_arg("Deployment.v1.apps");
        assert_eq!(full.unwrap(), gvk);
        assert_eq!(gk, GroupKind::new("v1.apps", "Deployment"));
        let (none, gk) = GroupVersionKind::parse_kind_arg("Deployment.apps");
        assert!(none.is_none());
        assert_eq!(gk.to_string(), "Deployment.apps");
        assert_eq!(GroupKind::parse("Pod").to_string(), "Pod");
        assert_eq!(
            GroupVersionKind::from_api_version_kind("v1", "Pod").unwrap(),
            GroupVersionKind::new("", "v1", "Pod")
        );
        assert!(GroupVersionKind::from_api_version_kind("a/b/c", "X").is_err());
        let json = serde_json::to_string(&gvk).unwrap();
        assert_eq!(
            json,
            r#"{"group":"apps","version":"v1","kind":"Deployment"}"#
        );
    }
}
