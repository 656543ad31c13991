//! `Quantity`: a fixed-point number with a unit suffix, as `k8s.io/apimachinery/pkg/api/resource`
//! defines it (`500m`, `1.5Gi`, `100M`, `1e3`).
//!
//! Values are held exactly as a signed 128-bit count of nano-units, the finest precision Go keeps
//! (anything finer is rounded up to `1n`). The suffix family used on input (decimal SI, binary SI
//! or decimal exponent) is remembered and used again on output, in Go's canonical form.

mod format;
mod parse;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Nano-units per unit.
const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// How a quantity is written: `resource.Format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Powers of ten as exponents: `12e6`.
    DecimalExponent,
    /// Powers of two as binary SI suffixes: `12Mi` (`Ki Mi Gi Ti Pi Ei`).
    BinarySI,
    /// Powers of ten as decimal SI suffixes: `12M` (`n u m k M G T P E`).
    #[default]
    DecimalSI,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::DecimalExponent => "DecimalExponent",
            Format::BinarySI => "BinarySI",
            Format::DecimalSI => "DecimalSI",
        })
    }
}

/// A resource quantity such as a CPU or memory amount.
///
/// * Parse with [`Quantity::parse`] / `str::parse`, print with `Display` (Go's `String()`).
/// * Equality, ordering and hashing are by value: `1Gi == 1024Mi` and `1k < 1Ki`.
/// * [`checked_add`](Self::checked_add)/[`checked_sub`](Self::checked_sub) report overflow as errors.
/// * Serialized as a JSON string; deserialized from a string or a JSON number.
///
/// Like Go, a parsed quantity whose text is already in a canonical-looking shape keeps that text
/// verbatim for `Display` (so `+1` prints `+1` and `1E3` prints `1E3`); any arithmetic or
/// [`with_format`](Self::with_format) drops it. [`canonical`](Self::canonical) always recomputes.
#[derive(Clone, Default)]
pub struct Quantity {
    nanos: i128,
    format: Format,
    /// The input text, when Go's parser would keep it as the string form.
    text: Option<Box<str>>,
}

impl Quantity {
    /// Zero (written `0`).
    pub fn zero() -> Self {
        Self::default()
    }

    /// Parses a quantity as `resource.ParseQuantity` does. Errors carry Go's messages
    /// (`quantities must match the regular expression ...`, `unable to parse quantity's suffix`),
    /// or a range error for magnitudes of 1.7e29 and above, which Go accepts but this type cannot hold.
    pub fn parse(s: &str) -> Result<Self, Error> {
        parse::parse(s)
    }

    /// `value` units in `format` (`resource.NewQuantity`).
    pub fn from_i64(value: i64, format: Format) -> Self {
        Self::from_nanos(i128::from(value) * NANOS_PER_UNIT, format)
    }

    /// `value` thousandths in `format` (`resource.NewMilliQuantity`).
    pub fn from_milli(value: i64, format: Format) -> Self {
        Self::from_nanos(i128::from(value) * 1_000_000, format)
    }

    /// `value × 10^scale` in DecimalSI (`resource.NewScaledQuantity`), rounded up to a whole nano
    /// when `scale < -9`; an error if it is out of range.
    pub fn from_scaled(value: i64, scale: i32) -> Result<Self, Error> {
        let overflow = Error::QuantityOverflow {
            operation: "from_scaled",
        };
        let v = i128::from(value);
        let shift = i64::from(scale) + 9;
        let nanos = if v == 0 {
            0
        } else if shift >= 0 {
            u32::try_from(shift)
                .ok()
                .and_then(|s| 10i128.checked_pow(s))
                .and_then(|p| v.checked_mul(p))
                .ok_or(overflow)?
        } else {
            // Finer than a nano: round up away from zero, as Go's parser does.
            match u32::try_from(-shift)
                .ok()
                .and_then(|s| 10i128.checked_pow(s))
            {
                Some(d) => div_away_from_zero(v, d),
                None => v.signum(),
            }
        };
        Ok(Self::from_nanos(nanos, Format::DecimalSI))
    }

    fn from_nanos(nanos: i128, format: Format) -> Self {
        Self {
            nanos,
            format,
            text: None,
        }
    }

