//! The compact schema model the generator emits (`generated/openapi_model.rs`) and its
//! rendering as OpenAPI v3 (`components.schemas`) or v2 (`definitions`) JSON.

use serde_json::{Map, Value, json};

/// One named schema definition.
#[derive(Debug)]
pub struct Definition {
    /// The definition name, e.g. `io.k8s.api.apps.v1.Deployment`.
    pub name: &'static str,
    /// Its schema.
    pub schema: Schema,
}

/// One schema (a definition, a property, items or map values).
#[derive(Debug)]
pub struct Schema {
    /// `type`, empty when absent.
    pub ty: &'static str,
    /// `format`, empty when absent.
    pub format: &'static str,
    /// `description`, empty when absent.
    pub description: &'static str,
    /// The referenced definition's name, empty when none.
    pub reference: &'static str,
    /// Whether v3 wraps the reference in a one-entry `allOf` (so siblings are allowed).
    pub all_of: bool,
    /// The types of a `oneOf` of plain types (int-or-string, quantity).
    pub one_of: &'static [&'static str],
    /// `items` of an array.
    pub items: Option<&'static Schema>,
    /// `additionalProperties` as a schema.
    pub additional: Option<&'static Schema>,
    /// `additionalProperties` as a boolean.
    pub additional_allowed: Option<bool>,
    /// `properties`, by name.
    pub properties: &'static [(&'static str, Schema)],
    /// `required`.
    pub required: &'static [&'static str],
    /// `enum`, each value as JSON text.
    pub enum_values: &'static [&'static str],
    /// `default` as JSON text, empty when none.
    pub default: &'static str,
    /// The `x-kubernetes-*` extensions.
    pub ext: &'static Ext,
}

/// The `x-kubernetes-*` extensions of a schema.
#[derive(Debug)]
pub struct Ext {
    /// `x-kubernetes-group-version-kind` as (group, version, kind).
    pub gvk: &'static [(&'static str, &'static str, &'static str)],
    /// `x-kubernetes-patch-strategy`.
    pub patch_strategy: &'static str,
    /// `x-kubernetes-patch-merge-key`.
    pub patch_merge_key: &'static str,
    /// `x-kubernetes-list-type`.
    pub list_type: &'static str,
    /// `x-kubernetes-list-map-keys`.
    pub list_map_keys: &'static [&'static str],
    /// `x-kubernetes-map-type`.
    pub map_type: &'static str,
    /// `x-kubernetes-int-or-string`.
    pub int_or_string: bool,
    /// `x-kubernetes-preserve-unknown-fields`.
    pub preserve_unknown_fields: bool,
    /// `x-kubernetes-embedded-resource`.
    pub embedded_resource: bool,
    /// `x-kubernetes-unions` as JSON text, empty when absent.
    pub unions: &'static str,
}

impl Ext {
    /// No extensions.
    pub const EMPTY: Ext = Ext {
        gvk: &[],
        patch_strategy: "",
        patch_merge_key: "",
        list_type: "",
        list_map_keys: &[],
        map_type: "",
        int_or_string: false,
        preserve_unknown_fields: false,
        embedded_resource: false,
        unions: "",
    };
}

impl Schema {
    /// The empty schema (the base the generated table fills in).
    pub const EMPTY: Schema = Schema {
        ty: "",
        format: "",
        description: "",
        reference: "",
        all_of: false,
        one_of: &[],
        items: None,
        additional: None,
        additional_allowed: None,
        properties: &[],
        required: &[],
        enum_values: &[],
        default: "",
        ext: &Ext::EMPTY,
    };

    /// Every definition this schema refers to, directly or through nested schemas.
    pub fn references(&self, out: &mut Vec<&'static str>) {
        if !self.reference.is_empty() {
            out.push(self.reference);
        }
        for s in self.items.iter().chain(self.additional.iter()) {
            s.references(out);
        }
        for (_, p) in self.properties {
            p.references(out);
        }
    }
}

/// Which document flavour a schema is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// OpenAPI v3: `#/components/schemas/` refs, `allOf` wrappers, `oneOf`.
    V3,
    /// Swagger 2.0: `#/definitions/` refs, no `allOf`/`oneOf`.
    V2,
}

