//! Options of each verb (`ListOptions`, `GetOptions`, …) and how they encode to query parameters.
//!
//! Every option struct implements [`ToQueryParams`], producing exactly the parameter names the
//! API server expects (`labelSelector`, `resourceVersionMatch`, `dryRun`, `fieldManager`, …) and
//! leaving out every field at its default, as client-go's parameter codec does. The structs are
//! plain data with public fields plus `#[must_use]` consuming builder methods.
//!
//! ```
//! use kclient_apimachinery::ToQueryParams;
//! use kclient_apimachinery::options::ListOptions;
//!
//! let opts = ListOptions::default().label_selector("app=web").limit(50);
//! let mut params = Vec::new();
//! opts.query_params(&mut params);
//! assert_eq!(params, [
//!     ("labelSelector".to_string(), "app=web".to_string()),
//!     ("limit".to_string(), "50".to_string()),
//! ]);
//! ```

mod delete;
mod list;
mod write;

pub use delete::{DeleteOptions, PropagationPolicy};
pub use list::{GetOptions, ListOptions, ResourceVersionMatch};
pub use write::{
    ApplyOptions, CreateOptions, FieldValidation, PatchOptions, PatchType, UpdateOptions,
};

/// Something that encodes to URL query parameters, the way client-go's `ParameterCodec` encodes
/// option structs ("versioned params"). Pairs are `(name, value)`, unescaped; the request builder
/// escapes and sorts them.
pub trait ToQueryParams {
    /// Appends this value's query parameters to `out`, omitting fields left at their defaults.
    fn query_params(&self, out: &mut Vec<(String, String)>);
}

/// Appends `name=value` when `value` is set and not empty.
pub(crate) fn push_str(out: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        out.push((name.to_string(), v.to_string()));
    }
}

/// Appends `name=value` when `value` is set.
pub(crate) fn push_display<T: std::fmt::Display>(
    out: &mut Vec<(String, String)>,
    name: &str,
    value: Option<T>,
) {
    if let Some(v) = value {
        out.push((name.to_string(), v.to_string()));
    }
}

/// Appends `name=true` when `flag` is set.
pub(crate) fn push_flag(out: &mut Vec<(String, String)>, name: &str, flag: bool) {
    if flag {
        out.push((name.to_string(), "true".to_string()));
    }
}

/// Appends `dryRun=All` when `dry_run` is set.
pub(crate) fn push_dry_run(out: &mut Vec<(String, String)>, dry_run: bool) {
    if dry_run {
        out.push(("dryRun".to_string(), DRY_RUN_ALL.to_string()));
    }
}

/// The only valid `dryRun` value.
pub(crate) const DRY_RUN_ALL: &str = "All";

#[cfg(test)]
pub(crate) fn encode<T: ToQueryParams>(opts: &T) -> Vec<(String, String)> {
    let mut out = Vec::new();
    opts.query_params(&mut out);
    out
}

#[cfg(test)]
pub(crate) fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
