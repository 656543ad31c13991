//! Rendering what ties the modules together: `generated/mod.rs` (the crate's `api` module),
//! one `mod.rs` per package, `clientset.rs` (the group clients of `Clientset`), and the
//! `[features]` section of the crate's `Cargo.toml`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::model::{Model, ModuleId, RustType};
use super::naming;
use super::render_client::client_name;
use super::resources::Verb;

/// The features of the packages' versions, by package.
fn packages(model: &Model) -> BTreeMap<&str, Vec<&ModuleId>> {
    let mut out: BTreeMap<&str, Vec<&ModuleId>> = BTreeMap::new();
    for id in model.modules.keys() {
        out.entry(id.package.as_str()).or_default().push(id);
    }
    out
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

/// `generated/mod.rs`.
pub fn render_root(model: &Model, header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    s.push_str(
        "\n//! The Kubernetes API types and clients, one module per group and version\n\
         //! (`api::core::v1`, `api::apps::v1`, …), each behind its Cargo feature (`core-v1`,\n\
         //! `apps-v1`, …). Generated from the OpenAPI spec by `cargo xtask codegen`.\n\n",
    );
    for (package, ids) in packages(model) {
        let _ = writeln!(s, "{}pub mod {package};", cfg_any(&ids));
    }
    s.push_str("\nmod clientset;\npub(crate) use clientset::GroupClients;\nmod registry;\n");
    s
}

/// `generated/registry.rs`: `Clientset::visit_resources`, one visitor call per resource.
pub fn render_registry(model: &Model, header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    s.push_str(
        "\n//! [`crate::Clientset::visit_resources`]: every compiled-in resource type, handed to a\n\
         //! [`crate::client::ResourceVisitor`] with the REST client of its group-version.\n\n\
         impl crate::Clientset {\n\
         /// Calls `visitor` once for every compiled-in resource type, in the order of the\n\
         /// API packages: `creatable` for the resources that can be created, read back and\n\
         /// deleted, `other` for the rest.\n\
         pub fn visit_resources(&self, visitor: &mut impl crate::client::ResourceVisitor) {\n\
         let _ = &visitor;\n",
    );
    for (id, module) in &model.modules {
        for resource in module.resources.values() {
            let kind = &resource.kind;
            let own = RustType::Def(resource.module.clone(), kind.clone());
            let creatable = [Verb::Create, Verb::Get, Verb::Delete]
                .iter()
                .all(|v| resource.verbs.contains(v))
                && resource.create_output.as_ref().is_none_or(|o| *o == own);
            let method = if creatable { "creatable" } else { "other" };
            let _ = writeln!(
                s,
                "{}visitor.{method}::<super::{}::{}::{kind}>(&self.groups.{}_{});",
                cfg_any(&[id]),
                resource.module.package,
                resource.module.version,
                id.package,
                id.version
            );
        }
    }
    s.push_str("}\n}\n");
    s
}

/// `generated/<package>/mod.rs`.
pub fn render_package(package: &str, ids: &[&ModuleId], header: &str) -> String {
    let mut s = String::new();
    s.push_str(header);
    let _ = writeln!(s, "\n//! The `{package}` definitions, by version.\n");
    for id in ids {
        let _ = writeln!(s, "{}pub mod {};", cfg_any(&[id]), id.version);
    }
    s
}

/// `generated/clientset.rs`.
pub fn render_clientset(model: &Model, header: &str) -> String {
    let clients: Vec<(&ModuleId, &(String, String))> = model
        .modules
        .iter()
        .filter(|(_, m)| !m.resources.is_empty())
        .filter_map(|(id, m)| m.group_version.as_ref().map(|gv| (id, gv)))
        .collect();
    let mut s = String::new();
    s.push_str(header);
    s.push_str(
        "\n//! The REST client of each compiled-in group-version, and the accessors of\n\
         //! [`crate::Clientset`] that hand out the group clients.\n\n\
         /// One REST client per compiled-in group-version.\n\
         #[derive(Clone, Debug)]\n\
         pub(crate) struct GroupClients {\n",
    );
    for (id, _) in &clients {
        let _ = writeln!(
            s,
            "{}pub(super) {}_{}: kclient_rest::RestClient,",
            cfg_any(&[id]),
            id.package,
            id.version
        );
    }
    s.push_str(
        "}\n\nimpl GroupClients {\n\
         /// Builds the REST client of every compiled-in group-version.\n\
         pub(crate) fn build(config: &kclient_config::Config, http: &kclient_rest::HttpClient) -> Result<Self, kclient_rest::Error> {\n\
         let _ = (config, http);\n\
         Ok(Self {\n",
    );
    for (id, (group, version)) in &clients {
        let _ = writeln!(
            s,
            "{}{}_{}: crate::client::rest_client_for(config, http, {group:?}, {version:?})?,",
            cfg_any(&[id]),
            id.package,
            id.version
        );
    }
    s.push_str("})\n}\n}\n\nimpl crate::Clientset {\n");
    for (id, (group, version)) in &clients {
        let gv = if group.is_empty() {
            version.clone()
        } else {
            format!("{group}/{version}")
        };
        let client = client_name(id);
        let field = format!("{}_{}", id.package, id.version);
        let _ = write!(
            s,
            "/// The `{gv}` API.\n{}pub fn {field}(&self) -> super::{}::{}::{client} {{\n\
             super::{}::{}::{client}::new(self.groups.{field}.clone())\n}}\n\n",
            cfg_any(&[id]),
            id.package,
            id.version,
            id.package,
            id.version
        );
    }
    s.push_str("}\n");
    s
}

/// The lines between the feature markers of `Cargo.toml`.
pub fn render_features(model: &Model) -> String {
    let mut s = String::from("[features]\n");
    let stable: Vec<String> = model
        .modules
        .keys()
        .filter(|id| naming::is_stable(&id.version))
        .filter_map(ModuleId::feature)
        .map(|f| format!("\"{f}\""))
        .collect();
    s.push_str("## Every stable (non-alpha, non-beta) API group-version.\n");
    let _ = writeln!(s, "default = [{}]", stable.join(", "));
    for (id, module) in &model.modules {
        let Some(feature) = id.feature() else {
            continue;
        };
        let deps: Vec<String> = module
            .deps
            .iter()
            .filter_map(ModuleId::feature)
            .map(|f| format!("\"{f}\""))
            .collect();
        let _ = writeln!(s, "{feature} = [{}]", deps.join(", "));
    }
    s
}
