//! Resources from the spec's paths: which plural names each group-version serves, whether they
//! are namespaced, which verbs (`x-kubernetes-action`) each allows, and their subresources.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

use super::fixups;
use super::model::{Model, ModuleId, RustType, rust_type};
use super::spec::{Operation, Param, Response, Schema, Spec};

/// A verb on a resource (not on a subresource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    /// GET of one object.
    Get,
    /// GET of the collection.
    List,
    /// Watch of the collection or of one object.
    Watch,
    /// POST to the collection.
    Create,
    /// PUT of one object.
    Update,
    /// PATCH of one object (and server-side apply).
    Patch,
    /// DELETE of one object.
    Delete,
    /// DELETE of the collection.
    DeleteCollection,
}

impl Verb {
    /// The marker trait in `kclient_typed::client::verbs` that enables the verb.
    pub fn marker(self) -> &'static str {
        match self {
            Verb::Get => "Get",
            Verb::List => "List",
            Verb::Watch => "Watch",
            Verb::Create => "Create",
            Verb::Update => "Update",
            Verb::Patch => "Patch",
            Verb::Delete => "Delete",
            Verb::DeleteCollection => "DeleteCollection",
        }
    }
}

/// What a subresource operation answers with.
#[derive(Debug, Clone, PartialEq)]
pub enum SubResponse {
    /// A JSON object of this type.
    Object(RustType),
    /// A byte stream (logs).
    Stream,
    /// Nothing the generator can use.
    None,
}

/// One operation on a subresource.
#[derive(Debug, Clone, PartialEq)]
pub struct SubOp {
    /// The lower-case HTTP method.
    pub method: String,
    /// `x-kubernetes-action`.
    pub action: String,
    /// The request body's type.
    pub body: Option<RustType>,
    /// The answer.
    pub response: SubResponse,
    /// Query parameters other than the ones every write takes (`pretty`, `dryRun`, …).
    pub query: Vec<Param>,
    /// The operation's description.
    pub description: Option<String>,
}

/// One resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDef {
    /// The plural name in paths (`pods`).
    pub plural: String,
    /// The kind (`Pod`).
    pub kind: String,
    /// The module of the kind's type.
    pub module: ModuleId,
    /// The API group.
    pub group: String,
    /// The API version.
    pub version: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The verbs on the resource itself.
    pub verbs: BTreeSet<Verb>,
    /// The type a list answers with.
    pub list: Option<RustType>,
    /// The type a create answers with.
    pub create_output: Option<RustType>,
    /// Subresources by path after the name (`status`, `scale`, `log`, `proxy/{path}`).
    pub subresources: BTreeMap<String, Vec<SubOp>>,
}

impl ResourceDef {
    /// Every generated type the resource's client code names.
    pub fn referenced_types(&self) -> Vec<RustType> {
        let mut out: Vec<RustType> = self
            .list
            .iter()
            .chain(&self.create_output)
            .cloned()
            .collect();
        for ops in self.subresources.values() {
            for op in ops.iter().filter(|op| op.action != "connect") {
                out.extend(op.body.clone());
                if let SubResponse::Object(t) = &op.response {
                    out.push(t.clone());
                }
            }
        }
        out
    }
}

/// Query parameters every write or read takes, covered by the option structs of
/// `kclient-apimachinery`; anything else on a subresource gets a generated options struct.
const COMMON_PARAMS: &[&str] = &[
    "pretty",
    "dryRun",
    "fieldManager",
    "fieldValidation",
    "force",
];

/// A path taken apart.
#[derive(Debug, Clone, PartialEq)]
struct PathParts {
    group: String,
    version: String,
    watch: bool,
    namespaced: bool,
    plural: String,
    named: bool,
    subresource: String,
}

fn parse_path(path: &str) -> Option<PathParts> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, mut rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let watch = rest.first() == Some(&"watch");
    if watch {
        rest = &rest[1..];
    }
    let namespaced = rest.len() >= 3 && rest[0] == "namespaces" && rest[1] == "{namespace}";
    if namespaced {
        rest = &rest[2..];
    }
    let (plural, rest) = rest.split_first()?;
    let named = rest.first() == Some(&"{name}");
    if !named && !rest.is_empty() {
        return None;
    }
    Some(PathParts {
        group: group.to_string(),
        version: version.to_string(),
        watch,
        namespaced,
        plural: plural.to_string(),
        named,
        subresource: rest.iter().skip(1).copied().collect::<Vec<_>>().join("/"),
    })
}

fn object_type(response: &Response) -> Result<Option<RustType>> {
    match response {
        Response::Object(def) => rust_type(&Schema {
            reference: Some(def.clone()),
            ..Schema::default()
        })
        .map(Some),
        _ => Ok(None),
    }
}

