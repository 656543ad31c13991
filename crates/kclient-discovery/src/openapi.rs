//! Fetching the server's OpenAPI documents (client-go's `OpenAPISchema`, `openapi.Client` and
//! `openapi3`): `/openapi/v2` whole, and `/openapi/v3`, an index of one document per
//! group/version. Documents are returned as raw JSON bytes; parse them with any OpenAPI library.

use std::collections::BTreeMap;

use bytes::Bytes;
use kclient_apimachinery::GroupVersion;
use serde::{Deserialize, Serialize};

use crate::client::{DiscoveryClient, decode};
use crate::error::Error;

/// The `Accept` header of OpenAPI requests (JSON; client-go prefers protobuf for v2).
const ACCEPT_JSON: &str = "application/json";

/// The OpenAPI v3 index (`GET /openapi/v3`): for each path such as `apis/apps/v1`, where its
/// document is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpenApiV3Root {
    /// Index key (`api/v1`, `apis/apps/v1`, `version`, …) to the document's location.
    #[serde(default)]
    pub paths: BTreeMap<String, OpenApiV3Path>,
}

/// Where one OpenAPI v3 document is served.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpenApiV3Path {
    /// The document's URL relative to the server, with a `?hash=` that changes with its content
    /// (so it may be cached forever).
    #[serde(rename = "serverRelativeURL")]
    pub server_relative_url: String,
}

impl OpenApiV3Root {
    /// The index key of a group/version's document: `api/v1` or `apis/<group>/<version>`.
    pub fn key_for(gv: &GroupVersion) -> String {
        if gv.group.is_empty() {
            format!("api/{}", gv.version)
        } else {
            format!("apis/{}/{}", gv.group, gv.version)
        }
    }

    /// The group/versions the index has documents for.
    pub fn group_versions(&self) -> Vec<GroupVersion> {
        self.paths
            .keys()
            .filter_map(|key| match key.split('/').collect::<Vec<_>>()[..] {
                ["api", version] => Some(GroupVersion::new("", version)),
                ["apis", group, version] => Some(GroupVersion::new(group, version)),
                _ => None,
            })
            .collect()
    }
}

impl DiscoveryClient {
    /// The whole OpenAPI v2 document (`GET /openapi/v2`), as JSON.
    pub async fn openapi_v2(&self) -> Result<Bytes, Error> {
        self.get_json("/openapi/v2").await
    }

    /// The OpenAPI v3 index (`GET /openapi/v3`).
    pub async fn openapi_v3_root(&self) -> Result<OpenApiV3Root, Error> {
        let request = self
            .rest_client()
            .get()
            .abs_path("/openapi/v3")
            .set_header("Accept", ACCEPT_JSON);
        let url = request.url();
        let body = request.bytes().await?;
        decode(&body, "OpenAPI v3 index", &url)
    }

    /// The OpenAPI v3 document at an index entry, as JSON.
    pub async fn openapi_v3_document(&self, entry: &OpenApiV3Path) -> Result<Bytes, Error> {
        Ok(self
            .rest_client()
            .get()
            .request_uri(&entry.server_relative_url)
            .set_header("Accept", ACCEPT_JSON)
            .bytes()
            .await?)
    }

    /// The OpenAPI v3 document of an index key such as `apis/apps/v1` (reads the index first).
    pub async fn openapi_v3_path(&self, key: &str) -> Result<Bytes, Error> {
        let root = self.openapi_v3_root().await?;
        let entry = root.paths.get(key.trim_start_matches('/')).ok_or_else(|| {
            Error::OpenApiPathNotFound {
                path: key.to_string(),
            }
        })?;
        self.openapi_v3_document(entry).await
    }

    /// The OpenAPI v3 document of one group/version (reads the index first).
    pub async fn openapi_v3_for_group_version(&self, gv: &GroupVersion) -> Result<Bytes, Error> {
        self.openapi_v3_path(&OpenApiV3Root::key_for(gv)).await
    }

    async fn get_json(&self, path: &str) -> Result<Bytes, Error> {
        Ok(self
            .rest_client()
            .get()
            .abs_path(path)
            .set_header("Accept", ACCEPT_JSON)
            .bytes()
            .await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn index_keys() {
        let root: OpenApiV3Root = serde_json::from_str(
            r#"{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=A"},
                "apis/apps/v1":{"serverRelativeURL":"/openapi/v3/apis/apps/v1?hash=B"},
                "apis":{"serverRelativeURL":"/openapi/v3/apis?hash=C"},
                ".well-known/openid-configuration":{"serverRelativeURL":"/x"}}}"#,
        )
        .unwrap();
        assert_eq!(
            root.group_versions(),
            [GroupVersion::new("", "v1"), GroupVersion::new("apps", "v1")]
        );
        assert_eq!(
            OpenApiV3Root::key_for(&GroupVersion::new("apps", "v1")),
            "apis/apps/v1"
        );
        assert_eq!(
            OpenApiV3Root::key_for(&GroupVersion::new("", "v1")),
            "api/v1"
        );
    }
}
