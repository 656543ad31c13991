//! The parsed form of the generated protobuf schema (`generated/proto_schema.rs`), built once.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::generated::proto_schema::SCHEMA;

/// How a field repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// At most one value.
    Optional,
    /// A list.
    Repeated,
    /// A `map<K, V>` (entries with key 1, value 2).
    Map,
    /// A struct Go embeds inline: a nested message in protobuf, its fields the parent's in JSON.
    Embedded,
}

/// One field of a message.
#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// How it repeats.
    pub label: Label,
    /// A scalar type name or a message's full name.
    pub ty: &'static str,
    /// The value type of a map.
    pub value_ty: &'static str,
}

/// All messages: full name → field number → field.
pub type Messages = HashMap<&'static str, HashMap<u32, Field>>;

/// The schema, parsed on first use.
pub fn messages() -> &'static Messages {
    static MESSAGES: OnceLock<Messages> = OnceLock::new();
    MESSAGES.get_or_init(|| parse(SCHEMA))
}

fn parse(text: &'static str) -> Messages {
    let mut out: Messages = HashMap::new();
    let mut current: Option<&'static str> = None;
    for line in text.lines() {
        let mut parts = line.split(' ');
        match parts.next() {
            Some("M") => {
                let name = parts.next().unwrap_or_default();
                out.entry(name).or_default();
                current = Some(name);
            }
            Some("F") => {
                let (Some(msg), Some(num), Some(label), Some(name), Some(ty)) = (
                    current,
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                ) else {
                    continue;
                };
                let Ok(num) = num.parse() else { continue };
                let label = match label {
                    "r" => Label::Repeated,
                    "m" => Label::Map,
                    "e" => Label::Embedded,
                    _ => Label::Optional,
                };
                let value_ty = parts.next().unwrap_or_default();
                if let Some(fields) = out.get_mut(msg) {
                    fields.insert(
                        num,
                        Field {
                            name,
                            label,
                            ty,
                            value_ty,
                        },
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a message only wraps a list (`repeated items = 1`, such as authentication's
/// `ExtraValue`): in JSON it is the list itself.
pub fn is_list_wrapper(fields: &HashMap<u32, Field>) -> bool {
    fields.len() == 1
        && fields
            .get(&1)
            .is_some_and(|f| f.label == Label::Repeated && f.name == "items")
}

/// The JSON name of a field: the proto name, except for apiextensions' `JSONSchemaProps`
/// (`$ref`, `$schema`, `x-kubernetes-*`).
pub fn json_name(message: &str, field: &'static str) -> std::borrow::Cow<'static, str> {
    if !message.ends_with(".JSONSchemaProps") {
        return field.into();
    }
    match field {
        "ref" => "$ref".into(),
        "schema" => "$schema".into(),
        f if f.starts_with("xKubernetes") => {
            let mut out = String::from("x");
            for c in f[1..].chars() {
                if c.is_ascii_uppercase() {
                    out.push('-');
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
            }
            out.into()
        }
        f => f.into(),
    }
}

/// The message of `kind` at `group`/`version` (such as `k8s.io.api.apps.v1.Deployment`).
pub fn message_for(group: &str, version: &str, kind: &str) -> Option<&'static str> {
    if kind == "Status" {
        return Some("k8s.io.apimachinery.pkg.apis.meta.v1.Status");
    }
    let suffix = format!(".{version}.{kind}");
    let hint = if group.is_empty() {
        "core"
    } else {
        group.split('.').next().unwrap_or(group)
    };
    let mut candidates: Vec<&'static str> = messages()
        .keys()
        .copied()
        .filter(|name| name.ends_with(&suffix))
        .collect();
    candidates.sort();
    candidates
        .iter()
        .copied()
        .find(|name| name.contains(&format!(".{hint}.")))
        .or_else(|| candidates.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_messages_of_kinds() {
        assert_eq!(
            message_for("", "v1", "ConfigMap"),
            Some("k8s.io.api.core.v1.ConfigMap")
        );
        assert_eq!(
            message_for("apps", "v1", "Deployment"),
            Some("k8s.io.api.apps.v1.Deployment")
        );
        let cm = &messages()["k8s.io.api.core.v1.ConfigMap"];
        assert_eq!(cm[&2].name, "data");
        assert_eq!(cm[&2].label, Label::Map);
    }
}
