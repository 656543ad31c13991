//! Field selectors, as `k8s.io/apimachinery/pkg/fields`: comma-separated `field=value`,
//! `field==value` or `field!=value` terms, with `\,`, `\=` and `\\` escapes in values.
//!
//! ```
//! use kclient_apimachinery::fields::FieldSelector;
//!
//! let sel = FieldSelector::parse("status.phase!=Failed,metadata.name=web\\,1").unwrap();
//! assert_eq!(sel.to_string(), "metadata.name=web\\,1,status.phase!=Failed");
//! assert!(sel.matches(|field| match field {
//!     "metadata.name" => Some("web,1"),
//!     "status.phase" => Some("Running"),
//!     _ => None,
//! }));
//! ```

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A field selector operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldOperator {
    /// `=` (or `==`, which means the same and prints as `=`).
    Equals,
    /// `!=`.
    NotEquals,
}

/// One `field op value` term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldTerm {
    /// The field path, such as `metadata.name` or `status.phase`.
    pub field: String,
    /// The operator.
    pub operator: FieldOperator,
    /// The literal value (unescaped).
    pub value: String,
}

impl fmt::Display for FieldTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(f, "{}{op}{}", self.field, escape_value(&self.value))
    }
}

/// A field selector: terms that must all hold. The empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

/// Escapes `\`, `,` and `=` in a literal value (`fields.EscapeValue`).
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reverses [`escape_value`] (`fields.UnescapeValue`); the error is Go's message.
pub fn unescape_value(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut in_slash = false;
    for c in value.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                ));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, i.e. as its code point number.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ));
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

/// Splits on commas not preceded by a backslash, keeping escapes (`splitTerms`).
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits a term at the first operator (`!=`, then `==`, then `=` at each position).
fn split_term(term: &str) -> Option<(&str, FieldOperator, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op, operator) in [
            ("!=", FieldOperator::NotEquals),
            ("==", FieldOperator::Equals),
            ("=", FieldOperator::Equals),
        ] {
            if let Some(value) = rest.strip_prefix(op) {
                return Some((&term[..i], operator, value));
            }
        }
    }
    None
}

impl FieldSelector {
    /// The selector that matches everything.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses `fields.ParseSelector` syntax. Terms are kept in sorted order of their text, as
    /// Go does, and a term with both field and value empty (`=`) is dropped.
    pub fn parse(selector: &str) -> Result<Self, Error> {
        let err = |message| Error::InvalidFieldSelector {
            selector: selector.to_string(),
            message,
        };
        let mut parts = split_terms(selector);
        parts.sort_unstable();
        let mut terms = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let (field, operator, raw) = split_term(part).ok_or_else(|| {
                err(format!(
                    "invalid selector: '{selector}'; can't understand '{part}'"
                ))
            })?;
            let value = unescape_value(raw).map_err(err)?;
            if field.is_empty() && value.is_empty() {
                continue;
            }
            terms.push(FieldTerm {
                field: field.to_string(),
                operator,
                value,
            });
        }
        Ok(Self { terms })
    }

    /// `field=value` (`fields.OneTermEqualSelector`).
    pub fn one_term_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::everything().equals(field, value)
    }

    /// Adds `field=value`.
    #[must_use]
    pub fn equals(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.terms.push(FieldTerm {
            field: field.into(),
            operator: FieldOperator::Equals,
            value: value.into(),
        });
        self
    }

    /// Adds `field!=value`.
    #[must_use]
    pub fn not_equals(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.terms.push(FieldTerm {
            field: field.into(),
            operator: FieldOperator::NotEquals,
            value: value.into(),
        });
        self
    }

    /// The terms.
    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// Whether there is no term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether all terms hold; `get` returns a field's value, and a missing field counts as the
    /// empty string (as Go's `Fields.Get`).
    pub fn matches<'a, F>(&self, get: F) -> bool
    where
        F: Fn(&str) -> Option<&'a str>,
    {
        self.terms.iter().all(|t| {
            let actual = get(&t.field).unwrap_or("");
            match t.operator {
                FieldOperator::Equals => actual == t.value,
                FieldOperator::NotEquals => actual != t.value,
            }
        })
    }

    /// The value `field` must equal, if an `=` term pins it (`RequiresExactMatch`).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.field == field && t.operator == FieldOperator::Equals)
            .map(|t| t.value.as_str())
    }
}

