//! The generator's model of the API: modules (one per group-version), the types in each, and
//! the resources served by each. Built from a [`Spec`]; rendering reads only this model.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

use super::naming;
use super::resources::{self, ResourceDef};
use super::spec::{Gvk, Schema, Spec};
use super::{fixups, graph, mapping, sparse, special};

/// A module's identity: the definition package and version (`core`/`v1`, `apiextensions`/`v1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleId {
    /// The package (`core`, `apps`, `rbac`, `apiextensions`, `meta`).
    pub package: String,
    /// The version (`v1`, `v1beta1`).
    pub version: String,
}

impl ModuleId {
    /// The Cargo feature that compiles this module (`core-v1`); `None` for apimachinery's
    /// `meta/v1` leftovers, which are always compiled.
    pub fn feature(&self) -> Option<String> {
        (self.package != "meta").then(|| format!("{}-{}", self.package, self.version))
    }

    /// The Rust path of the module, such as `crate::api::core::v1`.
    pub fn path(&self) -> String {
        format!("crate::api::{}::{}", self.package, self.version)
    }
}

/// A Rust type a field has.
#[derive(Debug, Clone, PartialEq)]
pub enum RustType {
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
    /// `String`.
    String,
    /// base64 bytes: `crate::ByteString`.
    Bytes,
    /// Any JSON: `serde_json::Value`.
    Value,
    /// `Vec<T>`.
    Vec(Box<RustType>),
    /// `VecMap<String, T>` (a map kept as a sorted vector: compact for small maps).
    Map(Box<RustType>),
    /// A generated type, by definition name (or by its generated name for inline enums).
    Def(ModuleId, String),
    /// A type from elsewhere, by full path.
    External(&'static str),
}

impl RustType {
    /// The Rust source of this type as written in module `here`.
    pub fn render(&self, here: &ModuleId) -> String {
        match self {
            RustType::Bool => "bool".into(),
            RustType::I32 => "i32".into(),
            RustType::I64 => "i64".into(),
            RustType::F64 => "f64".into(),
            RustType::String => "String".into(),
            RustType::Bytes => "crate::ByteString".into(),
            RustType::Value => "serde_json::Value".into(),
            RustType::Vec(t) => format!("Vec<{}>", t.render(here)),
            RustType::Map(t) => format!("kclient_apimachinery::VecMap<String, {}>", t.render(here)),
            RustType::Def(module, name) if module == here => name.clone(),
            RustType::Def(module, name) => format!("{}::{name}", module.path()),
            RustType::External(path) => (*path).to_string(),
        }
    }

    /// Whether the type implements `Default`.
    pub fn has_default(&self) -> bool {
        !matches!(self, RustType::External(p) if mapping::lacks_default(p))
    }
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON property name.
    pub json: String,
    /// The Rust field name.
    pub rust: String,
    /// The field's type (without `Option` or `Box`).
    pub ty: RustType,
    /// Whether the field is required (not an `Option`).
    pub required: bool,
    /// Whether the value is boxed to break a cycle of types containing each other.
    pub boxed: bool,
    /// The property's description.
    pub doc: Option<String>,
    /// Whether the field holds credentials, which `Debug` must not show (set by the fixups).
    pub sensitive: bool,
}

/// What a generated type is.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeBody {
    /// A struct with fields (possibly none).
    Struct(Vec<Field>),
    /// A string enum with these values (and a fallback for values not known at generation).
    Enum(Vec<String>),
    /// A type emitted from a template.
    Special(special::Special),
}

/// One generated type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The definition's name in the spec (`io.k8s.api.core.v1.Pod`).
    pub definition: String,
    /// The Rust type name.
    pub name: String,
    /// The description.
    pub doc: Option<String>,
    /// The kind, for definitions with exactly one `x-kubernetes-group-version-kind`.
    pub gvk: Option<Gvk>,
    /// The body.
    pub body: TypeBody,
}

/// One group-version module.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// Types by Rust name.
    pub types: BTreeMap<String, TypeDef>,
    /// Resources by plural name.
    pub resources: BTreeMap<String, ResourceDef>,
    /// The API group and version of the resources (`("", "v1")`, `("apps", "v1")`).
    pub group_version: Option<(String, String)>,
    /// Modules this one refers to.
    pub deps: BTreeSet<ModuleId>,
}

/// Everything the generator renders.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Modules by id.
    pub modules: BTreeMap<ModuleId, Module>,
}

