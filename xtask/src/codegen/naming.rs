//! Names: JSON property names to snake_case Rust fields (keywords escaped), resource plurals to
//! accessor names, group-versions to modules, features and client types.

/// Rust keywords (strict, reserved and the 2024 edition's `gen`) that cannot be field names.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `podIPs` -> `pod_ips`, `targetCPUUtilizationPercentage` -> `target_cpu_utilization_percentage`,
/// `x-kubernetes-list-type` -> `x_kubernetes_list_type`, `$ref` -> `ref_`, `type` -> `type_`.
pub fn field_name(json: &str) -> String {
    let name = snake_case(json.trim_start_matches('$'));
    if KEYWORDS.contains(&name.as_str()) || name.is_empty() {
        format!("{name}_")
    } else {
        name
    }
}

/// snake_case of a camelCase or PascalCase word, keeping acronyms together (`IPs`, `CIDRs` and
/// `URLs` are one word each).
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == '.' || c == '_' {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let after = chars.get(i + 2).copied();
            // A plural acronym (`IPs`): the `s` ends the word, so it is not a new word start.
            let plural_acronym_end =
                next == Some('s') && after.is_none_or(|a| !a.is_ascii_lowercase());
            let starts_word = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase())
                    && !plural_acronym_end);
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The accessor of a resource on a group client: the resource's plural with word breaks taken
/// from its kind, e.g. (`NetworkPolicy`, `networkpolicies`) -> `network_policies`.
pub fn accessor_name(kind: &str, plural: &str) -> String {
    let snake = snake_case(kind);
    let mut out = String::new();
    let mut rest = plural.chars().peekable();
    for c in snake.chars() {
        if c == '_' {
            out.push('_');
            continue;
        }
        match rest.peek() {
            Some(&p) if p == c => {
                out.push(p);
                rest.next();
            }
            _ => break,
        }
    }
    out.extend(rest);
    let name = out.trim_end_matches('_').to_string();
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// `CoreV1`, `AppsV1`, `FlowcontrolV1` from the module's package and version.
pub fn pascal(package: &str, version: &str) -> String {
    let mut out = String::new();
    for part in [package, version] {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// Whether a version is stable (`v1`, `v2`), not alpha or beta.
pub fn is_stable(version: &str) -> bool {
    version
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        for (json, rust) in [
            ("podIPs", "pod_ips"),
            ("hostIP", "host_ip"),
            (
                "targetCPUUtilizationPercentage",
                "target_cpu_utilization_percentage",
            ),
            (
                "serverAddressByClientCIDRs",
                "server_address_by_client_cidrs",
            ),
            ("nonResourceURLs", "non_resource_urls"),
            ("DNSConfig", "dns_config"),
            ("iscsiInterface", "iscsi_interface"),
            ("volumeID", "volume_id"),
            ("x-kubernetes-list-type", "x_kubernetes_list_type"),
            ("$ref", "ref_"),
            ("$schema", "schema"),
            ("type", "type_"),
            ("enum", "enum_"),
            ("continue", "continue_"),
            ("ipv4", "ipv4"),
            ("v1beta1Field", "v1beta1_field"),
            ("externalIPs", "external_ips"),
        ] {
            assert_eq!(field_name(json), rust, "{json}");
        }
    }

    #[test]
    fn accessors() {
        for (kind, plural, name) in [
            ("Pod", "pods", "pods"),
            ("NetworkPolicy", "networkpolicies", "network_policies"),
            ("Endpoints", "endpoints", "endpoints"),
            ("Ingress", "ingresses", "ingresses"),
            ("APIService", "apiservices", "api_services"),
            (
                "PersistentVolumeClaim",
                "persistentvolumeclaims",
                "persistent_volume_claims",
            ),
            ("ComponentStatus", "componentstatuses", "component_statuses"),
            (
                "CSIStorageCapacity",
                "csistoragecapacities",
                "csi_storage_capacities",
            ),
        ] {
            assert_eq!(accessor_name(kind, plural), name, "{kind}");
        }
    }

    #[test]
    fn versions() {
        assert!(is_stable("v1") && is_stable("v2"));
        assert!(!is_stable("v1beta1") && !is_stable("v1alpha3") && !is_stable("v"));
        assert_eq!(pascal("core", "v1"), "CoreV1");
    }
}
