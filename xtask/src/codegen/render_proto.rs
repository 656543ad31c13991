//! Rendering the protobuf encoding of the generated types (`application/vnd.kubernetes.protobuf`,
//! behind kclient-typed's `protobuf` feature), from the Kubernetes `generated.proto` files: one
//! `proto.rs` per group-version with a `prost::Message` impl per struct (field numbers from the
//! `.proto` message of the same definition), and `protobuf.rs`, which includes them and maps
//! each kind to its envelope codec.
//!
//! Each JSON property is matched to the `.proto` field of the same name (or, for apiextensions'
//! `x-kubernetes-*` and `$ref`, of the same letters). Where the Rust type and the protobuf
//! type differ, an adapter of `kclient_apimachinery::protobuf` is named: `GoDuration` (a
//! duration string in a `metav1.Duration` message), `Items` (a list in a wrapper message with
//! `repeated items = 1`). Anything else that does not match is an error naming the field.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use super::model::{Model, ModuleId, RustType, TypeBody, TypeDef};
use super::special::Special;
use crate::proto_schema::{Field as ProtoField, Schema};

const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";

/// The `.proto` message of an OpenAPI definition (`io.k8s.api.core.v1.Pod` →
/// `k8s.io.api.core.v1.Pod`).
fn message_name(definition: &str) -> Option<String> {
    // Proto packages spell `apiextensions-apiserver` and `kube-aggregator` with underscores.
    definition
        .strip_prefix("io.k8s.")
        .map(|rest| format!("k8s.io.{}", rest.replace('-', "_")))
}

/// Letters and digits, lowercased: `x-kubernetes-list-type` and `xKubernetesListType` agree.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn find_field<'a>(fields: &'a [ProtoField], json: &str) -> Option<&'a ProtoField> {
    fields.iter().find(|f| f.name == json).or_else(|| {
        let want = normalized(json);
        fields.iter().find(|f| normalized(&f.name) == want)
    })
}

/// Where a JSON property is in a message: its field, after the fields of the structs Go embeds
/// inline (`json:",inline"`) that lead to it (message fields no JSON property names).
fn find_path<'a>(
    schema: &'a Schema,
    fields: &'a [ProtoField],
    json: &str,
    properties: &[&str],
    depth: usize,
) -> Option<(Vec<u32>, &'a ProtoField)> {
    if let Some(f) = find_field(fields, json) {
        return Some((Vec::new(), f));
    }
    if depth > 4 {
        return None;
    }
    for embedded in fields {
        if embedded.label != 'o' || properties.contains(&embedded.name.as_str()) {
            continue;
        }
        let Some(inner) = schema.messages.get(&embedded.ty) else {
            continue;
        };
        if let Some((mut path, f)) = find_path(schema, inner, json, properties, depth + 1) {
            path.insert(0, embedded.number);
            return Some((path, f));
        }
    }
    None
}

/// The fields of a message as the macro takes them: a field, or an embedded struct's fields.
#[derive(Debug, Default)]
struct Tree {
    entries: BTreeMap<u32, Entry>,
}

#[derive(Debug)]
enum Entry {
    Field(String),
    Embedded(Tree),
}

impl Tree {
    fn insert(&mut self, path: &[u32], number: u32, field: String) -> Result<()> {
        match path.split_first() {
            None => {
                if self.entries.insert(number, Entry::Field(field)).is_some() {
                    bail!("two properties map to the protobuf field {number}");
                }
            }
            Some((first, rest)) => {
                let entry = self
                    .entries
                    .entry(*first)
                    .or_insert_with(|| Entry::Embedded(Tree::default()));
                let Entry::Embedded(tree) = entry else {
                    bail!("field {first} is both a property and an embedded struct");
                };
                tree.insert(rest, number, field)?;
            }
        }
        Ok(())
    }

    fn render(&self, out: &mut String) {
        out.push('{');
        for (number, entry) in &self.entries {
            let _ = write!(out, " {number} => ");
            match entry {
                Entry::Field(f) => out.push_str(f),
                Entry::Embedded(tree) => tree.render(out),
            }
            out.push(',');
        }
        out.push_str(" }");
    }
}

/// The message a proto type names, if it is a wrapper of one repeated field `items` = 1.
fn wrapped_items<'a>(schema: &'a Schema, ty: &str) -> Option<&'a ProtoField> {
    match schema.messages.get(ty).map(Vec::as_slice) {
        Some([only]) if only.number == 1 && only.label == 'r' && only.name == "items" => Some(only),
        _ => None,
    }
}

