//! Rendering one module's client (`client.rs`): the group client with one accessor per resource,
//! the verb marker impls of each resource, typed methods for the other subresources (logs,
//! eviction, binding, token, …), and option structs for their query parameters.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{Result, bail};

use super::docs::doc_comment;
use super::model::{Module, ModuleId, RustType};
use super::naming;
use super::resources::{ResourceDef, SubOp, SubResponse, Verb};
use super::spec::Param;

/// Types in `client.rs` are written with full paths (the module's own types live in its
/// parent module).
const FULL_PATHS: ModuleId = ModuleId {
    package: String::new(),
    version: String::new(),
};

/// The group client's type name: `CoreV1Client`.
pub fn client_name(id: &ModuleId) -> String {
    format!("{}Client", naming::pascal(&id.package, &id.version))
}

/// The source of the module's `client.rs` (unformatted), after `header`.
pub fn render_client(id: &ModuleId, module: &Module, header: &str) -> Result<String> {
    let Some((group, version)) = &module.group_version else {
        bail!(
            "the module {}/{} has resources but no group",
            id.package,
            id.version
        );
    };
    let gv = if group.is_empty() {
        version.clone()
    } else {
        format!("{group}/{version}")
    };
    let client = client_name(id);
    let mut s = String::new();
    s.push_str(header);
    let _ = writeln!(
        s,
        "\n//! [`{client}`]: the resources of `{gv}`, and the verbs each of them allows.\n\n\
         use crate::client::{{ResourceClient, verbs}};\n\n\
         /// The client of the `{gv}` API (client-go's `{client}`): one accessor per resource.\n\
         /// Get it from [`crate::Clientset`], or wrap a REST client bound to `{gv}`.\n\
         #[derive(Clone, Debug)]\n\
         pub struct {client} {{\nrest: kclient_rest::RestClient,\n}}\n\n\
         impl {client} {{\n\
         /// A client over `rest`, which must be bound to `{gv}`.\n\
         pub fn new(rest: kclient_rest::RestClient) -> Self {{\nSelf {{ rest }}\n}}\n\n\
         /// The REST client underneath.\n\
         pub fn rest_client(&self) -> &kclient_rest::RestClient {{\n&self.rest\n}}"
    );
    let mut accessors = BTreeSet::new();
    for resource in module.resources.values() {
        let accessor = naming::accessor_name(&resource.kind, &resource.plural);
        if !accessors.insert(accessor.clone()) {
            bail!("two resources of {gv} have the accessor name {accessor}");
        }
        let kind = &resource.kind;
        let plural = &resource.plural;
        if resource.namespaced {
            let _ = writeln!(
                s,
                "\n/// `{kind}` objects (`{plural}`) in `namespace`; the empty namespace means all\n\
                 /// namespaces for list, watch and delete-collection.\n\
                 pub fn {accessor}(&self, namespace: &str) -> ResourceClient<super::{kind}> {{\n\
                 ResourceClient::namespaced(self.rest.clone(), namespace)\n}}"
            );
        } else {
            let _ = writeln!(
                s,
                "\n/// `{kind}` objects (`{plural}`, cluster-scoped).\n\
                 pub fn {accessor}(&self) -> ResourceClient<super::{kind}> {{\n\
                 ResourceClient::cluster(self.rest.clone())\n}}"
            );
        }
    }
    s.push_str("}\n");
    let mut kinds = BTreeSet::new();
    for resource in module.resources.values() {
        if !kinds.insert(resource.kind.clone()) {
            bail!(
                "the kind {} of {gv} is served by two resources",
                resource.kind
            );
        }
        render_resource(&mut s, resource)?;
    }
    Ok(s)
}

