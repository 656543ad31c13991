#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;
use proptest::prelude::*;

use super::*;
use crate::testutil::{TestObj, obj};

fn tier_index() -> Indexers<TestObj> {
    let mut idx = Indexers::new();
    let f: IndexFunc<TestObj> =
        Arc::new(|o: &TestObj| o.metadata.labels.get("tier").cloned().into_iter().collect());
    idx.insert("tier".into(), f);
    idx
}

#[test]
fn insert_get_delete_and_indices() {
    let store = Store::<TestObj>::new();
    store.add_indexers(tier_index()).unwrap();
    assert!(store.insert(obj("a", "x", 1, "web")).is_none());
    assert!(store.insert(obj("b", "y", 2, "web")).is_none());
    let old = store.insert(obj("a", "x", 3, "db")).unwrap();
    assert_eq!(old.resource_version(), Some("1"));
    assert_eq!(store.len(), 2);
    assert_eq!(store.index_keys("tier", "web").unwrap(), vec!["b/y"]);
    assert_eq!(store.index_keys("tier", "db").unwrap(), vec!["a/x"]);
    assert_eq!(store.index_values("tier").unwrap(), vec!["db", "web"]);
    assert_eq!(store.by_index(NAMESPACE_INDEX, "a").unwrap().len(), 1);
    let same_tier = store.matching("tier", &obj("z", "z", 1, "web")).unwrap();
    assert_eq!(same_tier.len(), 1);
    assert!(matches!(
        store.by_index("nope", "x"),
        Err(Error::IndexNotFound { .. })
    ));
    assert!(matches!(
        store.add_indexers(tier_index()),
        Err(Error::IndexExists { .. })
    ));
    assert_eq!(
        store.delete_key("a/x").unwrap().resource_version(),
        Some("3")
    );
    assert!(store.index_keys("tier", "db").unwrap().is_empty());
    assert_eq!(store.index_values("tier").unwrap(), vec!["web"]);
    assert_eq!(store.index_names(), vec!["namespace", "tier"]);
}

#[test]
fn replace_reports_previous_states_and_removals() {
    let store = Store::<TestObj>::new();
    store.insert(obj("a", "keep", 1, ""));
    store.insert(obj("a", "gone", 2, ""));
    let outcome = store.replace(vec![obj("a", "keep", 5, ""), obj("a", "new", 6, "")]);
    let prev: Vec<Option<String>> = outcome
        .replaced
        .iter()
        .map(|(old, _)| {
            old.as_ref()
                .map(|o| o.resource_version().unwrap().to_string())
        })
        .collect();
    assert_eq!(prev, vec![Some("1".to_string()), None]);
    assert_eq!(outcome.removed.len(), 1);
    assert_eq!(outcome.removed[0].0, "a/gone");
    assert_eq!(store.list_keys(), vec!["a/keep", "a/new"]);
}

#[test]
fn indexers_added_later_cover_existing_objects() {
    let store = Store::<TestObj>::new();
    store.insert(obj("a", "x", 1, "web"));
    store.add_indexers(tier_index()).unwrap();
    assert_eq!(store.index_keys("tier", "web").unwrap(), vec!["a/x"]);
}

#[derive(Debug, Clone)]
enum Op {
    Insert(String, String, u64, String),
    Delete(String, String),
    Replace(Vec<(String, String, u64, String)>),
}

fn arb_ident() -> impl Strategy<Value = String> {
    prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(str::to_string)
}

fn arb_name() -> impl Strategy<Value = String> {
    (0u8..6).prop_map(|n| format!("o{n}"))
}

fn arb_tier() -> impl Strategy<Value = String> {
    prop_oneof![Just(""), Just("web"), Just("db")].prop_map(str::to_string)
}

fn arb_item() -> impl Strategy<Value = (String, String, u64, String)> {
    (arb_ident(), arb_name(), 0u64..100, arb_tier())
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => arb_item().prop_map(|(ns, n, rv, t)| Op::Insert(ns, n, rv, t)),
        2 => (arb_ident(), arb_name()).prop_map(|(ns, n)| Op::Delete(ns, n)),
        1 => proptest::collection::vec(arb_item(), 0..8).prop_map(Op::Replace),
    ]
}

type Model = BTreeMap<String, (u64, String)>;

fn check(store: &Store<TestObj>, model: &Model) {
    assert_eq!(store.list_keys(), model.keys().cloned().collect::<Vec<_>>());
    assert_eq!(store.len(), model.len());
    for (key, (rv, _)) in model {
        let got = store.get_by_key(key).unwrap();
        assert_eq!(got.resource_version(), Some(rv.to_string().as_str()));
    }
    for ns in ["a", "b", "c"] {
        let want: Vec<String> = model
            .keys()
            .filter(|k| k.starts_with(&format!("{ns}/")))
            .cloned()
            .collect();
        assert_eq!(store.index_keys(NAMESPACE_INDEX, ns).unwrap(), want);
        let objs: Vec<String> = store
            .by_index(NAMESPACE_INDEX, ns)
            .unwrap()
            .iter()
            .map(|o| crate::object_key(o.as_ref()))
            .collect();
        assert_eq!(objs, want);
    }
    let mut tiers = BTreeSet::new();
    for tier in ["web", "db"] {
        let want: Vec<String> = model
            .iter()
            .filter(|(_, (_, t))| t == tier)
            .map(|(k, _)| k.clone())
            .collect();
        if !want.is_empty() {
            tiers.insert(tier.to_string());
        }
        assert_eq!(store.index_keys("tier", tier).unwrap(), want);
    }
    let values: BTreeSet<String> = store.index_values("tier").unwrap().into_iter().collect();
    assert_eq!(values, tiers);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The store behaves like a BTreeMap keyed by `namespace/name`, and its indices always agree
    /// with a scan of that map.
    #[test]
    fn store_matches_a_btreemap_model(ops in proptest::collection::vec(arb_op(), 1..60)) {
        let store = Store::<TestObj>::new();
        store.add_indexers(tier_index()).unwrap();
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Insert(ns, n, rv, t) => {
                    let key = format!("{ns}/{n}");
                    let old = store.insert(obj(&ns, &n, rv, &t));
                    let model_old = model.insert(key, (rv, t));
                    prop_assert_eq!(old.is_some(), model_old.is_some());
                }
                Op::Delete(ns, n) => {
                    let key = format!("{ns}/{n}");
                    let old = store.delete_key(&key);
                    prop_assert_eq!(old.is_some(), model.remove(&key).is_some());
                }
                Op::Replace(items) => {
                    let objs = items.iter().map(|(ns, n, rv, t)| obj(ns, n, *rv, t)).collect();
                    let outcome = store.replace(objs);
                    let mut new_model = Model::new();
                    for (ns, n, rv, t) in &items {
                        new_model.insert(format!("{ns}/{n}"), (*rv, t.clone()));
                    }
                    let removed: Vec<String> = model
                        .keys()
                        .filter(|k| !new_model.contains_key(*k))
                        .cloned()
                        .collect();
                    let got: Vec<String> = outcome.removed.iter().map(|(k, _)| k.clone()).collect();
                    prop_assert_eq!(got, removed);
                    model = new_model;
                }
            }
            check(&store, &model);
        }
    }
}
