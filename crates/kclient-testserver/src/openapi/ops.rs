//! The operations of the OpenAPI `paths` as the server builds them (parameters, bodies,
//! responses and media types per action), independent of the document flavour; and the naming
//! rules of the real server (operationIds, articles). [`super::paths`] builds them from the
//! discovery tables, [`super::render`] writes them as OpenAPI v3 or v2.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::params::QueryParam;
use crate::generated::openapi_model::DEFINITIONS;

/// Which server part builds the operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// kube-apiserver's installer (built-in resources).
    BuiltIn,
    /// The CRD handler's builder (custom resources).
    Custom,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The name.
    pub name: String,
    /// `path` or `query`.
    pub location: &'static str,
    /// The type.
    pub ty: &'static str,
    /// The description.
    pub description: String,
}

impl Param {
    pub(super) fn path(name: &str, description: String) -> Param {
        Param {
            name: name.to_string(),
            location: "path",
            ty: "string",
            description,
        }
    }

    pub(super) fn query(p: &QueryParam) -> Param {
        Param {
            name: p.name.to_string(),
            location: "query",
            ty: p.ty,
            description: p.description.to_string(),
        }
    }
}

/// What a body or response holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schema {
    /// A definition, by name.
    Def(String),
    /// A string.
    Text,
}

/// A request body.
#[derive(Debug, Clone)]
pub struct Body {
    /// The definition.
    pub schema: String,
    /// Whether it must be sent.
    pub required: bool,
}

/// One response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub code: &'static str,
    /// `OK`, `Created`, `Accepted`.
    pub description: &'static str,
    /// What it holds.
    pub schema: Schema,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// The lower-case HTTP method.
    pub method: &'static str,
    /// The operationId.
    pub id: String,
    /// The description.
    pub description: String,
    /// `x-kubernetes-action` (none for the resource list of the group/version).
    pub action: Option<&'static str>,
    /// `x-kubernetes-group-version-kind`.
    pub gvk: Option<[String; 3]>,
    /// The query parameters (those shared by every operation of the path move to the path).
    pub params: Vec<Param>,
    /// The media types of the body.
    pub consumes: &'static [&'static str],
    /// The request body.
    pub body: Option<Body>,
    /// The media types of the responses, in the server's order.
    pub produces: &'static [&'static str],
    /// The responses (401 is added when rendering).
    pub responses: Vec<Response>,
    /// The tag (`core_v1`).
    pub tag: String,
}

/// The operations on one path and the parameters they share.
#[derive(Debug, Clone, Default)]
pub struct PathItem {
    /// Parameters of every operation, sorted by name and location.
    pub params: Vec<Param>,
    /// The operations.
    pub ops: Vec<Op>,
}

/// Every path of a document.
pub type Paths = BTreeMap<String, PathItem>;

pub(super) const OBJECT: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/cbor",
];
pub(super) const STREAM: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/cbor",
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
    "application/cbor-seq",
];
pub(super) const TEXT: &[&str] = &[
    "text/plain",
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/cbor",
];
pub(super) const ANY: &[&str] = &["*/*"];
pub(super) const PATCHES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "application/apply-patch+cbor",
];
pub(super) const CUSTOM: &[&str] = &["application/json", "application/yaml"];
pub(super) const CUSTOM_PATCHES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];
pub(super) const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
pub(super) const WATCH_EVENT: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
pub(super) const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
pub(super) const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
pub(super) const NAMESPACE: &str = "object name and auth scope, such as for teams and projects";

/// The definition of a built-in kind.
pub fn builtin_definition(group: &str, version: &str, kind: &str) -> Option<&'static str> {
    static INDEX: OnceLock<BTreeMap<(&str, &str, &str), &str>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut index = BTreeMap::new();
            for d in DEFINITIONS {
                for &(g, v, k) in d.schema.ext.gvk {
                    index.entry((g, v, k)).or_insert(d.name);
                }
            }
            index
        })
        .get(&(group, version, kind))
        .copied()
}

/// The definition name of a custom resource kind, as the real server forms it
/// (`com.example.v1.Widget` for group `example.com`).
pub fn custom_definition(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{version}.{kind}", reversed.join("."))
}

/// `ToValidOperationID` of the real server: letters, `_` and (not first) digits are kept, and
/// the letter after anything else is capitalized.
pub(super) fn valid_id(s: &str, capitalize_first: bool) -> String {
    let mut out = String::new();
    let mut capitalize = capitalize_first;
    for (i, c) in s.chars().enumerate() {
        if c.is_alphabetic() || c == '_' || (i != 0 && c.is_ascii_digit()) {
            if capitalize {
                out.extend(c.to_uppercase());
                capitalize = false;
            } else {
                out.push(c);
            }
        } else {
            capitalize = true;
        }
    }
    out
}

/// `a`/`an` before a kind, nothing before a plural (`Endpoints`).
pub(super) fn article(kind: &str) -> &'static str {
    if kind.ends_with('s') && !kind.ends_with("ss") {
        " "
    } else if kind
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c))
    {
        " an "
    } else {
        " a "
    }
}

pub(super) fn title(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

/// What an operation sends and answers: body and response media types, body, responses.
pub(super) struct Shape {
    pub(super) consumes: &'static [&'static str],
    pub(super) body: Option<Body>,
    pub(super) produces: &'static [&'static str],
    pub(super) responses: Vec<Response>,
}

pub(super) fn response(code: &'static str, schema: &Schema) -> Response {
    let description = match code {
        "201" => "Created",
        "202" => "Accepted",
        _ => "OK",
    };
    Response {
        code,
        description,
        schema: schema.clone(),
    }
}

