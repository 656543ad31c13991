//! Definitions whose spec schema says nothing useful (`{}`: any JSON), emitted from templates:
//! the apiextensions unions `JSONSchemaPropsOrArray`, `JSONSchemaPropsOrBool` and
//! `JSONSchemaPropsOrStringArray`, which hold either a schema or an array/boolean.

use std::collections::BTreeSet;

use super::model::ModuleId;

/// A definition emitted from a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named after the definitions
pub enum Special {
    /// A schema or an array of schemas (`items`).
    OrArray,
    /// A schema or a boolean (`additionalProperties`, `additionalItems`).
    OrBool,
    /// A schema or an array of strings (`dependencies`).
    OrStringArray,
}

const PREFIX: &str = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";

/// The template for a definition, if it has one.
pub fn for_definition(definition: &str) -> Option<Special> {
    match definition.strip_prefix(PREFIX)? {
        "JSONSchemaPropsOrArray" => Some(Special::OrArray),
        "JSONSchemaPropsOrBool" => Some(Special::OrBool),
        "JSONSchemaPropsOrStringArray" => Some(Special::OrStringArray),
        _ => None,
    }
}

impl Special {
    /// Modules the template refers to (none besides its own).
    pub fn deps(&self) -> BTreeSet<ModuleId> {
        BTreeSet::new()
    }

    /// The Rust source of the type named `name` (the doc comment is written by the caller).
    /// The array/boolean variant comes first: serde's derived struct decoding also accepts a
    /// JSON array (positionally), so trying the schema first would misread an array.
    pub fn render(&self, name: &str) -> String {
        let (variant, variant_doc, ty) = match self {
            Special::OrArray => ("Schemas", "An array of schemas.", "Vec<JSONSchemaProps>"),
            Special::OrBool => (
                "Bool",
                "A boolean: `true` allows anything, `false` nothing.",
                "bool",
            ),
            Special::OrStringArray => ("Strings", "An array of property names.", "Vec<String>"),
        };
        format!(
            "#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]\n\
             #[serde(untagged)]\n\
             pub enum {name} {{\n\
             /// {variant_doc}\n\
             {variant}({ty}),\n\
             /// A schema.\n\
             Schema(Box<JSONSchemaProps>),\n\
             }}\n\n\
             impl Default for {name} {{\n\
             fn default() -> Self {{\n\
             Self::Schema(Box::default())\n\
             }}\n\
             }}\n"
        )
    }
}
