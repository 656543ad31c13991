//! Reads the Kubernetes `generated.proto` files and renders a compact schema of every message
//! (field numbers, names, labels and fully qualified types) that kclient-testserver uses to
//! decode protobuf request bodies (`application/vnd.kubernetes.protobuf`).
//!
//! The schema is a text table inside one string constant, one line per message (`M <name>`) and
//! per field (`F <number> <o|r|m|e> <name> <type> [<map value type>]`, `e` marking a struct Go
//! embeds inline), sorted for determinism.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Scalar types that are not message references.
const SCALARS: &[&str] = &[
    "string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "double",
    "float", "fixed32", "fixed64", "sfixed32", "sfixed64",
];

/// One field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Field {
    pub(crate) number: u32,
    pub(crate) label: char,
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) value_ty: Option<String>,
}

/// All messages by full name, and the files they came from.
#[derive(Debug, Default)]
pub struct Schema {
    pub(crate) messages: BTreeMap<String, Vec<Field>>,
    /// Paths of the files read, relative to the proto root, sorted.
    pub sources: Vec<String>,
}

fn proto_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

fn resolve(ty: &str, package: &str) -> String {
    if let Some(full) = ty.strip_prefix('.') {
        full.to_string()
    } else if SCALARS.contains(&ty) {
        ty.to_string()
    } else {
        format!("{package}.{ty}")
    }
}

/// Parses one field line (`optional T name = 1;`, `repeated ...`, `map<K, V> name = 2;`).
fn parse_field(line: &str, package: &str) -> Result<Option<Field>> {
    let line = line.trim().trim_end_matches(';');
    let (decl, number) = match line.split_once('=') {
        Some((d, n)) => (d.trim(), n.trim()),
        None => return Ok(None),
    };
    let number: u32 = number
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .parse()
        .with_context(|| format!("field number in {line:?}"))?;
    if let Some(rest) = decl.strip_prefix("map<") {
        let (types, name) = rest.split_once('>').context("unterminated map<>")?;
        let (k, v) = types.split_once(',').context("map without value type")?;
        return Ok(Some(Field {
            number,
            label: 'm',
            name: name.trim().to_string(),
            ty: resolve(k.trim(), package),
            value_ty: Some(resolve(v.trim(), package)),
        }));
    }
    let parts: Vec<&str> = decl.split_whitespace().collect();
    let (label, ty, name) = match parts.as_slice() {
        ["optional", ty, name] => ('o', *ty, *name),
        ["repeated", ty, name] => ('r', *ty, *name),
        _ => bail!("cannot parse field {line:?}"),
    };
    Ok(Some(Field {
        number,
        label,
        name: name.to_string(),
        ty: resolve(ty, package),
        value_ty: None,
    }))
}

/// Reads every `.proto` file under `root`.
pub fn read(root: &Path) -> Result<Schema> {
    let mut files = Vec::new();
    proto_files(root, &mut files)?;
    files.sort();
    if files.is_empty() {
        bail!("no .proto files under {}", root.display());
    }
    let mut schema = Schema::default();
    for path in files {
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        parse_file(&text, &mut schema).with_context(|| format!("parsing {rel}"))?;
        schema.sources.push(rel);
    }
    Ok(schema)
}

fn parse_file(text: &str, schema: &mut Schema) -> Result<()> {
    let mut package = String::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let line = raw.split("//").next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(p) = line.strip_prefix("package ") {
            package = p.trim_end_matches(';').trim().to_string();
        } else if let Some(m) = line.strip_prefix("message ") {
            if current.is_some() {
                bail!("nested message {m:?} is not supported");
            }
            let name = format!("{package}.{}", m.trim_end_matches('{').trim());
            schema.messages.entry(name.clone()).or_default();
            current = Some(name);
        } else if line == "}" {
            current = None;
        } else if let Some(msg) = &current
            && let Some(field) = parse_field(line, &package)?
            && let Some(fields) = schema.messages.get_mut(msg)
        {
            fields.push(field);
        }
    }
    Ok(())
}

/// Marks the fields of structs Go embeds inline (`json:",inline"`, such as `Probe.handler`
/// or `Volume.volumeSource`) with the label `e`: message fields whose name is not a property of
/// the definition in the OpenAPI v3 documents under `openapi_v3`. Their fields are flat in JSON.
pub fn mark_embedded(schema: &mut Schema, openapi_v3: &Path) -> Result<()> {
    let mut properties: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files = Vec::new();
    for entry in
        fs::read_dir(openapi_v3).with_context(|| format!("listing {}", openapi_v3.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    for path in files {
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(|s| s.as_object())
        else {
            continue;
        };
        for (name, def) in schemas {
            let Some(props) = def.get("properties").and_then(|p| p.as_object()) else {
                continue;
            };
            let Some(rest) = name.strip_prefix("io.k8s.") else {
                continue;
            };
            properties
                .entry(format!("k8s.io.{}", rest.replace('-', "_")))
                .or_insert_with(|| props.keys().cloned().collect());
        }
    }
    for (message, fields) in schema.messages.iter_mut() {
        let Some(props) = properties.get(message) else {
            continue;
        };
        for field in fields.iter_mut() {
            if field.label == 'o'
                && !SCALARS.contains(&field.ty.as_str())
                && !props.contains(&field.name)
                && !props.iter().any(|p| {
                    let norm = |s: &str| {
                        s.chars()
                            .filter(char::is_ascii_alphanumeric)
                            .map(|c| c.to_ascii_lowercase())
                            .collect::<String>()
                    };
                    norm(p) == norm(&field.name)
                })
            {
                field.label = 'e';
            }
        }
    }
    Ok(())
}

/// Renders the schema as (unformatted) Rust source.
pub fn render(schema: &Schema) -> String {
    let mut table = String::new();
    for (name, fields) in &schema.messages {
        table.push_str(&format!("M {name}\n"));
        let mut fields = fields.clone();
        fields.sort();
        for f in fields {
            table.push_str(&format!("F {} {} {} {}", f.number, f.label, f.name, f.ty));
            if let Some(v) = &f.value_ty {
                table.push_str(&format!(" {v}"));
            }
            table.push('\n');
        }
    }
    format!(
        "// Code generated by cargo xtask testserver-tables from {}; DO NOT EDIT.\n\n\
         //! The protobuf messages of the Kubernetes API, generated from its `generated.proto`\n\
         //! files, for decoding `application/vnd.kubernetes.protobuf` request bodies.\n\n\
         /// One line per message (`M <full name>`) followed by its fields\n\
         /// (`F <number> <o|r|m|e> <name> <type> [<map value type>]`; `e`: a struct embedded inline,
/// whose fields are the parent's in JSON).\n\
         pub const SCHEMA: &str = r#\"{table}\"#;\n",
        schema.sources.join(", ")
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_fields_and_maps() {
        let mut s = Schema::default();
        parse_file(
            "package k8s.io.api.core.v1;\n// comment\nmessage ConfigMap {\n  // doc\n  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;\n  map<string, bytes> binaryData = 3;\n  repeated LocalObjectReference refs = 5;\n}\n",
            &mut s,
        )
        .unwrap();
        let out = render(&s);
        assert!(out.contains("M k8s.io.api.core.v1.ConfigMap\n"));
        assert!(out.contains("F 1 o metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta\n"));
        assert!(out.contains("F 3 m binaryData string bytes\n"));
        assert!(out.contains("F 5 r refs k8s.io.api.core.v1.LocalObjectReference\n"));
    }
}
