//! Options of each verb (`ListOptions`, `GetOptions`, …) and how they encode to query parameters.

/// Something that encodes to URL query parameters, the way client-go's `ParameterCodec` encodes
/// option structs ("versioned params"). Pairs are `(name, value)`, unescaped; the request builder
/// escapes and sorts them.
pub trait ToQueryParams {
    /// Appends this value's query parameters to `out`, omitting fields left at their defaults.
    fn query_params(&self, out: &mut Vec<(String, String)>);
}
