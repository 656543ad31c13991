//! Quantity tests: Go's own parse/format tables (`quantity_test.go`) plus property tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use super::*;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// `mantissa × 10^exp` in nano-units.
fn dec(mantissa: i128, exp: i32) -> i128 {
    let shift = exp + 9;
    assert!(shift >= 0);
    mantissa * 10i128.pow(shift as u32)
}

const MAX_ALLOWED: i128 = (i64::MAX as i128) * NANOS_PER_UNIT;

#[test]
fn parses_go_table() {
    use Format::*;
    let table: &[(&str, i128, Format)] = &[
        ("0", 0, DecimalSI),
        ("0n", 0, DecimalSI),
        ("0u", 0, DecimalSI),
        ("0m", 0, DecimalSI),
        ("0Ki", 0, BinarySI),
        ("0k", 0, DecimalSI),
        ("0Mi", 0, BinarySI),
        ("0M", 0, DecimalSI),
        ("0Gi", 0, BinarySI),
        ("0G", 0, DecimalSI),
        ("0Ti", 0, BinarySI),
        ("0T", 0, DecimalSI),
        ("1", dec(1, 0), DecimalSI),
        ("1Ki", dec(1024, 0), BinarySI),
        ("8Ki", dec(8 * 1024, 0), BinarySI),
        ("7Mi", dec(7 << 20, 0), BinarySI),
        ("6Gi", dec(6 << 30, 0), BinarySI),
        ("5Ti", dec(5 << 40, 0), BinarySI),
        ("4Pi", dec(4 << 50, 0), BinarySI),
        ("3Ei", dec(3 << 60, 0), BinarySI),
        ("10Ti", dec(10 << 40, 0), BinarySI),
        ("100Ti", dec(100 << 40, 0), BinarySI),
        ("5n", dec(5, -9), DecimalSI),
        ("4u", dec(4, -6), DecimalSI),
        ("3m", dec(3, -3), DecimalSI),
        ("9", dec(9, 0), DecimalSI),
        ("8k", dec(8, 3), DecimalSI),
        ("50k", dec(5, 4), DecimalSI),
        ("7M", dec(7, 6), DecimalSI),
        ("6G", dec(6, 9), DecimalSI),
        ("5T", dec(5, 12), DecimalSI),
        ("40T", dec(4, 13), DecimalSI),
        ("300T", dec(3, 14), DecimalSI),
        ("2P", dec(2, 15), DecimalSI),
        ("1E", dec(1, 18), DecimalSI),
        ("1E-3", dec(1, -3), DecimalExponent),
        ("1e3", dec(1, 3), DecimalExponent),
        ("1E6", dec(1, 6), DecimalExponent),
        ("1e9", dec(1, 9), DecimalExponent),
        ("1E12", dec(1, 12), DecimalExponent),
        ("1e15", dec(1, 15), DecimalExponent),
        ("1E18", dec(1, 18), DecimalExponent),
        ("1e14", dec(1, 14), DecimalExponent),
        ("1e13", dec(1, 13), DecimalExponent),
        ("100.035k", dec(100035, 0), DecimalSI),
        ("0.001", dec(1, -3), DecimalSI),
        ("0.0005k", dec(5, -1), DecimalSI),
        ("0.005", dec(5, -3), DecimalSI),
        ("0.05", dec(5, -2), DecimalSI),
        ("0.5", dec(5, -1), DecimalSI),
        ("0.00050k", dec(5, -1), DecimalSI),
        ("0.00500", dec(5, -3), DecimalSI),
        ("0.05000", dec(5, -2), DecimalSI),
        ("0.50000", dec(5, -1), DecimalSI),
        ("0.5e0", dec(5, -1), DecimalExponent),
        ("0.5e-1", dec(5, -2), DecimalExponent),
        ("0.5e-2", dec(5, -3), DecimalExponent),
        ("10.035M", dec(10035, 3), DecimalSI),
        ("1.2e3", dec(12, 2), DecimalExponent),
        ("1.3E+6", dec(13, 5), DecimalExponent),
        ("1.40e9", dec(14, 8), DecimalExponent),
        ("1.53E12", dec(153, 10), DecimalExponent),
        ("1.6e15", dec(16, 14), DecimalExponent),
        ("1.7E18", dec(17, 17), DecimalExponent),
        ("9.01", dec(901, -2), DecimalSI),
        ("8.1k", dec(81, 2), DecimalSI),
        ("7.123456M", dec(7123456, 0), DecimalSI),
        ("6.987654321G", dec(6987654321, 0), DecimalSI),
        ("5.444T", dec(5444, 9), DecimalSI),
        ("40.1T", dec(401, 11), DecimalSI),
        ("300.2T", dec(3002, 11), DecimalSI),
        ("2.5P", dec(25, 14), DecimalSI),
        ("1.01E", dec(101, 16), DecimalSI),
        // Things that saturate or round.
        ("3.001n", dec(4, -9), DecimalSI),
        ("1.1E-9", dec(2, -9), DecimalExponent),
        ("0.0000000001", dec(1, -9), DecimalSI),
        ("0.0000000005", dec(1, -9), DecimalSI),
        ("0.00000000050", dec(1, -9), DecimalSI),
        ("0.5e-9", dec(1, -9), DecimalExponent),
        ("0.9n", dec(1, -9), DecimalSI),
        ("0.00000012345", dec(124, -9), DecimalSI),
        ("0.00000012354", dec(124, -9), DecimalSI),
        ("9Ei", MAX_ALLOWED, BinarySI),
        ("9223372036854775807Ki", MAX_ALLOWED, BinarySI),
        ("12E", dec(12, 18), DecimalSI),
        // Fractional binary values.
        ("100.035Ki", dec(10243584, -2), BinarySI),
        ("0.5Mi", dec(524288, 0), BinarySI),
        ("0.05Gi", dec(536870912, -1), BinarySI),
        ("0.025Ti", dec(274877906944, -1), BinarySI),
        // "Things written by trolls".
        ("0.000000000001Ki", dec(2, -9), DecimalSI),
        (".001", dec(1, -3), DecimalSI),
        (".0001k", dec(100, -3), DecimalSI),
        ("1.", dec(1, 0), DecimalSI),
        ("1.G", dec(1, 9), DecimalSI),
        (".", 0, DecimalSI),
    ];
    for &(input, nanos, format) in table {
        for (prefix, sign) in [("", 1), ("-", -1), ("+", 1)] {
            let text = format!("{prefix}{input}");
            let got = q(&text);
            assert_eq!(got.as_nanos(), sign * nanos, "{text}");
            assert_eq!(got.format(), format, "{text}");
        }
    }
}