/// Terms joined by `,`, values escaped.
impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldSelector {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn message(s: &str) -> String {
        match FieldSelector::parse(s).unwrap_err() {
            Error::InvalidFieldSelector { message, .. } => message,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn parse_and_print_like_go() {
        let cases = [
            ("", ""),
            ("a=b", "a=b"),
            ("a==b", "a=b"),
            ("a!=b", "a!=b"),
            ("x=a,a=x", "a=x,x=a"),
            ("a=,b!=", "a=,b!="),
            ("=", ""),
            ("a=b,", "a=b"),
            (",,a=b", "a=b"),
            ("a=b\\,c", "a=b\\,c"),
            ("a=b\\=c\\\\", "a=b\\=c\\\\"),
            (
                "metadata.name=web,status.phase!=Failed",
                "metadata.name=web,status.phase!=Failed",
            ),
        ];
        for (input, printed) in cases {
            let sel = FieldSelector::parse(input).unwrap();
            assert_eq!(sel.to_string(), printed, "{input:?}");
        }
        let sel = FieldSelector::parse("a=b\\,c\\=d\\\\").unwrap();
        assert_eq!(sel.terms()[0].value, "b,c=d\\");
        assert_eq!(
            FieldSelector::parse("a!=\\=b").unwrap().terms()[0].value,
            "=b".to_string()
        );
    }

    #[test]
    fn errors_like_go() {
        assert_eq!(
            message("abc"),
            "invalid selector: 'abc'; can't understand 'abc'"
        );
        assert_eq!(
            message("a=b,c"),
            "invalid selector: 'a=b,c'; can't understand 'c'"
        );
        assert_eq!(
            message("a=b\\x"),
            "invalid field selector: invalid escape sequence: \\x"
        );
        assert_eq!(
            message("a=b\\"),
            "invalid field selector: invalid escape sequence: \\"
        );
        assert_eq!(
            message("a!==b"),
            "invalid field selector: unescaped character in value: 61"
        );
        let display = FieldSelector::parse("abc").unwrap_err().to_string();
        assert_eq!(
            display,
            "invalid field selector \"abc\": invalid selector: 'abc'; can't understand 'abc'"
        );
    }

    #[test]
    fn matching_and_building() {
        let sel = FieldSelector::one_term_equal("metadata.name", "a,b").not_equals("spec.x", "");
        assert_eq!(sel.to_string(), "metadata.name=a\\,b,spec.x!=");
        let get = |f: &str| match f {
            "metadata.name" => Some("a,b"),
            "spec.x" => Some("1"),
            _ => None,
        };
        assert!(sel.matches(get));
        assert!(!sel.matches(|_| None));
        assert!(FieldSelector::parse("x=").unwrap().matches(|_| None));
        assert_eq!(sel.requires_exact_match("metadata.name"), Some("a,b"));
        assert_eq!(sel.requires_exact_match("spec.x"), None);
        assert!(FieldSelector::everything().is_empty());
        let reparsed: FieldSelector = sel.to_string().parse().unwrap();
        assert_eq!(reparsed, sel);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = FieldSelector::parse(&s);
        }

        #[test]
        fn escaped_values_round_trip(value in "\\PC{0,12}") {
            prop_assert_eq!(unescape_value(&escape_value(&value)).unwrap(), value.clone());
            let sel = FieldSelector::one_term_equal("f", value.clone());
            let parsed = FieldSelector::parse(&sel.to_string()).unwrap();
            prop_assert_eq!(parsed.terms()[0].value.clone(), value);
        }
    }
}
