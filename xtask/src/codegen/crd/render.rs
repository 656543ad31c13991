//! Printing the Rust of a CRD: per served version, the root type (typed `apiVersion`/`kind`,
//! `ObjectMeta`, the schema's fields), its list type, one struct per nested object, the trait
//! impls that make `kclient_typed::ResourceClient` work with it, and a client constructor.
//! The code names crates by their external paths (`kclient_typed::…`), since it is compiled in
//! the user's crate.

use std::fmt::Write as _;

use super::schema::{Crd, Field, Struct, Ty, Version};
use crate::codegen::docs::doc_comment;
use crate::codegen::naming;

/// The module name of a CRD: its kind in snake_case (`CronTab` -> `cron_tab`).
pub fn module_name(crd: &Crd) -> String {
    naming::field_name(&crd.kind)
}

fn render_ty(ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::String => "String".into(),
        Ty::Bytes => "kclient_typed::ByteString".into(),
        Ty::Time => "kclient_apimachinery::meta::Time".into(),
        Ty::IntOrString => "kclient_apimachinery::IntOrString".into(),
        Ty::Value => "serde_json::Value".into(),
        Ty::Vec(t) => format!("Vec<{}>", render_ty(t)),
        Ty::Map(t) => format!("std::collections::BTreeMap<String, {}>", render_ty(t)),
        Ty::Struct(name) => name.clone(),
    }
}

/// The doc comment of an item: the schema's description (escaped), else `fallback` (Markdown
/// written here, not escaped).
fn doc_or(s: &mut String, doc: Option<&str>, fallback: &str, indent: &str) {
    let escaped = doc_comment(doc, indent);
    if escaped.is_empty() {
        let _ = writeln!(s, "{indent}/// {fallback}");
    } else {
        s.push_str(&escaped);
    }
}

fn render_field(s: &mut String, field: &Field) {
    doc_or(
        s,
        field.doc.as_deref(),
        &format!("`{}`", field.json),
        "    ",
    );
    if !field.allowed.is_empty() {
        let values: Vec<String> = field
            .allowed
            .iter()
            .map(|v| format!("`{}`", v.replace('`', "'")))
            .collect();
        s.push_str("    ///\n");
        let _ = writeln!(s, "    /// Allowed values: {}.", values.join(", "));
    }
    let rename = if field.rust == field.json {
        String::new()
    } else {
        format!("rename = {:?}, ", field.json)
    };
    let ty = render_ty(&field.ty);
    let float = field.ty == Ty::F64;
    if field.required {
        let with = if float {
            ", serialize_with = \"kclient_typed::serde_helpers::go_f64\""
        } else {
            ""
        };
        let _ = writeln!(s, "    #[serde({rename}default{with})]");
        let _ = writeln!(s, "    pub {}: {ty},", field.rust);
    } else {
        let with = if float {
            ", serialize_with = \"kclient_typed::serde_helpers::go_f64_opt\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "    #[serde({rename}default, skip_serializing_if = \"Option::is_none\"{with})]"
        );
        let _ = writeln!(s, "    pub {}: Option<{ty}>,", field.rust);
    }
}

const DERIVES: &str =
    "#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n";

/// Fields that keep what the schema does not describe (`x-kubernetes-preserve-unknown-fields`).
const OPEN_FIELDS: &str = "    /// Fields the schema does not describe (it preserves unknown fields), kept as they are.\n    #[serde(flatten)]\n    pub unknown_fields: std::collections::BTreeMap<String, serde_json::Value>,\n";

fn render_struct(s: &mut String, st: &Struct) {
    let fallback = format!("`{}` of the object.", st.path.replace('`', "'"));
    doc_or(s, st.doc.as_deref(), &fallback, "");
    s.push_str(DERIVES);
    let _ = writeln!(s, "pub struct {} {{", st.name);
    for field in &st.fields {
        render_field(s, field);
    }
    if st.open {
        s.push_str(OPEN_FIELDS);
    }
    s.push_str("}\n\n");
}

