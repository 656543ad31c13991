//! Serialization helpers the generated code refers to.

use serde::Serializer;

/// Writes a `float64` as Go's encoder does where it matters for round trips: an integral
/// value (in `i64` range) without a fraction (`10`, not `10.0`).
pub fn go_f64<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    // 2^63 bounds the i64 range; beyond it (and for fractions) the float is written as is.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if value.fract() == 0.0 && value.abs() < LIMIT {
        #[allow(clippy::cast_possible_truncation)] // integral and in range, checked above
        return serializer.serialize_i64(*value as i64);
    }
    serializer.serialize_f64(*value)
}

/// [`go_f64`] for an optional field (only called for `Some`, the field being skipped if
/// `None`; `None` is written as `null`).
pub fn go_f64_opt<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => go_f64(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// A `float64` field value that serializes through [`go_f64`] (used by the generated
/// `Serialize` impls).
#[derive(Debug, Clone, Copy)]
pub struct GoF64<'a>(pub &'a f64);

impl serde::Serialize for GoF64<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        go_f64(self.0, serializer)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    #[derive(serde::Serialize)]
    struct S {
        #[serde(serialize_with = "super::go_f64_opt")]
        x: Option<f64>,
        #[serde(serialize_with = "super::go_f64")]
        y: f64,
    }

    #[test]
    fn integral_floats_have_no_fraction() {
        let json = |x, y| serde_json::to_string(&S { x, y }).unwrap();
        assert_eq!(json(Some(10.0), -3.0), r#"{"x":10,"y":-3}"#);
        assert_eq!(json(Some(0.5), 1e300), r#"{"x":0.5,"y":1e+300}"#);
        assert_eq!(json(None, 0.0), r#"{"x":null,"y":0}"#);
        assert_eq!(serde_json::to_string(&super::GoF64(&2.0)).unwrap(), "2");
    }
}