/// The shape of `action` whose object (or list, or answer) is `schema`.
pub(super) fn shape(action: &str, style: Style, schema: &Schema) -> Shape {
    let custom = style == Style::Custom;
    let body = |def: &str, required| Body {
        schema: def.to_string(),
        required,
    };
    let sent = match schema {
        Schema::Def(def) => Some(body(def, true)),
        Schema::Text => None,
    };
    let (consumes, media) = if custom {
        (CUSTOM, CUSTOM)
    } else {
        (ANY, OBJECT)
    };
    let codes: &[&str] = match action {
        "post" => &["200", "201", "202"],
        "put" => &["200", "201"],
        "patch" if !custom => &["200", "201"],
        "delete" => &["200", "202"],
        _ => &["200"],
    };
    let responses = codes.iter().map(|c| response(c, schema)).collect();
    let (consumes, body, produces) = match action {
        "connect" => (ANY, None, ANY),
        "list" | "watch" | "watchlist" if !custom => (ANY, None, STREAM),
        "post" | "put" => (consumes, sent, media),
        "patch" if custom => (CUSTOM_PATCHES, Some(body(PATCH, true)), media),
        "patch" => (PATCHES, Some(body(PATCH, true)), media),
        "delete" => (consumes, Some(body(DELETE_OPTIONS, false)), media),
        "deletecollection" if !custom => (consumes, Some(body(DELETE_OPTIONS, false)), media),
        "get" if *schema == Schema::Text => (ANY, None, TEXT),
        _ => (consumes, None, media),
    };
    Shape {
        consumes,
        body,
        produces,
        responses,
    }
}

/// The `'static` name of a lower-case HTTP method.
pub(super) fn static_method(method: &str) -> &'static str {
    match method {
        "get" => "get",
        "post" => "post",
        "put" => "put",
        "patch" => "patch",
        "delete" => "delete",
        "head" => "head",
        _ => "options",
    }
}

/// Moves the parameters every operation of a path shares to the path (as the real server's
/// OpenAPI builder does) and sorts parameters by name and location.
pub(super) fn hoist_shared(paths: &mut Paths) {
    let key = |p: &Param| (p.name.clone(), p.location);
    for item in paths.values_mut() {
        let shared: Vec<Param> = item.ops.first().map_or_else(Vec::new, |first| {
            first
                .params
                .iter()
                .filter(|p| item.ops.iter().all(|op| op.params.contains(p)))
                .cloned()
                .collect()
        });
        for op in &mut item.ops {
            op.params.retain(|p| !shared.contains(p));
            op.params.sort_by_key(key);
        }
        item.params.extend(shared);
        item.params.sort_by_key(key);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_and_tags_follow_the_real_server() {
        assert_eq!(valid_id("rbac.authorization", true), "RbacAuthorization");
        assert_eq!(valid_id("rbac.authorization", false), "rbacAuthorization");
        assert_eq!(valid_id("v1beta1", true), "V1beta1");
        assert_eq!(valid_id("stable.example.com", true), "StableExampleCom");
        assert_eq!(article("Pod"), " a ");
        assert_eq!(article("Event"), " an ");
        assert_eq!(article("Endpoints"), " ");
        assert_eq!(article("Ingress"), " an ");
        assert_eq!(title("status"), "Status");
    }

    fn op(method: &'static str, params: &[&str]) -> Op {
        let q = |n: &&str| Param {
            name: (*n).to_string(),
            location: "query",
            ty: "string",
            description: String::new(),
        };
        Op {
            method,
            id: String::new(),
            description: String::new(),
            action: None,
            gvk: None,
            params: params.iter().map(q).collect(),
            consumes: ANY,
            body: None,
            produces: OBJECT,
            responses: Vec::new(),
            tag: String::new(),
        }
    }

    #[test]
    fn parameters_every_operation_takes_move_to_the_path() {
        let mut paths = Paths::from([(
            "/p".to_string(),
            PathItem {
                params: vec![Param::path("name", "n".into())],
                ops: vec![op("get", &["pretty"]), op("put", &["pretty", "dryRun"])],
            },
        )]);
        hoist_shared(&mut paths);
        let item = &paths["/p"];
        let names: Vec<&str> = item.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["name", "pretty"]);
        assert!(item.ops[0].params.is_empty());
        assert_eq!(item.ops[1].params[0].name, "dryRun");
    }

    #[test]
    fn shapes_follow_the_installers() {
        let pod = Schema::Def("io.k8s.api.core.v1.Pod".into());
        let post = shape("post", Style::BuiltIn, &pod);
        let codes: Vec<&str> = post.responses.iter().map(|r| r.code).collect();
        assert_eq!(codes, ["200", "201", "202"]);
        assert!(post.body.is_some_and(|b| b.required));
        let patch = shape("patch", Style::Custom, &pod);
        assert_eq!(patch.consumes, CUSTOM_PATCHES);
        assert_eq!(patch.responses.len(), 1);
        let delete = shape("delete", Style::BuiltIn, &pod);
        assert!(
            delete
                .body
                .is_some_and(|b| b.schema == DELETE_OPTIONS && !b.required)
        );
        assert_eq!(shape("get", Style::BuiltIn, &Schema::Text).produces, TEXT);
        assert_eq!(
            shape("connect", Style::BuiltIn, &Schema::Text).produces,
            ANY
        );
        assert_eq!(shape("list", Style::BuiltIn, &pod).produces, STREAM);
        assert_eq!(
            custom_definition("stable.example.com", "v1", "CronTab"),
            "com.example.stable.v1.CronTab"
        );
        assert_eq!(
            builtin_definition("autoscaling", "v1", "Scale"),
            Some("io.k8s.api.autoscaling.v1.Scale")
        );
    }
}
