//! `Debug` of credential fields (`Secret.data`, `TokenRequestStatus.token`, …): the generated
//! `Debug` impls of the types holding them wrap those fields in [`Redacted`], which shows the
//! shape (`None`, `Some`, a map's keys) but never a value.

use std::collections::BTreeMap;
use std::fmt;

/// What a redacted value prints as.
const REDACTED: &str = "<redacted>";

/// A field whose values `Debug` must not show: prints `<redacted>` for each value.
pub struct Redacted<'a, T: ?Sized>(pub &'a T);

impl<T: Redact + ?Sized> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_redacted(f)
    }
}

/// Types that can print themselves without their secret content.
pub trait Redact {
    /// Writes the value's shape, each secret value as `<redacted>`.
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Redact for String {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Redact for crate::ByteString {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Redact> Redact for Option<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            None => f.write_str("None"),
            Some(value) => f.debug_tuple("Some").field(&Redacted(value)).finish(),
        }
    }
}

/// Maps keep their keys (`{"password": <redacted>}`): key names are not secret, and they tell
/// what the object holds.
impl<T: Redact> Redact for BTreeMap<String, T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(key, value)| (key, Redacted(value))))
            .finish()
    }
}

impl<T: Redact> Redact for kclient_apimachinery::VecMap<String, T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(key, value)| (key, Redacted(value))))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ByteString;

    #[test]
    fn values_are_hidden_and_shape_is_kept() {
        let token = Some("sentinel".to_string());
        assert_eq!(format!("{:?}", Redacted(&token)), "Some(<redacted>)");
        assert_eq!(format!("{:?}", Redacted(&None::<String>)), "None");
        let map = BTreeMap::from([
            ("b".to_string(), ByteString::from("sentinel")),
            ("a".to_string(), ByteString::from("x")),
        ]);
        assert_eq!(
            format!("{:?}", Redacted(&Some(map))),
            r#"Some({"a": <redacted>, "b": <redacted>})"#
        );
        let pretty = format!("{:#?}", Redacted(&"sentinel".to_string()));
        assert_eq!(pretty, "<redacted>");
    }
}