/// The source of one served version of `crd` (`<out>/<kind>/<version>.rs`).
pub fn render_version(crd: &Crd, version: &Version, header: &str) -> String {
    let kind = &crd.kind;
    let list = &crd.list_kind;
    let group = &crd.group;
    let v = &version.name;
    let api_version = format!("{group}/{v}");
    let mut s = String::new();
    s.push_str(header);
    let _ = writeln!(
        s,
        "\n//! `{kind}` (`{api_version}`, resource `{}`): the types of its schema and the verbs \
         its client allows.\n",
        crd.plural
    );
    if let Some(warning) = &version.deprecated {
        let _ = writeln!(s, "// Deprecated: {warning}\n");
    }
    let fallback = format!("A `{kind}` (`{api_version}`).");
    doc_or(&mut s, version.doc.as_deref(), &fallback, "");
    s.push_str(DERIVES);
    let _ = writeln!(
        s,
        "pub struct {kind} {{\n\
         /// `apiVersion`: always `{api_version}`.\n\
         #[serde(rename = \"apiVersion\", default)]\n\
         pub api_version: kclient_typed::ApiVersion<{kind}>,\n\
         /// `kind`: always `{kind}`.\n\
         #[serde(default)]\n\
         pub kind: kclient_typed::Kind<{kind}>,\n\
         /// Standard object metadata.\n\
         #[serde(default)]\n\
         pub metadata: kclient_apimachinery::meta::ObjectMeta,"
    );
    for field in &version.root_fields {
        render_field(&mut s, field);
    }
    if version.root_open {
        s.push_str(OPEN_FIELDS);
    }
    s.push_str("}\n\n");
    let _ = writeln!(
        s,
        "/// A list of `{kind}` objects.\n{DERIVES}pub struct {list} {{\n\
         /// `apiVersion`: always `{api_version}`.\n\
         #[serde(rename = \"apiVersion\", default)]\n\
         pub api_version: kclient_typed::ApiVersion<{list}>,\n\
         /// `kind`: always `{list}`.\n\
         #[serde(default)]\n\
         pub kind: kclient_typed::Kind<{list}>,\n\
         /// Standard list metadata.\n\
         #[serde(default)]\n\
         pub metadata: kclient_apimachinery::meta::ListMeta,\n\
         /// The objects.\n\
         #[serde(default)]\n\
         pub items: Vec<{kind}>,\n}}\n"
    );
    for st in &version.structs {
        render_struct(&mut s, st);
    }
    render_impls(&mut s, crd, version);
    s
}

