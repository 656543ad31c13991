//! Parsing a quantity string, ported from `resource.ParseQuantity`: the scanner
//! (`parseQuantityString`), the suffix table, exact conversion to nano-units with Go's rounding
//! (up, away from zero, to 1n) and capping (BinarySI at 2^63-1), and Go's decision whether the
//! input text is kept as the quantity's string form.

use super::{Format, NANOS_PER_UNIT, Quantity};
use crate::Error;

/// `resource.ErrFormatWrong`'s text.
pub(super) const ERR_FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// `resource.ErrSuffix`'s text.
pub(super) const ERR_SUFFIX: &str = "unable to parse quantity's suffix";
/// Our own limit: the value does not fit the 128-bit nano-unit representation.
pub(super) const ERR_RANGE: &str =
    "quantity is out of the supported range (magnitude must be below about 1.7e29)";

/// The pieces of a quantity string, as `parseQuantityString` returns them.
struct Parts<'a> {
    negative: bool,
    /// Integer digits without leading zeros; `"0"` when there are none.
    num: &'a str,
    /// Fraction digits (possibly empty).
    denom: &'a str,
    suffix: &'a str,
}

const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

/// Port of Go's `parseQuantityString`, byte for byte.
fn scan(s: &str) -> Result<Parts<'_>, &'static str> {
    let b = s.as_bytes();
    let end = b.len();
    let mut parts = Parts {
        negative: false,
        num: "0",
        denom: "",
        suffix: "",
    };
    let mut pos = 0;
    match b.first() {
        Some(b'-') => {
            parts.negative = true;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    // Leading zeros; if nothing else follows, the value is zero.
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(parts);
    }
    let start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos > start {
        parts.num = &s[start..pos];
    }
    if pos >= end {
        return Ok(parts);
    }
    if b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        parts.denom = &s[start..pos];
        if pos >= end {
            return Ok(parts);
        }
    }
    let suffix_start = pos;
    while pos < end && SUFFIX_CHARS.contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        // A character that can be neither suffix nor exponent digit.
        return Err(ERR_FORMAT_WRONG);
    }
    parts.suffix = &s[suffix_start..];
    Ok(parts)
}

/// Port of the suffixer's `interpret`: `(base, exponent, format)`.
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSI));
    let binary = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            if rest.is_empty() {
                return None;
            }
            // strconv.ParseInt(rest, 10, 64), then the int32-scale bound Go now enforces.
            let exp: i64 = rest.parse().ok()?;
            let exp = i32::try_from(exp).ok().filter(|e| *e != i32::MIN)?;
            Some((10, exp, Format::DecimalExponent))
        }
    }
}

/// Multiplies a big-endian decimal digit vector by `2^bits` in place (`bits <= 60`).
fn mul_pow2(digits: &mut Vec<u8>, mut bits: u32) {
    while bits > 0 {
        let step = bits.min(30);
        bits -= step;
        let factor = 1u64 << step;
        let mut carry = 0u64;
        for d in digits.iter_mut().rev() {
            let v = u64::from(*d) * factor + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.insert(0, (carry % 10) as u8);
            carry /= 10;
        }
    }
}

/// Accumulates decimal digits into a `u128`, `None` on overflow.
fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })
}

/// The exact magnitude in nano-units of `num.denom × base^exponent`, rounded up to a whole nano.
fn magnitude_nanos(num: &str, denom: &str, base: u32, exponent: i32) -> Option<u128> {
    let mut digits: Vec<u8> = num.bytes().chain(denom.bytes()).map(|c| c - b'0').collect();
    let first_nonzero = digits.iter().position(|d| *d != 0)?;
    digits.drain(..first_nonzero);
    let mut shift: i64 = 9 - denom.len() as i64;
    if base == 2 {
        // Binary exponents are 10..=60.
        mul_pow2(&mut digits, exponent.unsigned_abs());
    } else {
        shift += i64::from(exponent);
    }
    if shift >= 0 {
        if digits.len() as i64 + shift > 39 {
            return None;
        }
        let shift = u32::try_from(shift).ok()?;
        digits_to_u128(&digits)?.checked_mul(10u128.checked_pow(shift)?)
    } else {
        let cut = usize::try_from(shift.unsigned_abs()).unwrap_or(usize::MAX);
        if cut >= digits.len() {
            // A non-zero value below one nano rounds up to one nano.
            return Some(1);
        }
        let (int, frac) = digits.split_at(digits.len() - cut);
        let round_up = u128::from(frac.iter().any(|d| *d != 0));
        digits_to_u128(int)?.checked_add(round_up)
    }
}

/// Whether Go's fast path would keep the input text as the quantity's string (it does when the
/// text is already in a canonical-looking shape; see `ParseQuantity`).
fn keeps_text(parts: &Parts<'_>, exponent: i32, format: Format) -> bool {
    let digits = (parts.num.len() + parts.denom.len()) as i64;
    let precision = match format {
        Format::DecimalExponent | Format::DecimalSI => 18 - digits,
        Format::BinarySI if parts.denom.is_empty() => {
            15 - parts.num.len() as i64 - i64::from(exponent) * 3 / 10 - 1
        }
        Format::BinarySI => -1,
    };
    if precision < 0 {
        return false;
    }
    let base_scale = if format == Format::BinarySI {
        0
    } else {
        i64::from(exponent)
    };
    let scale = base_scale - parts.denom.len() as i64;
    if scale < -9 {
        return false;
    }
    let shifted = format!("{}{}", parts.num, parts.denom);
    let Ok(value) = shifted.parse::<i64>() else {
        return false;
    };
    let mantissa: i64 = if format == Format::BinarySI {
        1i64.checked_shl(exponent.unsigned_abs()).unwrap_or(0)
    } else {
        1
    };
    if value.checked_mul(mantissa).is_none() || mantissa == 0 {
        return false;
    }
    match format {
        Format::BinarySI => exponent % 10 == 0 && value & 0x07 != 0,
        _ => scale % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0'),
    }
}

/// `resource.ParseQuantity`.
pub(super) fn parse(input: &str) -> Result<Quantity, Error> {
    let err = |reason| Error::InvalidQuantity {
        input: input.to_string(),
        reason,
    };
    if input.is_empty() {
        return Err(err(ERR_FORMAT_WRONG));
    }
    if input == "0" {
        return Ok(Quantity::zero());
    }
    let parts = scan(input).map_err(err)?;
    let (base, exponent, parsed_format) = interpret(parts.suffix).ok_or(err(ERR_SUFFIX))?;
    let mut format = parsed_format;
    let mut magnitude = match magnitude_nanos(parts.num, parts.denom, base, exponent) {
        None if parts.num == "0" && parts.denom.bytes().all(|c| c == b'0') => 0,
        None => return Err(err(ERR_RANGE)),
        Some(m) => m,
    };
    if format == Format::BinarySI {
        // Go caps BinarySI at 2^63-1 and writes values in (0, 1) as DecimalSI.
        let cap = u128::from(i64::MAX.unsigned_abs()) * NANOS_PER_UNIT.unsigned_abs();
        magnitude = magnitude.min(cap);
        if magnitude > 0 && magnitude < NANOS_PER_UNIT.unsigned_abs() {
            format = Format::DecimalSI;
        }
    }
    let magnitude = i128::try_from(magnitude).map_err(|_| err(ERR_RANGE))?;
    let nanos = if parts.negative {
        -magnitude
    } else {
        magnitude
    };
    let text = keeps_text(&parts, exponent, parsed_format).then(|| input.into());
    Ok(Quantity {
        nanos,
        format,
        text,
    })
}
