//! Which name rule applies and how names, labels and annotations are validated, with the real
//! server's messages. RFC 1123 names and label keys/values come from
//! `kclient_apimachinery::validation`; the rules it does not have (`IsDNS1035Label`,
//! `ValidatePathSegmentName`) are here.

use kclient_apimachinery::validation;
use serde_json::Value;

use super::status::FieldError;
use crate::registry::NameRule;

const DNS1035_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";

/// `RegexError`: the message, the examples and the pattern.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut s = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!("'{e}', "));
    }
    s.push_str(&format!("regex used for validation is '{fmt}')"));
    s
}

fn max_len(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.first().is_some_and(ok)
        && b.last().is_some_and(ok)
        && b.iter().all(|c| ok(c) || *c == b'-')
}

/// `IsDNS1035Label`.
pub fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    let starts_alpha = s.as_bytes().first().is_some_and(u8::is_ascii_lowercase);
    if !(is_label(s) && starts_alpha) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `ValidatePathSegmentName`.
pub fn path_segment(s: &str, prefix: bool) -> Vec<String> {
    let mut errs = Vec::new();
    if !prefix && (s == "." || s == "..") {
        errs.push(format!("may not be '{s}'"));
    }
    for bad in ["/", "%"] {
        if s.contains(bad) {
            errs.push(format!("may not contain '{bad}'"));
        }
    }
    errs
}

/// `maskTrailingDash`: a generateName may end in `-`.
fn mask_trailing_dash(s: &str) -> String {
    if s.len() > 1 && s.ends_with('-') {
        format!("{}a", &s[..s.len() - 2])
    } else {
        s.to_string()
    }
}

/// Validates a name (or, with `prefix`, a generateName) under `rule`.
pub fn validate(rule: NameRule, name: &str, prefix: bool) -> Vec<String> {
    let masked;
    let name = if prefix && rule != NameRule::PathSegment {
        masked = mask_trailing_dash(name);
        masked.as_str()
    } else {
        name
    };
    match rule {
        NameRule::Subdomain => validation::is_dns1123_subdomain(name),
        NameRule::Label => validation::is_dns1123_label(name),
        NameRule::Rfc1035Label => dns1035_label(name),
        NameRule::PathSegment => path_segment(name, prefix),
    }
}

/// Validates `metadata.labels` (`ValidateLabels`).
pub fn validate_labels(labels: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(map) = labels.and_then(Value::as_object) else {
        return errs;
    };
    for (k, v) in map {
        for m in validation::is_label_key(k) {
            errs.push(FieldError::invalid("metadata.labels", k, m));
        }
        let v = v.as_str().unwrap_or_default();
        for m in validation::is_label_value(v) {
            errs.push(FieldError::invalid("metadata.labels", v, m));
        }
    }
    errs
}

/// Validates `metadata.annotations` keys (`ValidateAnnotations`).
pub fn validate_annotations(annotations: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(map) = annotations.and_then(Value::as_object) else {
        return errs;
    };
    for k in map.keys() {
        for m in validation::is_label_key(&k.to_lowercase()) {
            errs.push(FieldError::invalid("metadata.annotations", k, m));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_messages() {
        assert!(validate(NameRule::Subdomain, "a.b-c", false).is_empty());
        assert!(
            validate(NameRule::Subdomain, "Bad_Name", false)[0]
                .starts_with("a lowercase RFC 1123 subdomain must consist of")
        );
        assert_eq!(
            validate(NameRule::Label, "a.b", false),
            vec!["must not contain dots".to_string()]
        );
        assert!(dns1035_label("abc-1").is_empty());
        assert_eq!(
            dns1035_label("1abc"),
            vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_string()]
        );
    }

    #[test]
    fn generate_name_may_end_in_dash() {
        assert!(validate(NameRule::Subdomain, "web-", true).is_empty());
        assert!(!validate(NameRule::Subdomain, "web-", false).is_empty());
        assert_eq!(
            path_segment("..", false),
            vec!["may not be '..'".to_string()]
        );
    }

    #[test]
    fn labels_are_checked() {
        let ok = serde_json::json!({"app.kubernetes.io/name": "web", "empty": ""});
        assert!(validate_labels(Some(&ok)).is_empty());
        let bad = serde_json::json!({"-bad": "bad value"});
        let errs = validate_labels(Some(&bad));
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].field, "metadata.labels");
    }
}
