//! `IntOrString`: a field that holds either an integer or a string (`intstr.IntOrString`), such
//! as a port (`8080` or `"http"`) or a rolling-update budget (`1` or `"25%"`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

/// An integer or a string; on the wire a bare JSON number or string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer (`int32` in Go).
    Int(i32),
    /// A string, such as a port name or a percentage like `25%`.
    String(String),
}

/// Read with a visitor rather than `#[serde(untagged)]`, which would buffer the value first.
impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntOrStringVisitor;

        impl serde::de::Visitor<'_> for IntOrStringVisitor {
            type Value = IntOrString;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format_args!("integer {v} is out of the int32 range")))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format_args!("integer {v} is out of the int32 range")))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v))
            }
        }

        deserializer.deserialize_any(IntOrStringVisitor)
    }
}

impl Default for IntOrString {
    /// `Int(0)`, like Go's zero value.
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl From<i32> for IntOrString {
    fn from(v: i32) -> Self {
        IntOrString::Int(v)
    }
}

impl From<&str> for IntOrString {
    fn from(v: &str) -> Self {
        IntOrString::String(v.to_string())
    }
}

impl From<String> for IntOrString {
    fn from(v: String) -> Self {
        IntOrString::String(v)
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl IntOrString {
    /// Resolves an integer or a percentage of `total`, as Go's `GetScaledValueFromIntOrPercent`.
    ///
    /// An `Int` is returned as is. A string must be `<integer>%`; it resolves to
    /// `value × total / 100`, rounded up when `round_up` is true and down otherwise (computed
    /// exactly in integers). Any other string is an error, as in Go.
    pub fn scaled_value(&self, total: i64, round_up: bool) -> Result<i64, Error> {
        let s = match self {
            IntOrString::Int(i) => return Ok(i64::from(*i)),
            IntOrString::String(s) => s,
        };
        let err = |reason| Error::InvalidIntOrPercent {
            value: s.clone(),
            reason,
        };
        let digits = s
            .strip_suffix('%')
            .ok_or_else(|| err("string is not a percentage"))?;
        // strconv.Atoi: optional sign, decimal digits.
        let percent: i64 = digits
            .parse()
            .map_err(|_| err("the part before '%' is not an integer"))?;
        let product = i128::from(percent) * i128::from(total);
        let scaled = if round_up {
            product.div_euclid(100) + i128::from(product.rem_euclid(100) != 0)
        } else {
            product.div_euclid(100)
        };
        i64::try_from(scaled).map_err(|_| err("the scaled value does not fit in 64 bits"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_untagged() {
        assert_eq!(serde_json::to_string(&IntOrString::Int(80)).unwrap(), "80");
        assert_eq!(
            serde_json::to_string(&IntOrString::from("http")).unwrap(),
            r#""http""#
        );
        let i: IntOrString = serde_json::from_str("8080").unwrap();
        assert_eq!(i, IntOrString::Int(8080));
        let s: IntOrString = serde_json::from_str(r#""25%""#).unwrap();
        assert_eq!(s, IntOrString::String("25%".into()));
        assert!(serde_json::from_str::<IntOrString>("true").is_err());
        assert!(serde_json::from_str::<IntOrString>("4294967296").is_err());
        assert_eq!(IntOrString::default(), IntOrString::Int(0));
        assert_eq!(IntOrString::from(3).to_string(), "3");
    }

    #[test]
    fn scaled_value_like_go() {
        let cases: &[(IntOrString, i64, bool, i64)] = &[
            (IntOrString::Int(5), 100, true, 5),
            ("25%".into(), 10, true, 3),
            ("25%".into(), 10, false, 2),
            ("100%".into(), 7, false, 7),
            ("0%".into(), 7, true, 0),
            ("50%".into(), 0, true, 0),
            ("33%".into(), 3, true, 1),
            ("33%".into(), 3, false, 0),
        ];
        for (v, total, up, want) in cases {
            assert_eq!(
                v.scaled_value(*total, *up).unwrap(),
                *want,
                "{v} of {total}"
            );
        }
        for bad in ["25", "abc%", "%", "2.5%"] {
            let err = IntOrString::from(bad).scaled_value(10, true).unwrap_err();
            assert!(matches!(err, Error::InvalidIntOrPercent { .. }), "{bad}");
        }
    }
}