fn render_impls(s: &mut String, crd: &Crd, version: &Version) {
    let kind = &crd.kind;
    let list = &crd.list_kind;
    let group = &crd.group;
    let v = &version.name;
    let plural = &crd.plural;
    let namespaced = crd.namespaced;
    for (ty, k) in [(kind, kind), (list, list)] {
        let _ = writeln!(
            s,
            "impl kclient_typed::TypeInfo for {ty} {{\n\
             const GROUP: &'static str = {group:?};\n\
             const VERSION: &'static str = {v:?};\n\
             const KIND: &'static str = {k:?};\n\
             const API_VERSION: &'static str = \"{group}/{v}\";\n}}\n"
        );
    }
    let _ = writeln!(
        s,
        "impl kclient_apimachinery::resource::StaticResource for {kind} {{\n\
         const GROUP: &'static str = {group:?};\n\
         const VERSION: &'static str = {v:?};\n\
         const KIND: &'static str = {kind:?};\n\
         const PLURAL: &'static str = {plural:?};\n\
         const NAMESPACED: bool = {namespaced};\n}}\n\n\
         impl kclient_apimachinery::resource::HasObjectMeta for {kind} {{\n\
         fn meta(&self) -> &kclient_apimachinery::meta::ObjectMeta {{\n&self.metadata\n}}\n\
         fn meta_mut(&mut self) -> &mut kclient_apimachinery::meta::ObjectMeta {{\n&mut self.metadata\n}}\n}}\n\n\
         impl kclient_typed::client::verbs::ObjectList<{kind}> for {list} {{\n\
         fn list_meta(&self) -> &kclient_apimachinery::meta::ListMeta {{\n&self.metadata\n}}\n\
         fn items(&self) -> &[{kind}] {{\n&self.items\n}}\n\
         fn into_items(self) -> Vec<{kind}> {{\nself.items\n}}\n\
         const LIST_KIND: &'static str = \"{list}\";\n\
         fn from_parts(metadata: kclient_apimachinery::meta::ListMeta, items: Vec<{kind}>) -> Self {{\n\
         Self {{ metadata, items, ..Default::default() }}\n}}\n}}\n"
    );
    let _ = writeln!(
        s,
        "// Custom resources allow every verb; `status` and `scale` only with their subresource.\n\
         impl kclient_typed::client::verbs::Get for {kind} {{}}\n\
         impl kclient_typed::client::verbs::List for {kind} {{\ntype List = {list};\n}}\n\
         impl kclient_typed::client::verbs::Watch for {kind} {{}}\n\
         impl kclient_typed::client::verbs::Create for {kind} {{\ntype Output = {kind};\n}}\n\
         impl kclient_typed::client::verbs::Update for {kind} {{}}\n\
         impl kclient_typed::client::verbs::Patch for {kind} {{}}\n\
         impl kclient_typed::client::verbs::Delete for {kind} {{}}\n\
         impl kclient_typed::client::verbs::DeleteCollection for {kind} {{}}"
    );
    if version.status {
        for m in ["GetStatus", "UpdateStatus", "PatchStatus"] {
            let _ = writeln!(s, "impl kclient_typed::client::verbs::{m} for {kind} {{}}");
        }
    }
    if version.scale {
        let _ = writeln!(
            s,
            "impl kclient_typed::client::verbs::Scale for {kind} {{\n\
             type Scale = kclient_typed::api::autoscaling::v1::Scale;\n}}"
        );
        for m in ["GetScale", "UpdateScale", "PatchScale"] {
            let _ = writeln!(s, "impl kclient_typed::client::verbs::{m} for {kind} {{}}");
        }
    }
    let (param, arg, where_) = if namespaced {
        (
            ", namespace: &str",
            "namespace",
            "in `namespace` (the empty namespace: all namespaces, for list and watch)",
        )
    } else {
        ("", "\"\"", "(cluster-scoped)")
    };
    let _ = writeln!(
        s,
        "\nimpl {kind} {{\n\
         /// A client for the `{plural}` {where_}, over the clientset's connection.\n\
         pub fn client(clientset: &kclient_typed::Clientset{param}) -> Result<kclient_typed::ResourceClient<{kind}>, kclient_typed::Error> {{\n\
         clientset.resource::<{kind}>({arg})\n}}\n}}"
    );
}

/// `<out>/<kind>/mod.rs`: the served versions, and the storage version re-exported.
pub fn render_crd_module(crd: &Crd, header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    let _ = writeln!(
        s,
        "\n//! The custom resource `{}` (kind `{}`, {}), one module per served version.\n",
        crd.name,
        crd.kind,
        if crd.namespaced {
            "namespaced"
        } else {
            "cluster-scoped"
        }
    );
    for v in crd.versions.iter().filter(|v| v.served) {
        let note = if v.storage {
            " (the storage version)"
        } else {
            ""
        };
        let _ = writeln!(s, "/// `{}/{}`{note}.", crd.group, v.name);
        if let Some(warning) = &v.deprecated {
            let _ = writeln!(s, "#[deprecated = {warning:?}]");
        }
        let _ = writeln!(s, "pub mod {};", v.name);
    }
    s
}

/// `<out>/mod.rs`: one module per CRD.
pub fn render_root(crds: &[Crd], header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    s.push_str(
        "\n//! Custom resource types and clients generated from CustomResourceDefinitions.\n\n",
    );
    for crd in crds {
        let _ = writeln!(
            s,
            "/// `{}` (`{}`).\npub mod {};",
            crd.kind,
            crd.name,
            module_name(crd)
        );
    }
    s
}
