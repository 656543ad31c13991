//! Test helpers shared by the unit tests: a small typed object.

use std::collections::BTreeMap;
use std::sync::Arc;

use kclient_apimachinery::HasObjectMeta;
use kclient_apimachinery::meta::ObjectMeta;
use serde::{Deserialize, Serialize};

/// A minimal namespaced object (shaped like a ConfigMap).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct TestObj {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

impl HasObjectMeta for TestObj {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl kclient_apimachinery::StaticResource for TestObj {
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "ConfigMap";
    const PLURAL: &'static str = "configmaps";
    const NAMESPACED: bool = true;
}

/// `ns/name` at resourceVersion `rv` with one label `tier=<tier>` (if not empty).
pub(crate) fn obj(ns: &str, name: &str, rv: u64, tier: &str) -> Arc<TestObj> {
    let mut metadata = ObjectMeta::namespaced(ns, name);
    metadata.resource_version = Some(rv.to_string());
    if !tier.is_empty() {
        metadata.labels.insert("tier".into(), tier.into());
    }
    Arc::new(TestObj {
        metadata,
        data: BTreeMap::new(),
    })
}
