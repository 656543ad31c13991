//! The paths outside the group/versions that the server serves and the real server documents:
//! `/api/`, `/apis/`, `/apis/<group>/` (the legacy and group discovery) and `/version/`, each
//! with its own document in the `/openapi/v3` index (`api`, `apis`, `apis/<group>`, `version`).

use super::ops::{Op, PathItem, Paths, Response, Schema, valid_id};
use crate::generated::resources::GROUPS;

const DISCOVERY: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];
const JSON: &[&str] = &["application/json"];

/// `path` with one GET operation answering with `definition`.
struct Get {
    path: String,
    id: String,
    description: &'static str,
    definition: String,
    media: &'static [&'static str],
    tag: String,
}

impl Get {
    fn paths(self) -> Paths {
        let op = Op {
            method: "get",
            id: self.id,
            description: self.description.to_string(),
            action: None,
            gvk: None,
            params: Vec::new(),
            consumes: self.media,
            body: None,
            produces: self.media,
            responses: vec![Response {
                code: "200",
                description: "OK",
                schema: Schema::Def(self.definition),
            }],
            tag: self.tag,
        };
        let item = PathItem {
            params: Vec::new(),
            ops: vec![op],
        };
        Paths::from([(self.path, item)])
    }
}

/// The documents by index key, with their paths.
pub fn documents() -> Vec<(String, Paths)> {
    let meta = "io.k8s.apimachinery.pkg.apis.meta.v1";
    let versions = "get available API versions";
    let mut docs = vec![
        Get {
            path: "/api/".into(),
            id: "getCoreAPIVersions".into(),
            description: versions,
            definition: format!("{meta}.APIVersions"),
            media: DISCOVERY,
            tag: "core".into(),
        },
        Get {
            path: "/apis/".into(),
            id: "getAPIVersions".into(),
            description: versions,
            definition: format!("{meta}.APIGroupList"),
            media: DISCOVERY,
            tag: "apis".into(),
        },
        Get {
            path: "/version/".into(),
            id: "getCodeVersion".into(),
            description: "get the version information for this server",
            definition: "io.k8s.apimachinery.pkg.version.Info".into(),
            media: JSON,
            tag: "version".into(),
        },
    ];
    for g in GROUPS.iter().filter(|g| !g.name.is_empty()) {
        let name = g.name.strip_suffix(".k8s.io").unwrap_or(g.name);
        docs.push(Get {
            path: format!("/apis/{}/", g.name),
            id: format!("get{}APIGroup", valid_id(name, true)),
            description: "get information of a group",
            definition: format!("{meta}.APIGroup"),
            media: DISCOVERY,
            tag: valid_id(name, false),
        });
    }
    docs.into_iter()
        .map(|g| (g.path.trim_matches('/').to_string(), g.paths()))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn groups_get_their_discovery_document() {
        let docs = documents();
        let (_, rbac) = docs
            .iter()
            .find(|(k, _)| k == "apis/rbac.authorization.k8s.io")
            .unwrap();
        let op = &rbac["/apis/rbac.authorization.k8s.io/"].ops[0];
        assert_eq!(op.id, "getRbacAuthorizationAPIGroup");
        assert_eq!(op.tag, "rbacAuthorization");
        assert!(
            docs.iter()
                .any(|(k, p)| k == "api" && p.contains_key("/api/"))
        );
    }
}