/// Whether a Rust value type is written as the proto (scalar or message) type `ty`.
fn compatible(rust: &RustType, ty: &str, model: &Model) -> bool {
    match rust {
        RustType::Bool => ty == "bool",
        RustType::I32 | RustType::I64 => matches!(ty, "int32" | "int64"),
        RustType::F64 => ty == "double",
        RustType::String => ty == "string",
        RustType::Bytes => ty == "bytes",
        RustType::Value | RustType::External("serde_json::Value") => matches!(
            ty,
            "k8s.io.apimachinery.pkg.runtime.RawExtension"
                | "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON"
        ),
        RustType::External(path) => external_message(path) == Some(ty),
        RustType::Def(module, name) => {
            let Some(def) = model.modules.get(module).and_then(|m| m.types.get(name)) else {
                return false;
            };
            match &def.body {
                TypeBody::Enum(_) => ty == "string",
                _ => message_name(&def.definition).as_deref() == Some(ty),
            }
        }
        RustType::Vec(_) | RustType::Map(_) => false,
    }
}

/// The proto message of a type of kclient-apimachinery.
fn external_message(path: &str) -> Option<&'static str> {
    Some(match path {
        "kclient_apimachinery::Quantity" => "k8s.io.apimachinery.pkg.api.resource.Quantity",
        "kclient_apimachinery::IntOrString" => "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
        "kclient_apimachinery::meta::ObjectMeta" => {
            "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        }
        "kclient_apimachinery::meta::ListMeta" => "k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta",
        "kclient_apimachinery::meta::LabelSelector" => {
            "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"
        }
        "kclient_apimachinery::meta::LabelSelectorRequirement" => {
            "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"
        }
        "kclient_apimachinery::meta::Condition" => "k8s.io.apimachinery.pkg.apis.meta.v1.Condition",
        "kclient_apimachinery::meta::Time" => "k8s.io.apimachinery.pkg.apis.meta.v1.Time",
        "kclient_apimachinery::meta::MicroTime" => "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
        "kclient_apimachinery::Status" => "k8s.io.apimachinery.pkg.apis.meta.v1.Status",
        "kclient_apimachinery::GroupResource" => {
            "k8s.io.apimachinery.pkg.apis.meta.v1.GroupResource"
        }
        "kclient_apimachinery::options::DeleteOptions" => {
            "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions"
        }
        _ => return None,
    })
}

/// How a field is written: `None` for the plain `ProtoField` impl, or an adapter's name.
fn adapter(
    rust: &RustType,
    field: &ProtoField,
    schema: &Schema,
    model: &Model,
) -> Result<Option<&'static str>> {
    let plain = Ok(None);
    match (rust, field.label) {
        (RustType::Vec(item), 'r') if compatible(item, &field.ty, model) => plain,
        (RustType::Vec(item), 'o')
            if wrapped_items(schema, &field.ty).is_some_and(|w| compatible(item, &w.ty, model)) =>
        {
            Ok(Some("Items"))
        }
        (RustType::Map(value), 'm')
            if field.ty == "string"
                && field
                    .value_ty
                    .as_deref()
                    .is_some_and(|v| compatible(value, v, model)) =>
        {
            plain
        }
        (RustType::Map(value), 'm')
            if field.ty == "string"
                && matches!(value.as_ref(), RustType::Vec(item) if field
                    .value_ty
                    .as_deref()
                    .and_then(|v| wrapped_items(schema, v))
                    .is_some_and(|w| compatible(item, &w.ty, model))) =>
        {
            Ok(Some("ItemsMap"))
        }
        (RustType::String, 'o') if field.ty == format!("{META}.Duration") => Ok(Some("GoDuration")),
        (rust, 'o') if compatible(rust, &field.ty, model) => plain,
        _ => bail!(
            "the Rust type {rust:?} does not match the protobuf field {} ({} {}{})",
            field.name,
            field.label,
            field.ty,
            field
                .value_ty
                .as_deref()
                .map(|v| format!(" -> {v}"))
                .unwrap_or_default()
        ),
    }
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The `proto.rs` of one module, or `None` when it has no type to encode.
fn render_module(
    id: &ModuleId,
    types: &BTreeMap<String, TypeDef>,
    schema: &Schema,
    model: &Model,
    header: &str,
) -> Result<Option<String>> {
    let mut body = String::new();
    for ty in types.values() {
        let path = format!("{}::{}", id.path(), ty.name);
        match &ty.body {
            TypeBody::Struct(fields) => {
                let Some(message) = message_name(&ty.definition)
                    .and_then(|m| schema.messages.get(&m).map(|f| (m, f)))
                else {
                    bail!("{} has no protobuf message", ty.definition);
                };
                let (_, proto_fields) = message;
                let properties: Vec<&str> = fields.iter().map(|f| f.json.as_str()).collect();
                let mut tree = Tree::default();
                for field in fields {
                    if ty.gvk.is_some() && super::render_serde::is_marker(field) {
                        continue;
                    }
                    let Some((path, pf)) =
                        find_path(schema, proto_fields, &field.json, &properties, 0)
                    else {
                        bail!(
                            "{}: the property {} has no protobuf field",
                            ty.definition,
                            field.json
                        );
                    };
                    let via = adapter(&field.ty, pf, schema, model)
                        .with_context(|| format!("{}.{}", ty.definition, field.json))?;
                    let rendered = match via {
                        Some(via) => {
                            format!("({} as kclient_apimachinery::protobuf::{via})", field.rust)
                        }
                        None => field.rust.clone(),
                    };
                    tree.insert(&path, pf.number, rendered)
                        .with_context(|| format!("{}.{}", ty.definition, field.json))?;
                }
                let _ = write!(
                    body,
                    "kclient_apimachinery::proto_message!({path}, {} ",
                    lit(&ty.name)
                );
                tree.render(&mut body);
                body.push_str(");\n");
            }
            TypeBody::Enum(_) => {
                let _ = writeln!(
                    body,
                    "\nimpl kclient_apimachinery::protobuf::ProtoField for {path} {{\n\
                     fn encode_field(&self, tag: u32, buf: &mut impl P::prost::bytes::BufMut) {{\n\
                     self.as_str().to_string().encode_field(tag, buf);\n}}\n\
                     fn field_len(&self, tag: u32) -> usize {{\n\
                     self.as_str().to_string().field_len(tag)\n}}\n\
                     fn merge_field(&mut self, wire: P::prost::encoding::WireType, buf: &mut impl P::prost::bytes::Buf, ctx: P::prost::encoding::DecodeContext) -> Result<(), P::prost::DecodeError> {{\n\
                     let mut value = String::new();\n\
                     P::ProtoField::merge_field(&mut value, wire, buf, ctx)?;\n\
                     *self = value.into();\nOk(())\n}}\n}}"
                );
            }
            TypeBody::Special(special) => body.push_str(&render_special(*special, &path)),
        }
    }
    if body.is_empty() {
        return Ok(None);
    }
    let mut s = String::new();
    s.push_str(header);
    let _ = writeln!(
        s,
        "\n//! Protobuf (`application/vnd.kubernetes.protobuf`) for the types of `{}/{}`.\n\n\
         #![allow(unused_imports)]\n\
         use kclient_apimachinery::protobuf as P;\n\
         use kclient_apimachinery::protobuf::ProtoField as _;\n",
        id.package, id.version
    );
    s.push_str(&body);
    Ok(Some(s))
}

