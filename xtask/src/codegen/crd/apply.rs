//! Apply configurations of a custom resource (as `applyconfiguration-gen` writes for built-in
//! types, see [`crate::codegen::apply`]): `<Kind>ApplyConfiguration::new(name[, namespace])`,
//! one `<Struct>ApplyConfiguration` per nested struct with `with_<field>` setters, only the
//! set fields serialized, the schema statics extraction follows, and `extract_<kind>`.
//! Compiled in the user's crate, which needs kclient-typed's `apply` feature.

use std::fmt::Write as _;

use super::schema::{Crd, Field, Ty, Version};
use crate::codegen::apply::{
    ConfType, config_name, push_field_doc, render_setter, schema_name, shape,
};
use crate::codegen::naming;

const K: &str = "kclient_typed";

fn conf_type(ty: &Ty) -> ConfType {
    let plain = |t: &str| ConfType::Plain(t.to_string());
    match ty {
        Ty::Bool => plain("bool"),
        Ty::I32 => plain("i32"),
        Ty::I64 => plain("i64"),
        Ty::F64 => plain("f64"),
        Ty::String => plain("String"),
        Ty::Bytes => plain("kclient_typed::ByteString"),
        Ty::Time => plain("kclient_apimachinery::meta::Time"),
        Ty::IntOrString => plain("kclient_apimachinery::IntOrString"),
        Ty::Value => plain("serde_json::Value"),
        Ty::Vec(t) => ConfType::Vec(Box::new(conf_type(t))),
        Ty::Map(t) => ConfType::Map(Box::new(conf_type(t))),
        Ty::Struct(name) => ConfType::Struct {
            ty: config_name(name),
            schema: schema_name(name),
        },
    }
}

const DERIVES: &str =
    "#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n";

const OPEN_FIELDS: &str = "    /// Fields the schema does not describe (it preserves unknown fields).\n    #[serde(flatten, skip_serializing_if = \"std::collections::BTreeMap::is_empty\")]\n    pub unknown_fields: std::collections::BTreeMap<String, serde_json::Value>,\n";

fn render_field(s: &mut String, field: &Field, conf: &ConfType) {
    push_field_doc(s, field.doc.as_deref(), &field.json);
    let with = if field.ty == Ty::F64 {
        ", serialize_with = \"kclient_typed::serde_helpers::go_f64_opt\""
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "    #[serde(rename = {:?}, default, skip_serializing_if = \"Option::is_none\"{with})]\n    pub {}: Option<{}>,",
        field.json,
        field.rust,
        conf.field()
    );
}

