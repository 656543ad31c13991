//! Parses request paths the way the real server's `RequestInfoFactory` does: discovery paths,
//! health and version endpoints, and resource paths with namespace, name, subresource and the
//! legacy `/watch/` prefix.

/// What a path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz` and their sub-checks.
    Health,
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: all named groups.
    GroupList,
    /// `/apis/<group>`.
    Group(String),
    /// `/api/v1`, `/apis/<group>/<version>`: the resources of a group/version.
    ResourceList {
        /// Group (empty for core).
        group: String,
        /// Version.
        version: String,
    },
    /// `/openapi/<rest>`: the OpenAPI documents (`rest` is e.g. `v2`, `v3`, `v3/api/v1`).
    OpenApi(String),
    /// A resource request.
    Resource(ResourcePath),
    /// Anything else.
    NotFound,
}

/// The parts of a resource path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourcePath {
    /// Group (empty for core).
    pub group: String,
    /// Version.
    pub version: String,
    /// Namespace from `/namespaces/<ns>/...`.
    pub namespace: Option<String>,
    /// Plural resource name.
    pub resource: String,
    /// Object name.
    pub name: Option<String>,
    /// Subresource.
    pub subresource: Option<String>,
    /// Whether the legacy `/watch/` prefix was used.
    pub watch_prefix: bool,
}

/// Parses a request path (without the query).
pub fn parse(path: &str) -> Route {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::GroupList,
        ["openapi", rest @ ..] => Route::OpenApi(rest.join("/")),
        ["apis", group] => Route::Group(group.to_string()),
        ["api", version, rest @ ..] => resource_route("", version, rest),
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    if rest.is_empty() {
        return Route::ResourceList {
            group: group.to_string(),
            version: version.to_string(),
        };
    }
    let mut parts = rest;
    let mut out = ResourcePath {
        group: group.to_string(),
        version: version.to_string(),
        ..Default::default()
    };
    if parts[0] == "watch" {
        out.watch_prefix = true;
        parts = &parts[1..];
        if parts.is_empty() {
            return Route::NotFound;
        }
    }
    if parts[0] == "namespaces" && parts.len() > 1 {
        out.namespace = Some(parts[1].to_string());
        // `/namespaces/<ns>/status` and `/finalize` are subresources of the namespace itself.
        if parts.len() > 2 && !matches!(parts[2], "status" | "finalize") {
            parts = &parts[2..];
        }
    }
    match parts {
        [resource] => out.resource = resource.to_string(),
        [resource, name] => {
            out.resource = resource.to_string();
            out.name = Some(name.to_string());
        }
        [resource, name, sub] => {
            out.resource = resource.to_string();
            out.name = Some(name.to_string());
            out.subresource = Some(sub.to_string());
        }
        // `…/<name>/proxy/<path>`: the path goes to the proxied target.
        [resource, name, "proxy", ..] => {
            out.resource = resource.to_string();
            out.name = Some(name.to_string());
            out.subresource = Some("proxy".to_string());
        }
        _ => return Route::NotFound,
    }
    if out.resource == "namespaces" && out.group.is_empty() {
        // The namespace object itself is cluster-scoped; its name is the path's namespace.
        out.namespace = None;
    }
    Route::Resource(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> ResourcePath {
        match parse(path) {
            Route::Resource(r) => r,
            other => ResourcePath {
                resource: format!("{other:?}"),
                ..Default::default()
            },
        }
    }

    #[test]
    fn discovery_and_health_paths() {
        assert_eq!(parse("/version"), Route::Version);
        assert_eq!(
            parse("/openapi/v3/apis/apps/v1"),
            Route::OpenApi("v3/apis/apps/v1".into())
        );
        assert_eq!(parse("/readyz/ping"), Route::Health);
        assert_eq!(parse("/api"), Route::CoreVersions);
        assert_eq!(parse("/apis/"), Route::GroupList);
        assert_eq!(parse("/apis/apps"), Route::Group("apps".into()));
        assert_eq!(
            parse("/api/v1"),
            Route::ResourceList {
                group: String::new(),
                version: "v1".into()
            }
        );
        assert_eq!(parse("/nope"), Route::NotFound);
    }

    #[test]
    fn resource_paths() {
        let r = res("/api/v1/namespaces/ns/configmaps/x");
        assert_eq!(r.namespace.as_deref(), Some("ns"));
        assert_eq!(r.resource, "configmaps");
        assert_eq!(r.name.as_deref(), Some("x"));
        let r = res("/apis/apps/v1/namespaces/ns/deployments/d/status");
        assert_eq!(r.subresource.as_deref(), Some("status"));
        let r = res("/api/v1/namespaces/ns");
        assert_eq!(
            (r.resource.as_str(), r.name.as_deref(), r.namespace),
            ("namespaces", Some("ns"), None)
        );
        let r = res("/api/v1/namespaces/ns/finalize");
        assert_eq!(r.subresource.as_deref(), Some("finalize"));
        let r = res("/api/v1/watch/namespaces/ns/pods");
        assert!(r.watch_prefix);
        assert_eq!(r.resource, "pods");
        let r = res("/apis/apps/v1/deployments");
        assert_eq!((r.namespace, r.name), (None, None));
    }
}