/// Finds the resources in the spec's operations and attaches each to the module of its kind.
pub fn attach(spec: &Spec, model: &mut Model) -> Result<()> {
    let mut kinds = BTreeMap::new();
    for (id, module) in &model.modules {
        for ty in module.types.values() {
            if let Some(gvk) = &ty.gvk {
                kinds.insert(
                    (gvk.group.clone(), gvk.version.clone(), gvk.kind.clone()),
                    (id.clone(), ty.name.clone()),
                );
            }
        }
    }
    let mut found: BTreeMap<(String, String, String), ResourceDef> = BTreeMap::new();
    let parsed: Vec<(&Operation, PathParts)> = spec
        .operations
        .iter()
        .filter(|op| op.action.is_some())
        .filter_map(|op| parse_path(&op.path).map(|p| (op, p)))
        .collect();
    // The resources themselves first, then their subresources.
    for (op, parts) in parsed.iter().filter(|(_, p)| p.subresource.is_empty()) {
        let action = op.action.as_deref().unwrap_or_default();
        let Some(gvk) = &op.gvk else { continue };
        let key = (
            parts.group.clone(),
            parts.version.clone(),
            parts.plural.clone(),
        );
        let (module, type_name) = kinds
            .get(&(gvk.group.clone(), gvk.version.clone(), gvk.kind.clone()))
            .with_context(|| {
                format!(
                    "{} {}: no definition has the kind {gvk:?}",
                    op.method, op.path
                )
            })?;
        if type_name != &gvk.kind {
            bail!(
                "{}: the kind {} is generated as {type_name}",
                op.path,
                gvk.kind
            );
        }
        let resource = found.entry(key).or_insert_with(|| ResourceDef {
            plural: parts.plural.clone(),
            kind: gvk.kind.clone(),
            module: module.clone(),
            group: parts.group.clone(),
            version: parts.version.clone(),
            namespaced: false,
            verbs: BTreeSet::new(),
            list: None,
            create_output: None,
            subresources: BTreeMap::new(),
        });
        if resource.kind != gvk.kind {
            bail!(
                "{}: the resource {} has kinds {} and {}",
                op.path,
                parts.plural,
                resource.kind,
                gvk.kind
            );
        }
        resource.namespaced |= parts.namespaced;
        let verb = match (parts.watch, parts.named, action) {
            (true, _, "watch" | "watchlist") => Verb::Watch,
            (false, false, "list") => {
                resource.list = object_type(&op.response)?;
                Verb::List
            }
            (false, false, "post") => {
                resource.create_output = object_type(&op.response)?;
                Verb::Create
            }
            (false, false, "deletecollection") => Verb::DeleteCollection,
            (false, true, "get") => Verb::Get,
            (false, true, "put") => Verb::Update,
            (false, true, "patch") => Verb::Patch,
            (false, true, "delete") => Verb::Delete,
            _ => continue,
        };
        resource.verbs.insert(verb);
    }
    for (op, parts) in parsed
        .iter()
        .filter(|(_, p)| !p.subresource.is_empty() && !p.watch)
    {
        let key = (
            parts.group.clone(),
            parts.version.clone(),
            parts.plural.clone(),
        );
        let Some(resource) = found.get_mut(&key) else {
            bail!(
                "{}: a subresource of the unknown resource {}",
                op.path,
                parts.plural
            );
        };
        let response = match &op.response {
            Response::Text => SubResponse::Stream,
            other => object_type(other)?.map_or(SubResponse::None, SubResponse::Object),
        };
        // A PATCH body is whatever the patch type says (the spec names `meta/v1` `Patch`).
        let body = match &op.body {
            Some(def) if op.method != "patch" => object_type(&Response::Object(def.clone()))?,
            _ => None,
        };
        resource
            .subresources
            .entry(parts.subresource.clone())
            .or_default()
            .push(SubOp {
                method: op.method.clone(),
                action: op.action.clone().unwrap_or_default(),
                body,
                response,
                query: op
                    .query
                    .iter()
                    .filter(|p| !COMMON_PARAMS.contains(&p.name.as_str()))
                    .cloned()
                    .collect(),
                description: op.description.clone(),
            });
    }
    for ((group, version, _), mut resource) in found {
        fixups::apply_to_resource(&mut resource);
        let module = model.modules.entry(resource.module.clone()).or_default();
        match &module.group_version {
            Some((g, v)) if (g, v) != (&group, &version) => bail!(
                "the module {}/{} holds kinds of both {g}/{v} and {group}/{version}",
                resource.module.package,
                resource.module.version
            ),
            _ => module.group_version = Some((group, version)),
        }
        module.resources.insert(resource.plural.clone(), resource);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn paths() {
        let p = parse_path("/api/v1/namespaces/{namespace}/pods/{name}/log").unwrap();
        assert_eq!(
            (p.group.as_str(), p.plural.as_str(), p.namespaced, p.named),
            ("", "pods", true, true)
        );
        assert_eq!(p.subresource, "log");
        let p = parse_path("/api/v1/namespaces/{name}/status").unwrap();
        assert_eq!(
            (p.plural.as_str(), p.namespaced, p.subresource.as_str()),
            ("namespaces", false, "status")
        );
        let p = parse_path("/apis/apps/v1/watch/namespaces/{namespace}/deployments").unwrap();
        assert!(p.watch && p.namespaced && !p.named);
        let p = parse_path("/api/v1/nodes/{name}/proxy/{path}").unwrap();
        assert_eq!(p.subresource, "proxy/{path}");
        assert!(parse_path("/apis/apps/v1/").is_none());
        assert!(parse_path("/version/").is_none());
    }
}
