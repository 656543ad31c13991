//! The `paths` of a group/version's OpenAPI documents, built from the discovery tables as the
//! real server's installers build them: per resource the collection, the object, the
//! all-namespaces list and the deprecated watch paths, and the subresources; per verb an
//! operation with its operationId, description, `x-kubernetes-action`, group/version/kind,
//! parameters, request body and responses. Built-in resources follow kube-apiserver's API
//! installer, custom resources the CRD handler's OpenAPI builder.

use super::ops::{
    NAMESPACE, OBJECT, Op, Param, Paths, STATUS, Schema, Style, WATCH_EVENT, article,
    builtin_definition, custom_definition, hoist_shared, shape, static_method, title, valid_id,
};
use super::params::{self, QueryParam};
use crate::tables::{ApiResource, ApiSubresource};

/// One operation to add: its method, action, the verb and rest of its operationId, its
/// description and group/version/kind, and the query parameters beyond the action's.
struct Spec<'s> {
    method: &'static str,
    action: &'static str,
    verb: &'static str,
    rest: String,
    description: String,
    gvk: [&'s str; 3],
    extra: &'static [QueryParam],
}

/// Builds the paths of one group/version.
struct Builder<'a> {
    group: &'a str,
    version: &'a str,
    style: Style,
    paths: Paths,
}

impl Builder<'_> {
    fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    fn group_name(&self) -> &str {
        if self.group.is_empty() {
            "core"
        } else {
            self.group.strip_suffix(".k8s.io").unwrap_or(self.group)
        }
    }

    fn custom(&self) -> bool {
        self.style == Style::Custom
    }

    /// The operationId: the verb, the group and version, then the rest.
    fn id(&self, verb: &str, rest: &str) -> String {
        let (group, version) = (
            valid_id(self.group_name(), true),
            valid_id(self.version, true),
        );
        format!("{verb}{group}{version}{}", valid_id(rest, true))
    }

    /// The tag of every operation (`core_v1`, `rbacAuthorization_v1`).
    fn tag(&self) -> String {
        let (group, version) = (
            valid_id(self.group_name(), false),
            valid_id(self.version, false),
        );
        format!("{group}_{version}")
    }

    /// The definition of a kind of this group/version (custom resources' own kinds included).
    fn definition(&self, group: &str, version: &str, kind: &str) -> Option<Schema> {
        if self.custom() && (group, version) == (self.group, self.version) {
            return Some(Schema::Def(custom_definition(group, version, kind)));
        }
        builtin_definition(group, version, kind).map(|d| Schema::Def(d.to_string()))
    }

    /// Adds an operation at `path`, whose path parameters are `path_params`; skipped when the
    /// definition it sends or answers with is unknown.
    fn add(&mut self, path: &str, path_params: &[Param], spec: Spec<'_>, schema: Option<Schema>) {
        let Some(schema) = schema.or((spec.action == "connect").then_some(Schema::Text)) else {
            return;
        };
        let shape = shape(spec.action, self.style, &schema);
        // Connect operations take only their own parameters (no action has "connect").
        let params: Vec<Param> = params::for_action(spec.action, self.custom())
            .into_iter()
            .chain(spec.extra)
            .map(Param::query)
            .collect();
        let (id, tag) = (self.id(spec.verb, &spec.rest), self.tag());
        let [g, v, k] = spec.gvk;
        let item = self.paths.entry(path.to_string()).or_default();
        for p in path_params {
            if !item.params.contains(p) {
                item.params.push(p.clone());
            }
        }
        item.ops.push(Op {
            method: spec.method,
            id,
            description: spec.description,
            action: Some(spec.action),
            gvk: Some([g.to_string(), v.to_string(), k.to_string()]),
            params,
            consumes: shape.consumes,
            body: shape.body,
            produces: shape.produces,
            responses: shape.responses,
            tag,
        });
    }
}

