//! Small serde helpers for the kubeconfig types: `null` read as the default value (Go's
//! decoder does this for slices and maps) and strings read straight into a [`SecretString`].

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

/// Reads `null` (or a missing field, with `#[serde(default)]`) as `T::default()`.
pub(crate) fn nullable<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// Reads an optional string into a secret; `null` and `""` both mean "not set".
pub(crate) fn opt_secret<'de, D>(de: D) -> Result<Option<SecretString>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(de)?
        .filter(|s| !s.is_empty())
        .map(SecretString::from))
}

/// Reads an optional string; `""` means "not set", as in client-go (which tests `len(x) == 0`).
pub(crate) fn opt_string<'de, D>(de: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(de)?.filter(|s| !s.is_empty()))
}
