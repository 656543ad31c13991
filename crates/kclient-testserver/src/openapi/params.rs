//! The parameters of the operations in the OpenAPI `paths`: the shapes of the generated
//! operation tables (`generated/openapi_paths.rs`), which query parameters each verb takes, and
//! the lookups of the subresources discovery does not fully describe.

use crate::generated::openapi_paths::{ACTION_PARAMS, DELETE_RETURNS_OBJECT, SUBRESOURCE_OPS};

/// One query parameter.
#[derive(Debug, Clone, Copy)]
pub struct QueryParam {
    /// The name in the query string.
    pub name: &'static str,
    /// `string`, `boolean` or `integer`.
    pub ty: &'static str,
    /// The description.
    pub description: &'static str,
}

/// A subresource whose operations discovery does not fully describe.
#[derive(Debug, Clone, Copy)]
pub struct SubresourceOps {
    /// The group of the resource.
    pub group: &'static str,
    /// The version.
    pub version: &'static str,
    /// The resource (`pods`).
    pub resource: &'static str,
    /// The subresource (`exec`, `log`, `proxy`).
    pub subresource: &'static str,
    /// The lower-case HTTP methods of a connect subresource (empty for others).
    pub connect_methods: &'static [&'static str],
    /// Whether it also takes a trailing `/{path}` (`proxy`).
    pub subpath: bool,
    /// Whether a GET answers with text (`log`).
    pub text: bool,
    /// Its own query parameters, sorted by name.
    pub params: &'static [QueryParam],
}

/// The query parameters of one action (`x-kubernetes-action`).
#[derive(Debug, Clone, Copy)]
pub struct ActionParams {
    /// The action.
    pub action: &'static str,
    /// Its query parameters, sorted by name.
    pub params: &'static [QueryParam],
}

fn action_params(action: &str) -> &'static [QueryParam] {
    ACTION_PARAMS
        .iter()
        .find(|a| a.action == action)
        .map_or(&[], |a| a.params)
}

/// The query parameters of an action (`get`, `list`, `watch`, `watchlist`, `post`, `put`,
/// `patch`, `delete`, `deletecollection`). For custom resources (`custom`) the CRD handler's
/// builder differs: a GET takes `GetOptions` (`resourceVersion` too), a deletecollection only
/// `ListOptions`.
pub fn for_action(action: &str, custom: bool) -> Vec<&'static QueryParam> {
    match (action, custom) {
        ("get", true) => {
            let mut out: Vec<_> = action_params("get").iter().collect();
            out.extend(
                action_params("list")
                    .iter()
                    .filter(|p| p.name == "resourceVersion"),
            );
            out
        }
        ("deletecollection", true) => action_params("list").iter().collect(),
        _ => action_params(action).iter().collect(),
    }
}

/// The operations table of a subresource, if discovery does not describe it fully.
pub fn subresource_ops(
    group: &str,
    version: &str,
    resource: &str,
    subresource: &str,
) -> Option<&'static SubresourceOps> {
    SUBRESOURCE_OPS.iter().find(|s| {
        (s.group, s.version, s.resource, s.subresource) == (group, version, resource, subresource)
    })
}

/// Whether a DELETE of the resource answers with the deleted object.
pub fn delete_returns_object(group: &str, version: &str, resource: &str) -> bool {
    DELETE_RETURNS_OBJECT.contains(&(group, version, resource))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_described_parameters() {
        for action in [
            "get",
            "list",
            "post",
            "put",
            "patch",
            "delete",
            "deletecollection",
        ] {
            for custom in [false, true] {
                let params = for_action(action, custom);
                assert!(params.iter().any(|p| p.name == "pretty"), "{action}");
                for p in params {
                    assert!(!p.description.is_empty(), "{action} {}", p.name);
                }
            }
        }
    }

    #[test]
    fn pod_logs_and_exec_have_their_own_parameters() {
        let log = subresource_ops("", "v1", "pods", "log").unwrap();
        assert!(log.text && log.connect_methods.is_empty());
        assert!(log.params.iter().any(|p| p.name == "follow"));
        let exec = subresource_ops("", "v1", "pods", "exec").unwrap();
        assert_eq!(exec.connect_methods, ["get", "post"]);
        let proxy = subresource_ops("", "v1", "nodes", "proxy").unwrap();
        assert!(proxy.subpath);
        assert!(subresource_ops("", "v1", "pods", "status").is_none());
        assert!(delete_returns_object("", "v1", "pods"));
        assert!(!delete_returns_object("apps", "v1", "deployments"));
    }
}