impl Builder<'_> {
    /// `GET /apis/<group>/<version>/`: the group/version's resource list.
    fn resource_list(&mut self) {
        let schema = Schema::Def("io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList".into());
        let shape = shape("get", self.style, &schema);
        let (id, tag) = (self.id("get", "APIResources"), self.tag());
        let path = format!("{}/", self.prefix());
        self.paths.entry(path).or_default().ops.push(Op {
            method: "get",
            id,
            description: "get available resources".into(),
            action: None,
            gvk: None,
            params: Vec::new(),
            consumes: OBJECT,
            body: None,
            produces: OBJECT,
            responses: shape.responses,
            tag,
        });
    }

    /// The paths of one resource and its subresources.
    fn resource(&mut self, r: &ApiResource) {
        let (group, version, kind, custom) = (self.group, self.version, r.kind, self.custom());
        let ns = if r.namespaced { "Namespaced" } else { "" };
        let prefix = self.prefix();
        let scope = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.name)
        } else {
            format!("{prefix}/{}", r.name)
        };
        let item = format!("{scope}/{{name}}");
        let scope_params: Vec<Param> = r
            .namespaced
            .then(|| Param::path("namespace", NAMESPACE.into()))
            .into_iter()
            .collect();
        let mut item_params = scope_params.clone();
        item_params.push(Param::path("name", format!("name of the {kind}")));
        let object = self.definition(group, version, kind);
        let list = self.definition(group, version, &format!("{kind}List"));
        let status = Some(Schema::Def(STATUS.into()));
        let gvk = [group, version, kind];
        let spec = |method, action, verb, rest: String, description: String| Spec {
            method,
            action,
            verb,
            rest,
            description,
            gvk,
            extra: &[],
        };
        let has = |verb: &str| r.verbs.contains(&verb);
        let a = article(kind);
        if has("list") {
            // The installer says "list or watch" when the resource can be watched.
            let description = if custom || !has("watch") {
                format!("list objects of kind {kind}")
            } else {
                format!("list or watch objects of kind {kind}")
            };
            if r.namespaced {
                let rest = format!("{kind}ForAllNamespaces");
                let s = spec("get", "list", "list", rest, description.clone());
                self.add(&format!("{prefix}/{}", r.name), &[], s, list.clone());
            }
            let s = spec("get", "list", "list", format!("{ns}{kind}"), description);
            self.add(&scope, &scope_params, s, list);
        }
        if has("create") {
            let s = spec(
                "post",
                "post",
                "create",
                format!("{ns}{kind}"),
                format!("create{a}{kind}"),
            );
            self.add(&scope, &scope_params, s, object.clone());
        }
        if has("deletecollection") {
            let rest = format!("Collection{ns}{kind}");
            let s = spec(
                "delete",
                "deletecollection",
                "delete",
                rest,
                format!("delete collection of {kind}"),
            );
            self.add(&scope, &scope_params, s, status.clone());
        }
        let item_ops = [
            ("get", "get", "read", "read the specified "),
            ("update", "put", "replace", "replace the specified "),
            ("delete", "delete", "delete", ""),
            ("patch", "patch", "patch", "partially update the specified "),
        ];
        for (verb, action, op_verb, what) in item_ops {
            if !has(verb) {
                continue;
            }
            let (description, schema) = if action == "delete" {
                let returns_object =
                    !custom && params::delete_returns_object(group, version, r.name);
                let schema = if returns_object {
                    object.clone()
                } else {
                    status.clone()
                };
                (format!("delete{a}{kind}"), schema)
            } else {
                (format!("{what}{kind}"), object.clone())
            };
            let s = spec(action, action, op_verb, format!("{ns}{kind}"), description);
            self.add(&item, &item_params, s, schema);
        }
        if has("watch") && !custom {
            self.watch_paths(r, &scope_params, &item_params);
        }
        for sub in r.subresources {
            self.subresource(r, sub, &item, &scope_params);
        }
    }

    /// The deprecated `/watch/` paths of a resource.
    fn watch_paths(&mut self, r: &ApiResource, scope_params: &[Param], item_params: &[Param]) {
        let (kind, prefix) = (r.kind, self.prefix());
        let ns = if r.namespaced { "Namespaced" } else { "" };
        let scope = if r.namespaced {
            format!("{prefix}/watch/namespaces/{{namespace}}/{}", r.name)
        } else {
            format!("{prefix}/watch/{}", r.name)
        };
        let gvk = [self.group, self.version, kind];
        let list = format!(
            "watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead."
        );
        let one = format!(
            "watch changes to an object of kind {kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter."
        );
        let spec = |action, rest: String, description: &str| Spec {
            method: "get",
            action,
            verb: "watch",
            rest,
            description: description.to_string(),
            gvk,
            extra: &[],
        };
        let event = Some(Schema::Def(WATCH_EVENT.into()));
        if r.namespaced {
            let s = spec("watchlist", format!("{kind}ListForAllNamespaces"), &list);
            self.add(&format!("{prefix}/watch/{}", r.name), &[], s, event.clone());
        }
        let s = spec("watchlist", format!("{ns}{kind}List"), &list);
        self.add(&scope, scope_params, s, event.clone());
        let s = spec("watch", format!("{ns}{kind}"), &one);
        self.add(&format!("{scope}/{{name}}"), item_params, s, event);
    }

    /// The paths of one subresource.
    fn subresource(
        &mut self,
        r: &ApiResource,
        sub: &ApiSubresource,
        item: &str,
        scope_params: &[Param],
    ) {
        let custom = self.custom();
        let (group, version) = (self.group, self.version);
        let sub_group = sub.group.unwrap_or(group);
        let sub_version = sub.version.unwrap_or(version);
        let gvk = if custom {
            [group, version, r.kind]
        } else {
            [sub_group, sub_version, sub.kind]
        };
        let named = if custom { r.kind } else { sub.kind };
        let mut path_params = scope_params.to_vec();
        path_params.push(Param::path("name", format!("name of the {named}")));
        let path = format!("{item}/{}", sub.name);
        let ns = if r.namespaced { "Namespaced" } else { "" };
        let rest = format!("{ns}{}{}", r.kind, title(sub.name));
        let ops = if custom {
            None
        } else {
            params::subresource_ops(group, version, r.name, sub.name)
        };
        let extra = ops.map_or(&[][..], |o| o.params);
        if let Some(ops) = ops.filter(|o| !o.connect_methods.is_empty()) {
            let mut with_path = path_params.clone();
            with_path.push(Param::path("path", "path to the resource".into()));
            for &method in ops.connect_methods {
                let upper = method.to_uppercase();
                let description = format!("connect {upper} requests to {} of {}", sub.name, r.kind);
                let spec = |rest: String| Spec {
                    method: static_method(method),
                    action: "connect",
                    verb: "connect",
                    rest,
                    description: description.clone(),
                    gvk,
                    extra,
                };
                self.add(
                    &path,
                    &path_params,
                    spec(format!("{}{rest}", title(method))),
                    None,
                );
                if ops.subpath {
                    let s = spec(format!("{}{rest}WithPath", title(method)));
                    self.add(&format!("{path}/{{path}}"), &with_path, s, None);
                }
            }
            return;
        }
        let schema = if ops.is_some_and(|o| o.text) {
            Some(Schema::Text)
        } else {
            self.definition(sub_group, sub_version, sub.kind)
        };
        let (what, kind, a) = (sub.name, r.kind, article(r.kind));
        for &verb in sub.verbs {
            // The action is also the lower-case method.
            let (action, op_verb, description) = match verb {
                "get" => (
                    "get",
                    "read",
                    format!("read {what} of the specified {kind}"),
                ),
                "update" => (
                    "put",
                    "replace",
                    format!("replace {what} of the specified {kind}"),
                ),
                "patch" => (
                    "patch",
                    "patch",
                    format!("partially update {what} of the specified {kind}"),
                ),
                "create" => ("post", "create", format!("create {what} of{a}{kind}")),
                _ => continue,
            };
            let spec = Spec {
                method: action,
                action,
                verb: op_verb,
                rest: rest.clone(),
                description,
                gvk,
                extra,
            };
            self.add(&path, &path_params, spec, schema.clone());
        }
    }
}

/// The paths of `resources` (top-level entries of the discovery tables) of `group`/`version`.
pub fn build(group: &str, version: &str, resources: &[&ApiResource], style: Style) -> Paths {
    let mut b = Builder {
        group,
        version,
        style,
        paths: Paths::new(),
    };
    if style == Style::BuiltIn {
        b.resource_list();
    }
    for r in resources.iter().filter(|r| !r.name.contains('/')) {
        b.resource(r);
    }
    hoist_shared(&mut b.paths);
    b.paths
}
