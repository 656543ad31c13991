//! Property tests of every decoder that reads outside data: label and field selectors, Quantity,
//! Go durations, timestamps, group-versions, and `Status`, `WatchEvent` and `Unstructured`
//! bodies. Arbitrary input gives `Ok` or a clear error, never a panic; what parses prints back to
//! something that parses to the same value. 2,000 cases each by default;
//! `PROPTEST_CASES=100000 cargo test -p kclient-apimachinery --test fuzz_decoders` runs more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use kclient_apimachinery::fields::FieldSelector;
use kclient_apimachinery::labels::Selector;
use kclient_apimachinery::meta::{Duration, MicroTime, Time};
use kclient_apimachinery::{GroupVersion, Quantity, Status, Unstructured, WatchEvent};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 2000;
    }
    config
}

/// Text biased towards the grammar of selectors, quantities and durations, plus anything.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9=!,()\\- .\\/_]{0,40}",
        "[a-z]{1,8}( in | notin |!=|==|=)\\(?[a-z0-9,]{0,20}\\)?",
        "[-+]?[0-9.]{0,12}(e|E|m|k|Ki|Mi|Gi|Ti|Pi|Ei|n|u|M|G|T|P|E)?[0-9]{0,4}",
        "-?([0-9.]{0,6}(ns|us|µs|ms|s|m|h)){0,4}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{0,15}(Z|[+-][0-9:]{0,5})?",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn label_selectors_parse_or_fail_cleanly(text in texty()) {
        if let Ok(selector) = Selector::parse(&text) {
            let printed = selector.to_string();
            let again = Selector::parse(&printed).unwrap();
            prop_assert_eq!(again.to_string(), printed);
        }
    }

    #[test]
    fn field_selectors_parse_or_fail_cleanly(text in texty()) {
        if let Ok(selector) = FieldSelector::parse(&text) {
            let printed = selector.to_string();
            let again = FieldSelector::parse(&printed).unwrap();
            prop_assert_eq!(again.to_string(), printed);
        }
    }

    #[test]
    fn quantities_parse_or_fail_cleanly(text in texty()) {
        if let Ok(q) = Quantity::parse(&text) {
            let printed = q.to_string();
            let again = Quantity::parse(&printed).unwrap();
            prop_assert_eq!(again.to_string(), printed);
        }
    }

    #[test]
    fn go_durations_parse_or_fail_cleanly(text in texty()) {
        if let Ok(d) = Duration::parse(&text) {
            prop_assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn timestamps_and_group_versions_parse_or_fail_cleanly(text in texty()) {
        let _ = Time::parse(&text);
        let _ = MicroTime::parse(&text);
        let _ = GroupVersion::parse(&text);
    }

    #[test]
    fn bodies_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = serde_json::from_slice::<Status>(&bytes);
        let _ = serde_json::from_slice::<WatchEvent<Unstructured>>(&bytes);
        let _ = serde_json::from_slice::<Unstructured>(&bytes);
    }

    #[test]
    fn status_shaped_json_decodes_or_fails_cleanly(
        code in any::<i64>(),
        message in any::<String>(),
        reason in "[A-Za-z]{0,20}",
        causes in prop::collection::vec(("[a-zA-Z]{0,10}", any::<String>()), 0..3),
        retry in any::<i64>(),
    ) {
        let causes: Vec<_> = causes
            .into_iter()
            .map(|(r, m)| serde_json::json!({"reason": r, "message": m, "field": "x"}))
            .collect();
        let body = serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "message": message, "reason": reason,
            "details": {"causes": causes, "retryAfterSeconds": retry},
        });
        if let Ok(status) = serde_json::from_value::<Status>(body) {
            let _ = (status.reason(), status.code(), status.is_failure(), format!("{status:?}"));
        }
    }
}
