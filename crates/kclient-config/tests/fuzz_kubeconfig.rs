//! Property tests of kubeconfig loading, which reads files users and tools write: arbitrary
//! text, and kubeconfig-shaped YAML with arbitrary values in every field, either loads or fails
//! with an error; building a `Config` from what loads never panics either. 2,000 cases each by
//! default; `PROPTEST_CASES=100000 cargo test -p kclient-config --test fuzz_kubeconfig` runs more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use kclient_config::{Config, ConfigOverrides, Kubeconfig};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 2000;
    }
    config
}

/// A YAML scalar: plain words, numbers, quoted strings, null, flow collections, anchors.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:/._-]{0,20}",
        "\"[^\"\\\\]{0,20}\"",
        Just("null".to_string()),
        Just("~".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("&a x".to_string()),
        Just("*a".to_string()),
        "-?[0-9]{1,20}(\\.[0-9]{0,5})?",
        "(true|false|yes|no)",
        "https?://[a-z0-9.:@]{0,20}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_loads_or_fails_cleanly(text in any::<String>()) {
        if let Ok(kubeconfig) = Kubeconfig::from_yaml(&text) {
            let _ = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default());
        }
    }

    #[test]
    fn kubeconfig_shaped_yaml_loads_or_fails_cleanly(values in prop::collection::vec(scalar(), 16)) {
        let v = |i: usize| values[i].as_str();
        let yaml = format!(
            "apiVersion: {}\nkind: Config\ncurrent-context: {}\nclusters:\n- name: {}\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n    insecure-skip-tls-verify: {}\n    proxy-url: {}\nusers:\n- name: {}\n  user:\n    token: {}\n    client-certificate-data: {}\n    client-key-data: {}\n    exec:\n      apiVersion: {}\n      command: {}\n      args: {}\n      interactiveMode: {}\ncontexts:\n- name: {}\n  context: {{cluster: {}, user: {}, namespace: {}}}\n",
            v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8), v(9), v(10), v(11), v(12),
            v(13), v(14), v(1), v(2), v(7), v(15)
        );
        if let Ok(kubeconfig) = Kubeconfig::from_yaml(&yaml) {
            let _ = format!("{kubeconfig:?}");
            let _ = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default());
        }
    }
}