    /// The format the quantity is written in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The same value written in another format.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self.text = None;
        self
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// -1, 0 or 1 according to the sign.
    pub fn signum(&self) -> i32 {
        match self.nanos.cmp(&0) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    /// The exact value in nano-units (value × 10⁹).
    pub fn as_nanos(&self) -> i128 {
        self.nanos
    }

    /// The value as an `i64` if it is a whole number that fits (like Go's `AsInt64`, but also
    /// for values written with a smaller unit, such as `1000m`).
    pub fn as_i64(&self) -> Option<i64> {
        if self.nanos % NANOS_PER_UNIT != 0 {
            return None;
        }
        i64::try_from(self.nanos / NANOS_PER_UNIT).ok()
    }

    /// The value rounded up away from zero to a whole number (`Value()`); an error if it does
    /// not fit an `i64` (Go would silently saturate).
    pub fn value(&self) -> Result<i64, Error> {
        self.scaled_value(0)
    }

    /// The value in thousandths, rounded up away from zero (`MilliValue()`); an error if it does
    /// not fit an `i64`.
    pub fn milli_value(&self) -> Result<i64, Error> {
        self.scaled_value(-3)
    }

    /// The value in units of `10^scale`, rounded up away from zero (`ScaledValue(scale)`): for
    /// example `scale = -3` gives thousandths. An error if the result does not fit an `i64`.
    pub fn scaled_value(&self, scale: i32) -> Result<i64, Error> {
        let overflow = Error::QuantityOverflow {
            operation: "scaled_value",
        };
        let shift = i64::from(scale) + 9;
        let scaled = if self.nanos == 0 {
            0
        } else if shift >= 0 {
            match u32::try_from(shift)
                .ok()
                .and_then(|s| 10i128.checked_pow(s))
            {
                Some(d) => div_away_from_zero(self.nanos, d),
                None => self.nanos.signum(),
            }
        } else {
            u32::try_from(-shift)
                .ok()
                .and_then(|s| 10i128.checked_pow(s))
                .and_then(|m| self.nanos.checked_mul(m))
                .ok_or(overflow.clone())?
        };
        i64::try_from(scaled).map_err(|_| overflow)
    }

    /// An approximate `f64` of the value (`AsApproximateFloat64`).
    pub fn as_f64(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.nanos as f64;
        v / 1e9
    }

    /// `self + other`. If `self` is zero the result takes `other`'s format, as Go's `Add` does.
    pub fn checked_add(&self, other: &Quantity) -> Result<Quantity, Error> {
        let nanos = self
            .nanos
            .checked_add(other.nanos)
            .ok_or(Error::QuantityOverflow { operation: "add" })?;
        Ok(Self::from_nanos(nanos, self.result_format(other)))
    }

    /// `self - other`. If `self` is zero the result takes `other`'s format, as Go's `Sub` does.
    pub fn checked_sub(&self, other: &Quantity) -> Result<Quantity, Error> {
        let nanos = self
            .nanos
            .checked_sub(other.nanos)
            .ok_or(Error::QuantityOverflow {
                operation: "subtract",
            })?;
        Ok(Self::from_nanos(nanos, self.result_format(other)))
    }

    /// `self × factor`; an error on overflow.
    pub fn checked_mul(&self, factor: i64) -> Result<Quantity, Error> {
        let nanos = self
            .nanos
            .checked_mul(i128::from(factor))
            .ok_or(Error::QuantityOverflow {
                operation: "multiply",
            })?;
        Ok(Self::from_nanos(nanos, self.format))
    }

    /// The negated value, in the same format.
    #[must_use]
    pub fn neg(&self) -> Quantity {
        // |nanos| < 2^127 always holds (parse and arithmetic are checked), so this cannot overflow.
        Self::from_nanos(self.nanos.saturating_neg(), self.format)
    }

    fn result_format(&self, other: &Quantity) -> Format {
        if self.is_zero() {
            other.format
        } else {
            self.format
        }
    }

    /// The canonical string, recomputed from the value and format (what `Display` prints unless
    /// the parsed text was kept).
    pub fn canonical(&self) -> String {
        format::canonical(self.nanos, self.format)
    }
}

/// Integer division rounding away from zero (`d > 0`).
fn div_away_from_zero(v: i128, d: i128) -> i128 {
    let q = v / d;
    if v % d == 0 { q } else { q + v.signum() }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quantity({self}, {})", self.format)
    }
}

/// Go's `Quantity.String()`.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl FromStr for Quantity {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct QuantityVisitor;

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a quantity string such as \"500m\" or \"1Gi\", or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        // Go trims surrounding whitespace before parsing (UnmarshalJSON).
        Quantity::parse(v.trim()).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        if !v.is_finite() {
            return Err(E::custom("a quantity cannot be NaN or infinite"));
        }
        self.visit_str(&v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Quantity, E> {
        // Go reads `null` as the zero quantity.
        Ok(Quantity::zero())
    }

    fn visit_none<E: de::Error>(self) -> Result<Quantity, E> {
        Ok(Quantity::zero())
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}
