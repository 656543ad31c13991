//! Rendering one module's types: a struct per definition (serde derives, renames, defaults,
//! `Option` for optional fields, `Box` where types contain themselves), string enums, the
//! templates, and the trait impls of kinds (`TypeInfo`, `StaticResource`, `HasObjectMeta`,
//! `ObjectList`).

use std::fmt::Write as _;

use super::docs::doc_comment;
use super::model::{Field, Module, ModuleId, RustType, TypeBody, TypeDef};
use super::resources::ResourceDef;

const OBJECT_META: RustType = RustType::External("kclient_apimachinery::meta::ObjectMeta");
const LIST_META: RustType = RustType::External("kclient_apimachinery::meta::ListMeta");

/// The source of the module's `mod.rs` (unformatted), after `header`.
pub fn render_module(id: &ModuleId, module: &Module, header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    s.push('\n');
    match &module.group_version {
        Some((group, version)) => {
            let gv = if group.is_empty() {
                version.clone()
            } else {
                format!("{group}/{version}")
            };
            let _ = writeln!(
                s,
                "//! The `{gv}` API: its object types, and [`{client}`] for its resources.",
                client = super::render_client::client_name(id)
            );
        }
        None if id.package == "meta" => {
            s.push_str(
                "//! Apimachinery `meta/v1` types the API refers to that `kclient-apimachinery`\n\
                 //! does not provide.\n",
            );
        }
        None => {
            let _ = writeln!(
                s,
                "//! Types of the `{}/{}` definitions (no resources).",
                id.package, id.version
            );
        }
    }
    s.push('\n');
    if !module.resources.is_empty() {
        s.push_str("mod client;\npub use client::*;\n\n");
    }
    let kinds_by_type = module
        .resources
        .values()
        .map(|r| (r.kind.as_str(), r))
        .collect::<std::collections::BTreeMap<_, _>>();
    for ty in module.types.values() {
        render_type(
            &mut s,
            id,
            module,
            ty,
            kinds_by_type.get(ty.name.as_str()).copied(),
        );
        s.push('\n');
    }
    s
}

fn render_type(
    s: &mut String,
    id: &ModuleId,
    module: &Module,
    ty: &TypeDef,
    resource: Option<&ResourceDef>,
) {
    let fallback = format!("`{}`", ty.definition);
    s.push_str(&doc_comment(
        Some(ty.doc.as_deref().unwrap_or(&fallback)),
        "",
    ));
    match &ty.body {
        TypeBody::Special(special) => s.push_str(&special.render(&ty.name)),
        TypeBody::Enum(values) => render_enum(s, &ty.name, values),
        TypeBody::Struct(fields) => {
            // Types with credential fields get a `Debug` that hides them.
            let redacted = fields.iter().any(|f| f.sensitive);
            let debug = if redacted { "" } else { "Debug, " };
            let _ = writeln!(s, "#[derive(Clone, {debug}Default, PartialEq)]");
            let _ = writeln!(s, "pub struct {} {{", ty.name);
            for field in fields {
                render_field(s, id, ty, field);
            }
            s.push_str("}\n");
            if redacted {
                render_redacted_debug(s, &ty.name, fields);
            }
            super::render_serde::render_serde(s, &ty.name, fields, ty.gvk.is_some());
            render_kind_impls(s, id, module, ty, fields, resource);
        }
    }
}

/// `Debug` as derived, except that sensitive fields print through `crate::redact::Redacted`.
fn render_redacted_debug(s: &mut String, name: &str, fields: &[Field]) {
    let _ = writeln!(
        s,
        "\nimpl std::fmt::Debug for {name} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         f.debug_struct({})",
        lit(name)
    );
    for field in fields {
        let value = if field.sensitive {
            format!("&crate::redact::Redacted(&self.{})", field.rust)
        } else {
            format!("&self.{}", field.rust)
        };
        let _ = writeln!(s, ".field({}, {value})", lit(&field.rust));
    }
    s.push_str(".finish()\n}\n}\n");
}

