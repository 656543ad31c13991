//! The parsed label selector: parse, print (canonical, sorted by key), match, build, and convert
//! from the `meta/v1` struct form.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use super::parser;
use super::requirement::{Operator, Requirement};
use crate::Error;
use crate::meta::{LabelSelector, LabelSelectorRequirement};

/// Anything that can look up a label value by key.
pub trait Labels {
    /// The value of label `key`, if present.
    fn get_label(&self, key: &str) -> Option<&str>;
}

impl Labels for crate::VecMap<String, String> {
    fn get_label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Labels for BTreeMap<String, String> {
    fn get_label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> Labels for HashMap<String, String, S> {
    fn get_label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// A parsed label selector: requirements that must all match (`labels.Selector`).
///
/// The empty selector matches everything. Requirements are kept sorted by key, so `Display`
/// prints the canonical form Go prints (`a=x,b in (1,2),!c`), which is also what goes in the
/// `labelSelector` query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that matches everything (`labels.Everything()`).
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses selector syntax (`labels.Parse`): comma-separated requirements, each one of
    /// `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`,
    /// `!key`, `key>n`, `key<n`. Errors carry the server's message.
    pub fn parse(selector: &str) -> Result<Self, Error> {
        parser::parse(selector)
            .map(|requirements| Self { requirements })
            .map_err(|message| Error::InvalidLabelSelector {
                selector: selector.to_string(),
                message,
            })
    }

    /// Starts a builder; each method validates its requirement and [`SelectorBuilder::build`]
    /// reports the first invalid one.
    pub fn builder() -> SelectorBuilder {
        SelectorBuilder::default()
    }

    /// A selector requiring every `key=value` of `set`, without validation (`SelectorFromSet`;
    /// the server rejects invalid keys or values).
    pub fn from_set(set: &BTreeMap<String, String>) -> Self {
        let requirements = set
            .iter()
            .map(|(k, v)| Requirement::raw(k.clone(), Operator::Equals, vec![v.clone()]))
            .collect();
        Self { requirements }
    }

    /// Like [`from_set`](Self::from_set) but validating every key and value
    /// (`ValidatedSelectorFromSet`).
    pub fn validated_from_set(set: &BTreeMap<String, String>) -> Result<Self, Error> {
        let requirements = set
            .iter()
            .map(|(k, v)| Requirement::new(k.clone(), Operator::Equals, [v.clone()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { requirements })
    }

    /// Converts the `meta/v1` struct form, as `metav1.LabelSelectorAsSelector` does: every
    /// `matchLabels` entry becomes `key=value`, every expression `key in/notin (...)`, `key` or
    /// `!key`, each validated. (Go maps a *nil* selector to "match nothing"; model that with
    /// `Option` at the call site.)
    pub fn from_label_selector(selector: &LabelSelector) -> Result<Self, Error> {
        let mut out = Self::default();
        for (k, v) in &selector.match_labels {
            out = out.with_requirement(Requirement::new(k.clone(), Operator::Equals, [v.clone()])?);
        }
        for expr in &selector.match_expressions {
            let op = match expr.operator.as_str() {
                LabelSelectorRequirement::OP_IN => Operator::In,
                LabelSelectorRequirement::OP_NOT_IN => Operator::NotIn,
                LabelSelectorRequirement::OP_EXISTS => Operator::Exists,
                LabelSelectorRequirement::OP_DOES_NOT_EXIST => Operator::DoesNotExist,
                other => {
                    return Err(Error::InvalidLabelRequirement {
                        key: expr.key.clone(),
                        message: format!(
                            "{} is not a valid label selector operator",
                            crate::field_error::go_quote(other)
                        ),
                    });
                }
            };
            out = out.with_requirement(Requirement::new(
                expr.key.clone(),
                op,
                expr.values.iter().cloned(),
            )?);
        }
        Ok(out)
    }

    /// This selector with one more requirement (kept sorted by key), as Go's `Selector.Add`.
    #[must_use]
    pub fn with_requirement(mut self, requirement: Requirement) -> Self {
        self.requirements.push(requirement);
        self.requirements.sort_by(|a, b| a.key().cmp(b.key()));
        self
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether the selector has no requirement (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether every requirement matches `labels`.
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// The single value label `key` must have, if the selector pins it (`=`, `==`, or `in` with
    /// one value on the first requirement for that key), as `RequiresExactMatch`.
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key() == key)?;
        match (r.operator(), r.values()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [value]) => Some(value),
            _ => None,
        }
    }
}

impl TryFrom<&LabelSelector> for Selector {
    type Error = Error;
    fn try_from(selector: &LabelSelector) -> Result<Self, Error> {
        Self::from_label_selector(selector)
    }
}

/// The canonical form: requirements joined by `,` in key order.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// Builds a [`Selector`] requirement by requirement; the first invalid one is reported by
/// [`build`](Self::build).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct SelectorBuilder {
    requirements: Vec<Requirement>,
    error: Option<Error>,
}

impl SelectorBuilder {
    /// Adds `key operator values`.
    pub fn requirement<I, S>(
        mut self,
        key: impl Into<String>,
        operator: Operator,
        values: I,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if self.error.is_none() {
            match Requirement::new(key, operator, values) {
                Ok(r) => self.requirements.push(r),
                Err(e) => self.error = Some(e),
            }
        }
        self
    }

    /// `key=value`.
    pub fn equals(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.requirement(key, Operator::Equals, [value.into()])
    }

    /// `key!=value`.
    pub fn not_equals(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.requirement(key, Operator::NotEquals, [value.into()])
    }

    /// `key in (values)`.
    pub fn in_values<I, S>(self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requirement(key, Operator::In, values)
    }

    /// `key notin (values)`.
    pub fn not_in_values<I, S>(self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requirement(key, Operator::NotIn, values)
    }

    /// `key` (the label exists).
    pub fn exists(self, key: impl Into<String>) -> Self {
        self.requirement(key, Operator::Exists, Vec::<String>::new())
    }

    /// `!key` (the label does not exist).
    pub fn does_not_exist(self, key: impl Into<String>) -> Self {
        self.requirement(key, Operator::DoesNotExist, Vec::<String>::new())
    }

    /// `key>n`.
    pub fn greater_than(self, key: impl Into<String>, n: i64) -> Self {
        self.requirement(key, Operator::GreaterThan, [n.to_string()])
    }

    /// `key<n`.
    pub fn less_than(self, key: impl Into<String>, n: i64) -> Self {
        self.requirement(key, Operator::LessThan, [n.to_string()])
    }

    /// The selector, or the first invalid requirement's error.
    pub fn build(self) -> Result<Selector, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        Ok(self
            .requirements
            .into_iter()
            .fold(Selector::default(), Selector::with_requirement))
    }
}