fn render_resource(s: &mut String, resource: &ResourceDef) -> Result<()> {
    let kind = &resource.kind;
    let own = RustType::Def(resource.module.clone(), kind.clone());
    let _ = writeln!(s, "\n// ---- {} ({kind}) ----\n", resource.plural);
    for verb in &resource.verbs {
        let marker = verb.marker();
        match verb {
            Verb::List => {
                let Some(list) = &resource.list else {
                    bail!(
                        "{} can be listed but the spec names no list type",
                        resource.plural
                    );
                };
                let _ = writeln!(
                    s,
                    "impl verbs::List for super::{kind} {{\ntype List = {};\n}}",
                    list.render(&FULL_PATHS)
                );
            }
            Verb::Create => {
                let output = resource.create_output.as_ref().unwrap_or(&own);
                let _ = writeln!(
                    s,
                    "impl verbs::Create for super::{kind} {{\ntype Output = {};\n}}",
                    output.render(&FULL_PATHS)
                );
            }
            Verb::DeleteCollection if !resource.verbs.contains(&Verb::List) => {
                bail!("{} allows deletecollection but not list", resource.plural);
            }
            _ => {
                let _ = writeln!(s, "impl verbs::{marker} for super::{kind} {{}}");
            }
        }
    }
    let mut methods = String::new();
    let mut options = String::new();
    for (sub, ops) in &resource.subresources {
        for op in ops {
            if op.action == "connect" {
                continue;
            }
            match sub.as_str() {
                "status" if is_own(op, &own) => {
                    let marker = match op.method.as_str() {
                        "get" => "GetStatus",
                        "put" => "UpdateStatus",
                        "patch" => "PatchStatus",
                        other => bail!("{}/status: unexpected method {other}", resource.plural),
                    };
                    let _ = writeln!(s, "impl verbs::{marker} for super::{kind} {{}}");
                }
                "scale" => render_scale(s, resource, op)?,
                _ => render_sub_method(&mut methods, &mut options, resource, sub, op)?,
            }
        }
    }
    if !methods.is_empty() {
        let _ = writeln!(s, "\nimpl ResourceClient<super::{kind}> {{{methods}}}");
    }
    s.push_str(&options);
    Ok(())
}

/// Whether a status operation sends and answers with the resource's own type.
fn is_own(op: &SubOp, own: &RustType) -> bool {
    op.body.as_ref().is_none_or(|b| b == own)
        && matches!(&op.response, SubResponse::Object(t) if t == own)
}

fn render_scale(s: &mut String, resource: &ResourceDef, op: &SubOp) -> Result<()> {
    let kind = &resource.kind;
    let SubResponse::Object(scale) = &op.response else {
        bail!("{}/scale answers with no object", resource.plural);
    };
    let marker = match op.method.as_str() {
        "get" => {
            // The associated type is declared once, with the GET.
            let _ = writeln!(
                s,
                "impl verbs::Scale for super::{kind} {{\ntype Scale = {};\n}}",
                scale.render(&FULL_PATHS)
            );
            "GetScale"
        }
        "put" => "UpdateScale",
        "patch" => "PatchScale",
        other => bail!("{}/scale: unexpected method {other}", resource.plural),
    };
    let _ = writeln!(s, "impl verbs::{marker} for super::{kind} {{}}");
    Ok(())
}

/// The method name of a subresource operation: `logs`, `evict`, `bind`, `create_token`,
/// `finalize`, else `<verb>_<subresource>`.
fn method_name(sub: &str, action: &str) -> String {
    match (sub, action) {
        ("log", "get") => "logs".into(),
        ("eviction", "post") => "evict".into(),
        ("binding", "post") => "bind".into(),
        ("finalize", "put") => "finalize".into(),
        _ => {
            let verb = match action {
                "post" => "create",
                "put" => "update",
                other => other,
            };
            let sub = match sub {
                "ephemeralcontainers" => "ephemeral_containers".to_string(),
                other => other.replace(['/', '-'], "_"),
            };
            format!("{verb}_{sub}")
        }
    }
}

