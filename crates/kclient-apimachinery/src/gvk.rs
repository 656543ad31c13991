//! Group, version, kind and resource names: `GroupVersion` (`apps/v1`, `v1`), and friends.

use std::fmt;
use std::str::FromStr;

use crate::Error;

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
}
