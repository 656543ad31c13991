//! Resource names: `GroupVersionResource` (`apps/v1, Resource=deployments`) and `GroupResource`
//! (`deployments.apps`), with the parsers kubectl uses for `resource.version.group` arguments.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::gvk::split_three;
use crate::{Error, GroupVersion};

/// A group, version and resource (the plural, lower-case name used in URLs): `schema.GroupVersionResource`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// The API group; empty for the legacy core group.
    #[serde(default)]
    pub group: String,
    /// The version, such as `v1`.
    #[serde(default)]
    pub version: String,
    /// The resource, such as `deployments`.
    #[serde(default)]
    pub resource: String,
}

impl GroupVersionResource {
    /// Builds a group/version/resource from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
        }
    }

    /// Parses a kubectl-style resource argument, as `schema.ParseResourceArg` does.
    ///
    /// With at least two dots, `deployments.v1.apps` is read as resource `deployments`, version
    /// `v1`, group `apps` (everything after the second dot). The second result is always the
    /// `resource.group` reading of the same text (`deployments` in group `v1.apps`), which callers
    /// use when the first guess is not served.
    pub fn parse_resource_arg(arg: &str) -> (Option<Self>, GroupResource) {
        let gvr =
            split_three(arg).map(|(resource, version, group)| Self::new(group, version, resource));
        (gvr, GroupResource::parse(arg))
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The group and resource, without the version.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.group.clone(), self.resource.clone())
    }
}

/// Prints as Go's `GroupVersionResource.String()`: `apps/v1, Resource=deployments`.
impl fmt::Display for GroupVersionResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}, Resource={}",
            self.group, self.version, self.resource
        )
    }
}

/// Parses the fully qualified `resource.version.group` form (see
/// [`GroupVersionResource::parse_resource_arg`]); anything with fewer than two dots is an error.
impl FromStr for GroupVersionResource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let err = |reason| Error::InvalidResourceArg {
            what: "resource.version.group",
            input: s.to_string(),
            reason,
        };
        let (gvr, _) = Self::parse_resource_arg(s);
        let gvr = gvr.ok_or_else(|| err("it needs at least two '.'"))?;
        if gvr.resource.is_empty() || gvr.version.is_empty() {
            return Err(err("resource and version must not be empty"));
        }
        Ok(gvr)
    }
}

/// A group and resource without a version, such as `deployments.apps`: `schema.GroupResource`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct GroupResource {
    /// The API group; empty for the legacy core group.
    #[serde(default)]
    pub group: String,
    /// The resource, such as `deployments`.
    #[serde(default)]
    pub resource: String,
}

impl GroupResource {
    /// Builds a group/resource from its parts.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// Parses `resource.group` (or a bare `resource`), as `schema.ParseGroupResource` does:
    /// everything after the first dot is the group.
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((resource, group)) => Self::new(group, resource),
            None => Self::new("", s),
        }
    }

    /// This group/resource at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::new(self.group.clone(), version, self.resource.clone())
    }
}

/// Prints as Go's `GroupResource.String()`: `deployments.apps`, or `pods` for the core group.
impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// Same as [`GroupResource::parse`]; never fails.
impl FromStr for GroupResource {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_resource_arg_like_go() {
        let (gvr, gr) = GroupVersionResource::parse_resource_arg("deployments.v1.apps");
        assert_eq!(
            gvr.unwrap(),
            GroupVersionResource::new("apps", "v1", "deployments")
        );
        assert_eq!(gr, GroupResource::new("v1.apps", "deployments"));

        let (gvr, gr) = GroupVersionResource::parse_resource_arg("deployments.apps");
        assert!(gvr.is_none());
        assert_eq!(gr, GroupResource::new("apps", "deployments"));

        let (gvr, _) = GroupVersionResource::parse_resource_arg("ingresses.v1.networking.k8s.io");
        assert_eq!(gvr.unwrap().group, "networking.k8s.io");

        let (gvr, gr) = GroupVersionResource::parse_resource_arg("pods");
        assert!(gvr.is_none());
        assert_eq!(gr, GroupResource::new("", "pods"));
    }

    #[test]
    fn display_like_go() {
        let gvr = GroupVersion::new("apps", "v1").with_resource("deployments");
        assert_eq!(gvr.to_string(), "apps/v1, Resource=deployments");
        assert_eq!(gvr.group_resource().to_string(), "deployments.apps");
        assert_eq!(GroupResource::new("", "pods").to_string(), "pods");
        assert_eq!(
            GroupResource::parse("deployments.apps").with_version("v1"),
            gvr
        );
    }

    #[test]
    fn from_str_requires_full_form() {
        let gvr: GroupVersionResource = "deployments.v1.apps".parse().unwrap();
        assert_eq!(gvr.group, "apps");
        let err = "deployments.apps"
            .parse::<GroupVersionResource>()
            .unwrap_err();
        assert!(err.to_string().contains("at least two '.'"), "{err}");
        assert!("..".parse::<GroupVersionResource>().is_err());
        let gr: GroupResource = "jobs.batch".parse().unwrap();
        assert_eq!(gr.group, "batch");
    }
}
