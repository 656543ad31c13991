//! Rendering the serde impls of a generated struct: `Serialize` written out field by field,
//! and `Deserialize` through `kclient_typed::object_serde` (a name-to-index and an
//! index-to-field `match`, sharing one visitor), which costs far less to compile than
//! `#[derive(Serialize, Deserialize)]` across hundreds of types.

use std::fmt::Write as _;

use super::model::{Field, RustType};

/// Appends the `Serialize`, `Deserialize` and `object_serde::Fields` impls of struct `name`.
/// `kind` says whether the struct is a kind, whose `apiVersion` and `kind` fields are
/// zero-sized markers that are always written.
pub fn render_serde(s: &mut String, name: &str, fields: &[Field], kind: bool) {
    render_serialize(s, name, fields, kind);
    render_deserialize(s, name, fields);
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn render_serialize(s: &mut String, name: &str, fields: &[Field], kind: bool) {
    let always = |f: &Field| f.required || (kind && is_marker(f));
    let required = fields.iter().filter(|f| always(f)).count();
    let mut len: Vec<String> = fields
        .iter()
        .filter(|f| !always(f))
        .map(|f| format!("usize::from(self.{}.is_some())", f.rust))
        .collect();
    if required > 0 || len.is_empty() {
        len.insert(0, required.to_string());
    }
    let writer = if fields.is_empty() {
        "writer"
    } else {
        "mut writer"
    };
    let _ = writeln!(
        s,
        "\nimpl serde::Serialize for {name} {{\n\
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n\
         let {writer} = crate::object_serde::Writer::new(serializer, {}, {})?;",
        lit(name),
        len.join(" + ")
    );
    for field in fields {
        let key = lit(&field.json);
        let float = field.ty == RustType::F64;
        match (always(field), float) {
            (true, false) => {
                let _ = writeln!(s, "writer.field({key}, &self.{});", field.rust);
            }
            (true, true) => {
                let _ = writeln!(
                    s,
                    "writer.field({key}, &crate::serde_helpers::GoF64(&self.{}));",
                    field.rust
                );
            }
            (false, false) => {
                let _ = writeln!(s, "writer.opt({key}, &self.{});", field.rust);
            }
            (false, true) => {
                let _ = writeln!(
                    s,
                    "if let Some(value) = &self.{} {{\n\
                     writer.field({key}, &crate::serde_helpers::GoF64(value));\n}}",
                    field.rust
                );
            }
        }
    }
    s.push_str("writer.end()\n}\n}\n");
}

fn render_deserialize(s: &mut String, name: &str, fields: &[Field]) {
    let _ = writeln!(
        s,
        "\nimpl<'de> serde::Deserialize<'de> for {name} {{\n\
         fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
         crate::object_serde::deserialize(deserializer)\n}}\n}}"
    );
    let names: Vec<String> = fields.iter().map(|f| lit(&f.json)).collect();
    let _ = writeln!(
        s,
        "\nimpl crate::object_serde::Fields for {name} {{\n\
         const NAME: &'static str = {};\n\
         const FIELDS: &'static [&'static str] = &[{}];\n",
        lit(name),
        names.join(", ")
    );
    if fields.is_empty() {
        s.push_str("fn index(_key: &str) -> Option<u16> {\nNone\n}\n");
        s.push_str(
            "fn set<'de, A: serde::de::MapAccess<'de>>(&mut self, _index: u16, map: &mut A) \
             -> Result<(), A::Error> {\ncrate::object_serde::skip(map)\n}\n}\n",
        );
        return;
    }
    s.push_str("fn index(key: &str) -> Option<u16> {\nmatch key {\n");
    for (i, field) in fields.iter().enumerate() {
        let _ = writeln!(s, "{} => Some({i}),", lit(&field.json));
    }
    s.push_str("_ => None,\n}\n}\n\n");
    s.push_str(
        "fn set<'de, A: serde::de::MapAccess<'de>>(&mut self, index: u16, map: &mut A) \
         -> Result<(), A::Error> {\nmatch index {\n",
    );
    for (i, field) in fields.iter().enumerate() {
        // Lists are shrunk to their length once decoded (see `object_serde::put_vec`).
        let put = match (&field.ty, field.boxed, field.required) {
            (RustType::Vec(_), false, true) => "put_vec",
            (RustType::Vec(_), false, false) => "put_opt_vec",
            _ => "put",
        };
        let _ = writeln!(
            s,
            "{i} => crate::object_serde::{put}(&mut self.{}, map),",
            field.rust
        );
    }
    s.push_str("_ => crate::object_serde::skip(map),\n}\n}\n}\n");
}

/// `apiVersion` and `kind`, which are markers in a kind.
pub fn is_marker(field: &Field) -> bool {
    field.json == "apiVersion" || field.json == "kind"
}
