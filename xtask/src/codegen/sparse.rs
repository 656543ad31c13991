//! Boxing sparse optional fields: an `Option<Struct>` holds the struct's full size inline even
//! when it is `None`, and Kubernetes objects leave most optional structs unset (a `Volume`
//! has one source of ~30, a `Container` rarely all its probes). Boxing every optional field
//! whose struct is larger than a pointer-and-a-bit keeps decoded objects compact: 8 bytes
//! when absent, the struct plus one allocation when present.
//!
//! Fields named `spec` or `status` (of kinds, and of templates such as a `PodTemplateSpec`)
//! are left inline: they are almost always present.

use std::collections::BTreeMap;

use super::model::{Field, Model, ModuleId, RustType, TypeBody};

/// Optional struct fields at least this large (estimated bytes) are boxed.
const THRESHOLD: usize = 48;

/// Estimated inline sizes (bytes) of the external types the generated code uses.
fn external_size(path: &str) -> usize {
    match path.rsplit("::").next().unwrap_or(path) {
        "ObjectMeta" => 344,
        "ListMeta" => 80,
        "Time" | "MicroTime" => 16,
        "FieldsV1" => 16,
        _ => 32,
    }
}

/// Boxes the optional fields of every struct whose target struct is at least `THRESHOLD` bytes.
pub fn box_sparse_fields(model: &mut Model) {
    let mut sizes = Sizes {
        model: &*model,
        memo: BTreeMap::new(),
    };
    let mut to_box = Vec::new();
    for (id, module) in &sizes.model.modules {
        for (name, ty) in &module.types {
            let TypeBody::Struct(fields) = &ty.body else {
                continue;
            };
            for (i, field) in fields.iter().enumerate() {
                let usually_set = field.json == "spec" || field.json == "status";
                if field.required || field.boxed || usually_set {
                    continue;
                }
                if let RustType::Def(m, n) = &field.ty
                    && sizes.is_struct(m, n)
                    && sizes.of_def(m, n) >= THRESHOLD
                {
                    to_box.push((id.clone(), name.clone(), i));
                }
            }
        }
    }
    super::graph::set_boxed(model, to_box);
}

struct Sizes<'a> {
    model: &'a Model,
    memo: BTreeMap<(ModuleId, String), usize>,
}

impl Sizes<'_> {
    fn is_struct(&self, module: &ModuleId, name: &str) -> bool {
        self.model
            .modules
            .get(module)
            .and_then(|m| m.types.get(name))
            .is_some_and(|t| matches!(t.body, TypeBody::Struct(_)))
    }

    fn of_def(&mut self, module: &ModuleId, name: &str) -> usize {
        let key = (module.clone(), name.to_string());
        if let Some(size) = self.memo.get(&key) {
            return *size;
        }
        // Cycles are boxed already; the placeholder only guards against a model without that.
        self.memo.insert(key.clone(), 8);
        let size = match self
            .model
            .modules
            .get(module)
            .and_then(|m| m.types.get(name))
            .map(|t| &t.body)
        {
            Some(TypeBody::Struct(fields)) => {
                let fields = fields.clone();
                fields
                    .iter()
                    .map(|f| self.of_field(f))
                    .sum::<usize>()
                    .max(1)
            }
            _ => 24,
        };
        self.memo.insert(key, size);
        size
    }

    fn of_field(&mut self, field: &Field) -> usize {
        if field.boxed {
            return 8;
        }
        let inner = self.of_type(&field.ty);
        let needs_tag = matches!(
            field.ty,
            RustType::I32 | RustType::I64 | RustType::F64 | RustType::Def(..)
        );
        if !field.required && needs_tag {
            inner + 8
        } else {
            inner
        }
    }

    fn of_type(&mut self, ty: &RustType) -> usize {
        match ty {
            RustType::Bool => 1,
            RustType::I32 => 4,
            RustType::I64 | RustType::F64 => 8,
            RustType::String | RustType::Bytes | RustType::Vec(_) | RustType::Map(_) => 24,
            RustType::Value => 32,
            RustType::Def(m, n) => self.of_def(m, n),
            RustType::External(path) => external_size(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_sizes_are_looked_up_by_type_name() {
        assert_eq!(external_size("kclient_apimachinery::meta::ObjectMeta"), 344);
        assert_eq!(external_size("kclient_apimachinery::IntOrString"), 32);
    }
}
