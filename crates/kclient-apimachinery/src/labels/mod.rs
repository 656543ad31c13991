//! Label selectors, as `k8s.io/apimachinery/pkg/labels`: parse the selector syntax with the
//! server's error messages, print the canonical form, match label sets, build selectors in code,
//! and convert the `meta/v1` [`LabelSelector`](crate::meta::LabelSelector) struct.
//!
//! ```
//! use std::collections::BTreeMap;
//! use kclient_apimachinery::labels::Selector;
//!
//! let sel = Selector::parse("tier in (web, cache), env!=prod, !canary").unwrap();
//! assert_eq!(sel.to_string(), "!canary,env!=prod,tier in (cache,web)");
//! let labels = BTreeMap::from([("tier".to_string(), "web".to_string())]);
//! assert!(sel.matches(&labels));
//! ```

mod lexer;
mod parser;
mod requirement;
mod selector;
#[cfg(test)]
mod tests;

pub use requirement::{Operator, Requirement};
pub use selector::{Labels, Selector, SelectorBuilder};
