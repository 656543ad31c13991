//! Serde helpers shared by the `meta/v1` types: Go's JSON decoder accepts `null` for any slice or
//! map field and treats it as empty, so ours does too.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` (or an absent field, with `#[serde(default)]`) as `T::default()`.
pub(crate) fn null_to_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// [`null_to_default`] for a list, shrunk to its length: a decoded list otherwise keeps the
/// capacity its growth left (four entries after the first), which objects held in a cache pay
/// for (one `managedFields` entry would take four entries' room).
pub(crate) fn null_to_empty_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut items = Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default();
    items.shrink_to_fit();
    Ok(items)
}
