//! Apply configurations (client-go's `applyconfigurations/`, written by `applyconfiguration-gen`):
//! for every struct of the API a `<Type>ApplyConfiguration` whose fields are all optional, with
//! `with_<field>` setters (lists append, maps merge, nested structs take their own apply
//! configuration), serialized with only the fields that were set; constructors that fill in
//! `apiVersion`/`kind` (and name and namespace for resources); `ApplyConfiguration` and
//! `extract_<kind>` for resources; and per struct the [`StructSchema`] static (list types,
//! atomic maps and structs) that extraction from managed fields follows.
//!
//! The output goes to `src/generated/applyconfigurations/<package>/<version>.rs`, compiled
//! with the crate's `apply` feature and the group-version's feature.
//!
//! [`StructSchema`]: ../../../crates/kclient-typed/src/apply/schema.rs

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Result, bail};

use super::docs::doc_comment;
use super::model::{Field, Model, ModuleId, RustType, TypeBody, TypeDef};
use super::naming;
use super::resources::ResourceDef;
use super::spec::{Schema, Spec};

/// The Cargo feature that compiles the apply configurations.
pub const FEATURE: &str = "apply";

/// The lines added to the `[features]` section.
pub fn render_feature() -> String {
    format!(
        "## Apply configurations (`kclient_typed::applyconfigurations`) of the enabled group-versions.\n\
         {FEATURE} = []\n"
    )
}

/// Where the hand-written meta/v1 apply configurations live, by the external type they stand for.
fn meta_configuration(external: &str) -> Option<(&'static str, &'static str)> {
    Some(match external {
        "kclient_apimachinery::meta::ObjectMeta" => {
            ("ObjectMetaApplyConfiguration", "OBJECT_META_SCHEMA")
        }
        "kclient_apimachinery::meta::LabelSelector" => {
            ("LabelSelectorApplyConfiguration", "LABEL_SELECTOR_SCHEMA")
        }
        "kclient_apimachinery::meta::LabelSelectorRequirement" => (
            "LabelSelectorRequirementApplyConfiguration",
            "LABEL_SELECTOR_REQUIREMENT_SCHEMA",
        ),
        "kclient_apimachinery::meta::Condition" => {
            ("ConditionApplyConfiguration", "CONDITION_SCHEMA")
        }
        _ => return None,
    })
}

/// The type a field has in an apply configuration.
pub enum ConfType {
    /// A value used as it is (scalars, enums, quantities, times, raw JSON).
    Plain(String),
    /// Another apply configuration (boxed in a field), with the path of its schema static.
    Struct { ty: String, schema: String },
    /// A list.
    Vec(Box<ConfType>),
    /// A map with string keys.
    Map(Box<ConfType>),
}

impl ConfType {
    /// The Rust type as an element (not boxed).
    pub fn element(&self) -> String {
        match self {
            ConfType::Plain(t) | ConfType::Struct { ty: t, .. } => t.clone(),
            ConfType::Vec(t) => format!("Vec<{}>", t.element()),
            ConfType::Map(t) => format!("kclient_apimachinery::VecMap<String, {}>", t.element()),
        }
    }

    /// The Rust type of a field (structs boxed: configurations nest deeply).
    pub fn field(&self) -> String {
        match self {
            ConfType::Struct { ty, .. } => format!("Box<{ty}>"),
            other => other.element(),
        }
    }

    fn is_string(&self) -> bool {
        matches!(self, ConfType::Plain(t) if t == "String")
    }
}

/// The apply-configuration module path of an API module.
fn module_path(id: &ModuleId) -> String {
    format!("crate::applyconfigurations::{}::{}", id.package, id.version)
}

/// `DeploymentSpec` -> `DeploymentSpecApplyConfiguration`.
pub fn config_name(name: &str) -> String {
    format!("{name}ApplyConfiguration")
}

/// `DeploymentSpec` -> `DEPLOYMENT_SPEC_SCHEMA`.
pub fn schema_name(name: &str) -> String {
    format!("{}_SCHEMA", naming::snake_case(name).to_uppercase())
}

