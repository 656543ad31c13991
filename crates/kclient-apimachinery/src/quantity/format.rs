//! The canonical string form of a quantity, ported from `Quantity.CanonicalizeBytes`: no
//! fractional digits, the largest exponent (or suffix) that loses no precision, and the
//! quantity's format kept where it can be (`1.5Gi` → `1536Mi`, `0.5` → `500m`, `1e3` → `1e3`).

use super::{Format, NANOS_PER_UNIT};

fn decimal_si_suffix(exponent: i32) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

fn binary_si_suffix(power_of_1024: u32) -> Option<&'static str> {
    Some(match power_of_1024 {
        0 => "",
        1 => "Ki",
        2 => "Mi",
        3 => "Gi",
        4 => "Ti",
        5 => "Pi",
        6 => "Ei",
        _ => return None,
    })
}

/// Mantissa and base-10 exponent of `magnitude` nano-units with all factors of ten moved to the
/// exponent and the exponent then lowered to a multiple of three (`AsCanonicalBytes`).
fn decimal_parts(magnitude: u128) -> (u128, i32) {
    let mut mantissa = magnitude;
    let mut exponent: i32 = -9;
    while mantissa != 0 && mantissa.is_multiple_of(10) {
        mantissa /= 10;
        exponent += 1;
    }
    while exponent.rem_euclid(3) != 0 {
        // Never overflows: this at most undoes two of the divisions above.
        mantissa *= 10;
        exponent -= 1;
    }
    (mantissa, exponent)
}

/// Writes a decimal mantissa/exponent pair with the suffix of `format` (DecimalSI or
/// DecimalExponent); exponents DecimalSI has no suffix for fall back to `eN`, as Go now does.
fn write_decimal(out: &mut String, magnitude: u128, format: Format) {
    let (mantissa, exponent) = decimal_parts(magnitude);
    out.push_str(&mantissa.to_string());
    let si = match format {
        Format::DecimalSI => decimal_si_suffix(exponent),
        _ => None,
    };
    match si {
        Some(suffix) => out.push_str(suffix),
        None if exponent == 0 => {}
        None => out.push_str(&format!("e{exponent}")),
    }
}

/// The canonical form of `nanos` nano-units written in `format`.
pub(super) fn canonical(nanos: i128, format: Format) -> String {
    if nanos == 0 {
        return "0".to_string();
    }
    let mut out = String::new();
    if nanos < 0 {
        out.push('-');
    }
    let magnitude = nanos.unsigned_abs();
    let unit = NANOS_PER_UNIT.unsigned_abs();
    let mut format = format;
    if format == Format::BinarySI && (magnitude < 1024 * unit || !magnitude.is_multiple_of(unit)) {
        // Small or fractional binary values are written as DecimalSI (no rounding, no confusion).
        format = Format::DecimalSI;
    }
    if format != Format::BinarySI {
        write_decimal(&mut out, magnitude, format);
        return out;
    }
    let mut mantissa = magnitude / unit;
    let mut power = 0u32;
    while mantissa.is_multiple_of(1024) {
        mantissa /= 1024;
        power += 1;
    }
    match binary_si_suffix(power) {
        Some(suffix) => {
            out.push_str(&mantissa.to_string());
            out.push_str(suffix);
        }
        // Beyond Ei there is no binary suffix: write the exact decimal value.
        None => write_decimal(&mut out, magnitude, Format::DecimalExponent),
    }
    out
}
