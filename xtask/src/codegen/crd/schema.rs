//! A CustomResourceDefinition (as JSON) to the model of its Rust types: names, scope, plural,
//! and per version whether it is served and stored, its subresources, and one struct per nested
//! object of its `openAPIV3Schema`, named after the kind and the field path
//! (`spec.template.ports[]` of `Widget` -> `WidgetSpecTemplatePorts`).

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::codegen::naming;

/// One custom resource definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Crd {
    /// The CRD's `metadata.name` (`widgets.example.com`).
    pub name: String,
    /// `spec.group`.
    pub group: String,
    /// `spec.names.kind`.
    pub kind: String,
    /// `spec.names.listKind` (default `<kind>List`).
    pub list_kind: String,
    /// `spec.names.plural`.
    pub plural: String,
    /// `spec.scope` is `Namespaced`.
    pub namespaced: bool,
    /// The versions, in the order of the CRD.
    pub versions: Vec<Version>,
}

/// One version of a CRD.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// `v1`, `v1beta1`.
    pub name: String,
    /// Served by the API server (only served versions get types).
    pub served: bool,
    /// The storage version.
    pub storage: bool,
    /// Deprecated (with the warning, if any).
    pub deprecated: Option<String>,
    /// Has the `status` subresource.
    pub status: bool,
    /// Has the `scale` subresource.
    pub scale: bool,
    /// The description of the root object.
    pub doc: Option<String>,
    /// The root's fields other than `apiVersion`, `kind` and `metadata`.
    pub root_fields: Vec<Field>,
    /// Whether the root keeps unknown fields (`x-kubernetes-preserve-unknown-fields`).
    pub root_open: bool,
    /// Every nested struct, parents before children.
    pub structs: Vec<Struct>,
}

/// A generated struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// The Rust name.
    pub name: String,
    /// Where in the object it is (`.spec.template`).
    pub path: String,
    /// The description.
    pub doc: Option<String>,
    /// The fields, by JSON name.
    pub fields: Vec<Field>,
    /// Keeps unknown fields (`x-kubernetes-preserve-unknown-fields` next to `properties`).
    pub open: bool,
}

/// A field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON property.
    pub json: String,
    /// The Rust field name.
    pub rust: String,
    /// Its type.
    pub ty: Ty,
    /// Required and not nullable: a plain value rather than an `Option`.
    pub required: bool,
    /// The description.
    pub doc: Option<String>,
    /// The allowed values (`enum`), as JSON.
    pub allowed: Vec<String>,
    /// How the value is owned under server-side apply (list and map types), for the apply
    /// configurations.
    pub ownership: crate::codegen::apply::Ownership,
}

/// The Rust type of a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `boolean`.
    Bool,
    /// `integer` with `format: int32`.
    I32,
    /// `integer`.
    I64,
    /// `number`.
    F64,
    /// `string`.
    String,
    /// `string` with `format: byte`.
    Bytes,
    /// `string` with `format: date-time`.
    Time,
    /// `x-kubernetes-int-or-string`.
    IntOrString,
    /// Anything (`x-kubernetes-preserve-unknown-fields` without properties, embedded
    /// resources, schemas without a type).
    Value,
    /// `array`.
    Vec(Box<Ty>),
    /// `object` with `additionalProperties`.
    Map(Box<Ty>),
    /// A generated struct, by name.
    Struct(String),
}

impl Ty {
    /// Whether the type implements `Default` (the time type does not).
    pub fn has_default(&self) -> bool {
        !matches!(self, Ty::Time)
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Reads one CRD (`apiextensions.k8s.io/v1`).
pub fn parse(doc: &Value) -> Result<Crd> {
    let api_version = str_at(doc, "/apiVersion").unwrap_or("");
    let kind = str_at(doc, "/kind").unwrap_or("");
    if kind != "CustomResourceDefinition" {
        bail!("expected kind CustomResourceDefinition, found {kind:?}");
    }
    if api_version != "apiextensions.k8s.io/v1" {
        bail!("expected apiVersion apiextensions.k8s.io/v1, found {api_version:?}");
    }
    let need = |pointer: &str| -> Result<String> {
        str_at(doc, pointer)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .with_context(|| format!("the CRD has no {}", pointer.replace('/', ".")))
    };
    let name = need("/metadata/name")?;
    let group = need("/spec/group")?;
    let kind = need("/spec/names/kind")?;
    let plural = need("/spec/names/plural")?;
    let list_kind =
        str_at(doc, "/spec/names/listKind").map_or_else(|| format!("{kind}List"), str::to_string);
    let namespaced = match need("/spec/scope")?.as_str() {
        "Namespaced" => true,
        "Cluster" => false,
        other => bail!("spec.scope is {other:?}, expected Namespaced or Cluster"),
    };
    let Some(versions) = doc.pointer("/spec/versions").and_then(Value::as_array) else {
        bail!("the CRD has no spec.versions");
    };
    let mut out = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        let version =
            parse_version(v, &kind).with_context(|| format!("in spec.versions[{i}] of {name}"))?;
        out.push(version);
    }
    if out.iter().filter(|v| v.storage).count() != 1 {
        bail!("{name}: exactly one version must be the storage version");
    }
    Ok(Crd {
        name,
        group,
        kind,
        list_kind,
        plural,
        namespaced,
        versions: out,
    })
}

fn parse_version(v: &Value, kind: &str) -> Result<Version> {
    let name = str_at(v, "/name")
        .filter(|n| !n.is_empty())
        .context("a version has no name")?
        .to_string();
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) || !name.starts_with('v') {
        bail!("version name {name:?} is not a Kubernetes version (v1, v1beta1, …)");
    }
    let flag = |p: &str| v.pointer(p).and_then(Value::as_bool).unwrap_or(false);
    let deprecated = flag("/deprecated").then(|| {
        str_at(v, "/deprecationWarning")
            .unwrap_or("this version is deprecated")
            .to_string()
    });
    let schema = v
        .pointer("/schema/openAPIV3Schema")
        .with_context(|| format!("version {name} has no schema.openAPIV3Schema"))?;
    let mut builder = Builder {
        names: BTreeSet::from([kind.to_string(), format!("{kind}List")]),
        structs: Vec::new(),
    };
    let root_fields = builder
        .fields(schema, "", kind)
        .with_context(|| format!("in the schema of version {name}"))?;
    Ok(Version {
        served: flag("/served"),
        storage: flag("/storage"),
        deprecated,
        status: v.pointer("/subresources/status").is_some(),
        scale: v.pointer("/subresources/scale").is_some(),
        doc: str_at(schema, "/description").map(str::to_string),
        root_fields,
        root_open: preserves_unknown(schema),
        structs: builder.structs,
        name,
    })
}