/// Whether a type gets an apply configuration: structs except lists of kinds (client-go has
/// none for `DeploymentList`).
fn configurable(ty: &TypeDef) -> bool {
    let TypeBody::Struct(fields) = &ty.body else {
        return false;
    };
    let is_list = ty.gvk.as_ref().is_some_and(|g| g.kind.ends_with("List"))
        && fields.iter().any(|f| f.json == "items")
        && fields
            .iter()
            .any(|f| f.ty == RustType::External("kclient_apimachinery::meta::ListMeta"));
    !is_list
}

fn is_struct(model: &Model, module: &ModuleId, name: &str) -> bool {
    model
        .modules
        .get(module)
        .and_then(|m| m.types.get(name))
        .is_some_and(configurable)
}

fn conf_type(model: &Model, ty: &RustType) -> ConfType {
    // A module id no API type lives in, so that every `Def` renders with its full path.
    let nowhere = ModuleId {
        package: String::new(),
        version: String::new(),
    };
    match ty {
        RustType::Def(module, name) if is_struct(model, module, name) => ConfType::Struct {
            ty: format!("{}::{}", module_path(module), config_name(name)),
            schema: format!("{}::{}", module_path(module), schema_name(name)),
        },
        RustType::External(path) => match meta_configuration(path) {
            Some((ty, schema)) => ConfType::Struct {
                ty: format!("crate::apply::meta::{ty}"),
                schema: format!("crate::apply::meta::{schema}"),
            },
            None => ConfType::Plain(ty.render(&nowhere)),
        },
        RustType::Vec(inner) => ConfType::Vec(Box::new(conf_type(model, inner))),
        RustType::Map(inner) => ConfType::Map(Box::new(conf_type(model, inner))),
        other => ConfType::Plain(other.render(&nowhere)),
    }
}