#[test]
fn rejects_go_invalid_table_with_go_messages() {
    for bad in [
        "1.1.M",
        "1+1.0M",
        "0.1mi",
        "0.1am",
        "aoeu",
        ".5i",
        "1i",
        "-3.01i",
        "-3.01e-",
        "1e4294967297",
        " 1",
        "1 ",
        "",
        "1e",
        "1Ki1",
        "1é",
    ] {
        let err = Quantity::parse(bad).unwrap_err();
        assert!(matches!(err, Error::InvalidQuantity { .. }), "{bad}: {err}");
    }
    let reason = |s: &str| match Quantity::parse(s).unwrap_err() {
        Error::InvalidQuantity { reason, .. } => reason,
        other => panic!("{other}"),
    };
    assert_eq!(
        reason("1 "),
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    );
    assert_eq!(reason("1i"), "unable to parse quantity's suffix");
    assert_eq!(reason("1e2147483648"), "unable to parse quantity's suffix");
    assert!(reason("1e30").contains("out of the supported range"));
}

#[test]
fn canonical_strings_match_go() {
    use Format::*;
    // (value in nanos, format, expected canonical, alternate spelling)
    let table: &[(i128, Format, &str, &str)] = &[
        (dec(1 << 30, 0), BinarySI, "1Gi", "1024Mi"),
        (dec(300 << 20, 0), BinarySI, "300Mi", "307200Ki"),
        (dec(6 * 1024, 0), BinarySI, "6Ki", ""),
        (dec(1001 << 30, 0), BinarySI, "1001Gi", "1025024Mi"),
        (dec(1 << 40, 0), BinarySI, "1Ti", "1024Gi"),
        (dec(5, 0), BinarySI, "5", "5000m"),
        (dec(500, -3), BinarySI, "500m", "0.5"),
        (dec(1, 9), DecimalSI, "1G", "1000M"),
        (dec(1000, 6), DecimalSI, "1G", "0.001T"),
        (dec(1000000, 3), DecimalSI, "1G", ""),
        (dec(1000000000, 0), DecimalSI, "1G", ""),
        (dec(1, -3), DecimalSI, "1m", "1000u"),
        (dec(80, -3), DecimalSI, "80m", ""),
        (dec(1080, -3), DecimalSI, "1080m", "1.08"),
        (dec(108, -2), DecimalSI, "1080m", "1080000000n"),
        (dec(10800, -4), DecimalSI, "1080m", ""),
        (dec(300, 6), DecimalSI, "300M", ""),
        (dec(1, 12), DecimalSI, "1T", ""),
        (dec(1, 18), DecimalSI, "1E", ""),
        (dec(1, 21), DecimalSI, "1e21", "1000E"),
        (dec(5, 21), DecimalSI, "5e21", "5000E"),
        (dec(1, 24), DecimalSI, "1e24", "1000000E"),
        (dec(1234567, 6), DecimalSI, "1234567M", ""),
        (dec(1234567, -3), BinarySI, "1234567m", ""),
        (dec(3, 3), DecimalSI, "3k", ""),
        (dec(1025, 0), BinarySI, "1025", ""),
        (0, DecimalSI, "0", ""),
        (0, BinarySI, "0", ""),
        (dec(1, 9), DecimalExponent, "1e9", ".001e12"),
        (dec(1, -3), DecimalExponent, "1e-3", "0.001e0"),
        (dec(1, -9), DecimalExponent, "1e-9", "1000e-12"),
        (dec(80, -3), DecimalExponent, "80e-3", ""),
        (dec(300, 6), DecimalExponent, "300e6", ""),
        (dec(1, 12), DecimalExponent, "1e12", ""),
        (dec(1, 3), DecimalExponent, "1e3", ""),
        (dec(3, 3), DecimalExponent, "3e3", ""),
        (0, DecimalExponent, "0", "00"),
        (dec(1, -9), DecimalSI, "1n", ""),
        (dec(80, -9), DecimalSI, "80n", ""),
        (dec(1080, -9), DecimalSI, "1080n", ""),
        (dec(108, -8), DecimalSI, "1080n", ""),
        (dec(1080, -9), DecimalSI, "1080n", "0.00000108"),
        (dec(1, -6), DecimalSI, "1u", ""),
        (dec(80, -6), DecimalSI, "80u", ""),
        (dec(1080, -6), DecimalSI, "1080u", ""),
    ];
    for &(nanos, format, expect, alternate) in table {
        let value = Quantity::from_nanos(nanos, format);
        assert_eq!(value.to_string(), expect, "{nanos} {format}");
        assert_eq!(q(expect).to_string(), expect);
        assert_eq!(q(expect), value);
        if !alternate.is_empty() {
            assert_eq!(q(alternate).to_string(), expect, "{alternate}");
        }
        if nanos != 0 {
            assert_eq!(value.neg().to_string(), format!("-{expect}"));
        }
    }
    // BinarySI values that are not a multiple of 1024 are written as plain integers.
    assert_eq!(
        Quantity::from_nanos(dec(2000, 0), BinarySI).to_string(),
        "2000"
    );
    assert_eq!(
        Quantity::from_nanos(dec(-2000, 0), BinarySI).to_string(),
        "-2000"
    );
    // Past Ei there is no binary suffix: the exact decimal value is written.
    let two_pow_70 = q("1Ei").checked_mul(1024).unwrap();
    assert_eq!(two_pow_70.to_string(), "1180591620717411303424");
    assert_eq!(q(&two_pow_70.to_string()), two_pow_70);
}