/// The list and map type extensions of a property.
fn ownership(prop: &Value) -> crate::codegen::apply::Ownership {
    let text = |key: &str| prop.get(key).and_then(Value::as_str).map(str::to_string);
    crate::codegen::apply::Ownership {
        list_type: text("x-kubernetes-list-type"),
        list_map_keys: prop
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        patch_strategy: None,
        patch_merge_key: None,
        atomic_map: text("x-kubernetes-map-type").as_deref() == Some("atomic"),
    }
}

fn preserves_unknown(schema: &Value) -> bool {
    schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// PascalCase of a JSON property (`podIPs` -> `PodIPs`, `x-foo.bar` -> `XFooBar`).
fn pascal(json: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in json.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// A Rust field name for a JSON property: snake_case, keywords escaped, anything that is not
/// an identifier character replaced, a leading digit prefixed.
fn rust_field(json: &str) -> String {
    let mut name: String = naming::field_name(json)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

struct Builder {
    names: BTreeSet<String>,
    structs: Vec<Struct>,
}

impl Builder {
    /// A struct name for `base`, made unique by a number if needed.
    fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }

    /// The fields of an object schema.
    fn fields(&mut self, schema: &Value, path: &str, name: &str) -> Result<Vec<Field>> {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut fields = Vec::new();
        let mut rust_names = BTreeSet::new();
        for (json, prop) in props {
            // The root's type fields are written by hand (typed `apiVersion`/`kind`, `ObjectMeta`).
            if path.is_empty() && matches!(json.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            let field_path = format!("{path}.{json}");
            let ty = self
                .ty(prop, &field_path, &format!("{name}{}", pascal(json)))
                .with_context(|| format!("at {field_path}"))?;
            let rust = rust_field(json);
            if !rust_names.insert(rust.clone()) {
                bail!("two properties of {path} are both named {rust} in Rust");
            }
            let nullable = prop.get("nullable").and_then(Value::as_bool) == Some(true);
            let doc = prop
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string);
            let allowed = prop
                .get("enum")
                .and_then(Value::as_array)
                .map(|values| values.iter().map(Value::to_string).collect())
                .unwrap_or_default();
            fields.push(Field {
                required: required.contains(json.as_str()) && !nullable && ty.has_default(),
                json: json.clone(),
                rust,
                ty,
                doc,
                allowed,
                ownership: ownership(prop),
            });
        }
        Ok(fields)
    }

    /// The type of `schema` at `path`; a nested object becomes the struct `name`.
    fn ty(&mut self, schema: &Value, path: &str, name: &str) -> Result<Ty> {
        let flag = |k: &str| schema.get(k).and_then(Value::as_bool) == Some(true);
        if flag("x-kubernetes-int-or-string") {
            return Ok(Ty::IntOrString);
        }
        if flag("x-kubernetes-embedded-resource") {
            return Ok(Ty::Value);
        }
        let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
        let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match ty {
            "boolean" => Ty::Bool,
            "integer" if format == "int32" => Ty::I32,
            "integer" => Ty::I64,
            "number" => Ty::F64,
            "string" if format == "byte" => Ty::Bytes,
            "string" if format == "date-time" => Ty::Time,
            "string" => Ty::String,
            "array" => {
                let items = schema
                    .get("items")
                    .with_context(|| format!("the array at {path} has no items schema"))?;
                Ty::Vec(Box::new(self.ty(items, &format!("{path}[]"), name)?))
            }
            "object" => self.object(schema, path, name)?,
            "" => Ty::Value,
            other => bail!("unknown schema type {other:?}"),
        })
    }

    fn object(&mut self, schema: &Value, path: &str, name: &str) -> Result<Ty> {
        let has_props = schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        if !has_props {
            return Ok(match schema.get("additionalProperties") {
                Some(values @ Value::Object(_)) => {
                    Ty::Map(Box::new(self.ty(values, &format!("{path}{{}}"), name)?))
                }
                Some(Value::Bool(true)) => Ty::Map(Box::new(Ty::Value)),
                _ => Ty::Value,
            });
        }
        let rust_name = self.unique(name);
        // Reserve the slot so parents come before children in the output.
        let index = self.structs.len();
        self.structs.push(Struct {
            name: rust_name.clone(),
            path: path.to_string(),
            doc: None,
            fields: Vec::new(),
            open: false,
        });
        let fields = self.fields(schema, path, &rust_name)?;
        let doc = schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.structs[index] = Struct {
            name: rust_name.clone(),
            path: path.to_string(),
            doc,
            fields,
            open: preserves_unknown(schema),
        };
        Ok(Ty::Struct(rust_name))
    }
}