/// A struct's apply configuration, its setters and its schema static.
fn render_struct(
    s: &mut String,
    name: &str,
    doc: &str,
    fields: &[Field],
    open: bool,
    root: Option<(&Crd, &Version)>,
) {
    let config = config_name(name);
    let confs: Vec<(&Field, ConfType)> = fields.iter().map(|f| (f, conf_type(&f.ty))).collect();
    let _ = writeln!(
        s,
        "/// The apply configuration of [`{name}`]{doc}: every field optional, only the set ones\n\
         /// are written.\n{DERIVES}pub struct {config} {{"
    );
    if root.is_some() {
        s.push_str(
            "    /// `apiVersion`.\n    #[serde(rename = \"apiVersion\", default, skip_serializing_if = \"Option::is_none\")]\n    pub api_version: Option<String>,\n\
             /// `kind`.\n    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    pub kind: Option<String>,\n\
             /// Standard object metadata.\n    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    pub metadata: Option<Box<kclient_typed::apply::ObjectMetaApplyConfiguration>>,\n",
        );
    }
    for (field, conf) in &confs {
        render_field(s, field, conf);
    }
    if open {
        s.push_str(OPEN_FIELDS);
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl {config} {{");
    match root {
        Some((crd, version)) => {
            let api_version = format!("{}/{}", crd.group, version.name);
            let (params, namespace, what) = if crd.namespaced {
                (
                    "name: impl Into<String>, namespace: impl Into<String>",
                    "namespace: Some(namespace.into()),\n",
                    "name and namespace",
                )
            } else {
                ("name: impl Into<String>", "", "name")
            };
            let _ = writeln!(
                s,
                "/// A `{kind}` configuration with `apiVersion`, `kind` and the {what} set.\n\
                 pub fn new({params}) -> Self {{\nSelf {{\n\
                 api_version: Some({api_version:?}.into()),\nkind: Some({kind:?}.into()),\n\
                 metadata: Some(Box::new(kclient_typed::apply::ObjectMetaApplyConfiguration {{\n\
                 name: Some(name.into()),\n{namespace}..Default::default()\n}})),\n\
                 ..Self::default()\n}}\n}}\n\
                 /// Sets `apiVersion`.\npub fn with_api_version(mut self, value: impl Into<String>) -> Self {{\n\
                 self.api_version = Some(value.into());\nself\n}}\n\
                 /// Sets `kind`.\npub fn with_kind(mut self, value: impl Into<String>) -> Self {{\n\
                 self.kind = Some(value.into());\nself\n}}\n\
                 /// Sets `metadata`.\npub fn with_metadata(mut self, value: kclient_typed::apply::ObjectMetaApplyConfiguration) -> Self {{\n\
                 self.metadata = Some(Box::new(value));\nself\n}}",
                kind = crd.kind
            );
        }
        None => {
            s.push_str("/// An empty configuration.\npub fn new() -> Self {\nSelf::default()\n}\n");
        }
    }
    for (field, conf) in &confs {
        render_setter(s, &field.rust, &field.json, conf);
    }
    s.push_str("}\n\n");
    let _ = writeln!(
        s,
        "#[doc(hidden)]\npub static {}: kclient_typed::apply::StructSchema = kclient_typed::apply::StructSchema {{\n\
         atomic: false,\nfields: &[",
        schema_name(name)
    );
    if root.is_some() {
        s.push_str(
            "(\"metadata\", kclient_typed::apply::Shape::Struct(&kclient_typed::apply::meta::OBJECT_META_SCHEMA)),\n",
        );
    }
    for (field, conf) in &confs {
        if let Some(shape) = shape(K, conf, &field.ownership) {
            let _ = writeln!(s, "({:?}, {shape}),", field.json);
        }
    }
    s.push_str("],\n};\n\n");
}

/// The apply configurations of one served version, appended to its file.
pub fn render_version(s: &mut String, crd: &Crd, version: &Version) {
    let kind = &crd.kind;
    s.push_str(
        "\n// Apply configurations (client-go's `applyconfigurations`); they need kclient-typed's\n\
         // `apply` feature.\n\n",
    );
    render_struct(
        s,
        kind,
        "",
        &version.root_fields,
        version.root_open,
        Some((crd, version)),
    );
    for st in &version.structs {
        let at = format!(" (`{}`)", st.path.replace('`', "'"));
        render_struct(s, &st.name, &at, &st.fields, st.open, None);
    }
    let config = config_name(kind);
    let _ = writeln!(
        s,
        "impl kclient_typed::apply::WithObjectMeta for {config} {{\n\
         fn metadata_mut(&mut self) -> &mut kclient_typed::apply::ObjectMetaApplyConfiguration {{\n\
         self.metadata.get_or_insert_with(Default::default)\n}}\n\
         fn metadata_ref(&self) -> Option<&kclient_typed::apply::ObjectMetaApplyConfiguration> {{\n\
         self.metadata.as_deref()\n}}\n}}\n\n\
         impl kclient_typed::apply::ApplyConfiguration for {config} {{\n\
         type Object = {kind};\n\
         fn schema() -> &'static kclient_typed::apply::StructSchema {{\n&{}\n}}\n}}\n",
        schema_name(kind)
    );
    let snake = naming::snake_case(kind);
    let _ = writeln!(
        s,
        "/// The fields of `object` that `field_manager` owns through apply, as a configuration\n\
         /// (client-go's `Extract{kind}`).\n\
         #[inline]\n\
         pub fn extract_{snake}(object: &{kind}, field_manager: &str) -> Result<{config}, kclient_typed::Error> {{\n\
         <{config} as kclient_typed::apply::ApplyConfiguration>::extract(object, field_manager)\n}}"
    );
    if version.status {
        let _ = writeln!(
            s,
            "\n/// The fields of `object` that `field_manager` owns through apply to the `status`\n\
             /// subresource (client-go's `Extract{kind}Status`).\n\
             #[inline]\n\
             pub fn extract_{snake}_status(object: &{kind}, field_manager: &str) -> Result<{config}, kclient_typed::Error> {{\n\
             <{config} as kclient_typed::apply::ApplyConfiguration>::extract_status(object, field_manager)\n}}"
        );
    }
}