/// What a property's schema says about how it is owned: `x-kubernetes-list-type` (with
/// `x-kubernetes-list-map-keys`), the strategic-merge patch strategy and merge key, and
/// `x-kubernetes-map-type`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ownership {
    /// `atomic`, `set` or `map`.
    pub list_type: Option<String>,
    /// The keys of a `map` list.
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-patch-strategy`.
    pub patch_strategy: Option<String>,
    /// `x-kubernetes-patch-merge-key`.
    pub patch_merge_key: Option<String>,
    /// `x-kubernetes-map-type: atomic`.
    pub atomic_map: bool,
}

impl Ownership {
    fn of(prop: Option<&Schema>) -> Self {
        let Some(p) = prop else {
            return Self::default();
        };
        Self {
            list_type: p.list_type.clone(),
            list_map_keys: p.list_map_keys.clone(),
            patch_strategy: p.patch_strategy.clone(),
            patch_merge_key: p.patch_merge_key.clone(),
            atomic_map: p.map_type.as_deref() == Some("atomic"),
        }
    }

    /// The `ListType` expression: `x-kubernetes-list-type`, else a strategic-merge `merge`
    /// strategy (keyed by the merge key, a set without one), else atomic — the rules of
    /// kube-openapi's `schemaconv`.
    fn list_type(&self, krate: &str) -> String {
        let keys = |keys: &[String]| {
            let quoted: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            format!("{krate}::apply::ListType::Map(&[{}])", quoted.join(", "))
        };
        match self.list_type.as_deref() {
            Some("set") => return format!("{krate}::apply::ListType::Set"),
            Some("map") if !self.list_map_keys.is_empty() => return keys(&self.list_map_keys),
            Some(_) => return format!("{krate}::apply::ListType::Atomic"),
            None => {}
        }
        let merge = self
            .patch_strategy
            .as_deref()
            .is_some_and(|s| s.split(',').any(|p| p.trim() == "merge"));
        match (&self.patch_merge_key, merge) {
            (Some(key), true) => keys(std::slice::from_ref(key)),
            (None, true) => format!("{krate}::apply::ListType::Set"),
            _ => format!("{krate}::apply::ListType::Atomic"),
        }
    }
}

/// The `Shape` expression of a field; `None` for plain values.
pub fn shape(krate: &str, conf: &ConfType, own: &Ownership) -> Option<String> {
    let scalar = || format!("{krate}::apply::Shape::Scalar");
    let plain = Ownership::default();
    Some(match conf {
        ConfType::Plain(_) => return None,
        ConfType::Struct { .. } | ConfType::Map(_) if own.atomic_map => {
            format!("{krate}::apply::Shape::Atomic")
        }
        ConfType::Struct { schema, .. } => format!("{krate}::apply::Shape::Struct(&{schema})"),
        ConfType::Map(inner) => format!(
            "{krate}::apply::Shape::Map(&{})",
            shape(krate, inner, &plain).unwrap_or_else(scalar)
        ),
        ConfType::Vec(inner) => format!(
            "{krate}::apply::Shape::List({}, &{})",
            own.list_type(krate),
            shape(krate, inner, &plain).unwrap_or_else(scalar)
        ),
    })
}

/// Every apply-configuration file, by path relative to `src/generated`.
pub fn render(spec: &Spec, model: &Model, header: &str) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let mut packages: BTreeMap<&str, Vec<&ModuleId>> = BTreeMap::new();
    for (id, module) in &model.modules {
        packages.entry(id.package.as_str()).or_default().push(id);
        let resources: BTreeMap<&str, &ResourceDef> = module
            .resources
            .values()
            .map(|r| (r.kind.as_str(), r))
            .collect();
        let mut s = String::new();
        s.push_str(header);
        let gv = module.group_version.as_ref().map_or_else(
            || format!("{}/{}", id.package, id.version),
            |(g, v)| {
                if g.is_empty() {
                    v.clone()
                } else {
                    format!("{g}/{v}")
                }
            },
        );
        let _ = writeln!(
            s,
            "\n//! Apply configurations of the `{gv}` types (client-go's \
             `applyconfigurations/{}/{}`): every field optional, only the set ones written.\n",
            id.package, id.version
        );
        if id.package == "meta" {
            s.push_str(
                "pub use crate::apply::meta::{ConditionApplyConfiguration, LabelSelectorApplyConfiguration, \
                 LabelSelectorRequirementApplyConfiguration, ObjectMetaApplyConfiguration, \
                 OwnerReferenceApplyConfiguration};\n\n",
            );
        }
        let mut schema_names = BTreeSet::new();
        for ty in module.types.values().filter(|t| configurable(t)) {
            if !schema_names.insert(schema_name(&ty.name)) {
                bail!(
                    "two types of {gv} have the schema name {}",
                    schema_name(&ty.name)
                );
            }
            let definition = spec.definitions.get(&ty.definition);
            render_type(
                &mut s,
                model,
                id,
                ty,
                definition,
                resources.get(ty.name.as_str()).copied(),
            );
        }
        files.insert(
            format!("applyconfigurations/{}/{}.rs", id.package, id.version),
            s,
        );
    }
    let mut root = String::new();
    root.push_str(header);
    root.push_str(
        "\n//! Apply configurations (client-go's `applyconfigurations`), one module per API group and\n\
         //! version like [`crate::api`], compiled with the `apply` feature: builders of partial\n\
         //! objects for server-side apply, and `extract_<kind>` to read back the fields a field\n\
         //! manager owns. See [`crate::apply`] for what they share.\n\n",
    );
    for (package, ids) in &packages {
        let _ = writeln!(root, "{}pub mod {package};", cfg_any(ids));
        let mut p = String::new();
        p.push_str(header);
        let _ = writeln!(
            p,
            "\n//! Apply configurations of the `{package}` types, by version.\n"
        );
        for id in ids {
            let _ = writeln!(p, "{}pub mod {};", cfg_any(&[id]), id.version);
        }
        files.insert(format!("applyconfigurations/{package}/mod.rs"), p);
    }
    files.insert("applyconfigurations/mod.rs".to_string(), root);
    Ok(files)
}

fn cfg_any(ids: &[&ModuleId]) -> String {
    let features: Vec<String> = ids
        .iter()
        .filter_map(|id| id.feature())
        .map(|f| format!("feature = \"{f}\""))
        .collect();
    match features.as_slice() {
        [] => String::new(),
        [one] => format!("#[cfg({one})]\n"),
        many => format!("#[cfg(any({}))]\n", many.join(", ")),
    }
}

/// The first sentence of a description (the field docs point to the API type for the rest).
fn first_sentence(doc: &str) -> String {
    let line = doc.lines().next().unwrap_or("");
    match line.find(". ") {
        Some(end) => line[..=end].to_string(),
        None => line.to_string(),
    }
}

/// A field's doc comment: the first sentence of its description, else its JSON name.
pub fn push_field_doc(s: &mut String, doc: Option<&str>, json: &str) {
    match doc.map(first_sentence).filter(|d| !d.trim().is_empty()) {
        Some(doc) => s.push_str(&doc_comment(Some(&doc), "    ")),
        None => {
            let _ = writeln!(s, "    /// `{json}`.");
        }
    }
}

fn setter_name(rust: &str) -> String {
    format!("with_{}", rust.trim_end_matches('_'))
}

fn render_type(
    s: &mut String,
    model: &Model,
    id: &ModuleId,
    ty: &TypeDef,
    definition: Option<&Schema>,
    resource: Option<&ResourceDef>,
) {
    let TypeBody::Struct(fields) = &ty.body else {
        return;
    };
    let name = config_name(&ty.name);
    let api = format!("{}::{}", id.path(), ty.name);
    let confs: Vec<(&Field, ConfType)> = fields
        .iter()
        .map(|f| (f, conf_type(model, &f.ty)))
        .collect();
    let _ = writeln!(
        s,
        "/// The apply configuration of [`{api}`]: every field optional, only the set ones are\n\
         /// written (client-go's `{}`).",
        name
    );
    s.push_str("#[derive(Clone, Debug, Default, PartialEq)]\n");
    let _ = writeln!(s, "pub struct {name} {{");
    for (field, conf) in &confs {
        push_field_doc(s, field.doc.as_deref(), &field.json);
        let _ = writeln!(s, "    pub {}: Option<{}>,", field.rust, conf.field());
    }
    s.push_str("}\n\n");

    // Constructor and setters.
    let _ = writeln!(s, "impl {name} {{");
    render_constructor(s, ty, fields, resource);
    for (field, conf) in &confs {
        render_setter(s, &field.rust, &field.json, conf);
    }
    s.push_str("}\n");

    // Serde, through the same generated impls as the API types (every field optional).
    let serde_fields: Vec<Field> = fields
        .iter()
        .map(|f| Field {
            required: false,
            boxed: false,
            ..f.clone()
        })
        .collect();
    super::render_serde::render_serde(s, &name, &serde_fields, false);

    // The schema extraction follows.
    let atomic = definition.is_some_and(|d| d.map_type.as_deref() == Some("atomic"));
    let _ = writeln!(
        s,
        "\n#[doc(hidden)]\npub static {}: crate::apply::StructSchema = crate::apply::StructSchema {{\n\
         atomic: {atomic},\nfields: &[",
        schema_name(&ty.name)
    );
    for (field, conf) in &confs {
        let own = Ownership::of(definition.and_then(|d| d.properties.get(&field.json)));
        if let Some(shape) = shape("crate", conf, &own) {
            let _ = writeln!(s, "({:?}, {shape}),", field.json);
        }
    }
    s.push_str("],\n};\n");

    // Top-level kinds: metadata setters, and for resources apply and extract.
    let has_meta = fields.iter().any(|f| {
        f.json == "metadata" && f.ty == RustType::External("kclient_apimachinery::meta::ObjectMeta")
    });
    if !has_meta {
        s.push('\n');
        return;
    }
    let _ = writeln!(
        s,
        "\nimpl crate::apply::WithObjectMeta for {name} {{\n\
         fn metadata_mut(&mut self) -> &mut crate::apply::ObjectMetaApplyConfiguration {{\n\
         self.metadata.get_or_insert_with(Default::default)\n}}\n\
         fn metadata_ref(&self) -> Option<&crate::apply::ObjectMetaApplyConfiguration> {{\n\
         self.metadata.as_deref()\n}}\n}}"
    );
    let (Some(resource), Some(gvk)) = (resource, &ty.gvk) else {
        s.push('\n');
        return;
    };
    let schema = schema_name(&ty.name);
    let _ = writeln!(
        s,
        "\nimpl crate::apply::ApplyConfiguration for {name} {{\n\
         type Object = {api};\n\
         fn schema() -> &'static crate::apply::StructSchema {{\n&{schema}\n}}\n}}"
    );
    let snake = naming::snake_case(&gvk.kind);
    let _ = writeln!(
        s,
        "\n/// The fields of `object` that `field_manager` owns through apply, as a configuration\n\
         /// (client-go's `Extract{kind}`); see [`crate::apply::ApplyConfiguration::extract_from`].\n\
         #[inline]\n\
         pub fn extract_{snake}(object: &{api}, field_manager: &str) -> Result<{name}, crate::Error> {{\n\
         <{name} as crate::apply::ApplyConfiguration>::extract(object, field_manager)\n}}",
        kind = gvk.kind
    );
    if resource.subresources.contains_key("status") {
        let _ = writeln!(
            s,
            "\n/// The fields of `object` that `field_manager` owns through apply to the `status`\n\
             /// subresource (client-go's `Extract{kind}Status`).\n\
             #[inline]\n\
             pub fn extract_{snake}_status(object: &{api}, field_manager: &str) -> Result<{name}, crate::Error> {{\n\
             <{name} as crate::apply::ApplyConfiguration>::extract_status(object, field_manager)\n}}",
            kind = gvk.kind
        );
    }
    s.push('\n');
}

fn render_constructor(
    s: &mut String,
    ty: &TypeDef,
    fields: &[Field],
    resource: Option<&ResourceDef>,
) {
    let Some(gvk) = &ty.gvk else {
        s.push_str(
            "/// An empty configuration.\n#[inline]\npub fn new() -> Self {\nSelf::default()\n}\n",
        );
        return;
    };
    let api_version = if gvk.group.is_empty() {
        gvk.version.clone()
    } else {
        format!("{}/{}", gvk.group, gvk.version)
    };
    let has = |json: &str| fields.iter().any(|f| f.json == json);
    let mut init = String::new();
    if has("apiVersion") {
        let _ = writeln!(init, "api_version: Some({api_version:?}.into()),");
    }
    if has("kind") {
        let _ = writeln!(init, "kind: Some({:?}.into()),", gvk.kind);
    }
    let (params, meta) = match resource {
        Some(r) if has("metadata") && r.namespaced => (
            "name: impl Into<String>, namespace: impl Into<String>",
            "metadata: Some(Box::new(crate::apply::ObjectMetaApplyConfiguration {\n\
             name: Some(name.into()),\nnamespace: Some(namespace.into()),\n..Default::default()\n})),\n",
        ),
        Some(_) if has("metadata") => (
            "name: impl Into<String>",
            "metadata: Some(Box::new(crate::apply::ObjectMetaApplyConfiguration {\n\
             name: Some(name.into()),\n..Default::default()\n})),\n",
        ),
        _ => ("", ""),
    };
    let args = match params {
        "" => "",
        p if p.contains("namespace") => "(name, namespace)",
        _ => "(name)",
    };
    let _ = writeln!(
        s,
        "/// A `{kind}` configuration with `apiVersion` and `kind` set{what} (client-go's\n\
         /// `{kind}{args}`).\n\
         pub fn new({params}) -> Self {{\nSelf {{\n{init}{meta}..Self::default()\n}}\n}}",
        kind = gvk.kind,
        what = match args {
            "" => "",
            "(name)" => ", and the name",
            _ => ", and the name and namespace",
        },
    );
}

/// The `with_<field>` setter: lists append, maps merge, structs are boxed, strings take
/// anything `Into<String>`.
pub fn render_setter(s: &mut String, rust: &str, json: &str, conf: &ConfType) {
    let setter = setter_name(rust);
    match conf {
        ConfType::Vec(inner) => {
            let (item, map) = if inner.is_string() {
                (
                    "impl Into<String>".to_string(),
                    ".into_iter().map(Into::into)",
                )
            } else {
                (inner.element(), "")
            };
            let _ = writeln!(
                s,
                "/// Appends to `{json}`.\n#[inline]\n\
                 pub fn {setter}(mut self, values: impl IntoIterator<Item = {item}>) -> Self {{\n\
                 self.{rust}.get_or_insert_with(Vec::new).extend(values{map});\nself\n}}"
            );
        }
        ConfType::Map(inner) => {
            let (value, into) = if inner.is_string() {
                ("impl Into<String>".to_string(), ".into()")
            } else {
                (inner.element(), "")
            };
            let _ = writeln!(
                s,
                "/// Adds entries to `{json}` (later keys overwrite).\n#[inline]\n\
                 pub fn {setter}(mut self, entries: impl IntoIterator<Item = (impl Into<String>, {value})>) -> Self {{\n\
                 let map = self.{rust}.get_or_insert_with(Default::default);\n\
                 for (key, value) in entries {{\nmap.insert(key.into(), value{into});\n}}\nself\n}}"
            );
        }
        ConfType::Struct { ty, .. } => {
            let _ = writeln!(
                s,
                "/// Sets `{json}`.\n#[inline]\npub fn {setter}(mut self, value: {ty}) -> Self {{\n\
                 self.{rust} = Some(Box::new(value));\nself\n}}"
            );
        }
        plain if plain.is_string() => {
            let _ = writeln!(
                s,
                "/// Sets `{json}`.\n#[inline]\npub fn {setter}(mut self, value: impl Into<String>) -> Self {{\n\
                 self.{rust} = Some(value.into());\nself\n}}"
            );
        }
        ConfType::Plain(ty) => {
            let _ = writeln!(
                s,
                "/// Sets `{json}`.\n#[inline]\npub fn {setter}(mut self, value: {ty}) -> Self {{\n\
                 self.{rust} = Some(value);\nself\n}}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(
        list_type: Option<&str>,
        keys: &[&str],
        strategy: Option<&str>,
        key: Option<&str>,
    ) -> Ownership {
        Ownership {
            list_type: list_type.map(String::from),
            list_map_keys: keys.iter().map(|k| k.to_string()).collect(),
            patch_strategy: strategy.map(String::from),
            patch_merge_key: key.map(String::from),
            atomic_map: false,
        }
    }

    #[test]
    fn list_types_follow_schemaconv() {
        let t = |o: Ownership| o.list_type("crate");
        assert_eq!(
            t(own(
                Some("map"),
                &["containerPort", "protocol"],
                Some("merge"),
                Some("containerPort")
            )),
            "crate::apply::ListType::Map(&[\"containerPort\", \"protocol\"])"
        );
        assert_eq!(
            t(own(Some("set"), &[], None, None)),
            "crate::apply::ListType::Set"
        );
        assert_eq!(
            t(own(Some("atomic"), &[], Some("merge"), Some("name"))),
            "crate::apply::ListType::Atomic"
        );
        // No list type: a merge strategy makes it keyed (or a set without a key); else atomic.
        assert_eq!(
            t(own(None, &[], Some("merge,retainKeys"), Some("name"))),
            "crate::apply::ListType::Map(&[\"name\"])"
        );
        assert_eq!(
            t(own(None, &[], Some("merge"), None)),
            "crate::apply::ListType::Set"
        );
        assert_eq!(
            t(own(None, &[], None, None)),
            "crate::apply::ListType::Atomic"
        );
    }

    #[test]
    fn shapes_of_fields() {
        let plain = Ownership::default();
        let st = ConfType::Struct {
            ty: "XApplyConfiguration".into(),
            schema: "X_SCHEMA".into(),
        };
        assert_eq!(shape("k", &ConfType::Plain("i32".into()), &plain), None);
        assert_eq!(
            shape("k", &st, &plain).as_deref(),
            Some("k::apply::Shape::Struct(&X_SCHEMA)")
        );
        let atomic = Ownership {
            atomic_map: true,
            ..Ownership::default()
        };
        assert_eq!(
            shape("k", &st, &atomic).as_deref(),
            Some("k::apply::Shape::Atomic")
        );
        let list = ConfType::Vec(Box::new(ConfType::Plain("String".into())));
        assert_eq!(
            shape("k", &list, &plain).as_deref(),
            Some("k::apply::Shape::List(k::apply::ListType::Atomic, &k::apply::Shape::Scalar)")
        );
        let map = ConfType::Map(Box::new(st));
        assert_eq!(
            shape("k", &map, &plain).as_deref(),
            Some("k::apply::Shape::Map(&k::apply::Shape::Struct(&X_SCHEMA))")
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            config_name("DeploymentSpec"),
            "DeploymentSpecApplyConfiguration"
        );
        assert_eq!(schema_name("PodIP"), "POD_IP_SCHEMA");
        assert_eq!(setter_name("type_"), "with_type");
        assert_eq!(
            first_sentence("Number of pods. Defaults to 1.\nMore."),
            "Number of pods."
        );
    }
}