#[test]
fn parse_then_print_matches_go() {
    let table = [
        ("1Ki", "1Ki"),
        ("1Mi", "1Mi"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
        // The examples of the brief.
        ("1.5Gi", "1536Mi"),
        ("0.5", "500m"),
        ("1000m", "1"),
        ("100M", "100M"),
        ("1e3", "1e3"),
        ("1.5", "1500m"),
        ("10e2", "1e3"),
        ("2048Ki", "2Mi"),
        ("1536Ki", "1536Ki"),
    ];
    for (input, expect) in table {
        assert_eq!(q(input).to_string(), expect, "{input}");
        let negative = q(&format!("-{input}"));
        assert_eq!(negative.to_string(), format!("-{expect}"), "-{input}");
    }
}

#[test]
fn keeps_input_text_exactly_when_go_does() {
    // Go's fast path reuses the input string for these; the value is unaffected.
    for kept in [
        "+1", "01", "1E3", "1e+3", "1.500", "1.555k", "+1Ki", "1025Ki",
    ] {
        assert_eq!(q(kept).to_string(), kept);
    }
    assert_eq!(q("1.500").canonical(), "1500m");
    assert_eq!(q("1E3").canonical(), "1e3");
    assert_eq!(q("+1").canonical(), "1");
    // ...and not for these.
    for (input, expect) in [("1.0", "1"), ("0.5", "500m"), ("8Ki", "8Ki"), ("0Ki", "0")] {
        assert_eq!(q(input).to_string(), expect);
    }
    // Arithmetic and format changes drop the kept text.
    assert_eq!(
        q("1.500").with_format(Format::DecimalSI).to_string(),
        "1500m"
    );
    assert_eq!(
        q("+1").checked_add(&Quantity::zero()).unwrap().to_string(),
        "1"
    );
}

#[test]
fn ordering_and_equality_are_by_value() {
    assert_eq!(q("1Gi"), q("1024Mi"));
    assert_eq!(q("1"), q("1000m"));
    assert!(q("1k") < q("1Ki"));
    assert!(q("10000T") > q("100Gi"));
    assert!(q("-1") < q("0"));
    assert!(q("50m") < q("100m"));
    let mut v = [q("1Gi"), q("500m"), q("2"), q("1e3")];
    v.sort();
    let sorted: Vec<String> = v.iter().map(ToString::to_string).collect();
    assert_eq!(sorted, ["500m", "2", "1e3", "1Gi"]);
    let set: std::collections::HashSet<Quantity> = [q("1"), q("1000m")].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn arithmetic_keeps_formats_like_go() {
    let zero = Quantity::zero();
    for value in ["100m", "1Gi"] {
        assert_eq!(q(value).checked_add(&zero).unwrap().to_string(), value);
        assert_eq!(zero.checked_add(&q(value)).unwrap().to_string(), value);
        assert_eq!(q(value).checked_sub(&zero).unwrap().to_string(), value);
        assert_eq!(
            zero.checked_sub(&q(value)).unwrap().to_string(),
            format!("-{value}")
        );
    }
    assert_eq!(
        q("1Gi").checked_add(&q("512Mi")).unwrap().to_string(),
        "1536Mi"
    );
    assert_eq!(q("1").checked_sub(&q("250m")).unwrap().to_string(), "750m");
    let big = Quantity::from_nanos(i128::MAX - 1, Format::DecimalSI);
    assert!(matches!(
        big.checked_add(&q("1")),
        Err(Error::QuantityOverflow { operation: "add" })
    ));
    assert!(big.neg().checked_sub(&q("1")).is_err());
    assert!(big.checked_mul(2).is_err());
}

#[test]
fn value_accessors_round_away_from_zero() {
    assert_eq!(q("1500m").value().unwrap(), 2);
    assert_eq!(q("-1500m").value().unwrap(), -2);
    assert_eq!(q("1500m").milli_value().unwrap(), 1500);
    assert_eq!(q("1n").milli_value().unwrap(), 1);
    assert_eq!(q("2Ki").value().unwrap(), 2048);
    assert_eq!(q("1.5").as_i64(), None);
    assert_eq!(q("1000m").as_i64(), Some(1));
    assert_eq!(q("9.01").scaled_value(-2).unwrap(), 901);
    assert_eq!(q("9.01").scaled_value(1).unwrap(), 1);
    assert_eq!(q("1").scaled_value(-9).unwrap(), 1_000_000_000);
    assert!(q("1e20").value().is_err());
    assert!(q("1").scaled_value(-30).is_err());
    assert_eq!(q("1").scaled_value(40).unwrap(), 1);
    assert!((q("1.5Gi").as_f64() - 1_610_612_736.0).abs() < 1e-3);
    assert_eq!(Quantity::from_i64(5, Format::BinarySI).to_string(), "5");
    assert_eq!(
        Quantity::from_milli(1500, Format::DecimalSI).to_string(),
        "1500m"
    );
    assert_eq!(Quantity::from_scaled(3, 3).unwrap().to_string(), "3k");
    assert_eq!(Quantity::from_scaled(1, -12).unwrap().to_string(), "1n");
    assert!(Quantity::from_scaled(1, 40).is_err());
    assert!(Quantity::from_scaled(1, i32::MAX).is_err());
    assert_eq!(
        Quantity::from_scaled(-1, i32::MIN).unwrap().to_string(),
        "-1n"
    );
    assert!(Quantity::from_scaled(0, i32::MAX).unwrap().is_zero());
    assert_eq!(Quantity::zero().scaled_value(i32::MIN).unwrap(), 0);
    assert_eq!(q("1").scaled_value(i32::MAX).unwrap(), 1);
    assert_eq!(q("-5").signum(), -1);
}

#[test]
fn serde_uses_strings_and_accepts_numbers() {
    assert_eq!(serde_json::to_string(&q("1.5Gi")).unwrap(), r#""1536Mi""#);
    let from_string: Quantity = serde_json::from_str(r#"" 250m ""#).unwrap();
    assert_eq!(from_string.to_string(), "250m");
    let from_int: Quantity = serde_json::from_str("3").unwrap();
    assert_eq!(from_int.to_string(), "3");
    let from_float: Quantity = serde_json::from_str("0.5").unwrap();
    assert_eq!(from_float.to_string(), "500m");
    let from_null: Quantity = serde_json::from_str("null").unwrap();
    assert!(from_null.is_zero());
    let err = serde_json::from_str::<Quantity>(r#""12 apples""#).unwrap_err();
    assert!(err.to_string().contains("invalid quantity"), "{err}");
    assert!(serde_json::from_str::<Quantity>("true").is_err());
    let map: std::collections::BTreeMap<String, Quantity> =
        serde_json::from_str(r#"{"cpu":"100m","memory":"128Mi"}"#).unwrap();
    assert_eq!(map["memory"].value().unwrap(), 128 << 20);
}

/// A random well-formed quantity string.
fn quantity_string() -> impl Strategy<Value = String> {
    let suffix = prop::sample::select(vec![
        "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3",
        "E-3", "e0", "e9", "e-9", "e12", "e-12",
    ]);
    (
        prop::sample::select(vec!["", "-", "+"]),
        "[0-9]{0,10}",
        prop::option::of("[0-9]{0,10}"),
        suffix,
    )
        .prop_map(|(sign, int, frac, suffix)| {
            let mut s = format!("{sign}{int}");
            if let Some(frac) = frac {
                s.push('.');
                s.push_str(&frac);
            }
            s.push_str(suffix);
            s
        })
        .prop_filter("the empty string is not a quantity", |s| !s.is_empty())
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,24}") {
        let _ = Quantity::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_quantity_alphabet(s in "[-+0-9.eEinumkKMGTP]{0,30}") {
        let _ = Quantity::parse(&s);
    }

    #[test]
    fn printed_form_round_trips_and_is_stable(s in quantity_string()) {
        let parsed = Quantity::parse(&s).unwrap();
        let printed = parsed.to_string();
        let reparsed = Quantity::parse(&printed).unwrap();
        prop_assert_eq!(&reparsed, &parsed, "{} -> {}", s, printed);
        prop_assert_eq!(reparsed.to_string(), printed.clone());

        let canonical = parsed.canonical();
        let from_canonical = Quantity::parse(&canonical).unwrap();
        prop_assert_eq!(&from_canonical, &parsed, "{} -> {}", s, canonical);
        prop_assert_eq!(from_canonical.to_string(), canonical.clone());
        prop_assert_eq!(from_canonical.canonical(), canonical.clone());
        // Canonical forms have no fractional digits.
        prop_assert!(!canonical.contains('.'), "{}", canonical);
    }

    #[test]
    fn add_then_sub_is_identity(a in quantity_string(), b in quantity_string()) {
        let (a, b) = (Quantity::parse(&a).unwrap(), Quantity::parse(&b).unwrap());
        let sum = a.checked_add(&b).unwrap();
        prop_assert_eq!(sum.checked_sub(&b).unwrap(), a.clone());
        prop_assert_eq!(a.cmp(&b), a.as_nanos().cmp(&b.as_nanos()));
    }
}