/// The module and type name of a definition that is generated; `None` for definitions that
/// are mapped to existing types or not part of any API package.
pub fn module_of(definition: &str) -> Option<(ModuleId, &str)> {
    let rest = if let Some(rest) = definition.strip_prefix("io.k8s.api.") {
        rest
    } else {
        definition.split_once(".pkg.apis.")?.1
    };
    let mut parts = rest.splitn(3, '.');
    let (package, version, name) = (parts.next()?, parts.next()?, parts.next()?);
    if name.contains('.') {
        return None;
    }
    let id = ModuleId {
        package: package.to_string(),
        version: version.to_string(),
    };
    Some((id, name))
}

/// Builds the model from the spec.
pub fn build(spec: &Spec) -> Result<Model> {
    let mut model = Model::default();
    // Every API definition, plus the apimachinery ones that are referenced but not mapped.
    let mut wanted: BTreeSet<&str> = spec
        .definitions
        .keys()
        .map(String::as_str)
        .filter(|d| !d.starts_with("io.k8s.apimachinery.") && mapping::external(d).is_none())
        .filter(|d| module_of(d).is_some())
        .collect();
    let mut queue: Vec<&str> = wanted.iter().copied().collect();
    while let Some(def) = queue.pop() {
        let schema = &spec.definitions[def];
        for target in references(schema) {
            if mapping::external(target).is_none()
                && module_of(target).is_some()
                && spec.definitions.contains_key(target)
                && wanted.insert(target)
            {
                queue.push(target);
            }
        }
    }
    for def in wanted {
        let schema = &spec.definitions[def];
        add_type(&mut model, def, schema).with_context(|| format!("definition {def}"))?;
    }
    fixups::apply_to_types(&mut model);
    graph::break_cycles(&mut model);
    sparse::box_sparse_fields(&mut model);
    resources::attach(spec, &mut model)?;
    graph::compute_deps(&mut model);
    Ok(model)
}

fn references(schema: &Schema) -> Vec<&str> {
    let mut out = Vec::new();
    fn walk<'a>(s: &'a Schema, out: &mut Vec<&'a str>) {
        if let Some(t) = s.target() {
            out.push(t);
        }
        for p in s.properties.values() {
            walk(p, out);
        }
        if let Some(items) = &s.items {
            walk(items, out);
        }
        if let Some(serde_json::Value::Object(map)) = &s.additional_properties
            && let Some(serde_json::Value::String(r)) = map.get("$ref")
        {
            out.push(r);
        }
    }
    walk(schema, &mut out);
    out
}

fn add_type(model: &mut Model, def: &str, schema: &Schema) -> Result<()> {
    let Some((module_id, name)) = module_of(def) else {
        bail!("is not in an API package");
    };
    let gvk = match schema.gvk.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    let body = match special::for_definition(def) {
        Some(special) => TypeBody::Special(special),
        None => {
            let mut fields = Vec::new();
            let mut inline_enums = Vec::new();
            let mut seen = BTreeSet::new();
            for (json, prop) in &schema.properties {
                let rust = naming::field_name(json);
                if !seen.insert(rust.clone()) {
                    bail!("two properties map to the Rust field {rust}");
                }
                let ty = if let Some(values) = string_enum(prop) {
                    let enum_name = format!("{name}{}", pascal_case(json));
                    inline_enums.push((enum_name.clone(), values, prop.description.clone()));
                    RustType::Def(module_id.clone(), enum_name)
                } else {
                    rust_type(prop).with_context(|| format!("property {json}"))?
                };
                fields.push(Field {
                    json: json.clone(),
                    rust,
                    ty,
                    required: schema.required.contains(json),
                    boxed: false,
                    doc: prop.description.clone(),
                    sensitive: false,
                });
            }
            let module = model.modules.entry(module_id.clone()).or_default();
            for (enum_name, values, doc) in inline_enums {
                module.types.insert(
                    enum_name.clone(),
                    TypeDef {
                        definition: format!("{def}.{enum_name}"),
                        name: enum_name,
                        doc,
                        gvk: None,
                        body: TypeBody::Enum(values),
                    },
                );
            }
            TypeBody::Struct(fields)
        }
    };
    let module = model.modules.entry(module_id).or_default();
    if module.types.contains_key(name) {
        bail!("the type name {name} is used twice in one module");
    }
    module.types.insert(
        name.to_string(),
        TypeDef {
            definition: def.to_string(),
            name: name.to_string(),
            doc: schema.description.clone(),
            gvk,
            body,
        },
    );
    Ok(())
}

