//! The graph of types and modules: boxing fields where types contain each other, and the
//! modules each module refers to (which become Cargo feature dependencies).

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Field, Model, ModuleId, RustType, TypeBody};

/// The generated type a field holds inline (directly or in an `Option`): the edges along which
/// a cycle makes a type infinitely large.
fn inline_target(field: &Field) -> Option<(ModuleId, String)> {
    match &field.ty {
        RustType::Def(m, n) => Some((m.clone(), n.clone())),
        _ => None,
    }
}

/// Boxes every field whose type can reach the field's own struct through inline fields.
pub fn break_cycles(model: &mut Model) {
    let mut edges: BTreeMap<(ModuleId, String), Vec<(ModuleId, String)>> = BTreeMap::new();
    for (id, module) in &model.modules {
        for (name, ty) in &module.types {
            let targets = match &ty.body {
                TypeBody::Struct(fields) => fields.iter().filter_map(inline_target).collect(),
                _ => Vec::new(),
            };
            edges.insert((id.clone(), name.clone()), targets);
        }
    }
    let reaches = |from: &(ModuleId, String), to: &(ModuleId, String)| {
        let mut stack = vec![from.clone()];
        let mut seen = BTreeSet::new();
        while let Some(node) = stack.pop() {
            if &node == to {
                return true;
            }
            if seen.insert(node.clone()) {
                stack.extend(edges.get(&node).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (id, module) in &model.modules {
        for (name, ty) in &module.types {
            if let TypeBody::Struct(fields) = &ty.body {
                let me = (id.clone(), name.clone());
                for (i, field) in fields.iter().enumerate() {
                    if let Some(target) = inline_target(field)
                        && reaches(&target, &me)
                    {
                        to_box.push((id.clone(), name.clone(), i));
                    }
                }
            }
        }
    }
    set_boxed(model, to_box);
}

/// Boxes field `i` of each `(module, type, i)`.
pub fn set_boxed(model: &mut Model, fields: Vec<(ModuleId, String, usize)>) {
    for (id, name, i) in fields {
        if let Some(TypeBody::Struct(fields)) = model
            .modules
            .get_mut(&id)
            .and_then(|m| m.types.get_mut(&name))
            .map(|t| &mut t.body)
        {
            fields[i].boxed = true;
        }
    }
}

fn collect_modules(ty: &RustType, out: &mut BTreeSet<ModuleId>) {
    match ty {
        RustType::Def(m, _) => {
            out.insert(m.clone());
        }
        RustType::Vec(t) | RustType::Map(t) => collect_modules(t, out),
        _ => {}
    }
}

/// Records, for each module, the other modules its types and client refer to.
pub fn compute_deps(model: &mut Model) {
    let ids: Vec<ModuleId> = model.modules.keys().cloned().collect();
    for id in ids {
        let Some(module) = model.modules.get(&id) else {
            continue;
        };
        let mut deps = BTreeSet::new();
        for ty in module.types.values() {
            match &ty.body {
                TypeBody::Struct(fields) => fields
                    .iter()
                    .for_each(|f| collect_modules(&f.ty, &mut deps)),
                TypeBody::Special(s) => deps.extend(s.deps()),
                TypeBody::Enum(_) => {}
            }
        }
        for resource in module.resources.values() {
            for ty in resource.referenced_types() {
                collect_modules(&ty, &mut deps);
            }
        }
        deps.remove(&id);
        if let Some(module) = model.modules.get_mut(&id) {
            module.deps = deps;
        }
    }
}