/// The apiextensions unions (`JSONSchemaPropsOr*`): a schema in one field, the other variant
/// in another (`jSONSchemas`, `allows`, `property`).
fn render_special(special: Special, path: &str) -> String {
    let (encode, len, merge) = match special {
        Special::OrArray => (
            "match self {\nSelf::Schema(s) => s.encode_field(1, buf),\nSelf::Schemas(v) => v.encode_field(2, buf),\n}",
            "match self {\nSelf::Schema(s) => s.field_len(1),\nSelf::Schemas(v) => v.field_len(2),\n}",
            "match tag {\n\
             1 => {\nlet mut s = Box::<JSONSchemaProps>::default();\nP::ProtoField::merge_field(&mut s, wire, buf, ctx)?;\n*self = Self::Schema(s);\nOk(())\n}\n\
             2 => {\nif !matches!(self, Self::Schemas(_)) {\n*self = Self::Schemas(Vec::new());\n}\n\
             match self {\nSelf::Schemas(v) => P::ProtoField::merge_field(v, wire, buf, ctx),\nSelf::Schema(_) => Ok(()),\n}\n}\n\
             _ => P::prost::encoding::skip_field(wire, tag, buf, ctx),\n}",
        ),
        Special::OrBool => (
            "match self {\nSelf::Bool(b) => b.encode_field(1, buf),\nSelf::Schema(s) => {\ntrue.encode_field(1, buf);\ns.encode_field(2, buf);\n}\n}",
            "match self {\nSelf::Bool(b) => b.field_len(1),\nSelf::Schema(s) => true.field_len(1) + s.field_len(2),\n}",
            "match tag {\n\
             1 => {\nlet mut b = false;\nP::ProtoField::merge_field(&mut b, wire, buf, ctx)?;\nif !matches!(self, Self::Schema(_)) {\n*self = Self::Bool(b);\n}\nOk(())\n}\n\
             2 => {\nlet mut s = Box::<JSONSchemaProps>::default();\nP::ProtoField::merge_field(&mut s, wire, buf, ctx)?;\n*self = Self::Schema(s);\nOk(())\n}\n\
             _ => P::prost::encoding::skip_field(wire, tag, buf, ctx),\n}",
        ),
        Special::OrStringArray => (
            "match self {\nSelf::Schema(s) => s.encode_field(1, buf),\nSelf::Strings(v) => v.encode_field(2, buf),\n}",
            "match self {\nSelf::Schema(s) => s.field_len(1),\nSelf::Strings(v) => v.field_len(2),\n}",
            "match tag {\n\
             1 => {\nlet mut s = Box::<JSONSchemaProps>::default();\nP::ProtoField::merge_field(&mut s, wire, buf, ctx)?;\n*self = Self::Schema(s);\nOk(())\n}\n\
             2 => {\nif !matches!(self, Self::Strings(_)) {\n*self = Self::Strings(Vec::new());\n}\n\
             match self {\nSelf::Strings(v) => P::ProtoField::merge_field(v, wire, buf, ctx),\nSelf::Schema(_) => Ok(()),\n}\n}\n\
             _ => P::prost::encoding::skip_field(wire, tag, buf, ctx),\n}",
        ),
    };
    let module = path.rsplit_once("::").map_or("", |(m, _)| m);
    format!(
        "\nimpl P::prost::Message for {path} {{\n\
         fn encode_raw(&self, buf: &mut impl P::prost::bytes::BufMut) {{\n{encode}\n}}\n\
         fn merge_field(&mut self, tag: u32, wire: P::prost::encoding::WireType, buf: &mut impl P::prost::bytes::Buf, ctx: P::prost::encoding::DecodeContext) -> Result<(), P::prost::DecodeError> {{\n\
         use {module}::JSONSchemaProps;\n{merge}\n}}\n\
         fn encoded_len(&self) -> usize {{\n{len}\n}}\n\
         fn clear(&mut self) {{\n*self = Self::default();\n}}\n}}\n\
         kclient_apimachinery::proto_message_field!({path});\n"
    )
}