fn render_sub_method(
    methods: &mut String,
    options: &mut String,
    resource: &ResourceDef,
    sub: &str,
    op: &SubOp,
) -> Result<()> {
    let name = method_name(sub, &op.action);
    let path = format!("{}/{{name}}/{sub}", resource.plural);
    let what = op.description.as_deref().unwrap_or("").trim();
    let what = match what.get(..1) {
        Some(first) => first.to_uppercase() + &what[1..],
        None => format!("{} the {sub} of a {}", op.action, resource.kind),
    };
    let doc = format!(
        "/// {} (`{} …/{path}`).\n",
        super::docs::escape_line(&what),
        op.method.to_uppercase()
    );
    let params_type = if op.query.is_empty() {
        None
    } else {
        let options_name = format!("{}{}Options", resource.kind, pascal_words(sub));
        render_options(options, &options_name, &path, &op.query);
        Some(options_name)
    };
    let body = op.body.as_ref().map(|b| b.render(&FULL_PATHS));
    let response = match &op.response {
        SubResponse::Object(t) => Some(t.render(&FULL_PATHS)),
        _ => None,
    };
    let sig = match (op.action.as_str(), &response, &body) {
        ("get", _, _) if op.response == SubResponse::Stream => {
            let params =
                params_type.unwrap_or_else(|| "kclient_apimachinery::options::GetOptions".into());
            format!(
                "pub async fn {name}(&self, name: &str, options: &{params}) -> Result<kclient_rest::ByteStream, crate::Error> {{\n\
                 self.stream_subresource({sub:?}, name, options).await\n}}"
            )
        }
        ("get", Some(t), _) => {
            let params =
                params_type.unwrap_or_else(|| "kclient_apimachinery::options::GetOptions".into());
            format!(
                "pub async fn {name}(&self, name: &str, options: &{params}) -> Result<{t}, crate::Error> {{\n\
                 self.get_subresource({sub:?}, name, options).await\n}}"
            )
        }
        ("post", Some(t), Some(b)) => format!(
            "pub async fn {name}(&self, name: &str, body: &{b}, options: &kclient_apimachinery::options::CreateOptions) -> Result<{t}, crate::Error> {{\n\
             self.create_subresource({sub:?}, name, body, options).await\n}}"
        ),
        ("put", Some(t), Some(b)) => format!(
            "pub async fn {name}(&self, name: &str, body: &{b}, options: &kclient_apimachinery::options::UpdateOptions) -> Result<{t}, crate::Error> {{\n\
             self.update_subresource({sub:?}, name, body, options).await\n}}"
        ),
        ("patch", Some(t), _) => format!(
            "pub async fn {name}(&self, name: &str, patch_type: kclient_apimachinery::options::PatchType, patch: &(impl serde::Serialize + ?Sized), options: &kclient_apimachinery::options::PatchOptions) -> Result<{t}, crate::Error> {{\n\
             self.patch_subresource({sub:?}, name, patch_type, patch, options).await\n}}"
        ),
        _ => bail!("{} {path}: no typed method for this operation", op.method),
    };
    let _ = write!(methods, "\n{doc}{sig}\n");
    Ok(())
}

/// `ephemeralcontainers` -> `Ephemeralcontainers`, `log` -> `Log`.
fn pascal_words(sub: &str) -> String {
    sub.split(['/', '-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// An options struct for a subresource's own query parameters, with its `ToQueryParams`.
fn render_options(out: &mut String, name: &str, path: &str, params: &[Param]) {
    let _ = writeln!(
        out,
        "\n/// The query parameters of `GET …/{path}`.\n\
         #[derive(Clone, Debug, Default, PartialEq)]\n\
         pub struct {name} {{"
    );
    for p in params {
        let ty = match p.ty.as_str() {
            "boolean" => "bool",
            "integer" => "i64",
            _ => "String",
        };
        let fallback = format!("`{}`", p.name);
        out.push_str(&doc_comment(
            Some(p.description.as_deref().unwrap_or(&fallback)),
            "",
        ));
        let _ = writeln!(out, "pub {}: Option<{ty}>,", naming::field_name(&p.name));
    }
    out.push_str("}\n");
    let _ = writeln!(
        out,
        "\nimpl kclient_apimachinery::ToQueryParams for {name} {{\n\
         fn query_params(&self, out: &mut Vec<(String, String)>) {{"
    );
    for p in params {
        let _ = writeln!(
            out,
            "if let Some(value) = &self.{} {{\nout.push(({:?}.to_string(), value.to_string()));\n}}",
            naming::field_name(&p.name),
            p.name
        );
    }
    out.push_str("}\n}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subresource_method_names() {
        assert_eq!(method_name("log", "get"), "logs");
        assert_eq!(method_name("eviction", "post"), "evict");
        assert_eq!(method_name("token", "post"), "create_token");
        assert_eq!(method_name("approval", "put"), "update_approval");
        assert_eq!(
            method_name("ephemeralcontainers", "patch"),
            "patch_ephemeral_containers"
        );
        assert_eq!(pascal_words("log"), "Log");
    }
}
