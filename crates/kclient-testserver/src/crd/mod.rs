//! CustomResourceDefinitions: the per-server table of resources that CRDs add (served versions,
//! names, scope, subresources, schemas), rebuilt from the stored CRDs after every CRD write, and
//! the CRD lifecycle (defaults, validation, `status` with `NamesAccepted`/`Established`).
//!
//! The generated tables describe resources with `'static` references; a CRD's entries are built
//! the same way and leaked, once per distinct set of CRD specs (a few KiB per CRD change, which is
//! fine for a server that lives as long as a test).

mod build;
pub mod lifecycle;
pub mod schema;

use std::sync::RwLock;

use serde_json::Value;

use crate::store::{Key, Prefix, Store, Txn};
use crate::tables::{ApiGroup, ApiResource};

/// The group and resource under which CRDs are stored.
pub const CRD_GROUP: &str = "apiextensions.k8s.io";
/// The plural resource name of CRDs.
pub const CRD_RESOURCE: &str = "customresourcedefinitions";

/// How `/scale` maps onto a custom object (`spec.versions[].subresources.scale`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePaths {
    /// JSON pointer of the desired replicas, such as `/spec/replicas`.
    pub spec_replicas: String,
    /// JSON pointer of the observed replicas, such as `/status/replicas`.
    pub status_replicas: String,
    /// JSON pointer of the label selector string, if any.
    pub label_selector: Option<String>,
}

/// What a served version of a CRD adds to a [`Resource`](crate::registry::Resource).
#[derive(Debug, Clone)]
pub struct CrdVersion {
    /// `openAPIV3Schema` of the version, if any.
    pub schema: Option<Value>,
    /// The scale subresource, if enabled.
    pub scale: Option<ScalePaths>,
    /// `additionalPrinterColumns` (or the default Age column when there are none).
    pub columns: Vec<PrinterColumn>,
}

/// One column of `kubectl get` output for a custom resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    /// The column name.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean` or `date`.
    pub ty: String,
    /// The OpenAPI format, if any.
    pub format: String,
    /// A description.
    pub description: String,
    /// 0 for the default view, more for `-o wide`.
    pub priority: i64,
    /// A simple JSONPath (`.spec.size`, `.status.conditions[0].type`).
    pub json_path: String,
}

/// One served custom resource at one version.
#[derive(Debug, Clone, Copy)]
pub struct Served {
    /// The group.
    pub group: &'static str,
    /// The version.
    pub version: &'static str,
    /// The discovery entry.
    pub info: &'static ApiResource,
    /// The CRD details.
    pub crd: &'static CrdVersion,
}

#[derive(Debug, Default)]
struct Tables {
    /// The specs (and names) the tables were built from.
    source: Vec<Value>,
    /// The stored CRD versions last looked at (unchanged ones need no parsing).
    seen: Vec<std::sync::Arc<crate::store::Object>>,
    groups: Vec<&'static ApiGroup>,
    served: Vec<Served>,
}

/// The resources the stored CRDs add to one server.
#[derive(Debug, Default)]
pub struct CrdRegistry {
    tables: RwLock<Tables>,
}

impl CrdRegistry {
    /// Rebuilds the tables from the CRDs in `store` (a no-op if no CRD spec changed).
    pub fn refresh(&self, store: &Store) {
        let prefix = Prefix::new(CRD_GROUP, CRD_RESOURCE, None);
        let Ok((_, items)) = store.snapshot(&prefix, None) else {
            return;
        };
        let seen: Vec<_> = items.into_iter().map(|(_, crd)| crd).collect();
        {
            let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
            if t.seen.len() == seen.len()
                && t.seen
                    .iter()
                    .zip(&seen)
                    .all(|(a, b)| std::sync::Arc::ptr_eq(a, b))
            {
                return;
            }
        }
        let established: Vec<Value> = seen
            .iter()
            .map(|crd| crd.value())
            .filter(lifecycle::is_established)
            .map(|crd| serde_json::json!({"name": crd["metadata"]["name"], "spec": crd["spec"]}))
            .collect();
        {
            let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
            if t.source == established {
                drop(t);
                self.tables.write().unwrap_or_else(|e| e.into_inner()).seen = seen;
                return;
            }
        }
        let (groups, served) = build::tables(&established);
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        *t = Tables {
            source: established,
            seen,
            groups,
            served,
        };
    }

    /// The custom resource `resource` served at `group`/`version`, if any.
    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<Served> {
        let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
        t.served
            .iter()
            .find(|s| s.group == group && s.version == version && s.info.name == resource)
            .copied()
    }

    /// The groups CRDs serve, for discovery.
    pub fn groups(&self) -> Vec<&'static ApiGroup> {
        self.tables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .groups
            .clone()
    }
}

/// Removes every object of the resource `crd` defines (the real server's CRD finalizer does this
/// before the CRD goes away; here it happens at once, finalizers of the objects included).
pub fn delete_objects(txn: &mut Txn<'_>, crd: &Value) {
    let group = crd
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .unwrap_or("");
    let plural = crd
        .pointer("/spec/names/plural")
        .and_then(Value::as_str)
        .unwrap_or("");
    if group.is_empty() || plural.is_empty() {
        return;
    }
    let keys: Vec<Key> = txn.keys(&Prefix::new(group, plural, None));
    for key in keys {
        txn.delete(&key);
    }
}