/// The values of a string property with an `enum`, if it has one.
fn string_enum(prop: &Schema) -> Option<Vec<String>> {
    let values = prop.enum_values.as_ref()?;
    if prop.ty.as_deref() != Some("string") {
        return None;
    }
    let mut out: Vec<String> = values
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    out.sort();
    out.dedup();
    (!out.is_empty() && out.len() == values.len()).then_some(out)
}

/// `minReadySeconds` -> `MinReadySeconds`.
fn pascal_case(json: &str) -> String {
    naming::snake_case(json)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// The Rust type of a property schema.
pub fn rust_type(schema: &Schema) -> Result<RustType> {
    if let Some(target) = schema.target() {
        if let Some(external) = mapping::external(target) {
            return Ok(RustType::External(external));
        }
        let Some((module, name)) = module_of(target) else {
            bail!("refers to {target}, which is neither mapped to a Rust type nor generated");
        };
        return Ok(RustType::Def(module, name.to_string()));
    }
    Ok(match schema.ty.as_deref() {
        Some("string") => match schema.format.as_deref() {
            Some("byte") => RustType::Bytes,
            _ => RustType::String,
        },
        Some("integer") => match schema.format.as_deref() {
            Some("int32") => RustType::I32,
            _ => RustType::I64,
        },
        Some("number") => RustType::F64,
        Some("boolean") => RustType::Bool,
        Some("array") => {
            let items = schema.items.as_deref().context("an array without items")?;
            RustType::Vec(Box::new(rust_type(items)?))
        }
        Some("object") => match schema.map_values()? {
            Some(values) => RustType::Map(Box::new(rust_type(&values)?)),
            None => RustType::Value,
        },
        None => RustType::Value,
        Some(other) => bail!("has the unsupported type {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn definitions_map_to_modules() {
        let (m, n) = module_of("io.k8s.api.core.v1.Pod").unwrap();
        assert_eq!(
            (m.package.as_str(), m.version.as_str(), n),
            ("core", "v1", "Pod")
        );
        let (m, n) =
            module_of("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps")
                .unwrap();
        assert_eq!(
            (m.package.as_str(), n),
            ("apiextensions", "JSONSchemaProps")
        );
        let (m, _) =
            module_of("io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService").unwrap();
        assert_eq!(m.feature().as_deref(), Some("apiregistration-v1"));
        let (m, _) =
            module_of("io.k8s.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement").unwrap();
        assert_eq!(m.feature(), None);
        assert!(module_of("io.k8s.apimachinery.pkg.runtime.RawExtension").is_none());
    }

    #[test]
    fn property_types() {
        let s = |v: serde_json::Value| -> Schema { serde_json::from_value(v).unwrap() };
        let here = ModuleId {
            package: "core".into(),
            version: "v1".into(),
        };
        let cases = [
            (
                serde_json::json!({"type": "string", "format": "byte"}),
                "crate::ByteString",
            ),
            (
                serde_json::json!({"type": "integer", "format": "int32"}),
                "i32",
            ),
            (serde_json::json!({"type": "integer"}), "i64"),
            (
                serde_json::json!({"type": "array", "items": {"type": "string"}}),
                "Vec<String>",
            ),
            (
                serde_json::json!({"type": "object", "additionalProperties": {"type": "string", "format": "byte"}}),
                "kclient_apimachinery::VecMap<String, crate::ByteString>",
            ),
            (
                serde_json::json!({"$ref": "io.k8s.api.core.v1.PodSpec"}),
                "PodSpec",
            ),
            (
                serde_json::json!({"$ref": "io.k8s.api.apps.v1.Deployment"}),
                "crate::api::apps::v1::Deployment",
            ),
            (
                serde_json::json!({"allOf": [{"$ref": "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]}),
                "kclient_apimachinery::IntOrString",
            ),
            (serde_json::json!({}), "serde_json::Value"),
        ];
        for (schema, rust) in cases {
            assert_eq!(
                rust_type(&s(schema.clone())).unwrap().render(&here),
                rust,
                "{schema}"
            );
        }
        let err = rust_type(&s(
            serde_json::json!({"$ref": "io.k8s.apimachinery.pkg.version.Info"}),
        ))
        .unwrap_err();
        assert!(err.to_string().contains("neither mapped"), "{err}");
    }
}