/// Renders `schema` as JSON.
pub fn render(schema: &Schema, flavour: Flavour) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
    };
    put("description", schema.description);
    put("type", schema.ty);
    put("format", schema.format);
    if !schema.reference.is_empty() {
        let r = match flavour {
            Flavour::V3 => format!("#/components/schemas/{}", schema.reference),
            Flavour::V2 => format!("#/definitions/{}", schema.reference),
        };
        if schema.all_of && flavour == Flavour::V3 {
            m.insert("allOf".into(), json!([{ "$ref": r }]));
        } else {
            m.insert("$ref".into(), Value::String(r));
        }
    }
    if !schema.one_of.is_empty() {
        match flavour {
            Flavour::V3 => {
                let alts: Vec<Value> = schema.one_of.iter().map(|t| json!({ "type": t })).collect();
                m.insert("oneOf".into(), Value::Array(alts));
            }
            Flavour::V2 => {
                m.insert("type".into(), json!("string"));
            }
        }
    }
    if let Some(items) = schema.items {
        m.insert("items".into(), render(items, flavour));
    }
    if let Some(add) = schema.additional {
        m.insert("additionalProperties".into(), render(add, flavour));
    } else if let Some(b) = schema.additional_allowed {
        m.insert("additionalProperties".into(), Value::Bool(b));
    }
    if !schema.properties.is_empty() {
        let props: Map<String, Value> = schema
            .properties
            .iter()
            .map(|(n, p)| ((*n).to_string(), render(p, flavour)))
            .collect();
        m.insert("properties".into(), Value::Object(props));
    }
    if !schema.required.is_empty() {
        m.insert("required".into(), json!(schema.required));
    }
    if !schema.enum_values.is_empty() {
        let values: Vec<Value> = schema
            .enum_values
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect();
        m.insert("enum".into(), Value::Array(values));
    }
    // The real server's Swagger 2.0 document has no defaults.
    if flavour == Flavour::V3
        && !schema.default.is_empty()
        && let Ok(d) = serde_json::from_str(schema.default)
    {
        m.insert("default".into(), d);
    }
    render_ext(schema.ext, &mut m);
    Value::Object(m)
}

fn render_ext(ext: &Ext, m: &mut Map<String, Value>) {
    if !ext.gvk.is_empty() {
        let gvks: Vec<Value> = ext
            .gvk
            .iter()
            .map(|(g, v, k)| json!({ "group": g, "version": v, "kind": k }))
            .collect();
        m.insert("x-kubernetes-group-version-kind".into(), Value::Array(gvks));
    }
    for (key, v) in [
        ("x-kubernetes-patch-strategy", ext.patch_strategy),
        ("x-kubernetes-patch-merge-key", ext.patch_merge_key),
        ("x-kubernetes-list-type", ext.list_type),
        ("x-kubernetes-map-type", ext.map_type),
    ] {
        if !v.is_empty() {
            m.insert(key.into(), Value::String(v.to_string()));
        }
    }
    if !ext.list_map_keys.is_empty() {
        m.insert(
            "x-kubernetes-list-map-keys".into(),
            json!(ext.list_map_keys),
        );
    }
    for (key, on) in [
        ("x-kubernetes-int-or-string", ext.int_or_string),
        (
            "x-kubernetes-preserve-unknown-fields",
            ext.preserve_unknown_fields,
        ),
        ("x-kubernetes-embedded-resource", ext.embedded_resource),
    ] {
        if on {
            m.insert(key.into(), Value::Bool(true));
        }
    }
    if !ext.unions.is_empty()
        && let Ok(unions) = serde_json::from_str(ext.unions)
    {
        m.insert("x-kubernetes-unions".into(), unions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static ITEM: Schema = Schema {
        reference: "a.B",
        ..Schema::EMPTY
    };

    #[test]
    fn v3_wraps_refs_in_all_of_and_v2_does_not() {
        let s = Schema {
            reference: "a.B",
            all_of: true,
            description: "d",
            ..Schema::EMPTY
        };
        let v3 = render(&s, Flavour::V3);
        assert_eq!(v3["allOf"][0]["$ref"], "#/components/schemas/a.B");
        let v2 = render(&s, Flavour::V2);
        assert_eq!(v2["$ref"], "#/definitions/a.B");
        assert_eq!(v2["description"], "d");
    }

    #[test]
    fn lists_keep_their_extensions_and_references() {
        static EXT: Ext = Ext {
            list_type: "map",
            list_map_keys: &["name"],
            ..Ext::EMPTY
        };
        let s = Schema {
            ty: "array",
            items: Some(&ITEM),
            ext: &EXT,
            ..Schema::EMPTY
        };
        let v = render(&s, Flavour::V3);
        assert_eq!(v["x-kubernetes-list-type"], "map");
        assert_eq!(v["x-kubernetes-list-map-keys"][0], "name");
        let mut refs = Vec::new();
        s.references(&mut refs);
        assert_eq!(refs, vec!["a.B"]);
    }
}