/// Every `proto.rs` (by path relative to `src/generated`) and `protobuf.rs`, which includes
/// them and maps each kind with a resource to its codec.
pub fn render(model: &Model, schema: &Schema, header: &str) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let mut root = String::new();
    root.push_str(header);
    root.push_str(
        "\n//! Protobuf for the built-in kinds (kclient-typed's `protobuf` feature): the `prost::Message`\n\
         //! impls of each group-version (`<group>/<version>/proto.rs`), and [`codec`], the envelope\n\
         //! codec of a kind the typed clients use to send and read `application/vnd.kubernetes.protobuf`.\n\n\
         use std::any::{Any, TypeId};\n\n\
         use kclient_apimachinery::protobuf::Codec;\n\n",
    );
    let mut kinds = String::new();
    for (id, module) in &model.modules {
        let Some(text) = render_module(id, &module.types, schema, model, header)
            .with_context(|| format!("the protobuf impls of {}/{}", id.package, id.version))?
        else {
            continue;
        };
        let dir = format!("{}/{}", id.package, id.version);
        files.insert(format!("{dir}/proto.rs"), text);
        let cfg = id
            .feature()
            .map(|f| format!("#[cfg(feature = {})]\n", lit(&f)))
            .unwrap_or_default();
        let _ = writeln!(
            root,
            "{cfg}#[path = \"{dir}/proto.rs\"]\nmod {}_{};",
            id.package, id.version
        );
        let mut resource_kinds: Vec<&str> =
            module.resources.values().map(|r| r.kind.as_str()).collect();
        resource_kinds.sort_unstable();
        resource_kinds.dedup();
        for kind in resource_kinds {
            let Some(ty) = module.types.get(kind) else {
                continue;
            };
            let Some(gvk) = &ty.gvk else { continue };
            if !matches!(ty.body, TypeBody::Struct(_)) {
                continue;
            }
            let api_version = if gvk.group.is_empty() {
                gvk.version.clone()
            } else {
                format!("{}/{}", gvk.group, gvk.version)
            };
            let path = format!("{}::{}", id.path(), ty.name);
            let _ = writeln!(
                kinds,
                "{cfg}if id == TypeId::of::<{path}>() {{\n\
                 return cast(Codec::<{path}>::new({}, {}));\n}}",
                lit(&api_version),
                lit(&gvk.kind)
            );
        }
    }
    let _ = writeln!(
        root,
        "\n/// The protobuf codec of `K` when it is a built-in kind compiled in; `None` for other\n\
         /// types (custom resources), which are sent and read as JSON.\n\
         pub fn codec<K: 'static>() -> Option<Codec<K>> {{\n\
         let id = TypeId::of::<K>();\n{kinds}let _ = id;\nNone\n}}\n\n\
         #[allow(dead_code)]\n\
         fn cast<A: 'static, K: 'static>(codec: Codec<A>) -> Option<Codec<K>> {{\n\
         (Box::new(codec) as Box<dyn Any>).downcast::<Codec<K>>().ok().map(|c| *c)\n}}"
    );
    files.insert("protobuf.rs".to_string(), root);
    Ok(files)
}