fn render_field(s: &mut String, id: &ModuleId, ty: &TypeDef, field: &Field) {
    if ty.gvk.is_some() && super::render_serde::is_marker(field) {
        let marker = if field.json == "kind" {
            "Kind"
        } else {
            "ApiVersion"
        };
        let _ = writeln!(
            s,
            "    /// `{}`: always [`crate::TypeInfo`]'s value for this type.",
            field.json
        );
        let _ = writeln!(s, "    pub {}: crate::{marker}<{}>,", field.rust, ty.name);
        return;
    }
    let fallback = format!("`{}`", field.json);
    s.push_str(&doc_comment(
        Some(field.doc.as_deref().unwrap_or(&fallback)),
        "    ",
    ));
    let mut rust_ty = field.ty.render(id);
    if field.boxed {
        rust_ty = format!("Box<{rust_ty}>");
    }
    if field.required {
        let _ = writeln!(s, "    pub {}: {rust_ty},", field.rust);
    } else {
        let _ = writeln!(s, "    pub {}: Option<{rust_ty}>,", field.rust);
    }
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn render_kind_impls(
    s: &mut String,
    id: &ModuleId,
    module: &Module,
    ty: &TypeDef,
    fields: &[Field],
    resource: Option<&ResourceDef>,
) {
    let Some(gvk) = &ty.gvk else { return };
    let api_version = if gvk.group.is_empty() {
        gvk.version.clone()
    } else {
        format!("{}/{}", gvk.group, gvk.version)
    };
    let name = &ty.name;
    let _ = writeln!(
        s,
        "\nimpl crate::TypeInfo for {name} {{\n\
         const GROUP: &'static str = {};\n\
         const VERSION: &'static str = {};\n\
         const KIND: &'static str = {};\n\
         const API_VERSION: &'static str = {};\n}}",
        lit(&gvk.group),
        lit(&gvk.version),
        lit(&gvk.kind),
        lit(&api_version)
    );
    if let Some(resource) = resource {
        let _ = writeln!(
            s,
            "\nimpl kclient_apimachinery::resource::StaticResource for {name} {{\n\
             const GROUP: &'static str = {};\n\
             const VERSION: &'static str = {};\n\
             const KIND: &'static str = {};\n\
             const PLURAL: &'static str = {};\n\
             const NAMESPACED: bool = {};\n}}",
            lit(&gvk.group),
            lit(&gvk.version),
            lit(&gvk.kind),
            lit(&resource.plural),
            resource.namespaced
        );
    }
    let field = |json: &str| fields.iter().find(|f| f.json == json);
    if field("metadata").is_some_and(|f| f.ty == OBJECT_META && f.required) {
        let _ = writeln!(
            s,
            "\nimpl kclient_apimachinery::resource::HasObjectMeta for {name} {{\n\
             fn meta(&self) -> &kclient_apimachinery::meta::ObjectMeta {{\n&self.metadata\n}}\n\
             fn meta_mut(&mut self) -> &mut kclient_apimachinery::meta::ObjectMeta {{\n&mut self.metadata\n}}\n}}"
        );
    }
    // A list of a kind of this module: `items` of that kind and list metadata.
    if let (Some(meta), Some(items)) = (field("metadata"), field("items"))
        && meta.ty == LIST_META
        && meta.required
        && items.required
        && let RustType::Vec(item) = &items.ty
        && let RustType::Def(item_module, item_name) = item.as_ref()
        && item_module == id
        && module.types.get(item_name).is_some_and(|t| t.gvk.is_some())
    {
        let _ = writeln!(
            s,
            "\nimpl crate::client::verbs::ObjectList<{item_name}> for {name} {{\n\
             fn list_meta(&self) -> &kclient_apimachinery::meta::ListMeta {{\n&self.metadata\n}}\n\
             fn items(&self) -> &[{item_name}] {{\n&self.items\n}}\n\
             fn into_items(self) -> Vec<{item_name}> {{\nself.items\n}}\n\
             const LIST_KIND: &'static str = {list_kind};\n\
             fn from_parts(metadata: kclient_apimachinery::meta::ListMeta, items: Vec<{item_name}>) -> Self {{\n\
             Self {{ metadata, items, ..Default::default() }}\n}}\n}}",
            list_kind = lit(&ty.gvk.as_ref().map_or(String::new(), |g| g.kind.clone()))
        );
    }
}

/// A variant name for an enum value: `ClusterIP` stays, `kube-proxy` becomes `KubeProxy`.
fn variant_name(value: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Other" {
        out.push_str("Value");
    }
    out
}

fn render_enum(s: &mut String, name: &str, values: &[String]) {
    let mut variants: Vec<(String, &str)> = Vec::new();
    for value in values {
        let mut variant = variant_name(value);
        while variants.iter().any(|(v, _)| v == &variant) {
            variant.push('_');
        }
        variants.push((variant, value));
    }
    s.push_str(
        "///\n/// Values this version of the API does not know are kept in `Other`, so that newer\n\
         /// servers' values still decode.\n",
    );
    s.push_str("#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]\n");
    s.push_str("#[serde(from = \"String\", into = \"String\")]\n");
    let _ = writeln!(s, "pub enum {name} {{");
    for (variant, value) in &variants {
        let _ = writeln!(s, "    /// `{value}`.\n    {variant},");
    }
    s.push_str("    /// A value not known to this version of the API.\n    Other(String),\n}\n\n");
    let _ = writeln!(
        s,
        "impl {name} {{\n/// The value as the API spells it.\npub fn as_str(&self) -> &str {{\nmatch self {{"
    );
    for (variant, value) in &variants {
        let _ = writeln!(s, "Self::{variant} => {},", lit(value));
    }
    s.push_str("Self::Other(other) => other,\n}\n}\n}\n\n");
    let _ = writeln!(
        s,
        "impl Default for {name} {{\nfn default() -> Self {{\nSelf::Other(String::new())\n}}\n}}\n"
    );
    let _ = writeln!(
        s,
        "impl From<String> for {name} {{\nfn from(value: String) -> Self {{\nmatch value.as_str() {{"
    );
    for (variant, value) in &variants {
        let _ = writeln!(s, "{} => Self::{variant},", lit(value));
    }
    s.push_str("_ => Self::Other(value),\n}\n}\n}\n\n");
    let _ = writeln!(
        s,
        "impl From<{name}> for String {{\nfn from(value: {name}) -> Self {{\nmatch value {{\n{name}::Other(other) => other,\nknown => known.as_str().to_string(),\n}}\n}}\n}}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names() {
        assert_eq!(variant_name("ClusterIP"), "ClusterIP");
        assert_eq!(variant_name("kube-proxy"), "KubeProxy");
        assert_eq!(variant_name(""), "V");
        assert_eq!(variant_name("1x"), "V1x");
        assert_eq!(variant_name("Other"), "OtherValue");
    }
}
